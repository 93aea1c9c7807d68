//! The SMTP relay that cron sends the outbox through.

use super::env::{parse_bool, parse_num};
use super::ConfigError;

/// The SMTP relay. Without `TOWER_SMTP_HOST`, mail stays in the outbox (and is logged) until a
/// relay is configured: nothing fails at startup.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// User and password, sent only when `TOWER_SMTP_AUTH` is true and a user is set.
    pub smtp_credentials: Option<(String, String)>,
    pub starttls_enabled: bool,
    pub starttls_required: bool,
}

impl MailConfig {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // Seqera's templates write `null` for "no value" (an unauthenticated gateway).
        let value = |var: &str| get(var).filter(|v| !v.eq_ignore_ascii_case("null"));
        let smtp_host = value("TOWER_SMTP_HOST");
        if let Some(h) = &smtp_host {
            if h.contains("://") || h.contains('/') || h.chars().any(char::is_whitespace) {
                return Err(ConfigError::new("TOWER_SMTP_HOST", format!("expected a host name without scheme or path, got '{h}'")));
            }
        }
        let auth = parse_bool(get, "TOWER_SMTP_AUTH", true)?;
        let smtp_credentials = match (auth, value("TOWER_SMTP_USER")) {
            (true, Some(user)) => Some((user, value("TOWER_SMTP_PASSWORD").unwrap_or_default())),
            _ => None,
        };
        Ok(MailConfig {
            smtp_host,
            smtp_port: parse_num::<u16>(get, "TOWER_SMTP_PORT", 587)?,
            smtp_credentials,
            starttls_enabled: parse_bool(get, "TOWER_SMTP_STARTTLS_ENABLED", false)?,
            starttls_required: parse_bool(get, "TOWER_SMTP_STARTTLS_REQUIRED", false)?,
        })
    }
}
