//! What starts an action: `POST /actions/{actionId}/launch` (a caller with a token, parameters
//! in the body), `POST /actions/hooks/github/{hookId}` (a GitHub push delivery, signed with the
//! action's secret; no token), and `POST /actions/cron/resolve`, which reads a schedule and
//! shows when it fires. Scheduled launches are cron's (`launch::action::fire_due`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::action::find;
use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::launch::{refused, started};
use super::scope;
use crate::api::errors::{ListErrors, ReadErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::action as rules;
use crate::domain::audit::Note;
use crate::domain::credentials::SealedKind;
use crate::domain::launch::LaunchRequest;
use crate::domain::time::{format_millis, now_millis};
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::launch::action::{fire, Fired, Trigger};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(launch)).routes(routes!(github_hook)).routes(routes!(resolve_cron))
}

/// `LaunchActionRequest`.
#[derive(Deserialize, ToSchema)]
pub struct LaunchActionRequest {
    /// Pipeline parameters set over the action's own.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    params: Option<Map<String, Value>>,
}

/// `LaunchActionResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LaunchActionResponse {
    workflow_id: String,
}

/// Launches an action's pipeline now, as the caller, with `params` over its parameters. A paused
/// action launches nothing (409).
#[utoipa::path(post, path = "/actions/{actionId}/launch", tag = "actions", operation_id = "LaunchAction", security(("BearerAuth" = [])),
    params(("actionId" = String, Path, description = "Action string identifier"), WorkspaceParam), request_body = LaunchActionRequest,
    responses((status = 200, body = LaunchActionResponse), (status = 409, body = ErrorResponse), ReadErrors))]
async fn launch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(body): ApiJson<LaunchActionRequest>,
) -> ApiResult<Response> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_READ).await?;
    let action = find(&state, &scope, &id).await?;
    perm::require(&state.db, &caller, ws.workspace_id, perm::WORKFLOW_EXECUTE).await?;
    let overrides = body.params.unwrap_or_default();
    let t = Trigger { by: Some(caller.user.id), cause: None, overrides: &overrides, event: json!({"discriminator": "tower"}) };
    match fire(&state.launcher(), &state.config.root_users, &action, t).await? {
        Fired::Launched { run, launch_id } => {
            Ok(Json(LaunchActionResponse { workflow_id: started(&state, run, launch_id) }).into_response())
        }
        Fired::Invalid(problems) => Ok(refused(problems)),
        Fired::Refused(why) => Err(ApiError::conflict(why)),
        Fired::AlreadyLaunched => unreachable!("a trigger without a cause is a new launch"),
    }
}

fn answer(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ErrorResponse { message: message.into() })).into_response()
}

/// GitHub's webhook for a `github` action (no token: the delivery is signed with the action's
/// secret, `X-Hub-Signature-256`). A push to the action's branch (its revision, or the
/// repository's default branch) launches its pipeline once: the same delivery again launches
/// nothing (409). Pings and other events are acknowledged (202) and launch nothing.
#[utoipa::path(post, path = "/actions/hooks/github/{hookId}", tag = "actions", operation_id = "GithubActionHook",
    params(("hookId" = String, Path, description = "The hook id of a github action"),
        ("X-Hub-Signature-256" = String, Header, description = "sha256=<HMAC-SHA256 of the body with the action's secret, hex>"),
        ("X-GitHub-Event" = String, Header, description = "push (launches), ping, or another event (ignored)")),
    request_body(content = Object, description = "The delivery, as GitHub sends it"),
    responses((status = 200, body = LaunchActionResponse), (status = 202, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 400, body = ErrorResponse)))]
async fn github_hook(State(state): State<AppState>, Path(hook_id): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let Some((action, sealed)) = crate::store::action::find_by_hook(&state.db, &hook_id).await? else {
        return Ok(answer(StatusCode::NOT_FOUND, "No action has this hook"));
    };
    let secret = state.keyring.open(&sealed, &SealedKind::ActionHook.aad(&action.id))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !rules::signature_ok(&secret, &body, header("x-hub-signature-256")) {
        tracing::warn!(action = %action.id, "a GitHub delivery with a wrong or missing signature was refused");
        return Ok(answer(StatusCode::UNAUTHORIZED, "The delivery's X-Hub-Signature-256 does not match the action's secret"));
    }
    match header("x-github-event").unwrap_or("push") {
        "push" => {}
        "ping" => return Ok(answer(StatusCode::ACCEPTED, "pong")),
        other => return Ok(answer(StatusCode::ACCEPTED, format!("'{other}' events launch nothing: only pushes do"))),
    }
    let push = rules::push(&body).map_err(ApiError::BadRequest)?;
    let request: LaunchRequest = serde_json::from_str(&action.launch).map_err(anyhow::Error::from)?;
    if let Some(why) = push.mismatch(request.pipeline.as_deref().unwrap_or_default(), request.revision.as_deref()) {
        return Ok(answer(StatusCode::ACCEPTED, format!("Nothing launched: {why}")));
    }
    let event = json!({"discriminator": "github", "ref": push.git_ref, "commitId": push.commit_id, "commitMessage": push.commit_message,
        "pusherName": push.pusher_name, "pusherEmail": push.pusher_email});
    let note = Note { user_id: Some(action.user_id), target_id: Some(action.id.clone()), system: true };
    let t = Trigger { by: None, cause: Some(&body), overrides: &Map::new(), event };
    let mut answer = match fire(&state.launcher(), &state.config.root_users, &action, t).await? {
        Fired::Launched { run, launch_id } => Json(LaunchActionResponse { workflow_id: started(&state, run, launch_id) }).into_response(),
        Fired::Invalid(problems) => refused(problems),
        Fired::Refused(why) => answer(StatusCode::CONFLICT, why),
        Fired::AlreadyLaunched => answer(StatusCode::CONFLICT, "This delivery was received before: nothing launched"),
    };
    answer.extensions_mut().insert(note);
    Ok(answer)
}

/// Reads a schedule — `expression` (five crontab fields, or `@daily` …) or `preset`
/// (hourly, daily, weekly, monthly, yearly), and `timezone` (IANA, UTC by default) — and answers
/// it with its next five fire times.
#[utoipa::path(post, path = "/actions/cron/resolve", tag = "actions", operation_id = "ResolveCronExpression", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body(content = Object, description = "{\"expression\": \"0 6 * * 1-5\", \"timezone\": \"Europe/Madrid\"}"),
    responses((status = 200, body = Object), ListErrors))]
async fn resolve_cron(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    scope(&state, &caller, ws.workspace_id, perm::ACTION_READ).await?;
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    let schedule = rules::schedule(text("expression"), text("preset"), text("timezone")).map_err(ApiError::BadRequest)?;
    let next: Vec<String> = schedule.upcoming(now_millis(), 5).into_iter().map(format_millis).collect();
    Ok(Json(json!({"expression": schedule.expression, "timezone": schedule.timezone, "nextExecutions": next})))
}
