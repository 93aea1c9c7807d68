//! The shared cache: one [`Cache`] trait, two implementations. With `TOWER_REDIS_URL` it is
//! Redis, shared by every replica ([`redis::RedisCache`]); without, it lives in the process
//! ([`memory::MemoryCache`]). The database stays the source of truth: every value here has a TTL
//! and may vanish at any time, and a cache that fails (Redis down) behaves as an empty one, so
//! answers are the same with or without it.
//!
//! It also carries the messages replicas send each other (live events, token revocations):
//! Redis pub/sub across replicas, a broadcast channel within one process.

pub mod memory;
pub mod redis;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait Cache: Send + Sync {
    /// A value, or `None` when missing, expired, or the cache cannot be reached.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>>;
    /// Stores a value for `ttl`; a failure is logged and otherwise ignored.
    fn set<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> BoxFuture<'a, ()>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()>;
    /// Adds one to a counter that expires `ttl` after its first increment; returns the new
    /// count, or `None` when the cache cannot be reached.
    fn increment<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Option<u64>>;
    /// Sends a message to every replica, this one included (on Redis, the channel
    /// `<TOWER_REDIS_NAMESPACE>:messages`). Returns false when it could not be
    /// sent beyond this process (the caller then delivers it locally).
    fn publish<'a>(&'a self, payload: String) -> BoxFuture<'a, bool>;
    /// What this cache is, for logs: `memory` or `redis://host:port`.
    fn describe(&self) -> String;
}

/// Messages from any replica, as received by this one.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A published payload.
    Message(Arc<str>),
    /// Messages may have been missed (Redis was unreachable) since this time (epoch ms):
    /// listeners should reread from the database what changed since then.
    Gap { since_ms: i64 },
}

/// The configured cache and the receiving side of its messages.
pub struct Shared {
    pub cache: Arc<dyn Cache>,
    pub incoming: tokio::sync::broadcast::Sender<Incoming>,
}

/// Redis when `TOWER_REDIS_URL` is set (connecting in the background, so a Redis that is down
/// at startup delays nothing), the in-process cache otherwise.
pub fn connect(config: &Config) -> anyhow::Result<Shared> {
    let (incoming, _) = tokio::sync::broadcast::channel(4096);
    let cache: Arc<dyn Cache> = match &config.redis_url {
        Some(url) => {
            Arc::new(redis::RedisCache::connect(url, config.redis_password.as_deref(), &config.redis_namespace, incoming.clone())?)
        }
        None => Arc::new(memory::MemoryCache::new(incoming.clone())),
    };
    tracing::info!(cache = %cache.describe(), "cache ready");
    Ok(Shared { cache, incoming })
}
