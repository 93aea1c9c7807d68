//! Request rate limits per access token (or per user for session and JWT callers), as Seqera's
//! `TOWER_RATELIMIT_*`: at most `TOWER_RATELIMIT_PERIOD` requests per `TOWER_RATELIMIT_REFRESH`
//! window. A request over the limit waits for the next window when that is at most
//! `TOWER_RATELIMIT_TIMEOUT` away, and is refused with 429 and `Retry-After` otherwise. Counters
//! live in the shared cache, so the limit holds across replicas; when the cache cannot be reached
//! requests are let through (the limit protects the service, it must never take it down).

use super::AuthState;
use super::Caller;
use crate::domain::time::now_millis;
use crate::error::ApiError;

pub async fn check(state: &AuthState, caller: &Caller) -> Result<(), ApiError> {
    let Some(limit) = &state.config.rate_limit else { return Ok(()) };
    let who = match caller.token_id {
        Some(t) => format!("token:{t}"),
        None => format!("user:{}", caller.user.id),
    };
    let window_ms = limit.refresh.as_millis().max(1) as i64;
    let mut waited = false;
    loop {
        let now = now_millis();
        let window = now / window_ms;
        let key = format!("ratelimit:{who}:{window}");
        let Some(count) = state.cache.increment(&key, limit.refresh * 2).await else { return Ok(()) };
        if count <= limit.limit {
            return Ok(());
        }
        let wait_ms = (window + 1) * window_ms - now;
        if !waited && wait_ms <= limit.timeout.as_millis() as i64 {
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms as u64)).await;
            waited = true;
            continue;
        }
        return Err(ApiError::TooManyRequests {
            message: format!("Too many requests: at most {} per {} ms; retry later", limit.limit, window_ms),
            retry_after_secs: ((wait_ms + 999) / 1000).max(1) as u64,
        });
    }
}
