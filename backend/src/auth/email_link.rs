//! E-mail link sign-in. Asking for a link always answers the same way, so the answer never tells
//! whether an address has an account. A link is sent to existing users and, for new accounts,
//! to addresses matching `TOWER_TRUSTED_EMAILS` (everybody when unset). Only the SHA-256 of the
//! link's token is stored; a link works once and for `AUTH_MAIL_DURATION`. The mail goes through
//! the outbox in the same transaction as the link, so a link is never stored without its mail.

use super::token::hash_secret;
use super::AuthState;
use crate::domain::ids::random_hex;
use crate::domain::time::now_millis;
use crate::error::ApiError;
use crate::store::{self, user::User};

/// Path, under `TOWER_SERVER_URL`, of the link in the mail.
pub const VERIFY_PATH: &str = "/api/auth/email/verify";
/// At most this many links per address are issued within one link lifetime; more requests are
/// answered the same way but send nothing, so the form cannot be used to flood a mailbox.
const MAX_LINKS_PER_WINDOW: i64 = 5;

fn disabled() -> ApiError {
    ApiError::forbidden("E-mail sign-in is disabled on this instance: sign in with your organization's identity provider")
}

/// Whether a link may be sent to this (lower-case, valid) address: existing active users always,
/// new accounts when the address is trusted.
async fn eligible(state: &AuthState, email: &str) -> Result<bool, ApiError> {
    Ok(match store::user::find_by_email(&state.db, email).await? {
        Some(u) => !u.deleted,
        None => state.config.auth.trusted_emails.as_ref().is_none_or(|t| t.matches(email)),
    })
}

/// Validates and normalizes an address from the sign-in form.
pub fn normalize(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    if email.len() > 255 || !crate::domain::email_pattern::is_email(&email) {
        return Err(ApiError::bad_request(format!("'{}' is not an e-mail address", email.chars().take(100).collect::<String>())));
    }
    Ok(email)
}

/// Signs in with a link's token: consumes it and returns its user, creating the account on first
/// sign-in.
pub async fn verify(state: &AuthState, token: &str) -> Result<User, ApiError> {
    if !state.config.auth.email_enabled() {
        return Err(disabled());
    }
    let invalid = || ApiError::Unauthorized("This sign-in link is invalid, has expired or was already used: ask for a new one".into());
    let token = token.trim();
    if token.is_empty() || token.len() > 200 {
        return Err(invalid());
    }
    let email = store::sign_in::consume_link(&state.db, &hash_secret(token), now_millis()).await?.ok_or_else(invalid)?;
    // The configuration or the account may have changed since the link was sent.
    if !eligible(state, &email).await? {
        return Err(ApiError::forbidden(format!("{email} may not sign in to this instance: ask an administrator for access")));
    }
    let user = store::user::ensure(&state.db, &email).await?;
    if user.deleted {
        return Err(ApiError::forbidden("This account is disabled: ask an administrator"));
    }
    Ok(user)
}

/// Asks for a sign-in link. Whatever the address, the caller learns only that the request was
/// taken: a link is mailed when the address may sign in and has not asked too often.
pub async fn request(state: &AuthState, email: &str) -> Result<(), ApiError> {
    if !state.config.auth.email_enabled() {
        return Err(disabled());
    }
    let email = normalize(email)?;
    if !eligible(state, &email).await? {
        tracing::info!("sign-in link refused: the address may not sign in");
        return Ok(());
    }
    let token = random_hex(32);
    let now = now_millis();
    let ttl = state.config.auth.mail_link_ttl.as_millis() as i64;
    let server_url = &state.config.server_url;
    let link = format!("{server_url}{VERIFY_PATH}?token={token}");
    let mail = crate::mail::sign_in_link(server_url, &email, &link, ttl, &random_hex(12));
    let stored =
        store::sign_in::create_link(&state.db, &email, &hash_secret(&token), now, now + ttl, now - ttl, MAX_LINKS_PER_WINDOW, &mail)
            .await?;
    if stored {
        tracing::info!(message_id = %mail.message_id, "sign-in link queued in the outbox");
    } else {
        tracing::warn!("sign-in link not sent: too many requests for this address");
    }
    Ok(())
}
