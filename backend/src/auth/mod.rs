//! Who is calling: personal access tokens (Bearer, or HTTP Basic `@token:<token>` as older
//! Nextflow clients send), signed JWTs (Bearer), and browser sessions (the `JWT` cookie, see
//! [`session`]). Also the permission checks shared by every handler.

pub mod cache;
pub mod email_link;
pub mod jwt;
pub mod oidc;
pub mod permissions;
pub mod ratelimit;
pub mod session;
pub mod token;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;

use crate::cache::Cache;
use crate::config::{Config, RootUser};
use crate::domain::time::now_millis;
use crate::error::ApiError;
use crate::store::{self, user::User, Db};

/// `lastUsed` is written at most this often per token, not on every request.
const LAST_USED_RESOLUTION_MS: i64 = 5 * 60 * 1000;

/// What sign-in and the caller checks need of the application: a sub-state of the application
/// state (axum's `FromRef`), so this module never names the whole of it.
#[derive(Clone)]
pub struct AuthState {
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: Arc<cache::TokenCache>,
    /// The OpenID provider's discovery document, fetched on first use.
    pub oidc: Arc<oidc::Discovery>,
    /// The shared cache, for the rate limit counters.
    pub cache: Arc<dyn Cache>,
}

/// An authenticated caller. Handlers that take it reject anonymous and invalid credentials
/// with 401; a bad token is never silently treated as anonymous.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token_id: Option<i64>,
    pub is_root: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller
where
    AuthState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AuthState::from_ref(state);
        // An Authorization header wins over a session cookie; Bearer and Basic callers are not
        // exposed to CSRF, so only the cookie path checks the XSRF header.
        let caller = match parts.headers.get(AUTHORIZATION) {
            Some(header) => authenticate(state, header.to_str().map_err(|_| invalid())?).await?,
            None => match session::cookie(&parts.headers, session::ACCESS_COOKIE) {
                Some(jwt) => session::authenticate_cookie(state, parts, jwt).await?,
                None => return Err(ApiError::Unauthorized("Missing access token: send 'Authorization: Bearer <token>'".into())),
            },
        };
        // The audit log reads who acted after the handler ran.
        if let Some(slot) = parts.extensions.get::<crate::domain::audit::ActorSlot>() {
            slot.set(crate::domain::audit::Actor { user_id: caller.user.id, token_id: caller.token_id, is_root: caller.is_root });
        }
        ratelimit::check(state, &caller).await?;
        Ok(caller)
    }
}

fn invalid() -> ApiError {
    ApiError::Unauthorized("Invalid or expired access token".into())
}

/// Resolves an `Authorization` header value to a caller.
pub async fn authenticate(state: &AuthState, header: &str) -> Result<Caller, ApiError> {
    let (scheme, value) = header.trim().split_once(' ').ok_or_else(invalid)?;
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        // Nextflow's own rule: exactly two dots is a JWT (base64 tokens contain no dots).
        if value.matches('.').count() == 2 {
            let (user, _) = session::verify_access(state, value).await?;
            return Ok(caller(state, user, None));
        }
        personal_token(state, value).await
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(value).map_err(|_| invalid())?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
        match decoded.split_once(':') {
            Some(("@token", token)) => personal_token(state, token).await,
            _ => Err(invalid()),
        }
    } else {
        Err(invalid())
    }
}

fn caller(state: &AuthState, user: User, token_id: Option<i64>) -> Caller {
    let is_root = is_root(&state.config.root_users, &user);
    Caller { user, token_id, is_root }
}

async fn personal_token(state: &AuthState, value: &str) -> Result<Caller, ApiError> {
    let parsed = token::parse(value).ok_or_else(invalid)?;
    let cached = match state.tokens.get(parsed.id) {
        Some(c) => c,
        None => {
            let stored = store::token::find(&state.db, parsed.id).await?.ok_or_else(invalid)?;
            let user = store::user::find_by_id(&state.db, stored.user_id).await?.ok_or_else(invalid)?;
            state.tokens.put(stored.id, stored.secret_hash, user, stored.last_used);
            state.tokens.get(parsed.id).ok_or_else(invalid)?
        }
    };
    if !token::secret_matches(&parsed.secret, &cached.secret_hash) {
        return Err(invalid());
    }
    let now = now_millis();
    if cached.last_used.is_none_or(|t| now - t > LAST_USED_RESOLUTION_MS) {
        state.tokens.set_last_used(parsed.id, now);
        let db = state.db.clone();
        let id = parsed.id;
        tokio::spawn(async move {
            if let Err(e) = store::token::touch_last_used(&db, id, now).await {
                tracing::warn!(error = %e, "cannot record token use");
            }
        });
    }
    Ok(caller(state, cached.user, Some(parsed.id)))
}

pub fn is_root(root_users: &[RootUser], user: &User) -> bool {
    root_users.iter().any(|r| match r {
        RootUser::Id(id) => *id == user.id,
        RootUser::Email(e) => e.eq_ignore_ascii_case(&user.email),
    })
}
