//! Browser sessions: a short-lived signed JWT in the HttpOnly cookie `JWT`, a rotating opaque
//! refresh token in the HttpOnly cookie `JWT_REFRESH_TOKEN` (the names Micronaut uses and
//! Nextflow's refresh reads), and a readable `XSRF-TOKEN` cookie that cookie-authenticated writes
//! echo in the `X-XSRF-TOKEN` header. Sessions live in `tw_session` (refresh token hashes only),
//! so signing out or a detected refresh-token replay ends them at once, for cookie and Bearer use.
//!
//! SameSite=Lax rather than Strict: the OIDC callback and the e-mail link are top-level
//! navigations from another site that must carry (or set) these cookies, and links to a run from
//! mail, chat or Nextflow's console should open signed in. Lax still keeps the cookies off
//! cross-site subrequests and POSTs, GET handlers change nothing, and every cookie-authenticated
//! write must carry the XSRF header, which another site cannot read or set.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::AuthState;
use super::{caller, invalid, jwt, token::hash_secret, Caller};
use crate::config::Config;
use crate::domain::ids::random_hex;
use crate::domain::time::now_millis;
use crate::error::ApiError;
use crate::store::{self, session::Rotation, user::User};

pub const ACCESS_COOKIE: &str = "JWT";
pub const REFRESH_COOKIE: &str = "JWT_REFRESH_TOKEN";
pub const XSRF_COOKIE: &str = "XSRF-TOKEN";
pub const XSRF_HEADER: &str = "X-XSRF-TOKEN";

/// A refresh token that was rotated away less than this long ago is refused without ending the
/// session: two tabs refreshing at once is not theft.
const REUSE_GRACE_MS: i64 = 30_000;

/// How a session was started, as recorded in `tw_session.method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    Oidc,
    Email,
    Token,
}

impl SignInMethod {
    fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Oidc => "oidc",
            SignInMethod::Email => "email",
            SignInMethod::Token => "token",
        }
    }
}

/// The claims of a session's access JWT. `sid` ties it to a live `tw_session` row.
#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<i64>,
}

/// What a sign-in or a refresh hands out.
#[derive(Debug, Clone)]
pub struct Issued {
    pub session_id: i64,
    pub access_token: String,
    pub refresh_token: String,
    pub xsrf_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
}

/// Starts a session for a user and mints its tokens.
pub async fn start(state: &AuthState, user: &User, method: SignInMethod) -> Result<Issued, ApiError> {
    let cfg = &state.config.auth;
    let now = now_millis();
    let refresh_token = random_hex(32);
    let expires = now + cfg.refresh_token_ttl.as_millis() as i64;
    let session_id = store::session::create(&state.db, user.id, method.as_str(), &hash_secret(&refresh_token), now, expires).await?;
    if let Err(e) = store::user::touch_last_access(&state.db, user.id, now).await {
        tracing::warn!(error = %e, "cannot record the sign-in time");
    }
    tracing::info!(user_id = user.id, session_id, method = method.as_str(), "session started");
    Ok(issue(&state.config, user.id, session_id, refresh_token, now))
}

fn issue(config: &Config, user_id: i64, session_id: i64, refresh_token: String, now_ms: i64) -> Issued {
    let now = now_ms / 1000;
    let ttl = config.auth.access_token_ttl.as_secs() as i64;
    let claims = AccessClaims { sub: user_id.to_string(), exp: now + ttl, iat: now, sid: Some(session_id) };
    Issued {
        session_id,
        access_token: jwt::sign(&claims, &config.jwt_secret),
        refresh_token,
        xsrf_token: xsrf_token(&config.jwt_secret, session_id),
        expires_in: ttl,
    }
}

/// Exchanges a refresh token for new tokens; the old refresh token stops working. Presenting a
/// token that was rotated away a while ago means two parties hold it, so the session ends.
pub async fn refresh(state: &AuthState, refresh_token: &str) -> Result<(Issued, User), ApiError> {
    let expired = || ApiError::Unauthorized("Invalid, expired or revoked refresh token".into());
    let now = now_millis();
    let new_token = random_hex(32);
    let expires = now + state.config.auth.refresh_token_ttl.as_millis() as i64;
    match store::session::rotate(&state.db, &hash_secret(refresh_token.trim()), &hash_secret(&new_token), now, expires).await? {
        Rotation::Rotated(session) => {
            let Some(user) = store::user::find_by_id(&state.db, session.user_id).await? else {
                store::session::delete(&state.db, session.id).await?;
                return Err(expired());
            };
            Ok((issue(&state.config, user.id, session.id, new_token, now), user))
        }
        Rotation::Superseded { session_id, age_ms } if age_ms > REUSE_GRACE_MS => {
            tracing::warn!(session_id, "a rotated refresh token was presented again: ending the session");
            store::session::delete(&state.db, session_id).await?;
            Err(expired())
        }
        Rotation::Superseded { .. } | Rotation::Invalid => Err(expired()),
    }
}

/// Ends a session; the user it was of, if it was live. Unknown or already ended sessions are fine.
pub async fn end(state: &AuthState, session_id: i64) -> Result<Option<i64>, ApiError> {
    let user = store::session::find_active(&state.db, session_id, now_millis()).await?.map(|s| s.user_id);
    if store::session::delete(&state.db, session_id).await? {
        tracing::info!(session_id, "session ended");
    }
    Ok(user)
}

/// The session a refresh token belongs to, if it is live.
pub async fn session_of_refresh_token(state: &AuthState, refresh_token: &str) -> Result<Option<i64>, ApiError> {
    let s = store::session::find_by_refresh_hash(&state.db, &hash_secret(refresh_token.trim()), now_millis()).await?;
    Ok(s.map(|s| s.id))
}

/// The session of a well-signed access JWT, expired or not (to sign out with an expired one).
pub fn session_of_access_token(secret: &str, token: &str) -> Option<i64> {
    jwt::verify_as::<AccessClaims>(token, secret)?.sid
}

/// Verifies an access JWT (cookie or Bearer): signature, expiry, and, when it belongs to a
/// session, that the session is still live. Returns the user and the session id.
pub async fn verify_access(state: &AuthState, token: &str) -> Result<(User, Option<i64>), ApiError> {
    let claims: AccessClaims = jwt::verify_as(token, &state.config.jwt_secret).ok_or_else(invalid)?;
    let now = now_millis();
    if claims.exp <= now / 1000 {
        return Err(invalid());
    }
    let user_id = claims.sub.parse::<i64>().map_err(|_| invalid())?;
    if let Some(sid) = claims.sid {
        let session = store::session::find_active(&state.db, sid, now).await?.ok_or_else(invalid)?;
        if session.user_id != user_id {
            return Err(invalid());
        }
    }
    let user = store::user::find_by_id(&state.db, user_id).await?.ok_or_else(invalid)?;
    Ok((user, claims.sid))
}

/// Authenticates a request by its `JWT` cookie. Requests that may change data must also carry
/// the XSRF header.
pub(super) async fn authenticate_cookie(state: &AuthState, parts: &Parts, token: &str) -> Result<Caller, ApiError> {
    let expired = || ApiError::Unauthorized("Session expired or signed out: sign in again".into());
    let (user, sid) = verify_access(state, token).await.map_err(|_| expired())?;
    // Only session JWTs are accepted from a cookie: they are the ones the XSRF token is bound to.
    let sid = sid.ok_or_else(expired)?;
    if !is_safe(&parts.method) {
        check_xsrf(&parts.headers, &state.config.jwt_secret, sid)?;
    }
    Ok(caller(state, user, None))
}

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The XSRF token of a session: derived from it with the JWT secret, so a cookie planted by
/// another site or subdomain is worthless.
fn xsrf_token(secret: &str, session_id: i64) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    m.update(format!("xsrf:{session_id}").as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// The `X-XSRF-TOKEN` header must equal the `XSRF-TOKEN` cookie and belong to the session.
pub fn check_xsrf(headers: &HeaderMap, secret: &str, session_id: i64) -> Result<(), ApiError> {
    let refused = || {
        ApiError::forbidden(format!(
            "Missing or invalid {XSRF_HEADER} header: requests authenticated by the session cookie that change data must \
             repeat the value of the {XSRF_COOKIE} cookie in this header"
        ))
    };
    let header = headers.get(XSRF_HEADER).and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
    let cookie = cookie(headers, XSRF_COOKIE).ok_or_else(refused)?;
    let expected = xsrf_token(secret, session_id);
    if constant_time_eq(header.as_bytes(), cookie.as_bytes()) && constant_time_eq(header.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(refused())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of a request cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value with our attributes: `Path=/`, `SameSite=Lax`, `Secure` unless unsafe
/// mode, `HttpOnly` unless the page's script must read it.
pub fn set_cookie(config: &Config, name: &str, value: &str, max_age_secs: i64, http_only: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if !config.unsafe_mode {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are URL-safe")
}

/// Adds the three session cookies to a response.
pub fn set_session_cookies(headers: &mut HeaderMap, config: &Config, issued: &Issued) {
    let long = config.auth.refresh_cookie_max_age.as_secs() as i64;
    headers.append(SET_COOKIE, set_cookie(config, ACCESS_COOKIE, &issued.access_token, issued.expires_in, true));
    headers.append(SET_COOKIE, set_cookie(config, REFRESH_COOKIE, &issued.refresh_token, long, true));
    headers.append(SET_COOKIE, set_cookie(config, XSRF_COOKIE, &issued.xsrf_token, long, false));
}

/// Removes the session cookies from the browser.
pub fn clear_session_cookies(headers: &mut HeaderMap, config: &Config) {
    for (name, http_only) in [(ACCESS_COOKIE, true), (REFRESH_COOKIE, true), (XSRF_COOKIE, false)] {
        headers.append(SET_COOKIE, set_cookie(config, name, "", 0, http_only));
    }
}

/// Signs in with a personal access token (the web app's "paste a token" form).
pub async fn user_of_personal_token(state: &AuthState, token: &str) -> Result<User, ApiError> {
    Ok(super::personal_token(state, token.trim()).await?.user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; JWT=abc.def.ghi"));
        h.append(COOKIE, HeaderValue::from_static("XSRF-TOKEN=\"xyz\""));
        assert_eq!(cookie(&h, "JWT"), Some("abc.def.ghi"));
        assert_eq!(cookie(&h, "XSRF-TOKEN"), Some("xyz"));
        assert_eq!(cookie(&h, "JWT_REFRESH_TOKEN"), None);
    }

    #[test]
    fn the_xsrf_header_must_match_the_cookie_and_the_session() {
        let secret = "a-secret-that-is-long-enough-for-tower-jwt";
        let good = xsrf_token(secret, 7);
        let with = |header: &str, cookie: &str| {
            let mut h = HeaderMap::new();
            h.insert(XSRF_HEADER, HeaderValue::from_str(header).unwrap());
            h.insert(COOKIE, HeaderValue::from_str(&format!("XSRF-TOKEN={cookie}")).unwrap());
            h
        };
        assert!(check_xsrf(&with(&good, &good), secret, 7).is_ok());
        assert!(check_xsrf(&with(&good, &good), secret, 8).is_err());
        assert!(check_xsrf(&with("forged", "forged"), secret, 7).is_err());
        assert!(check_xsrf(&with(&good, "other"), secret, 7).is_err());
        assert!(check_xsrf(&HeaderMap::new(), secret, 7).is_err());
    }
}
