//! Actions, Seqera shapes: `GET/POST /actions`, `GET/PUT/DELETE /actions/{actionId}`,
//! `POST /actions/{actionId}/pause`, `GET /actions/validate`, `GET /actions/types` and
//! `POST /actions/labels/add|remove|apply`. What starts them is [`super::action_trigger`].
//! Without `workspaceId`, the caller's own.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::label::LabelDto;
use super::launch::WorkflowLaunchRequest;
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::action::{self as rules, Source, ACTIVE, PAUSED};
use crate::domain::credentials::SealedKind;
use crate::domain::launch::LaunchRequest;
use crate::domain::names::check_name;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::action::{self as store, ActionRow, Cron, NewAction};
use crate::store::is_unique_violation;
use crate::store::label::{Association, Labelled};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(describe, update, delete))
        .routes(routes!(pause))
        .routes(routes!(validate_name))
        .routes(routes!(types))
        .routes(routes!(add_labels))
        .routes(routes!(remove_labels))
        .routes(routes!(apply_labels))
}

/// `ActionResponseDto` and `ListActionsResponse.ActionInfo` in one: what the list and the
/// description of an action show.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionDto {
    id: String,
    name: String,
    /// `tower`, `github` or `cron`.
    source: String,
    /// `ACTIVE` or `PAUSED`.
    status: String,
    /// `Action.ConfigType`, by `discriminator`.
    #[schema(value_type = Object)]
    config: Value,
    /// `Action.EventType`: what last started it (or failed to), by `discriminator`.
    #[schema(value_type = Option<Object>)]
    event: Option<Value>,
    /// Why the last trigger launched nothing, if it did not.
    error: Option<String>,
    hook_id: Option<String>,
    /// Where the trigger is called: the launch endpoint (`tower`) or GitHub's webhook (`github`).
    hook_url: Option<String>,
    /// The same as `hookUrl`, as the list names it.
    endpoint: Option<String>,
    /// How to call the endpoint (`tower`).
    usage_cmd: Option<String>,
    /// The repository launched.
    pipeline: Option<String>,
    /// `LaunchDbDto`: the launch settings, with their compute environment.
    #[schema(value_type = Object)]
    launch: Value,
    /// Null unless `attributes=labels`.
    labels: Option<Vec<LabelDto>>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    next_execution: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_seen: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

/// The public API address hooks are called at.
fn api_base(state: &AppState) -> String {
    format!("{}/api", state.config.server_url)
}

async fn dto(state: &AppState, r: ActionRow, labels: Option<Vec<LabelDto>>) -> ApiResult<ActionDto> {
    let request: LaunchRequest = serde_json::from_str(&r.launch).unwrap_or_default();
    let mut launch = serde_json::to_value(&request).map_err(anyhow::Error::from)?;
    if let Some(id) = request.compute_env_id.as_deref() {
        if let Some(c) = crate::store::compute_env::find_any(&state.db, id).await? {
            launch["computeEnv"] = json!({"id": c.id, "name": c.name, "platform": c.platform});
        }
    }
    let ws = r.workspace_id.map(|w| format!("?workspaceId={w}")).unwrap_or_default();
    let (config, hook_url, usage_cmd) = match r.source.as_str() {
        "github" => {
            let url = r.hook_id.as_ref().map(|h| format!("{}/actions/hooks/github/{h}", api_base(state)));
            (json!({"discriminator": "github", "events": ["push"]}), url, None)
        }
        "cron" => (
            json!({"discriminator": "cron", "expression": r.cron_expression, "timezone": r.cron_timezone, "catchUp": r.cron_catch_up}),
            None,
            None,
        ),
        _ => {
            let url = format!("{}/actions/{}/launch{ws}", api_base(state), r.id);
            let cmd = format!(
                "curl -H \"Content-Type: application/json\" -H \"Authorization: Bearer ${{TOWER_ACCESS_TOKEN}}\" {url} --data '{{\"params\":{{}}}}'"
            );
            (json!({"discriminator": "tower"}), Some(url), Some(cmd))
        }
    };
    Ok(ActionDto {
        id: r.id,
        name: r.name,
        source: r.source,
        status: r.status,
        config,
        event: r.event.and_then(|e| serde_json::from_str(&e).ok()),
        error: r.error,
        hook_id: r.hook_id,
        endpoint: hook_url.clone(),
        hook_url,
        usage_cmd,
        pipeline: request.pipeline,
        launch,
        labels,
        next_execution: r.next_fire,
        last_seen: r.last_seen,
        date_created: Some(r.date_created),
        last_updated: Some(r.last_updated),
    })
}

async fn dtos(state: &AppState, rows: Vec<ActionRow>, with_labels: bool) -> ApiResult<Vec<ActionDto>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut labels = if with_labels { crate::store::label::attached(&state.db, Labelled::Actions(&ids)).await? } else { Vec::new() };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mine = with_labels.then(|| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut labels).into_iter().partition(|(id, _)| *id == r.id);
            labels = rest;
            mine.into_iter().map(|(_, l)| LabelDto::from(l)).collect()
        });
        out.push(dto(state, r, mine).await?);
    }
    Ok(out)
}

pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Action '{id}' not found"))
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("An action named '{name}' already exists here"))
}

pub(super) async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<ActionRow> {
    store::find(&state.db, scope, id).await?.ok_or_else(|| not_found(id))
}

/// `attributes`: `labels` to include each action's labels.
#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct ActionQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// `labels` (comma-separated): extra fields to include.
    attributes: Option<String>,
    /// Free text over names (`*` wildcards).
    search: Option<String>,
}

fn wants_labels(attributes: Option<&str>) -> ApiResult<bool> {
    let mut labels = false;
    for a in attributes.unwrap_or_default().split(',').map(str::trim).filter(|a| !a.is_empty()) {
        match a {
            "labels" => labels = true,
            other => return Err(ApiError::bad_request(format!("attributes: '{other}' is not an action attribute (labels)"))),
        }
    }
    Ok(labels)
}

#[derive(Serialize, ToSchema)]
pub struct ListActionsResponse {
    actions: Vec<ActionDto>,
}

/// The actions of a workspace, by name.
#[utoipa::path(get, path = "/actions", tag = "actions", operation_id = "ListActions", security(("BearerAuth" = [])),
    params(ActionQuery), responses((status = 200, body = ListActionsResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ActionQuery>) -> ApiResult<Json<ListActionsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::ACTION_READ).await?;
    let labels = wants_labels(q.attributes.as_deref())?;
    let rows = store::list(&state.db, &scope, q.search.as_deref().filter(|s| !s.is_empty())).await?;
    Ok(Json(ListActionsResponse { actions: dtos(&state, rows, labels).await? }))
}

/// `CronActionRequest`, with `catchUp`: whether a time missed while cron was down fires once when
/// it is back (the default) or is skipped.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CronActionRequest {
    expression: Option<String>,
    preset: Option<String>,
    timezone: Option<String>,
    catch_up: Option<bool>,
}

/// `CreateActionRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateActionRequest {
    name: Option<String>,
    /// `tower`, `github` or `cron`.
    source: Option<String>,
    launch: Option<WorkflowLaunchRequest>,
    cron: Option<CronActionRequest>,
}

/// `CreateActionResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateActionResponse {
    action_id: String,
    /// `github` only, and only here: the secret to give GitHub with the webhook URL. It is
    /// stored encrypted and never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    hook_secret: Option<String>,
}

/// A schedule's stored form and its next fire time from now.
fn cron_of(c: Option<&CronActionRequest>) -> ApiResult<(rules::Schedule, bool)> {
    let c = c.ok_or_else(|| {
        ApiError::bad_request("cron is required for a cron action: {\"expression\": \"0 6 * * *\", \"timezone\": \"UTC\"}")
    })?;
    let schedule = rules::schedule(c.expression.as_deref(), c.preset.as_deref(), c.timezone.as_deref()).map_err(ApiError::BadRequest)?;
    Ok((schedule, c.catch_up.unwrap_or(true)))
}

/// A schedule as stored, firing next at its first time from now (a paused action's stays unset:
/// `store::action::update`).
fn cron_row(s: &(rules::Schedule, bool)) -> Cron<'_> {
    Cron { expression: &s.0.expression, timezone: &s.0.timezone, catch_up: s.1, next_fire: s.0.next_after(now_millis()) }
}

/// Creates an action; a `github` one answers its hook secret, once.
#[utoipa::path(post, path = "/actions", tag = "actions", operation_id = "CreateAction", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = CreateActionRequest, responses((status = 200, body = CreateActionResponse), CreateErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreateActionRequest>,
) -> ApiResult<Json<CreateActionResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_WRITE).await?;
    let name = req.name.unwrap_or_default();
    check_name("action", &name).map_err(ApiError::BadRequest)?;
    let source = Source::parse(req.source.as_deref().unwrap_or_default()).map_err(ApiError::BadRequest)?;
    let launch = req.launch.map(|l| l.0).ok_or_else(|| ApiError::bad_request("launch is required: at least launch.pipeline"))?;
    super::pipeline::check_launch(&state, &scope, &launch).await?;
    let schedule = match source {
        Source::Cron => Some(cron_of(req.cron.as_ref())?),
        _ => None,
    };
    let id = crate::domain::ids::random_base62(22);
    let (hook_id, secret) = match source {
        Source::Github => (Some(crate::domain::ids::random_base62(22)), Some(zeroize::Zeroizing::new(crate::domain::ids::random_hex(32)))),
        _ => (None, None),
    };
    let sealed = match &secret {
        Some(s) => Some(state.keyring.seal(s.as_bytes(), &SealedKind::ActionHook.aad(&id))?),
        None => None,
    };
    let text = serde_json::to_string(&launch).map_err(anyhow::Error::from)?;
    let new = NewAction {
        id: &id,
        scope: &scope,
        user_id: caller.user.id,
        workspace_id: ws.workspace_id,
        name: &name,
        source: source.as_str(),
        launch: &text,
        hook_id: hook_id.as_deref(),
        secret: sealed.as_ref(),
        cron: schedule.as_ref().map(cron_row),
    };
    match store::create(&state.db, &new, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    Ok(Json(CreateActionResponse { action_id: id, hook_secret: secret.map(|s| s.to_string()) }))
}

#[derive(Serialize, ToSchema)]
pub struct DescribeActionResponse {
    action: ActionDto,
}

const ACTION_ID: &str = "Action string identifier";

/// One action.
#[utoipa::path(get, path = "/actions/{actionId}", tag = "actions", operation_id = "DescribeAction", security(("BearerAuth" = [])),
    params(("actionId" = String, Path, description = ACTION_ID), ActionQuery),
    responses((status = 200, body = DescribeActionResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ActionQuery>,
) -> ApiResult<Json<DescribeActionResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::ACTION_READ).await?;
    let labels = wants_labels(q.attributes.as_deref())?;
    let row = find(&state, &scope, &id).await?;
    Ok(Json(DescribeActionResponse { action: dtos(&state, vec![row], labels).await?.remove(0) }))
}

/// `UpdateActionRequest`: the source cannot change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionRequest {
    name: Option<String>,
    launch: Option<WorkflowLaunchRequest>,
    cron: Option<CronActionRequest>,
}

/// Changes an action's name, launch settings or schedule; fields left out keep their value.
#[utoipa::path(put, path = "/actions/{actionId}", tag = "actions", operation_id = "UpdateAction", security(("BearerAuth" = [])),
    params(("actionId" = String, Path, description = ACTION_ID), WorkspaceParam), request_body = UpdateActionRequest,
    responses((status = 204), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateActionRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let name = req.name.unwrap_or(row.name);
    check_name("action", &name).map_err(ApiError::BadRequest)?;
    let launch = match req.launch {
        Some(l) => l.0,
        None => serde_json::from_str(&row.launch).unwrap_or_default(),
    };
    super::pipeline::check_launch(&state, &scope, &launch).await?;
    let schedule = match (row.source.as_str(), req.cron.as_ref()) {
        ("cron", Some(c)) => Some(cron_of(Some(c))?),
        (_, Some(_)) => return Err(ApiError::bad_request("cron: only a cron action has a schedule")),
        _ => None,
    };
    let text = serde_json::to_string(&launch).map_err(anyhow::Error::from)?;
    let cron = schedule.as_ref().map(cron_row);
    match store::update(&state.db, &scope, &id, &name, &text, cron.as_ref(), now_millis()).await {
        Err(e) if is_unique_violation(&e) => Err(taken(&name)),
        Ok(false) => Err(not_found(&id)),
        r => r.map(|_| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}

/// Deletes an action; the runs it launched stay.
#[utoipa::path(delete, path = "/actions/{actionId}", tag = "actions", operation_id = "DeleteAction", security(("BearerAuth" = [])),
    params(("actionId" = String, Path, description = ACTION_ID), WorkspaceParam), responses((status = 204), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_DELETE).await?;
    if !store::delete(&state.db, &scope, &id).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Pauses an active action, or resumes a paused one. A paused action launches nothing; a resumed
/// schedule fires next at its first time from now (times passed while paused are skipped).
#[utoipa::path(post, path = "/actions/{actionId}/pause", tag = "actions", operation_id = "PauseAction", security(("BearerAuth" = [])),
    params(("actionId" = String, Path, description = ACTION_ID), WorkspaceParam), responses((status = 204), ReadErrors))]
async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let now = now_millis();
    let (status, next_fire) = if row.status == ACTIVE {
        (PAUSED, None)
    } else {
        let next = rules::schedule(row.cron_expression.as_deref(), None, row.cron_timezone.as_deref()).ok().and_then(|s| s.next_after(now));
        (ACTIVE, next.filter(|_| row.source == "cron"))
    };
    if !store::set_status(&state.db, &scope, &id, status, next_fire, now).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a name is valid and free: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/actions/validate", tag = "actions", operation_id = "ValidateActionName", security(("BearerAuth" = [])),
    params(NameParam), responses((status = 204), CreateErrors))]
async fn validate_name(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<NameParam>) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::ACTION_WRITE).await?;
    let name = q.name.unwrap_or_default();
    check_name("action", &name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `EventType`.
#[derive(Serialize, ToSchema)]
pub struct EventType {
    source: &'static str,
    display: &'static str,
    description: &'static str,
    enabled: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListEventTypesResponse {
    event_types: Vec<EventType>,
}

/// The sources an action can have here.
#[utoipa::path(get, path = "/actions/types", tag = "actions", operation_id = "ListActionTypes", security(("BearerAuth" = [])),
    params(WorkspaceParam), responses((status = 200, body = ListEventTypesResponse), ListErrors))]
async fn types(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListEventTypesResponse>> {
    scope(&state, &caller, ws.workspace_id, perm::ACTION_READ).await?;
    let event_types =
        Source::TYPES.iter().map(|(source, display, description)| EventType { source, display, description, enabled: true }).collect();
    Ok(Json(ListEventTypesResponse { event_types }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociateActionLabelsRequest {
    #[serde(default)]
    action_ids: Vec<String>,
    #[serde(default)]
    label_ids: Vec<i64>,
}

/// Checks every action and label before changing anything, then changes all in one transaction.
async fn associate(
    state: AppState,
    caller: Caller,
    ws: WorkspaceParam,
    req: AssociateActionLabelsRequest,
    how: Association,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::ACTION_WRITE).await?;
    if req.action_ids.is_empty() {
        return Err(ApiError::bad_request("actionIds must name at least one action"));
    }
    for id in &req.action_ids {
        find(&state, &scope, id).await?;
    }
    super::label::check_labels(&state, &caller, ws.workspace_id, &req.label_ids).await?;
    crate::store::label::associate(&state.db, how, Labelled::Actions(&req.action_ids), &req.label_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches labels to actions, keeping the ones they have.
#[utoipa::path(post, path = "/actions/labels/add", tag = "labels", operation_id = "AddLabelsToActions", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateActionLabelsRequest, responses((status = 204), ReadErrors))]
async fn add_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateActionLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Add).await
}

/// Detaches labels from actions.
#[utoipa::path(post, path = "/actions/labels/remove", tag = "labels", operation_id = "RemoveLabelsFromActions", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateActionLabelsRequest, responses((status = 204), ReadErrors))]
async fn remove_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateActionLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Remove).await
}

/// Replaces the labels of actions with exactly these.
#[utoipa::path(post, path = "/actions/labels/apply", tag = "labels", operation_id = "ApplyLabelsToActions", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateActionLabelsRequest, responses((status = 204), ReadErrors))]
async fn apply_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateActionLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Apply).await
}
