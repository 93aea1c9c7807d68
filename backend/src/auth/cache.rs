//! A short-lived in-process cache of verified personal tokens, so a busy Nextflow run does not
//! cost two database reads per request. Entries live `TTL`; revoking a token removes it here at
//! once and, through the live message channel, on every other replica too (within `TTL` when
//! that channel is down).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::user::User;

pub const TTL: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
pub struct CachedToken {
    pub secret_hash: String,
    pub user: User,
    pub last_used: Option<i64>,
    fetched: Instant,
}

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<i64, CachedToken>>,
}

impl TokenCache {
    pub fn get(&self, token_id: i64) -> Option<CachedToken> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&token_id).filter(|e| e.fetched.elapsed() < TTL).cloned()
    }

    pub fn put(&self, token_id: i64, secret_hash: String, user: User, last_used: Option<i64>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.fetched.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_id, CachedToken { secret_hash, user, last_used, fetched: Instant::now() });
    }

    pub fn set_last_used(&self, token_id: i64, at: i64) {
        if let Some(e) = self.entries.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&token_id) {
            e.last_used = Some(at);
        }
    }

    pub fn forget_token(&self, token_id: i64) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(&token_id);
    }

    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn forget_user(&self, user_id: i64) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, e| e.user.id != user_id);
    }
}
