//! Sign-in and browser sessions: OIDC (`/oauth/login/oidc`, `/oauth/callback/oidc`), e-mail
//! links (`/auth/email`, `/auth/email/verify`), a personal access token (`/auth/token`),
//! sign-out (`/auth/logout`) and the token refresh Nextflow and the web app use
//! (`/oauth/access_token`). The browser paths are under `TOWER_SERVER_URL/api` behind the proxy.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery};
use crate::auth::session::{self, Issued, SignInMethod};
use crate::auth::{email_link, oidc};
use crate::domain::audit::Note;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::state::AppState;
use crate::store::user::User;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(oidc_login))
        .routes(routes!(oidc_callback))
        .routes(routes!(email_link_request))
        .routes(routes!(email_link_verify))
        .routes(routes!(token_sign_in))
        .routes(routes!(logout))
        .routes(routes!(access_token))
}

/// A 303 to `location` with the given cookies.
fn see_other(location: &str, cookies: impl IntoIterator<Item = HeaderValue>) -> ApiResult<Response> {
    let mut headers = HeaderMap::new();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(location).map_err(|e| ApiError::Internal(anyhow::anyhow!("bad redirect {location}: {e}")))?,
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        headers.append(SET_COOKIE, c);
    }
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}

/// Starts a session for a signed-in user and sends the browser to `path` under the server URL.
async fn signed_in(state: &AppState, user: &User, method: SignInMethod, path: &str, extra: Option<HeaderValue>) -> ApiResult<Response> {
    let issued = session::start(&state.auth(), user, method).await?;
    let mut cookies = HeaderMap::new();
    session::set_session_cookies(&mut cookies, &state.config, &issued);
    let location = format!("{}{path}", state.config.server_url);
    let mut response = see_other(&location, cookies.get_all(SET_COOKIE).iter().cloned().chain(extra))?;
    response.extensions_mut().insert(signed_in_as(user.id));
    Ok(response)
}

/// Who a sign-in or sign-out was of, for the audit log.
fn signed_in_as(user_id: i64) -> Note {
    Note { user_id: Some(user_id), ..Note::default() }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginParams {
    /// Path on this site to land on after signing in (default `/`).
    pub redirect: Option<String>,
}

/// Sends the browser to the OpenID provider to sign in (authorization code flow with PKCE).
#[utoipa::path(get, path = "/oauth/login/oidc", tag = "auth", operation_id = "OidcLogin", params(LoginParams),
    responses(
        (status = 303, description = "Redirect to the provider's authorization endpoint; sets the short-lived TOWER_OIDC_FLOW cookie",
            headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, body = ErrorResponse), (status = 404, description = "OIDC is not configured", body = ErrorResponse),
        (status = 502, description = "The provider cannot be reached", body = ErrorResponse)))]
async fn oidc_login(State(state): State<AppState>, ApiQuery(q): ApiQuery<LoginParams>) -> ApiResult<Response> {
    let (url, cookie) = oidc::begin(&state.auth(), q.redirect.as_deref()).await?;
    see_other(&url, [cookie])
}

/// Where the OpenID provider sends the browser back (`{TOWER_SERVER_URL}/api/oauth/callback/oidc`).
/// On success, starts a session and redirects to the site.
#[utoipa::path(get, path = "/oauth/callback/oidc", tag = "auth", operation_id = "OidcCallback", params(oidc::CallbackParams),
    responses(
        (status = 303, description = "Signed in: session cookies set, redirect to TOWER_SERVER_URL", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "No sign-in in progress, or the state does not match", body = ErrorResponse),
        (status = 401, description = "The provider refused the sign-in, or the ID token is invalid", body = ErrorResponse),
        (status = 403, description = "The user may not sign in here", body = ErrorResponse),
        (status = 404, description = "OIDC is not configured", body = ErrorResponse),
        (status = 502, description = "The provider cannot be reached", body = ErrorResponse)))]
async fn oidc_callback(State(state): State<AppState>, headers: HeaderMap, ApiQuery(q): ApiQuery<oidc::CallbackParams>) -> Response {
    let clear_flow = session::set_cookie(&state.config, oidc::FLOW_COOKIE, "", 0, true);
    let result = async {
        let (user, path) = oidc::finish(&state.auth(), session::cookie(&headers, oidc::FLOW_COOKIE), &q).await?;
        signed_in(&state, &user, SignInMethod::Oidc, &path, Some(clear_flow.clone())).await
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => {
            let mut r = e.into_response();
            r.headers_mut().append(SET_COOKIE, clear_flow);
            r
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailSignInRequest {
    /// The address to mail the sign-in link to.
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailSignInResponse {
    pub message: String,
}

/// Mails a sign-in link (valid once, for `AUTH_MAIL_DURATION`). The answer is the same whether or
/// not the address has an account or may sign in, so it reveals nothing about either.
#[utoipa::path(post, path = "/auth/email", tag = "auth", operation_id = "EmailSignIn", request_body = EmailSignInRequest,
    responses(
        (status = 202, description = "Taken: a link is mailed if the address may sign in", body = EmailSignInResponse),
        (status = 400, description = "Not an e-mail address", body = ErrorResponse),
        (status = 403, description = "E-mail sign-in is disabled", body = ErrorResponse)))]
async fn email_link_request(State(state): State<AppState>, ApiJson(req): ApiJson<EmailSignInRequest>) -> ApiResult<Response> {
    email_link::request(&state.auth(), &req.email).await?;
    let message = "If this address may sign in, a sign-in link is on its way: check your mailbox".to_string();
    Ok((StatusCode::ACCEPTED, Json(EmailSignInResponse { message })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// The token from the link.
    pub token: Option<String>,
}

/// The link in the sign-in mail: signs in once, then redirects to the site.
#[utoipa::path(get, path = "/auth/email/verify", tag = "auth", operation_id = "EmailSignInVerify", params(VerifyParams),
    responses(
        (status = 303, description = "Signed in: session cookies set, redirect to TOWER_SERVER_URL", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, body = ErrorResponse),
        (status = 401, description = "The link is invalid, expired or already used", body = ErrorResponse),
        (status = 403, description = "The address may not sign in, or e-mail sign-in is disabled", body = ErrorResponse)))]
async fn email_link_verify(State(state): State<AppState>, ApiQuery(q): ApiQuery<VerifyParams>) -> ApiResult<Response> {
    let user = email_link::verify(&state.auth(), q.token.as_deref().unwrap_or_default()).await?;
    signed_in(&state, &user, SignInMethod::Email, "/", None).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenSignInRequest {
    /// A personal access token.
    pub token: String,
}

/// Starts a browser session from a personal access token (the web app's "sign in with a token").
#[utoipa::path(post, path = "/auth/token", tag = "auth", operation_id = "TokenSignIn", request_body = TokenSignInRequest,
    responses((status = 204, description = "Signed in: session cookies set", headers(("Set-Cookie" = String))),
        (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse)))]
async fn token_sign_in(State(state): State<AppState>, ApiJson(req): ApiJson<TokenSignInRequest>) -> ApiResult<Response> {
    let user = session::user_of_personal_token(&state.auth(), &req.token).await?;
    let issued = session::start(&state.auth(), &user, SignInMethod::Token).await?;
    let mut headers = HeaderMap::new();
    session::set_session_cookies(&mut headers, &state.config, &issued);
    Ok((StatusCode::NO_CONTENT, headers, Extension(signed_in_as(user.id))).into_response())
}

/// Signs out: ends the session (of the session cookies, or of a session JWT sent as Bearer) and
/// clears the cookies. With cookies, the `X-XSRF-TOKEN` header is required.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", operation_id = "Logout",
    responses((status = 204, description = "Signed out; session cookies cleared", headers(("Set-Cookie" = String))),
        (status = 403, description = "Missing or wrong X-XSRF-TOKEN header", body = ErrorResponse)))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let secret = &state.config.jwt_secret;
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let mut user = None;
    if let Some(sid) = bearer.and_then(|t| session::session_of_access_token(secret, t)) {
        user = session::end(&state.auth(), sid).await?;
    } else {
        let from_access = session::cookie(&headers, session::ACCESS_COOKIE).and_then(|t| session::session_of_access_token(secret, t));
        let sid = match from_access {
            Some(sid) => Some(sid),
            None => match session::cookie(&headers, session::REFRESH_COOKIE) {
                Some(r) => session::session_of_refresh_token(&state.auth(), r).await?,
                None => None,
            },
        };
        if let Some(sid) = sid {
            session::check_xsrf(&headers, secret, sid)?;
            user = session::end(&state.auth(), sid).await?;
        }
    }
    let mut out = HeaderMap::new();
    session::clear_session_cookies(&mut out, &state.config);
    let mut response = (StatusCode::NO_CONTENT, out).into_response();
    if let Some(user) = user {
        response.extensions_mut().insert(signed_in_as(user));
    }
    Ok(response)
}

/// `grant_type=refresh_token&refresh_token=...`, as Nextflow posts it (form or JSON).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AccessTokenRequest {
    /// Must be `refresh_token`.
    pub grant_type: Option<String>,
    /// The refresh token; when absent, the `JWT_REFRESH_TOKEN` cookie is used (then the
    /// `X-XSRF-TOKEN` header is required).
    pub refresh_token: Option<String>,
}

/// New tokens, also set as the `JWT`, `JWT_REFRESH_TOKEN` and `XSRF-TOKEN` cookies.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessTokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    pub username: String,
}

/// Exchanges a refresh token for a new access token and a new refresh token (the old one stops
/// working), as Nextflow does on a 401 when `TOWER_REFRESH_TOKEN` is set.
#[utoipa::path(post, path = "/oauth/access_token", tag = "auth", operation_id = "RefreshAccessToken",
    request_body(content((AccessTokenRequest = "application/x-www-form-urlencoded"), (AccessTokenRequest = "application/json"))),
    responses((status = 200, body = AccessTokenResponse, headers(("Set-Cookie" = String))),
        (status = 400, body = ErrorResponse),
        (status = 401, description = "Invalid, expired or revoked refresh token", body = ErrorResponse),
        (status = 403, description = "Cookie refresh without the X-XSRF-TOKEN header", body = ErrorResponse)))]
async fn access_token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let req = parse_access_token_request(&headers, &body)?;
    match req.grant_type.as_deref().map(str::trim) {
        Some("refresh_token") => {}
        None if req.refresh_token.is_none() => {}
        None => return Err(ApiError::bad_request("grant_type is required and must be 'refresh_token'")),
        Some(other) => return Err(ApiError::bad_request(format!("Unsupported grant_type '{other}': only 'refresh_token' is supported"))),
    }
    let refresh_token = match req.refresh_token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => {
            let t = session::cookie(&headers, session::REFRESH_COOKIE).ok_or_else(|| {
                ApiError::bad_request("refresh_token is required (form field, JSON field or the JWT_REFRESH_TOKEN cookie)")
            })?;
            // The cookie is sent by the browser on its own: require proof the page asked.
            let sid = session::session_of_refresh_token(&state.auth(), t)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("Invalid, expired or revoked refresh token".into()))?;
            session::check_xsrf(&headers, &state.config.jwt_secret, sid)?;
            t.to_string()
        }
    };
    let (issued, user) = session::refresh(&state.auth(), &refresh_token).await?;
    Ok(token_response(&state, issued, user))
}

fn parse_access_token_request(headers: &HeaderMap, body: &Bytes) -> ApiResult<AccessTokenRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(AccessTokenRequest::default());
    }
    let json = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    if json {
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
    } else {
        let mut req = AccessTokenRequest::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "grant_type" => req.grant_type = Some(v.into_owned()),
                "refresh_token" => req.refresh_token = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(req)
    }
}

fn token_response(state: &AppState, issued: Issued, user: User) -> Response {
    let mut headers = HeaderMap::new();
    session::set_session_cookies(&mut headers, &state.config, &issued);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    let body = AccessTokenResponse {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".into(),
        expires_in: issued.expires_in,
        username: user.user_name,
    };
    (StatusCode::OK, headers, Json(body)).into_response()
}
