//! OpenID Connect sign-in (authorization code flow with PKCE) against the provider named by
//! `TOWER_OIDC_ISSUER`. The state, nonce, PKCE verifier and return path of a sign-in in progress
//! travel in a short-lived, signed, HttpOnly cookie, so any replica can finish it; the callback
//! checks the state against that cookie, lets the provider check the code and verifier, and
//! verifies the ID token's signature, issuer, audience, expiry, nonce and access-token hash.
//! Users are matched by (issuer, subject), then by verified e-mail; new users are created when
//! the allow-list permits.

use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::session::set_cookie;
use super::AuthState;
use crate::config::{Config, OidcConfig};
use crate::domain::time::now_millis;
use crate::error::ApiError;
use crate::store::{self, user::User};

/// The cookie holding the sign-in in progress.
pub const FLOW_COOKIE: &str = "TOWER_OIDC_FLOW";
/// How long a person has to complete the provider's sign-in.
const FLOW_TTL_SECS: i64 = 600;
/// Discovery documents and signing keys are fetched again after this long (and at once when an
/// ID token's signature does not verify, in case the provider rotated its keys).
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// The path, relative to `TOWER_SERVER_URL`, the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/api/oauth/callback/oidc";

type Client = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The provider's discovery document, cached per process, and the HTTP client for the provider.
/// The client belongs to the application rather than to the process: its connections live on
/// the runtime that made them.
pub struct Discovery {
    cached: Mutex<Option<(String, CoreProviderMetadata, Instant)>>,
    http: reqwest::Client,
}

impl Default for Discovery {
    /// No redirects (a token endpoint that redirects is refused rather than followed), bounded
    /// time.
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("tower-backend/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Discovery { cached: Mutex::new(None), http }
    }
}

impl Discovery {
    async fn metadata(&self, cfg: &OidcConfig, fresh: bool) -> Result<CoreProviderMetadata, ApiError> {
        let mut cached = self.cached.lock().await;
        if let Some((issuer, md, at)) = cached.as_ref() {
            if !fresh && *issuer == cfg.issuer && at.elapsed() < DISCOVERY_TTL {
                return Ok(md.clone());
            }
        }
        let issuer = IssuerUrl::new(cfg.issuer.clone()).map_err(|e| ApiError::Internal(anyhow::anyhow!("TOWER_OIDC_ISSUER: {e}")))?;
        let md = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::error!(issuer = %cfg.issuer, error = ?e, "OpenID provider discovery failed");
            ApiError::BadGateway(format!("Cannot reach the OpenID provider {}: {}", cfg.issuer, error_chain(&e)))
        })?;
        *cached = Some((cfg.issuer.clone(), md.clone(), Instant::now()));
        Ok(md)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

fn config(state: &AuthState) -> Result<&OidcConfig, ApiError> {
    state.config.auth.oidc.as_ref().ok_or_else(|| ApiError::not_found("OpenID Connect sign-in is not configured on this instance"))
}

pub fn redirect_uri(config: &Config) -> String {
    format!("{}{CALLBACK_PATH}", config.server_url)
}

fn client(config: &Config, cfg: &OidcConfig, md: CoreProviderMetadata) -> Result<Client, ApiError> {
    let supported = md.token_endpoint_auth_methods_supported().cloned().unwrap_or_default();
    let secret_in_body = cfg.secret_in_body.unwrap_or_else(|| {
        !supported.is_empty()
            && !supported.contains(&CoreClientAuthMethod::ClientSecretBasic)
            && supported.contains(&CoreClientAuthMethod::ClientSecretPost)
    });
    let redirect = RedirectUrl::new(redirect_uri(config)).map_err(|e| ApiError::Internal(anyhow::anyhow!("redirect URI: {e}")))?;
    let client =
        CoreClient::from_provider_metadata(md, ClientId::new(cfg.client_id.clone()), cfg.client_secret.clone().map(ClientSecret::new))
            .set_redirect_uri(redirect);
    Ok(if secret_in_body { client.set_auth_type(AuthType::RequestBody) } else { client })
}

/// What the flow cookie carries between the redirect to the provider and the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    /// Path (under `TOWER_SERVER_URL`) to land on after signing in.
    ret: String,
    exp: i64,
}

fn flow_mac(secret: &str, payload: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    // A distinct prefix, so no other value signed with the JWT secret can pass for a flow.
    m.update(b"oidc-flow:");
    m.update(payload.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

fn seal(secret: &str, flow: &Flow) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(flow).expect("the flow serializes"));
    let mac = flow_mac(secret, &payload);
    format!("{payload}.{mac}")
}

fn open(secret: &str, sealed: &str, now_secs: i64) -> Option<Flow> {
    let (payload, mac) = sealed.split_once('.')?;
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    m.update(b"oidc-flow:");
    m.update(payload.as_bytes());
    m.verify_slice(&URL_SAFE_NO_PAD.decode(mac).ok()?).ok()?;
    let flow: Flow = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (flow.exp > now_secs).then_some(flow)
}

/// A return path the sign-in may land on: a path on this site, never another origin.
pub fn safe_return_path(p: Option<&str>) -> Result<String, ApiError> {
    let Some(p) = p.map(str::trim).filter(|p| !p.is_empty()) else { return Ok("/".into()) };
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && p.len() <= 1000
        && !p.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(p.to_string())
    } else {
        Err(ApiError::bad_request(format!("redirect must be a path on this site such as /runs (got '{p}')")))
    }
}

/// Where to send the browser to sign in, and the flow cookie to set.
pub async fn begin(state: &AuthState, return_path: Option<&str>) -> Result<(String, HeaderValue), ApiError> {
    let cfg = config(state)?;
    let ret = safe_return_path(return_path)?;
    let md = state.oidc.metadata(cfg, false).await?;
    let client = client(&state.config, cfg, md)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in cfg.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();
    let flow = Flow {
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        ret,
        exp: now_millis() / 1000 + FLOW_TTL_SECS,
    };
    let cookie = set_cookie(&state.config, FLOW_COOKIE, &seal(&state.config.jwt_secret, &flow), FLOW_TTL_SECS, true);
    Ok((url.to_string(), cookie))
}

/// The query string the provider sends the browser back with.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackParams {
    /// The authorization code.
    pub code: Option<String>,
    /// Must equal the state this sign-in started with.
    pub state: Option<String>,
    /// The provider's issuer identifier (RFC 9207); when present, must be the configured issuer.
    pub iss: Option<String>,
    /// Set by the provider when the sign-in failed or was refused.
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Finishes a sign-in: checks the callback against the flow cookie, exchanges the code, verifies
/// the ID token and finds or creates the user. Returns the user and the path to land on.
pub async fn finish(state: &AuthState, flow_cookie: Option<&str>, params: &CallbackParams) -> Result<(User, String), ApiError> {
    let cfg = config(state)?;
    let flow = flow_cookie.and_then(|c| open(&state.config.jwt_secret, c, now_millis() / 1000)).ok_or_else(|| {
        ApiError::bad_request("No sign-in in progress in this browser, or it took longer than 10 minutes: start the sign-in again")
    })?;
    let presented = params.state.as_deref().unwrap_or_default();
    if !constant_time_eq(presented.as_bytes(), flow.state.as_bytes()) {
        return Err(ApiError::bad_request("The sign-in response does not belong to the sign-in started in this browser (state mismatch)"));
    }
    if params.iss.as_deref().is_some_and(|iss| iss.trim_end_matches('/') != cfg.issuer.trim_end_matches('/')) {
        return Err(ApiError::bad_request("The sign-in response comes from another issuer than TOWER_OIDC_ISSUER"));
    }
    if let Some(error) = &params.error {
        let detail = params.error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        return Err(ApiError::Unauthorized(format!("The OpenID provider did not sign you in ({error}{detail})")));
    }
    let code = params.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| ApiError::bad_request("The sign-in response has no code"))?;

    let md = state.oidc.metadata(cfg, false).await?;
    let client = client(&state.config, cfg, md)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| ApiError::BadGateway(format!("The OpenID provider has no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&state.oidc.http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => ApiError::Unauthorized(format!("The OpenID provider refused the sign-in: {r}")),
            other => ApiError::BadGateway(format!("Cannot complete the sign-in with the OpenID provider: {}", error_chain(&other))),
        })?;
    let id_token = token.id_token().ok_or_else(|| ApiError::Unauthorized("The OpenID provider returned no ID token".into()))?;
    let nonce = Nonce::new(flow.nonce.clone());
    let verify = |client: &Client| -> Result<CoreIdTokenClaims, openidconnect::ClaimsVerificationError> {
        let verifier = client.id_token_verifier().set_allowed_algs(ASYMMETRIC_ALGS.iter().cloned());
        let claims = id_token.claims(&verifier, &nonce)?.clone();
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token.signing_alg().map_err(openidconnect::ClaimsVerificationError::SignatureVerification)?;
            let key = id_token.signing_key(&verifier).map_err(openidconnect::ClaimsVerificationError::SignatureVerification)?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| openidconnect::ClaimsVerificationError::Other(e.to_string()))?;
            if actual != *expected {
                return Err(openidconnect::ClaimsVerificationError::Other("the access token does not match the ID token's at_hash".into()));
            }
        }
        Ok(claims)
    };
    let (client, claims) = match verify(&client) {
        Ok(c) => (client, c),
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
            // The provider may have rotated its keys since we fetched them.
            let client = self::client(&state.config, cfg, state.oidc.metadata(cfg, true).await?)?;
            let claims = verify(&client).map_err(rejected)?;
            (client, claims)
        }
        Err(e) => return Err(rejected(e)),
    };

    let subject = claims.subject().as_str().to_string();
    let mut email = claims.email().map(|e| e.as_str().to_string());
    let mut verified = claims.email_verified();
    let mut first = claims.given_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
    let mut last = claims.family_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
    if email.is_none() {
        // Conforming providers put profile claims in the user info response when an access
        // token is issued; the subject there must be the ID token's.
        if let Ok(request) = client.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
            let info: CoreUserInfoClaims = request.request_async(&state.oidc.http).await.map_err(|e| {
                ApiError::BadGateway(format!("Cannot read the user's profile from the OpenID provider: {}", error_chain(&e)))
            })?;
            email = info.email().map(|e| e.as_str().to_string());
            verified = info.email_verified();
            first = first.or_else(|| info.given_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()));
            last = last.or_else(|| info.family_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()));
        }
    }
    let email = email.map(|e| e.trim().to_lowercase()).filter(|e| crate::domain::email_pattern::is_email(e)).ok_or_else(|| {
        ApiError::forbidden("The OpenID provider did not share an e-mail address: request the 'email' scope (TOWER_OIDC_SCOPES)")
    })?;
    if verified == Some(false) {
        return Err(ApiError::forbidden(format!("The OpenID provider reports that {email} is not verified")));
    }
    if cfg.allow_list.as_ref().is_some_and(|l| !l.matches(&email)) {
        tracing::info!(%email, "OIDC sign-in refused by TOWER_AUTH_OIDC_ALLOW_LIST");
        return Err(ApiError::forbidden(format!("{email} may not sign in to this instance: ask an administrator for access")));
    }
    let user = user_for(state, &cfg.issuer, &subject, &email, first.as_deref(), last.as_deref()).await?;
    Ok((user, flow.ret))
}

const ASYMMETRIC_ALGS: &[CoreJwsSigningAlgorithm] = &[
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

fn rejected(e: openidconnect::ClaimsVerificationError) -> ApiError {
    tracing::warn!(error = %e, "ID token rejected");
    ApiError::Unauthorized(format!("The ID token from the OpenID provider was rejected: {e}"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user of an identity: linked before, or the account with this e-mail, or a new account.
async fn user_for(
    state: &AuthState,
    issuer: &str,
    subject: &str,
    email: &str,
    first: Option<&str>,
    last: Option<&str>,
) -> Result<User, ApiError> {
    let db = &state.db;
    let subject_hash: String = Sha256::digest(format!("{issuer}\n{subject}").as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let disabled = || ApiError::forbidden("This account is disabled: ask an administrator");
    let now = now_millis();
    if let Some(user_id) = store::sign_in::identity_user(db, &subject_hash).await? {
        let user = store::user::find_by_id(db, user_id).await?.ok_or_else(disabled)?;
        store::sign_in::link_identity(db, user.id, issuer, subject, &subject_hash, now).await?;
        return Ok(user);
    }
    let user = match store::user::find_by_email(db, email).await? {
        Some(u) if u.deleted => return Err(disabled()),
        Some(u) => u,
        None => {
            let u = store::user::ensure(db, email).await?;
            tracing::info!(user_id = u.id, %email, "user created at first OIDC sign-in");
            u
        }
    };
    store::user::fill_names(db, user.id, first, last).await?;
    store::sign_in::link_identity(db, user.id, issuer, subject, &subject_hash, now).await?;
    Ok(store::user::find_by_id(db, user.id).await?.unwrap_or(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_cookie_is_signed_and_expires() {
        let secret = "a-secret-that-is-long-enough-for-tower-jwt";
        let flow = Flow { state: "s".into(), nonce: "n".into(), verifier: "v".into(), ret: "/".into(), exp: 100 };
        let sealed = seal(secret, &flow);
        assert_eq!(open(secret, &sealed, 99).unwrap().state, "s");
        assert!(open(secret, &sealed, 100).is_none());
        assert!(open("another-secret-that-is-long-enough-xxxx", &sealed, 99).is_none());
        let (payload, mac) = sealed.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap().replace("\"s\"", "\"t\""));
        assert!(open(secret, &format!("{forged}.{mac}"), 99).is_none());
    }

    #[test]
    fn only_paths_on_this_site_are_return_targets() {
        assert_eq!(safe_return_path(None).unwrap(), "/");
        assert_eq!(safe_return_path(Some("/orgs/x?tab=1")).unwrap(), "/orgs/x?tab=1");
        for bad in ["//evil.org", "https://evil.org", "/\\evil.org", "evil", "/a b", "/\r\nx"] {
            assert!(safe_return_path(Some(bad)).is_err(), "{bad}");
        }
    }
}
