//! Live events: what changed in which run, published by whichever replica (or cron) handled the
//! change and delivered to the viewers of every replica, through the cache's message channel
//! (Redis pub/sub, or in-process). Events carry the run's owner and workspace so each viewer's
//! stream keeps only the runs that viewer may see. Token revocations travel the same way, so
//! every replica forgets a revoked token at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cache::{Cache, Incoming};
use crate::domain::trace::{ProgressCounters, ProgressSnapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LiveEventType {
    WorkflowCreated,
    WorkflowUpdated,
    ProgressUpdated,
    WorkflowCompleted,
    WorkflowDeleted,
}

/// Task counts of a run, as its progress bar shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveCounts {
    pub pending: i64,
    pub submitted: i64,
    pub running: i64,
    pub succeeded: i64,
    pub cached: i64,
    pub failed: i64,
}

impl From<&ProgressCounters> for LiveCounts {
    fn from(p: &ProgressCounters) -> Self {
        LiveCounts {
            pending: p.pending,
            submitted: p.submitted,
            running: p.running,
            succeeded: p.succeeded,
            cached: p.cached,
            failed: p.failed,
        }
    }
}

/// One change to a run. `updated` (epoch ms) is also the SSE event id a client resumes from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    #[serde(rename = "type")]
    pub kind: LiveEventType,
    pub workflow_id: String,
    pub workspace_id: Option<i64>,
    pub owner_id: i64,
    /// The run's status when the change is known to set it; absent for progress.
    pub status: Option<String>,
    pub progress: Option<LiveCounts>,
    pub updated: i64,
}

impl LiveEvent {
    pub fn new(
        kind: LiveEventType,
        workflow_id: &str,
        owner_id: i64,
        workspace_id: Option<i64>,
        status: Option<&str>,
        progress: Option<&ProgressSnapshot>,
    ) -> LiveEvent {
        LiveEvent {
            kind,
            workflow_id: workflow_id.to_string(),
            workspace_id,
            owner_id,
            status: status.map(str::to_string),
            progress: progress.map(|p| LiveCounts::from(&p.counters)),
            updated: crate::domain::time::now_millis(),
        }
    }
}

/// What replicas send each other.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Message {
    Run { event: LiveEvent },
    TokenRevoked { token_id: i64 },
    UserTokensRevoked { user_id: i64 },
}

/// Reads a payload of the channel: a JSON array of messages (one batch of a publisher).
pub fn parse_batch(payload: &str) -> Vec<Message> {
    serde_json::from_str(payload).unwrap_or_default()
}

/// Keeps the newest event of a run, carrying over what the older one knew and the newer one does
/// not (a progress event has no status; a run created or completed and then progressing is still
/// news as created or completed). Older news than what is pending is dropped (events of one run
/// can arrive out of order, e.g. a database catch-up before a late message), and nothing follows
/// a deletion.
pub fn merge_into(pending: &mut BTreeMap<String, LiveEvent>, mut event: LiveEvent) {
    if let Some(old) = pending.get(&event.workflow_id) {
        if old.kind == LiveEventType::WorkflowDeleted || event.updated < old.updated {
            return;
        }
        if event.kind == LiveEventType::ProgressUpdated
            && matches!(old.kind, LiveEventType::WorkflowCompleted | LiveEventType::WorkflowCreated)
        {
            event.kind = old.kind;
        }
        if event.status.is_none() {
            event.status = old.status.clone();
        }
        if event.progress.is_none() {
            event.progress = old.progress.clone();
        }
    }
    pending.insert(event.workflow_id.clone(), event);
}

/// How long the publisher gathers messages before sending them as one batch.
const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// The most messages in one batch.
const BATCH_MAX: usize = 1000;

/// Sends messages to every replica in batches: what arrives within [`BATCH_WINDOW`] goes out as
/// one publish, with the events of one run merged into the latest, so a busy ingestion costs one
/// round trip to Redis per window rather than one per trace request. A batch that cannot leave
/// this process (Redis down) is delivered here at least; other replicas' viewers catch up from
/// the database when the channel is back ([`Incoming::Gap`]).
#[derive(Clone)]
pub struct Publisher {
    tx: mpsc::UnboundedSender<Message>,
}

impl Publisher {
    /// Starts the publishing task (inside the runtime).
    pub fn start(cache: Arc<dyn Cache>, incoming: broadcast::Sender<Incoming>) -> Publisher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(publish_batches(cache, incoming, rx));
        Publisher { tx }
    }

    /// Queues a message; never waits.
    pub fn send(&self, message: Message) {
        let _ = self.tx.send(message);
    }
}

async fn publish_batches(cache: Arc<dyn Cache>, incoming: broadcast::Sender<Incoming>, mut rx: mpsc::UnboundedReceiver<Message>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let window = tokio::time::sleep(BATCH_WINDOW);
        tokio::pin!(window);
        while batch.len() < BATCH_MAX {
            tokio::select! {
                m = rx.recv() => match m {
                    Some(m) => batch.push(m),
                    None => break,
                },
                _ = &mut window => break,
            }
        }
        let mut runs = BTreeMap::new();
        let mut others = Vec::new();
        for m in batch {
            match m {
                Message::Run { event } => merge_into(&mut runs, event),
                other => others.push(other),
            }
        }
        others.extend(runs.into_values().map(|event| Message::Run { event }));
        let Ok(payload) = serde_json::to_string(&others) else { continue };
        if !cache.publish(payload.clone()).await {
            let _ = incoming.send(Incoming::Message(Arc::from(payload)));
        }
    }
}

/// Drops revoked tokens from this replica's token cache as revocations arrive from any replica.
pub async fn forget_revoked_tokens(tokens: Arc<crate::auth::cache::TokenCache>, mut incoming: tokio::sync::broadcast::Receiver<Incoming>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match incoming.recv().await {
            Ok(Incoming::Message(payload)) => {
                // Most batches hold only run events: skip parsing those.
                if !payload.contains("okenRevoked") {
                    continue;
                }
                for m in parse_batch(&payload) {
                    match m {
                        Message::TokenRevoked { token_id } => tokens.forget_token(token_id),
                        Message::UserTokensRevoked { user_id } => tokens.forget_user(user_id),
                        Message::Run { .. } => {}
                    }
                }
            }
            // Revocations may have been missed: start from an empty cache.
            Ok(Incoming::Gap { .. }) | Err(RecvError::Lagged(_)) => tokens.forget_all(),
            Err(RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: LiveEventType, status: Option<&str>, updated: i64) -> LiveEvent {
        LiveEvent {
            kind,
            workflow_id: "w1".into(),
            workspace_id: None,
            owner_id: 1,
            status: status.map(str::to_string),
            progress: None,
            updated,
        }
    }

    #[test]
    fn merging_keeps_the_news_and_never_goes_back_in_time() {
        let kept = |p: &BTreeMap<String, LiveEvent>| (p["w1"].kind, p["w1"].status.clone(), p["w1"].updated);
        let mut p = BTreeMap::new();
        merge_into(&mut p, event(LiveEventType::WorkflowCompleted, Some("SUCCEEDED"), 10));
        merge_into(&mut p, event(LiveEventType::ProgressUpdated, None, 11));
        assert_eq!(kept(&p), (LiveEventType::WorkflowCompleted, Some("SUCCEEDED".into()), 11), "still news as completed");
        merge_into(&mut p, event(LiveEventType::WorkflowDeleted, None, 12));
        assert_eq!(p["w1"].kind, LiveEventType::WorkflowDeleted, "a deletion after completion is a deletion");
        merge_into(&mut p, event(LiveEventType::WorkflowUpdated, Some("RUNNING"), 13));
        assert_eq!(kept(&p), (LiveEventType::WorkflowDeleted, Some("SUCCEEDED".into()), 12), "nothing follows a deletion");
        let mut p = BTreeMap::new();
        merge_into(&mut p, event(LiveEventType::WorkflowUpdated, Some("RUNNING"), 20));
        merge_into(&mut p, event(LiveEventType::WorkflowCompleted, Some("FAILED"), 19));
        assert_eq!(kept(&p), (LiveEventType::WorkflowUpdated, Some("RUNNING".into()), 20), "older news is dropped");
    }
}
