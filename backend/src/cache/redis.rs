//! The Redis cache, shared by every backend replica (`TOWER_REDIS_URL`, `rediss://` for TLS,
//! `TOWER_REDIS_PASSWORD`). Every call is bounded by a short timeout, and after a failure the
//! connection is retried at most once a second, so while Redis is down requests pay almost
//! nothing and are answered from the database. A subscriber task keeps `SUBSCRIBE`d to the
//! message channel, reconnecting with a backoff; when it comes back it announces the gap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use super::{BoxFuture, Cache, Incoming};
use crate::domain::time::now_millis;

/// Longest wait for Redis on a request's path.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// Least time between two connection attempts after a failure.
const RETRY_EVERY: Duration = Duration::from_secs(1);

struct Link {
    conn: Option<MultiplexedConnection>,
    /// When the last connection attempt failed.
    failed_at: Option<Instant>,
}

pub struct RedisCache {
    client: redis::Client,
    link: Arc<Mutex<Link>>,
    address: String,
    /// `TOWER_REDIS_NAMESPACE`, before every key.
    namespace: String,
    channel: String,
}

impl RedisCache {
    /// Sets up the client and starts the subscriber; connects on first use.
    pub fn connect(
        url: &str,
        password: Option<&str>,
        namespace: &str,
        incoming: tokio::sync::broadcast::Sender<Incoming>,
    ) -> anyhow::Result<RedisCache> {
        let mut parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("TOWER_REDIS_URL: {e}"))?;
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            if parsed.password().is_none() {
                parsed.set_password(Some(pw)).map_err(|_| anyhow::anyhow!("TOWER_REDIS_URL: cannot carry a password"))?;
            }
        }
        let address = format!("{}://{}:{}", parsed.scheme(), parsed.host_str().unwrap_or("?"), parsed.port().unwrap_or(6379));
        let client = redis::Client::open(parsed.as_str()).map_err(|e| anyhow::anyhow!("TOWER_REDIS_URL: {e}"))?;
        let channel = format!("{namespace}:messages");
        tokio::spawn(subscribe_forever(client.clone(), channel.clone(), incoming, address.clone()));
        let link = Arc::new(Mutex::new(Link { conn: None, failed_at: None }));
        Ok(RedisCache { client, link, address, namespace: namespace.to_string(), channel })
    }

    /// The shared connection, (re)connecting unless an attempt failed less than a second ago.
    async fn conn(&self) -> Option<MultiplexedConnection> {
        let mut link = self.link.lock().await;
        if let Some(c) = &link.conn {
            return Some(c.clone());
        }
        if link.failed_at.is_some_and(|t| t.elapsed() < RETRY_EVERY) {
            return None;
        }
        match tokio::time::timeout(CALL_TIMEOUT, self.client.get_multiplexed_async_connection()).await {
            Ok(Ok(c)) => {
                if link.failed_at.take().is_some() {
                    tracing::info!(redis = %self.address, "Redis reachable again");
                }
                link.conn = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                self.down(&mut link, &e.to_string());
                None
            }
            Err(_) => {
                self.down(&mut link, "connection timed out");
                None
            }
        }
    }

    fn down(&self, link: &mut Link, why: &str) {
        if link.failed_at.is_none() {
            tracing::warn!(redis = %self.address, error = why, "Redis unreachable: answering from the database until it is back");
        }
        link.conn = None;
        link.failed_at = Some(Instant::now());
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    /// Runs one command; a failure or a timeout drops the connection and counts as a miss.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Option<T> {
        let mut conn = self.conn().await?;
        self.outcome(tokio::time::timeout(CALL_TIMEOUT, cmd.query_async::<T>(&mut conn)).await).await
    }

    /// The value of a bounded call; an error or a timeout marks Redis down.
    async fn outcome<T>(&self, result: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>) -> Option<T> {
        let why = match result {
            Ok(Ok(v)) => return Some(v),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "command timed out".to_string(),
        };
        self.down(&mut *self.link.lock().await, &why);
        None
    }
}

impl Cache for RedisCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move { self.run::<Option<String>>(redis::cmd("GET").arg(self.key(key))).await.flatten() })
    }

    fn set<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let _: Option<()> = self.run(redis::cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(ttl.as_millis() as u64)).await;
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let _: Option<i64> = self.run(redis::cmd("DEL").arg(self.key(key))).await;
        })
    }

    fn increment<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Option<u64>> {
        Box::pin(async move {
            // INCR and a PEXPIRE that only sets a missing expiry (NX), in one round trip.
            let key = self.key(key);
            let mut pipe = redis::pipe();
            pipe.atomic().cmd("INCR").arg(&key).cmd("PEXPIRE").arg(&key).arg(ttl.as_millis() as u64).arg("NX").ignore();
            let mut conn = self.conn().await?;
            let (n,) = self.outcome(tokio::time::timeout(CALL_TIMEOUT, pipe.query_async::<(u64,)>(&mut conn)).await).await?;
            Some(n)
        })
    }

    fn publish<'a>(&'a self, payload: String) -> BoxFuture<'a, bool> {
        Box::pin(async move { self.run::<i64>(redis::cmd("PUBLISH").arg(&self.channel).arg(payload)).await.is_some() })
    }

    fn describe(&self) -> String {
        self.address.clone()
    }
}

/// Keeps a subscription to the message channel and forwards its messages to this process's listeners.
/// After an outage it announces the gap, so listeners reread what changed meanwhile.
async fn subscribe_forever(client: redis::Client, channel: String, incoming: tokio::sync::broadcast::Sender<Incoming>, address: String) {
    use futures_util::StreamExt;
    let mut lost_at: Option<i64> = None;
    let mut backoff = Duration::from_millis(200);
    loop {
        let connected = tokio::time::timeout(Duration::from_secs(5), client.get_async_pubsub()).await;
        let mut pubsub = match connected {
            Ok(Ok(p)) => p,
            _ => {
                lost_at.get_or_insert_with(now_millis);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = pubsub.subscribe(&channel).await {
            tracing::warn!(redis = %address, error = %e, "cannot subscribe to live messages");
            lost_at.get_or_insert_with(now_millis);
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(200);
        if let Some(since) = lost_at.take() {
            tracing::info!(redis = %address, "live messages flow again");
            let _ = incoming.send(Incoming::Gap { since_ms: since });
        }
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            if let Ok(payload) = msg.get_payload::<String>() {
                let _ = incoming.send(Incoming::Message(Arc::from(payload)));
            }
        }
        // The stream ended: the connection is gone.
        tracing::warn!(redis = %address, "live message subscription lost; reconnecting");
        lost_at = Some(now_millis());
    }
}
