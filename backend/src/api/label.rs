//! Labels: `GET/POST /labels`, `PUT/DELETE /labels/{labelId}`, run labels with
//! `POST /workflow/labels/add|remove|apply` and pipeline labels with
//! `POST /pipelines/labels/add|remove|apply`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::run_access::authorize_run;
use crate::api::errors::{ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::label::{self, Association, Label, Labelled, Scope};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(add_to_runs))
        .routes(routes!(remove_from_runs))
        .routes(routes!(apply_to_runs))
        .routes(routes!(add_to_pipelines))
        .routes(routes!(remove_from_pipelines))
        .routes(routes!(apply_to_pipelines))
}

/// `LabelDbDto`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = LabelDbDto)]
pub struct LabelDto {
    pub id: i64,
    pub name: String,
    pub value: Option<String>,
    pub resource: bool,
    pub is_default: bool,
    pub is_dynamic: bool,
    pub is_interpolated: bool,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub date_created: Option<i64>,
}

impl From<Label> for LabelDto {
    fn from(l: Label) -> Self {
        LabelDto {
            id: l.id,
            name: l.name,
            value: l.value,
            resource: l.resource,
            is_default: l.is_default,
            is_dynamic: false,
            is_interpolated: false,
            date_created: Some(l.date_created),
        }
    }
}

async fn scope(state: &AppState, caller: &Caller, workspace_id: Option<i64>, permission: &str) -> ApiResult<Scope> {
    perm::require(&state.db, caller, workspace_id, permission).await?;
    Ok(Scope { user_id: caller.user.id, workspace_id })
}

/// Label names and values: 2 to 39 letters and digits, with single `-` or `_` between them.
pub fn validate_label_part(what: &str, s: &str) -> Result<(), String> {
    if crate::domain::names::is_resource_name(s) {
        Ok(())
    } else {
        Err(format!("Invalid label {what} '{s}': use 2 to 39 letters or digits, with single '-' or '_' between them"))
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    search: Option<String>,
    /// `simple`, `resource` or `all`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    is_default: Option<bool>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListLabelsResponse {
    pub labels: Vec<LabelDto>,
    pub total_size: i64,
}

/// Labels of the workspace, by name.
#[utoipa::path(get, path = "/labels", tag = "labels", operation_id = "ListLabels", security(("BearerAuth" = [])), params(ListQuery),
    responses((status = 200, body = ListLabelsResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListLabelsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::LABEL_READ).await?;
    let resource = match q.kind.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("all") => None,
        Some("simple") => Some(false),
        Some("resource") => Some(true),
        Some(other) => return Err(ApiError::bad_request(format!("Unknown label type '{other}': use simple, resource or all"))),
    };
    let (max, offset) = super::paging(q.max, q.offset, 100)?;
    let f = label::ListFilter { search: q.search.as_deref().filter(|s| !s.is_empty()), resource, is_default: q.is_default, max, offset };
    let (labels, total) = label::list(&state.db, scope, &f).await?;
    Ok(Json(ListLabelsResponse { labels: labels.into_iter().map(Into::into).collect(), total_size: total }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateLabelRequest {
    name: Option<String>,
    value: Option<String>,
    #[serde(default)]
    resource: bool,
    #[serde(default)]
    is_default: bool,
}

/// `CreateLabelResponse` and `UpdateLabelResponse`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelResponse {
    pub id: i64,
    pub name: String,
    pub value: Option<String>,
    pub resource: bool,
    pub is_default: bool,
}

impl From<Label> for LabelResponse {
    fn from(l: Label) -> Self {
        LabelResponse { id: l.id, name: l.name, value: l.value, resource: l.resource, is_default: l.is_default }
    }
}

/// Creates a label, or returns the existing one with the same name and value.
#[utoipa::path(post, path = "/labels", tag = "labels", operation_id = "CreateLabel", security(("BearerAuth" = [])), params(WorkspaceParam),
    request_body = CreateLabelRequest,
    responses((status = 200, body = LabelResponse), ListErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreateLabelRequest>,
) -> ApiResult<Json<LabelResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::LABEL_WRITE).await?;
    let name = req.name.unwrap_or_default();
    validate_label_part("name", &name).map_err(ApiError::BadRequest)?;
    let value = req.value.filter(|v| !v.is_empty());
    match (&value, req.resource) {
        (Some(v), true) => validate_label_part("value", v).map_err(ApiError::BadRequest)?,
        (None, true) => return Err(ApiError::bad_request("A resource label needs a value")),
        (Some(_), false) => return Err(ApiError::bad_request("Only resource labels have a value")),
        (None, false) => {}
    }
    if label::find_by_name(&state.db, scope, &name, value.as_deref()).await?.is_none() {
        label::create(&state.db, scope, &name, value.as_deref(), req.resource, req.is_default, now_millis()).await?;
    }
    let l = label::find_by_name(&state.db, scope, &name, value.as_deref())
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("label vanished")))?;
    Ok(Json(l.into()))
}

/// Checks that every label exists in the workspace (and the caller may read its labels).
pub(super) async fn check_labels(state: &AppState, caller: &Caller, workspace_id: Option<i64>, label_ids: &[i64]) -> ApiResult<()> {
    let labels = scope(state, caller, workspace_id, perm::LABEL_READ).await?;
    for l in label_ids {
        find_label(state, labels, &l.to_string()).await?;
    }
    Ok(())
}

async fn find_label(state: &AppState, scope: Scope, id: &str) -> ApiResult<Label> {
    let not_found = || ApiError::not_found(format!("Label '{id}' not found"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    label::find(&state.db, scope, id).await?.ok_or_else(not_found)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateLabelRequest {
    name: Option<String>,
    value: Option<String>,
    is_default: Option<bool>,
}

const LABEL: &str = "Label numeric identifier";

/// Renames a label or changes its value.
#[utoipa::path(put, path = "/labels/{labelId}", tag = "labels", operation_id = "UpdateLabel", security(("BearerAuth" = [])),
    params(("labelId" = i64, Path, description = LABEL), WorkspaceParam), request_body = UpdateLabelRequest,
    responses((status = 200, body = LabelResponse), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateLabelRequest>,
) -> ApiResult<Json<LabelResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::LABEL_WRITE).await?;
    let l = find_label(&state, scope, &id).await?;
    let name = req.name.unwrap_or(l.name.clone());
    validate_label_part("name", &name).map_err(ApiError::BadRequest)?;
    let value = if l.resource { req.value.or(l.value.clone()) } else { None };
    if let Some(v) = &value {
        validate_label_part("value", v).map_err(ApiError::BadRequest)?;
    }
    if let Some(other) = label::find_by_name(&state.db, scope, &name, value.as_deref()).await? {
        if other.id != l.id {
            return Err(ApiError::conflict(format!("A label '{name}' already exists")));
        }
    }
    let is_default = req.is_default.unwrap_or(l.is_default);
    label::update(&state.db, l.id, &name, value.as_deref(), is_default).await?;
    Ok(Json(LabelResponse { id: l.id, name, value, resource: l.resource, is_default }))
}

/// Deletes a label and detaches it from every run.
#[utoipa::path(delete, path = "/labels/{labelId}", tag = "labels", operation_id = "DeleteLabel", security(("BearerAuth" = [])),
    params(("labelId" = i64, Path, description = LABEL), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::LABEL_DELETE).await?;
    let l = find_label(&state, scope, &id).await?;
    label::delete(&state.db, l.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociateWorkflowLabelsRequest {
    #[serde(default)]
    workflow_ids: Vec<String>,
    #[serde(default)]
    label_ids: Vec<i64>,
}

/// Checks every run and label before changing anything, then changes all in one transaction.
async fn associate(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateWorkflowLabelsRequest>,
    how: Association,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::LABEL_READ).await?;
    if req.workflow_ids.is_empty() {
        return Err(ApiError::bad_request("workflowIds must name at least one run"));
    }
    let mut ids = Vec::new();
    for w in &req.workflow_ids {
        ids.push(authorize_run(&state, &caller, w, ws.workspace_id, perm::WORKFLOW_LABEL_WRITE).await?.id);
    }
    for l in &req.label_ids {
        find_label(&state, scope, &l.to_string()).await?;
    }
    label::associate(&state.db, how, Labelled::Runs(&ids), &req.label_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches labels to runs, keeping the ones they have.
#[utoipa::path(post, path = "/workflow/labels/add", tag = "labels", operation_id = "AddLabelsToWorkflows", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateWorkflowLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn add_to_runs(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociateWorkflowLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Add).await
}

/// Detaches labels from runs.
#[utoipa::path(post, path = "/workflow/labels/remove", tag = "labels", operation_id = "RemoveLabelsFromWorkflows", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateWorkflowLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn remove_from_runs(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociateWorkflowLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Remove).await
}

/// Replaces the labels of runs with exactly these.
#[utoipa::path(post, path = "/workflow/labels/apply", tag = "labels", operation_id = "ApplyLabelsToWorkflows", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateWorkflowLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn apply_to_runs(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociateWorkflowLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Apply).await
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociatePipelineLabelsRequest {
    #[serde(default)]
    pipeline_ids: Vec<i64>,
    #[serde(default)]
    label_ids: Vec<i64>,
}

/// Checks every pipeline (those who may edit the Launchpad) and label before changing anything,
/// then changes all in one transaction.
async fn associate_pipelines(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociatePipelineLabelsRequest>,
    how: Association,
) -> ApiResult<StatusCode> {
    let pipelines = super::scope(&state, &caller, ws.workspace_id, perm::PIPELINE_WRITE).await?;
    let labels = scope(&state, &caller, ws.workspace_id, perm::LABEL_READ).await?;
    if req.pipeline_ids.is_empty() {
        return Err(ApiError::bad_request("pipelineIds must name at least one pipeline"));
    }
    for id in &req.pipeline_ids {
        if crate::store::pipeline::find(&state.db, &pipelines, *id).await?.is_none() {
            return Err(ApiError::not_found(format!("Pipeline {id} not found")));
        }
    }
    for l in &req.label_ids {
        find_label(&state, labels, &l.to_string()).await?;
    }
    label::associate(&state.db, how, Labelled::Pipelines(&req.pipeline_ids), &req.label_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches labels to pipelines, keeping the ones they have.
#[utoipa::path(post, path = "/pipelines/labels/add", tag = "labels", operation_id = "AddLabelsToPipelines", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociatePipelineLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn add_to_pipelines(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociatePipelineLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate_pipelines(state, caller, ws, req, Association::Add).await
}

/// Detaches labels from pipelines.
#[utoipa::path(post, path = "/pipelines/labels/remove", tag = "labels", operation_id = "RemoveLabelsFromPipelines", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociatePipelineLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn remove_from_pipelines(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociatePipelineLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate_pipelines(state, caller, ws, req, Association::Remove).await
}

/// Replaces the labels of pipelines with exactly these.
#[utoipa::path(post, path = "/pipelines/labels/apply", tag = "labels", operation_id = "ApplyLabelsToPipelines", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociatePipelineLabelsRequest,
    responses((status = 204), ReadErrors))]
async fn apply_to_pipelines(
    state: State<AppState>,
    caller: Caller,
    ws: ApiQuery<WorkspaceParam>,
    req: ApiJson<AssociatePipelineLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate_pipelines(state, caller, ws, req, Association::Apply).await
}
