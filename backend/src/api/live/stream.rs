//! One viewer's event stream. It keeps the runs the viewer may see (the rule of the REST
//! endpoints, [`can_view_run`]), sends a run's event at once unless one of that run went out
//! less than [`COALESCE`] ago (then the latest goes at the next tick: bursts are merged, a
//! run reporting once a second is seen without delay), and never loses a run's final state: on reconnect with `Last-Event-ID`, after
//! a gap in the channel (Redis was down) or after falling behind, it rereads from the database
//! every run of its scope that changed since, and sends that state.

use axum::response::sse::Event;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::auth::permissions::{can_view_run, Access};
use crate::auth::Caller;
use crate::cache::Incoming;
use crate::domain::status::WorkflowStatus;
use crate::domain::time::now_millis;
use crate::live::{merge_into, parse_batch, LiveCounts, LiveEvent, LiveEventType, Message};
use crate::state::AppState;
use crate::store;

/// Events of one run closer together than this are merged into the latest.
pub const COALESCE: Duration = Duration::from_millis(250);
/// Catch-up reads start this much before the time asked for, for clocks a little apart.
const CATCH_UP_SLACK_MS: i64 = 5_000;
/// Runs sent by one catch-up at most (the newest changes).
const CATCH_UP_LIMIT: i64 = 500;

/// Streams a viewer's events into `out` until the client goes away.
pub async fn run(state: AppState, caller: Caller, access: Access, resume_from: Option<i64>, out: mpsc::Sender<Event>) {
    let _subscriber = crate::metrics::GaugeGuard::increment(metrics::gauge!("tower_live_subscribers"));
    let mut incoming = state.incoming.subscribe();
    let mut stopping = state.stopping.subscribe();
    let visible = |e: &LiveEvent| can_view_run(&caller, &access, e.owner_id, e.workspace_id);
    let mut pending: BTreeMap<String, LiveEvent> = BTreeMap::new();
    // What was last sent of each run, and when: an older event arriving late is not sent after a
    // newer one, and a run's next event waits out the rest of its coalescing window.
    let mut sent: HashMap<String, Sent> = HashMap::new();
    let mut catch_up_since = resume_from;
    let mut tick = tokio::time::interval(COALESCE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if let Some(since) = catch_up_since.take() {
            match changed_since(&state, &caller, &access, since).await {
                Ok(events) => {
                    for e in events {
                        if is_news(&sent, &e) {
                            merge_into(&mut pending, e);
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "live catch-up read failed"),
            }
        }
        tokio::select! {
            m = incoming.recv() => match m {
                Ok(Incoming::Message(payload)) => {
                    for m in parse_batch(&payload) {
                        let Message::Run { event } = m else { continue };
                        if !visible(&event) || !is_news(&sent, &event) {
                            continue;
                        }
                        let quiet = sent.get(&event.workflow_id).is_none_or(|s| s.at.elapsed() >= COALESCE);
                        if quiet && !pending.contains_key(&event.workflow_id) {
                            if out.send(to_sse(&event)).await.is_err() {
                                return;
                            }
                            sent.insert(event.workflow_id.clone(), Sent::of(&event));
                        } else {
                            merge_into(&mut pending, event);
                        }
                    }
                }
                Ok(Incoming::Gap { since_ms }) => catch_up_since = Some(since_ms),
                Err(RecvError::Lagged(_)) => catch_up_since = Some(now_millis() - 60_000),
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                if sent.len() > MAX_REMEMBERED {
                    sent.clear();
                }
                for (id, e) in std::mem::take(&mut pending) {
                    if out.send(to_sse(&e)).await.is_err() {
                        return;
                    }
                    sent.insert(id, Sent::of(&e));
                }
            }
            _ = out.closed() => return,
            _ = stopping.changed() => {
                // The server is going away: tell the client to reconnect soon (to another
                // replica, or to this one once it is back), resuming from its last event id.
                let _ = out.send(Event::default().retry(RECONNECT_AFTER).comment("server shutting down: reconnect")).await;
                return;
            }
        }
    }
}

/// How soon a client reconnects when the server ends its stream to shut down.
pub const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// Runs a stream remembers what it sent of, at most.
const MAX_REMEMBERED: usize = 10_000;

/// What a stream last sent of a run.
struct Sent {
    updated: i64,
    kind: LiveEventType,
    at: Instant,
}

impl Sent {
    fn of(e: &LiveEvent) -> Sent {
        Sent { updated: e.updated, kind: e.kind, at: Instant::now() }
    }
}

/// Whether an event is newer than what the viewer has of its run, and the run is not gone.
fn is_news(sent: &HashMap<String, Sent>, e: &LiveEvent) -> bool {
    sent.get(&e.workflow_id).is_none_or(|s| s.kind != LiveEventType::WorkflowDeleted && e.updated >= s.updated)
}

fn to_sse(e: &LiveEvent) -> Event {
    let kind = serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    Event::default().id(e.updated.to_string()).event(kind).json_data(e).unwrap_or_default()
}

/// The state of every run of the viewer's scope changed since `since` (epoch ms).
async fn changed_since(state: &AppState, caller: &Caller, access: &Access, since: i64) -> sqlx::Result<Vec<LiveEvent>> {
    let rows = store::workflow::changed_since(
        &state.db,
        access.workspace_id,
        (!caller.is_root).then_some(caller.user.id),
        since - CATCH_UP_SLACK_MS,
        CATCH_UP_LIMIT,
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| can_view_run(caller, access, r.owner_id, r.workspace_id))
        .map(|r| {
            let status = WorkflowStatus::parse(&r.status);
            let kind = if r.deleted {
                LiveEventType::WorkflowDeleted
            } else if status.is_some_and(WorkflowStatus::is_final) {
                LiveEventType::WorkflowCompleted
            } else {
                LiveEventType::WorkflowUpdated
            };
            let progress = r.progress.as_deref().and_then(|p| serde_json::from_str(p).ok()).map(|p| LiveCounts::from(&p));
            LiveEvent {
                kind,
                workflow_id: r.id,
                workspace_id: r.workspace_id,
                owner_id: r.owner_id,
                status: Some(r.status),
                progress,
                updated: r.last_updated,
            }
        })
        .collect())
}
