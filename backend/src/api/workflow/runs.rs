//! Runs: list, describe, update, progress, metrics, delete, star, cancel, validate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::dto::{
    CreateWorkflowStarResponse, DeleteWorkflowsResponse, DescribeWorkflowResponse, GetProgressResponse, GetWorkflowMetricsResponse,
    ListWorkflowsElement, ListWorkflowsResponse, RandomWorkflowNameResponse, WorkflowMetricsDto,
};
use super::{describe_response, labels_of, parse_json, workflow_progress, RUN};
use crate::api::errors::{ListErrors, NameErrors, ReadErrors, UpdateErrors};
use crate::api::extract::{ApiJson, ApiQuery, WorkspaceParam};
use crate::api::run_access::{authorize_run, load_owned_workflow, run_owner_key};
use crate::auth::permissions::{self as perm};
use crate::auth::Caller;
use crate::cache::Cache;
use crate::domain::search;
use crate::domain::status::WorkflowStatus;
use crate::domain::time::now_millis;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::live::LiveEventType;
use crate::state::AppState;
use crate::store::workflow::{RunOwner, WorkflowRow};
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(delete_many))
        .routes(routes!(random_name))
        .routes(routes!(validate))
        .routes(routes!(describe, update, delete_one))
        .routes(routes!(progress))
        .routes(routes!(metrics))
        .routes(routes!(star_get, star_add, star_remove))
        .routes(routes!(cancel))
}

/// A run with its progress and labels.
#[utoipa::path(get, path = "/workflow/{workflowId}", tag = "workflows", operation_id = "DescribeWorkflow", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = DescribeWorkflowResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeWorkflowResponse>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    Ok(Json(describe_response(&state, &w).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWorkflowRequest {
    sched_run_id: Option<String>,
}

/// Sets the scheduler run id Nextflow reports for scheduler-launched runs.
#[utoipa::path(patch, path = "/workflow/{workflowId}", tag = "workflows", operation_id = "UpdateWorkflow", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam), request_body = UpdateWorkflowRequest,
    responses((status = 200, body = DescribeWorkflowResponse), ReadErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateWorkflowRequest>,
) -> ApiResult<Json<DescribeWorkflowResponse>> {
    if req.sched_run_id.as_deref().is_some_and(|s| s.len() > 64) {
        return Err(ApiError::bad_request("schedRunId is longer than 64 characters"));
    }
    let w = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_WRITE).await?;
    store::workflow::set_sched_run_id(&state.db, &w.id, req.sched_run_id.as_deref(), now_millis()).await?;
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_WRITE).await?;
    Ok(Json(describe_response(&state, &w).await?))
}

/// Task counters, load, peaks and resource totals of the run and of each process.
#[utoipa::path(get, path = "/workflow/{workflowId}/progress", tag = "workflows", operation_id = "DescribeWorkflowProgress", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = GetProgressResponse), ReadErrors))]
async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<GetProgressResponse>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    Ok(Json(GetProgressResponse { progress: workflow_progress(&state, &w).await? }))
}

/// Per-process resource distributions Nextflow sent when the run completed.
#[utoipa::path(get, path = "/workflow/{workflowId}/metrics", tag = "workflows", operation_id = "DescribeWorkflowMetrics", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = GetWorkflowMetricsResponse), ReadErrors))]
async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<GetWorkflowMetricsResponse>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    let rows = store::workflow::metrics(&state.db, &w.id).await?;
    let metrics = rows
        .iter()
        .map(|m| WorkflowMetricsDto {
            id: m.id,
            process: m.process.clone(),
            cpu: parse_json(&m.cpu),
            mem: parse_json(&m.mem),
            vmem: parse_json(&m.vmem),
            time: parse_json(&m.time),
            reads: parse_json(&m.io_reads),
            writes: parse_json(&m.io_writes),
            cpu_usage: parse_json(&m.cpu_usage),
            mem_usage: parse_json(&m.mem_usage),
            time_usage: parse_json(&m.time_usage),
            gpu_usage: parse_json(&m.gpu_usage),
            gpu_mem_peak: parse_json(&m.gpu_mem_peak),
            gpu_mem_avg: parse_json(&m.gpu_mem_avg),
        })
        .collect();
    Ok(Json(GetWorkflowMetricsResponse { metrics }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    workspace_id: Option<i64>,
    /// Page size, 1 to 1000 (default 50).
    max: Option<i64>,
    offset: Option<i64>,
    /// Free text (`*` wildcards) and `status:`, `label:`, `workflowId:`, `runName:`, `userName:`,
    /// `projectName:`, `sessionId:`, `after:`, `before:`, `is:starred` filters.
    search: Option<String>,
    /// Comma-separated: `labels` fills each run's labels.
    attributes: Option<String>,
    /// `true` fills `totalSize`: every matching run is counted, a cost that grows with them.
    include_total_size: Option<bool>,
}

/// The caller's runs (or a workspace's), newest first.
#[utoipa::path(get, path = "/workflow", tag = "workflows", operation_id = "ListWorkflows", security(("BearerAuth" = [])),
    params(ListQuery),
    responses((status = 200, body = ListWorkflowsResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListWorkflowsResponse>> {
    perm::require(&state.db, &caller, q.workspace_id, perm::WORKFLOW_READ).await?;
    let (max, offset) = crate::api::paging(q.max, q.offset, 50)?;
    let search = search::parse_run_search(q.search.as_deref().unwrap_or("")).map_err(ApiError::BadRequest)?;
    let attributes: Vec<&str> = q.attributes.as_deref().unwrap_or("").split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
    if let Some(a) = attributes.iter().find(|a| !["optimized", "labels", "messages", "minimal", "pipelineInfo"].contains(a)) {
        return Err(ApiError::bad_request(format!("Unknown attribute '{a}': use optimized, labels, messages, minimal or pipelineInfo")));
    }
    let query = store::workflow::RunListQuery {
        owner_id: caller.user.id,
        workspace_id: q.workspace_id,
        search: &search,
        viewer_id: caller.user.id,
        max,
        offset,
        count: q.include_total_size == Some(true),
    };
    let store::workflow::RunPage { rows, total, has_more } = store::workflow::list(&state.db, &query).await?;
    let ids: Vec<String> = rows.iter().map(|w| w.id.clone()).collect();
    let starred = store::star::starred_among(&state.db, caller.user.id, &ids).await?;
    let mut labels = if attributes.contains(&"labels") { Some(labels_of(&state, &ids).await?) } else { None };
    let workflows = rows
        .iter()
        .map(|w| ListWorkflowsElement {
            workflow: w.into(),
            progress: None,
            labels: labels.as_mut().map(|l| l.remove(&w.id).unwrap_or_default()),
            starred: starred.contains(&w.id),
            optimized: None,
            org_id: None,
            org_name: None,
            workspace_id: w.workspace_id,
            workspace_name: None,
            pipeline_info: None,
        })
        .collect();
    Ok(Json(ListWorkflowsResponse { workflows, total_size: total, has_more }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ForceQuery {
    workspace_id: Option<i64>,
    /// Also act on a run that is still active.
    #[serde(default)]
    force: bool,
}

/// Forgets a deleted run's cached owner and tells viewers it is gone.
fn deleted(state: &AppState, w: &WorkflowRow) {
    let run = RunOwner { id: w.id.clone(), owner_id: w.owner_id, workspace_id: w.workspace_id };
    let (cache, key) = (state.cache.clone(), run_owner_key(&w.id));
    let local = state.local.clone();
    tokio::spawn(async move {
        local.delete(&key).await;
        cache.delete(&key).await;
    });
    state.announce(LiveEventType::WorkflowDeleted, &run, None, None);
}

/// A run can be deleted once it has ended, or when it is stuck (UNKNOWN); `force` deletes an
/// active run too.
fn deletable(w: &WorkflowRow, force: bool) -> Result<(), String> {
    match w.status() {
        WorkflowStatus::Submitted | WorkflowStatus::Running if !force => {
            Err(format!("Run '{}' is still {}: stop it first, or delete it with force=true", w.id, w.status))
        }
        _ => Ok(()),
    }
}

/// Deletes a run: it disappears at once and is purged later.
#[utoipa::path(delete, path = "/workflow/{workflowId}", tag = "workflows", operation_id = "DeleteWorkflow", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ForceQuery),
    responses((status = 204), UpdateErrors))]
async fn delete_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ForceQuery>,
) -> ApiResult<StatusCode> {
    let w = load_owned_workflow(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_DELETE).await?;
    deletable(&w, q.force).map_err(ApiError::Conflict)?;
    store::workflow::soft_delete(&state.db, std::slice::from_ref(&w.id), now_millis()).await?;
    deleted(&state, &w);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteWorkflowsRequest {
    #[serde(default)]
    workflow_ids: Vec<String>,
}

/// Deletes the runs it may; the response lists those it could not.
#[utoipa::path(post, path = "/workflow/delete", tag = "workflows", operation_id = "DeleteWorkflowMany", security(("BearerAuth" = [])),
    params(ForceQuery), request_body = DeleteWorkflowsRequest,
    responses((status = 200, body = DeleteWorkflowsResponse), ListErrors))]
async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ForceQuery>,
    ApiJson(req): ApiJson<DeleteWorkflowsRequest>,
) -> ApiResult<Json<DeleteWorkflowsResponse>> {
    perm::require(&state.db, &caller, q.workspace_id, perm::WORKFLOW_DELETE).await?;
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for id in &req.workflow_ids {
        match load_owned_workflow(&state, &caller, id, q.workspace_id, perm::WORKFLOW_DELETE).await {
            Ok(w) if deletable(&w, q.force).is_ok() => ok.push(w),
            Ok(_) | Err(ApiError::NotFound(_)) => failed.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    let ids: Vec<String> = ok.iter().map(|w| w.id.clone()).collect();
    store::workflow::soft_delete(&state.db, &ids, now_millis()).await?;
    for w in &ok {
        deleted(&state, w);
    }
    Ok(Json(DeleteWorkflowsResponse { failed_workflow_ids: failed }))
}

/// Whether the caller starred the run (404 when not).
#[utoipa::path(get, path = "/workflow/{workflowId}/star", tag = "workflows", operation_id = "DescribeWorkflowStar", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = CreateWorkflowStarResponse), ReadErrors))]
async fn star_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<CreateWorkflowStarResponse>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_STAR_READ).await?;
    if store::star::is_starred(&state.db, &w.id, caller.user.id).await? {
        Ok(Json(CreateWorkflowStarResponse { workflow_id: w.id }))
    } else {
        Err(ApiError::not_found(format!("Run '{id}' is not starred")))
    }
}

/// Stars the run for the caller.
#[utoipa::path(post, path = "/workflow/{workflowId}/star", tag = "workflows", operation_id = "CreateWorkflowStar", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = CreateWorkflowStarResponse), ReadErrors))]
async fn star_add(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<CreateWorkflowStarResponse>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_STAR_WRITE).await?;
    store::star::star(&state.db, &w.id, caller.user.id, now_millis()).await?;
    Ok(Json(CreateWorkflowStarResponse { workflow_id: w.id }))
}

/// Removes the caller's star.
#[utoipa::path(delete, path = "/workflow/{workflowId}/star", tag = "workflows", operation_id = "DeleteWorkflowStar", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = CreateWorkflowStarResponse), ReadErrors))]
async fn star_remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<CreateWorkflowStarResponse>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_STAR_DELETE).await?;
    store::star::unstar(&state.db, &w.id, caller.user.id).await?;
    Ok(Json(CreateWorkflowStarResponse { workflow_id: w.id }))
}

/// Cancels a run Tower launched. A run started with `nextflow run -with-tower` is stopped where
/// it runs: 400.
#[utoipa::path(post, path = "/workflow/{workflowId}/cancel", tag = "workflows", operation_id = "CancelWorkflow", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ForceQuery),
    responses((status = 204), UpdateErrors))]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ForceQuery>,
) -> ApiResult<StatusCode> {
    let w = load_owned_workflow(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_EXECUTE).await?;
    if w.launch_id.is_none() {
        return Err(ApiError::bad_request(format!(
            "Run '{id}' was started from the Nextflow command line, not launched by Tower: stop it where it runs (e.g. Ctrl+C or kill the Nextflow process)"
        )));
    }
    if w.status().is_final() {
        return Err(ApiError::conflict(format!("Run '{id}' has already ended ({})", w.status)));
    }
    if let Some(launch) = store::launch::find_by_workflow(&state.db, &w.id).await? {
        // Not submitted yet: it never will be. Submitted: the job is stopped where it runs.
        store::launch::cancel_pending(&state.db, &launch.id, now_millis()).await?;
        crate::launch::submit::cancel(&state.launcher(), &launch, std::time::Duration::from_secs(10))
            .await
            .map_err(|e| ApiError::BadGateway(format!("Cannot stop the head job of run '{id}': {e}")))?;
    }
    store::workflow::cancel(&state.db, &w.id, now_millis()).await?;
    let run = RunOwner { id: w.id.clone(), owner_id: w.owner_id, workspace_id: w.workspace_id };
    state.announce(LiveEventType::WorkflowCompleted, &run, Some("CANCELLED"), None);
    Ok(StatusCode::NO_CONTENT)
}

/// A random Nextflow-style run name.
#[utoipa::path(get, path = "/workflow/random-name", tag = "workflows", operation_id = "GenerateRandomWorkflowName", security(("BearerAuth" = [])),
    responses((status = 200, body = RandomWorkflowNameResponse), (status = 401, body = ErrorResponse)))]
async fn random_name(_caller: Caller) -> Json<RandomWorkflowNameResponse> {
    Json(RandomWorkflowNameResponse { name: crate::domain::names::random_run_name() })
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ValidateQuery {
    run_name: Option<String>,
    session_id: Option<String>,
}

/// 204 when the run name is well formed and, with a session id, not used in that session yet.
#[utoipa::path(get, path = "/workflow/validate", tag = "workflows", operation_id = "ValidateWorkflowConstraints", security(("BearerAuth" = [])),
    params(ValidateQuery),
    responses((status = 204), NameErrors))]
async fn validate(State(state): State<AppState>, _caller: Caller, ApiQuery(q): ApiQuery<ValidateQuery>) -> ApiResult<StatusCode> {
    let name = q.run_name.unwrap_or_default();
    crate::domain::names::validate_run_name(&name).map_err(ApiError::BadRequest)?;
    if let Some(session) = q.session_id.filter(|s| !s.is_empty()) {
        if store::workflow::run_name_taken(&state.db, &name, &session).await? {
            return Err(ApiError::conflict(format!("Run name '{name}' is already used in session {session}")));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
