//! Live events: what changed in which run, published by whichever replica (or cron) handled the
//! change and delivered to the viewers of every replica, through the cache's message channel
//! (Redis pub/sub, or in-process). Events carry the run's owner and workspace so each viewer's
//! stream keeps only the runs that viewer may see. Token revocations travel the same way, so
//! every replica forgets a revoked token at once.

pub mod stream;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::cache::{Cache, Incoming};
use crate::domain::trace::ProgressSnapshot;

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

impl From<&ProgressSnapshot> for LiveCounts {
    fn from(p: &ProgressSnapshot) -> Self {
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
            progress: progress.map(LiveCounts::from),
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

impl Message {
    pub fn parse(payload: &str) -> Option<Message> {
        serde_json::from_str(payload).ok()
    }
}

/// Sends a message to every replica without delaying the caller. When it cannot leave this
/// process (Redis down), it is delivered here at least; other replicas' viewers catch up from the
/// database when the channel is back ([`Incoming::Gap`]).
pub fn publish(cache: &Arc<dyn Cache>, incoming: &tokio::sync::broadcast::Sender<Incoming>, message: Message) {
    let Ok(payload) = serde_json::to_string(&message) else { return };
    let (cache, incoming) = (cache.clone(), incoming.clone());
    tokio::spawn(async move {
        if !cache.publish(payload.clone()).await {
            let _ = incoming.send(Incoming::Message(Arc::from(payload)));
        }
    });
}

/// Drops revoked tokens from this replica's token cache as revocations arrive from any replica.
pub async fn forget_revoked_tokens(tokens: Arc<crate::auth::cache::TokenCache>, mut incoming: tokio::sync::broadcast::Receiver<Incoming>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match incoming.recv().await {
            Ok(Incoming::Message(payload)) => match Message::parse(&payload) {
                Some(Message::TokenRevoked { token_id }) => tokens.forget_token(token_id),
                Some(Message::UserTokensRevoked { user_id }) => tokens.forget_user(user_id),
                _ => {}
            },
            // Revocations may have been missed: start from an empty cache.
            Ok(Incoming::Gap { .. }) | Err(RecvError::Lagged(_)) => tokens.forget_all(),
            Err(RecvError::Closed) => return,
        }
    }
}
