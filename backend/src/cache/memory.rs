//! The in-process cache, for a single process (the all-in-one command, or a backend without
//! Redis). Messages go straight to this process's listeners.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{BoxFuture, Cache, Incoming};

/// Entries beyond this are pruned of expired ones, then cleared, so memory stays bounded.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
struct Entries {
    values: HashMap<String, (String, Instant)>,
    counters: HashMap<String, (u64, Instant)>,
}

pub struct MemoryCache {
    entries: Mutex<Entries>,
    incoming: tokio::sync::broadcast::Sender<Incoming>,
}

impl MemoryCache {
    pub fn new(incoming: tokio::sync::broadcast::Sender<Incoming>) -> MemoryCache {
        MemoryCache { entries: Mutex::new(Entries::default()), incoming }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn bound<V>(map: &mut HashMap<String, (V, Instant)>, now: Instant) {
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, (_, expires)| *expires > now);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
}

impl Cache for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<String>> {
        let now = Instant::now();
        let v = self.lock().values.get(key).filter(|(_, expires)| *expires > now).map(|(v, _)| v.clone());
        Box::pin(async move { v })
    }

    fn set<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> BoxFuture<'a, ()> {
        let now = Instant::now();
        let mut e = self.lock();
        bound(&mut e.values, now);
        e.values.insert(key.to_string(), (value, now + ttl));
        Box::pin(async {})
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        self.lock().values.remove(key);
        Box::pin(async {})
    }

    fn increment<'a>(&'a self, key: &'a str, ttl: Duration) -> BoxFuture<'a, Option<u64>> {
        let now = Instant::now();
        let mut e = self.lock();
        bound(&mut e.counters, now);
        let entry = e.counters.entry(key.to_string()).or_insert((0, now + ttl));
        if entry.1 <= now {
            *entry = (0, now + ttl);
        }
        entry.0 += 1;
        let n = entry.0;
        Box::pin(async move { Some(n) })
    }

    fn publish<'a>(&'a self, payload: String) -> BoxFuture<'a, bool> {
        let _ = self.incoming.send(Incoming::Message(Arc::from(payload)));
        Box::pin(async { true })
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_expire_and_counters_restart_after_their_window() {
        let (tx, mut rx) = tokio::sync::broadcast::channel(4);
        let c = MemoryCache::new(tx);
        c.set("k", "v".into(), Duration::from_millis(50)).await;
        assert_eq!(c.get("k").await.as_deref(), Some("v"));
        assert_eq!(c.increment("n", Duration::from_millis(50)).await, Some(1));
        assert_eq!(c.increment("n", Duration::from_millis(50)).await, Some(2));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(c.get("k").await, None);
        assert_eq!(c.increment("n", Duration::from_millis(50)).await, Some(1));
        c.delete("k").await;
        assert!(c.publish("hello".into()).await);
        assert!(matches!(rx.recv().await.unwrap(), Incoming::Message(m) if &*m == "hello"));
    }
}
