//! Sign-in (OpenID Connect, e-mail links), browser sessions and request rate limits.

use std::time::Duration;

use super::env::{is_local_host, parse_bool, parse_duration, parse_duration_at_least, parse_duration_ms, parse_num};
use super::ConfigError;
use crate::domain::email_pattern::EmailPatterns;

/// The environment names Micronaut derives from the `tower.yml` keys Seqera documents.
pub(super) const ACCESS_TOKEN_EXPIRATION: &str = "MICRONAUT_SECURITY_TOKEN_GENERATOR_ACCESS_TOKEN_EXPIRATION";
pub(super) const REFRESH_TOKEN_EXPIRATION: &str = "MICRONAUT_SECURITY_TOKEN_JWT_GENERATOR_REFRESH_TOKEN_EXPIRATION";
pub(super) const REFRESH_COOKIE_MAX_AGE: &str = "MICRONAUT_SECURITY_TOKEN_REFRESH_COOKIE_COOKIE_MAX_AGE";
const OIDC_TOKEN_AUTH_METHOD: &str = "MICRONAUT_SECURITY_OAUTH2_CLIENTS_OIDC_OPENID_TOKEN_AUTH_METHOD";

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Lifetime of the access JWT (cookie `JWT` and `access_token`).
    pub access_token_ttl: Duration,
    /// A session ends when it has not been refreshed for this long.
    pub refresh_token_ttl: Duration,
    /// `Max-Age` of the refresh and XSRF cookies.
    pub refresh_cookie_max_age: Duration,
    /// How long an e-mail sign-in link stays valid (`auth.mail.duration`).
    pub mail_link_ttl: Duration,
    /// `TOWER_TRUSTED_EMAILS`: who may create an account with an e-mail link; `None`: everybody.
    pub trusted_emails: Option<EmailPatterns>,
    /// `TOWER_AUTH_DISABLE_EMAIL`, effective only when OIDC is configured.
    pub disable_email: bool,
    pub oidc: Option<OidcConfig>,
}

#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Always contains `openid`.
    pub scopes: Vec<String>,
    /// `TOWER_AUTH_OIDC_ALLOW_LIST`: who may sign in with OIDC; `None`: everybody the provider accepts.
    pub allow_list: Option<EmailPatterns>,
    /// Send the client secret in the token request body (`client_secret_post`) instead of HTTP Basic.
    pub secret_in_body: Option<bool>,
}

impl AuthConfig {
    /// Whether e-mail link sign-in is offered.
    pub fn email_enabled(&self) -> bool {
        !(self.disable_email && self.oidc.is_some())
    }

    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>, unsafe_mode: bool) -> Result<Self, ConfigError> {
        let access_token_ttl = parse_duration(get, ACCESS_TOKEN_EXPIRATION, Duration::from_secs(3600))?;
        let refresh_token_ttl = parse_duration(get, REFRESH_TOKEN_EXPIRATION, Duration::from_secs(6 * 3600))?;
        let refresh_cookie_max_age = parse_duration(get, REFRESH_COOKIE_MAX_AGE, Duration::from_secs(12 * 3600))?;
        if refresh_cookie_max_age < refresh_token_ttl {
            return Err(ConfigError::new(
                REFRESH_COOKIE_MAX_AGE,
                format!(
                    "{} s is shorter than {REFRESH_TOKEN_EXPIRATION} ({} s): the cookie would vanish while the session is still valid",
                    refresh_cookie_max_age.as_secs(),
                    refresh_token_ttl.as_secs()
                ),
            ));
        }
        let mail_link_ttl = parse_duration(get, "AUTH_MAIL_DURATION", Duration::from_secs(30 * 60))?;
        let patterns = |var: &str| get(var).map(|v| EmailPatterns::parse(&v).map_err(|m| ConfigError::new(var, m))).transpose();
        let trusted_emails = patterns("TOWER_TRUSTED_EMAILS")?;

        let oidc = match (get("TOWER_OIDC_ISSUER"), get("TOWER_OIDC_CLIENT")) {
            (None, None) => None,
            (None, Some(_)) => return Err(ConfigError::new("TOWER_OIDC_ISSUER", "is required when TOWER_OIDC_CLIENT is set")),
            (Some(_), None) => return Err(ConfigError::new("TOWER_OIDC_CLIENT", "is required when TOWER_OIDC_ISSUER is set")),
            (Some(issuer), Some(client_id)) => {
                let parsed = url::Url::parse(&issuer)
                    .map_err(|e| ConfigError::new("TOWER_OIDC_ISSUER", format!("not a valid URL ({e}): {issuer}")))?;
                match parsed.scheme() {
                    "https" => {}
                    "http" if unsafe_mode || is_local_host(parsed.host_str()) => {}
                    _ => {
                        return Err(ConfigError::new(
                            "TOWER_OIDC_ISSUER",
                            "must use https:// (set TOWER_ENABLE_UNSAFE_MODE=true to allow plain http)",
                        ))
                    }
                }
                let mut scopes = vec!["openid".to_string()];
                for s in get("TOWER_OIDC_SCOPES").unwrap_or_else(|| "openid,email,profile".into()).split(',').map(str::trim) {
                    if s.is_empty() || scopes.iter().any(|x| x == s) {
                        continue;
                    }
                    if !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\') {
                        return Err(ConfigError::new("TOWER_OIDC_SCOPES", format!("'{s}' is not a valid scope name")));
                    }
                    scopes.push(s.to_string());
                }
                let secret_in_body = match get(OIDC_TOKEN_AUTH_METHOD).map(|s| s.to_lowercase()).as_deref() {
                    None => None,
                    Some("client_secret_post") => Some(true),
                    Some("client_secret_basic") => Some(false),
                    Some(other) => {
                        return Err(ConfigError::new(
                            OIDC_TOKEN_AUTH_METHOD,
                            format!("expected client_secret_basic or client_secret_post, got '{other}'"),
                        ))
                    }
                };
                Some(OidcConfig {
                    issuer,
                    client_id,
                    client_secret: get("TOWER_OIDC_SECRET"),
                    scopes,
                    allow_list: patterns("TOWER_AUTH_OIDC_ALLOW_LIST")?,
                    secret_in_body,
                })
            }
        };
        Ok(AuthConfig {
            access_token_ttl,
            refresh_token_ttl,
            refresh_cookie_max_age,
            mail_link_ttl,
            trusted_emails,
            disable_email: parse_bool(get, "TOWER_AUTH_DISABLE_EMAIL", false)?,
            oidc,
        })
    }
}

/// `TOWER_RATELIMIT_*`: at most `limit` requests per `refresh` per token (or user); a request
/// over it waits up to `timeout` for the next window, else gets 429.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub limit: u64,
    pub refresh: Duration,
    pub timeout: Duration,
}

impl RateLimitConfig {
    /// On when `MICRONAUT_ENVIRONMENTS` lists `ratelim` (Seqera's switch) or
    /// `TOWER_RATELIMIT_ENABLED=true`.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let by_env = get("MICRONAUT_ENVIRONMENTS").is_some_and(|e| e.split(',').any(|x| x.trim() == "ratelim"));
        if !(by_env || parse_bool(get, "TOWER_RATELIMIT_ENABLED", false)?) {
            return Ok(None);
        }
        let limit = parse_num::<u64>(get, "TOWER_RATELIMIT_PERIOD", 20)?;
        if limit == 0 {
            return Err(ConfigError::new("TOWER_RATELIMIT_PERIOD", "must be at least 1 request"));
        }
        // Zero is allowed: refuse at once rather than wait.
        let timeout = parse_duration_at_least(get, "TOWER_RATELIMIT_TIMEOUT", Duration::from_millis(500), Duration::ZERO)?;
        Ok(Some(RateLimitConfig { limit, refresh: parse_duration_ms(get, "TOWER_RATELIMIT_REFRESH", Duration::from_secs(1))?, timeout }))
    }
}
