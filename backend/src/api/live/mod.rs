//! `GET /live`: Server-Sent Events about the runs the caller may see, from every replica.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

mod stream;

use super::extract::ApiQuery;
use crate::api::errors::ListErrors;
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LiveParams {
    /// Events of this workspace's runs; without it, of the caller's personal runs.
    pub workspace_id: Option<i64>,
    /// Resume after this event id, for clients that cannot send the `Last-Event-ID` header.
    pub last_event_id: Option<i64>,
}

/// A stream of `text/event-stream` events, one per change of a run the caller may see:
/// `WORKFLOW_CREATED`, `WORKFLOW_UPDATED`, `PROGRESS_UPDATED`, `WORKFLOW_COMPLETED` and
/// `WORKFLOW_DELETED`, each with a `LiveEvent` JSON body and the change time (epoch ms) as id.
/// Bursts are merged (at most four events per run per second); a comment every 15 s keeps
/// proxies from closing the connection. A client that reconnects with `Last-Event-ID` first
/// receives the current state of every run that changed since.
#[utoipa::path(get, path = "/live", tag = "live", operation_id = "LiveEvents", security(("BearerAuth" = [])), params(LiveParams),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = crate::live::LiveEvent),
        ListErrors))]
async fn live(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LiveParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let access = perm::require(&state.db, &caller, q.workspace_id, perm::WORKFLOW_READ).await?;
    let resume_from = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()).or(q.last_event_id);
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(256);
    tokio::spawn(stream::run(state, caller, access, resume_from, tx));
    let events = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
