//! Run API with the Seqera Platform paths and shapes: list and search runs, describe a run with
//! its progress, tasks and metrics, stars, deletion, cancellation, logs, names; and
//! `PATCH /workflow/{id}` (schedRunId). Every handler checks the caller may see the run.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::label::LabelDto;
use crate::app::AppState;
use crate::auth::permissions::{self as perm, can_view_run};
use crate::auth::Caller;
use crate::cache::Cache;
use crate::domain::ids::is_valid_workflow_id;
use crate::domain::progress::{build_progress, ProgressData};
use crate::domain::search;
use crate::domain::status::{TaskStatus, WorkflowStatus};
use crate::domain::time::{format_millis, now_millis};
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::live::LiveEventType;
use crate::store::task::TaskRow;
use crate::store::workflow::{RunOwner, WorkflowRow};
use crate::store::{self};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(delete_many))
        .routes(routes!(random_name))
        .routes(routes!(validate))
        .routes(routes!(describe, update, delete_one))
        .routes(routes!(progress))
        .routes(routes!(tasks))
        .routes(routes!(task))
        .routes(routes!(metrics))
        .routes(routes!(star_get, star_add, star_remove))
        .routes(routes!(cancel))
        .routes(routes!(launch))
        .routes(routes!(log))
        .routes(routes!(task_log))
        .routes(routes!(download))
        .routes(routes!(task_download))
}

/// The run's owner record, if the caller may see the run in this workspace context. A run that
/// does not exist and a run the caller may not see get the same answer, so ids cannot be probed.
pub async fn authorize_run(
    state: &AppState,
    caller: &Caller,
    id: &str,
    workspace_id: Option<i64>,
    permission: &str,
) -> ApiResult<RunOwner> {
    let access = perm::require(state, caller, workspace_id, permission).await?;
    let not_found = || ApiError::not_found(format!("Workflow '{id}' not found"));
    if !is_valid_workflow_id(id) {
        return Err(not_found());
    }
    let run = run_owner(state, id).await?.ok_or_else(not_found)?;
    if can_view_run(caller, &access, run.owner_id, run.workspace_id) {
        Ok(run)
    } else {
        Err(not_found())
    }
}

fn run_owner_key(id: &str) -> String {
    format!("run-owner:{id}")
}

/// Who owns a run and where it lives, which never changes: from this process's cache, else the
/// shared one, else the database, so the trace requests of a busy run skip the database read and,
/// mostly, the round trip to Redis. Deleting a run drops the shared entry; the short TTLs bound
/// what a deleted or purged run leaves behind on other replicas.
async fn run_owner(state: &AppState, id: &str) -> ApiResult<Option<RunOwner>> {
    const SHARED_TTL: std::time::Duration = std::time::Duration::from_secs(60);
    const LOCAL_TTL: std::time::Duration = std::time::Duration::from_secs(10);
    let key = run_owner_key(id);
    let parse = |v: &str| {
        let (owner, ws) = v.split_once(',')?;
        Some(RunOwner { id: id.to_string(), owner_id: owner.parse().ok()?, workspace_id: ws.parse().ok() })
    };
    if let Some(run) = state.local.get(&key).await.as_deref().and_then(parse) {
        return Ok(Some(run));
    }
    if let Some(v) = state.cache.get(&key).await {
        if let Some(run) = parse(&v) {
            state.local.set(&key, v, LOCAL_TTL).await;
            return Ok(Some(run));
        }
    }
    let run = store::workflow::owner(&state.db, id).await?;
    if let Some(r) = &run {
        let v = format!("{},{}", r.owner_id, r.workspace_id.map(|w| w.to_string()).unwrap_or_default());
        state.cache.set(&key, v.clone(), SHARED_TTL).await;
        state.local.set(&key, v, LOCAL_TTL).await;
    }
    Ok(run)
}

/// The whole run, after [`authorize_run`].
pub async fn load_owned_workflow(
    state: &AppState,
    caller: &Caller,
    id: &str,
    workspace_id: Option<i64>,
    permission: &str,
) -> ApiResult<WorkflowRow> {
    let run = authorize_run(state, caller, id, workspace_id, permission).await?;
    store::workflow::get(&state.db, &run.id).await?.ok_or_else(|| ApiError::not_found(format!("Workflow '{id}' not found")))
}

fn parse_json(v: &Option<String>) -> Value {
    v.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null)
}

pub async fn workflow_progress(state: &AppState, w: &WorkflowRow) -> ApiResult<ProgressData> {
    let (totals, counts, executors) = tokio::try_join!(
        store::task::resource_totals(&state.db, &w.id),
        store::task::status_counts(&state.db, &w.id),
        store::task::executors(&state.db, &w.id),
    )?;
    let mut p = build_progress(w.progress_snapshot().as_ref(), &w.process_name_list(), &totals, &counts, executors);
    p.workflow_progress.date_created = Some(w.date_created);
    p.workflow_progress.last_updated = Some(w.last_updated);
    Ok(p)
}

async fn labels_of(state: &AppState, ids: &[String]) -> ApiResult<HashMap<String, Vec<LabelDto>>> {
    let mut out: HashMap<String, Vec<LabelDto>> = HashMap::new();
    for (w, l) in store::label::of_workflows(&state.db, ids).await? {
        out.entry(w).or_default().push(l.into());
    }
    Ok(out)
}

async fn describe_response(state: &AppState, w: &WorkflowRow) -> ApiResult<DescribeWorkflowResponse> {
    let progress = workflow_progress(state, w).await?;
    let labels = labels_of(state, std::slice::from_ref(&w.id)).await?.remove(&w.id).unwrap_or_default();
    let platform = parse_json(&w.platform);
    let platform = platform.get("computeEnv").filter(|c| !c.is_null()).map(|c| ComputePlatformDto {
        id: c.get("id").and_then(Value::as_str).map(str::to_string),
        name: c.get("platform").and_then(Value::as_str).map(str::to_string),
    });
    Ok(DescribeWorkflowResponse {
        workflow: WorkflowDto::from(w),
        cost: progress.workflow_progress.cost,
        progress,
        labels,
        platform,
        job_info: None,
        optimized: None,
        org_id: None,
        org_name: None,
        workspace_id: w.workspace_id,
        workspace_name: None,
        messages: vec![],
        sched_run_id: w.sched_run_id.clone(),
        cost_currency: "USD".into(),
        cost_is_estimate: true,
    })
}

const RUN: &str = "Workflow string identifier";

/// A run with its progress and labels.
#[utoipa::path(get, path = "/workflow/{workflowId}", tag = "workflows", operation_id = "DescribeWorkflow", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = DescribeWorkflowResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 200, body = DescribeWorkflowResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 200, body = GetProgressResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<GetProgressResponse>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    Ok(Json(GetProgressResponse { progress: workflow_progress(&state, &w).await? }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct TasksQuery {
    workspace_id: Option<i64>,
    /// Page size, 1 to 1000 (default 50).
    max: Option<i64>,
    offset: Option<i64>,
    /// Free text over name, process, tag and hash (`*` wildcards); status words filter by status.
    search: Option<String>,
    /// A task field such as `taskId`, `name`, `status`, `realtime`, `peakRss`.
    sort_by: Option<String>,
    /// `asc` or `desc`.
    sort_dir: Option<String>,
}

/// A page of the run's tasks.
#[utoipa::path(get, path = "/workflow/{workflowId}/tasks", tag = "workflows", operation_id = "ListWorkflowTasks", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), TasksQuery),
    responses((status = 200, body = ListTasksResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> ApiResult<Json<ListTasksResponse>> {
    let w = authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let sort_by = q.sort_by.as_deref().filter(|s| !s.is_empty()).unwrap_or("taskId");
    let sort_column =
        search::task_sort_column(sort_by).ok_or_else(|| ApiError::bad_request(format!("Cannot sort tasks by '{sort_by}'")))?;
    let descending = match q.sort_dir.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(other) => return Err(ApiError::bad_request(format!("sortDir must be asc or desc (got '{other}')"))),
    };
    let search = search::parse_task_search(q.search.as_deref().unwrap_or(""));
    let query = store::task::TaskListQuery { search: &search, sort_column, descending, max, offset };
    let (rows, total) = store::task::list(&state.db, &w.id, &query).await?;
    Ok(Json(ListTasksResponse { tasks: rows.iter().map(|t| DescribeTaskResponse { task: t.into() }).collect(), total }))
}

async fn find_task(state: &AppState, caller: &Caller, id: &str, task_id: &str, workspace_id: Option<i64>) -> ApiResult<TaskRow> {
    let w = authorize_run(state, caller, id, workspace_id, perm::WORKFLOW_READ).await?;
    let not_found = || ApiError::not_found(format!("Task '{task_id}' not found in workflow '{id}'"));
    let task_id: i64 = task_id.parse().map_err(|_| not_found())?;
    store::task::get(&state.db, &w.id, task_id).await?.ok_or_else(not_found)
}

const TASK: &str = "Task numeric identifier";

/// One task with every trace field.
#[utoipa::path(get, path = "/workflow/{workflowId}/task/{taskId}", tag = "workflows", operation_id = "DescribeWorkflowTask", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), WorkspaceParam),
    responses((status = 200, body = DescribeTaskResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn task(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeTaskResponse>> {
    let t = find_task(&state, &caller, &id, &task_id, ws.workspace_id).await?;
    Ok(Json(DescribeTaskResponse { task: (&t).into() }))
}

/// Per-process resource distributions Nextflow sent when the run completed.
#[utoipa::path(get, path = "/workflow/{workflowId}/metrics", tag = "workflows", operation_id = "DescribeWorkflowMetrics", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = GetWorkflowMetricsResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    /// Accepted for compatibility: `totalSize` is always filled.
    include_total_size: Option<bool>,
}

/// The caller's runs (or a workspace's), newest first.
#[utoipa::path(get, path = "/workflow", tag = "workflows", operation_id = "ListWorkflows", security(("BearerAuth" = [])),
    params(ListQuery),
    responses((status = 200, body = ListWorkflowsResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListWorkflowsResponse>> {
    perm::require(&state, &caller, q.workspace_id, perm::WORKFLOW_READ).await?;
    let _ = q.include_total_size;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
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
    };
    let (rows, total) = store::workflow::list(&state.db, &query).await?;
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
    Ok(Json(ListWorkflowsResponse { workflows, total_size: total, has_more: offset + (rows.len() as i64) < total }))
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 200, body = DeleteWorkflowsResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ForceQuery>,
    ApiJson(req): ApiJson<DeleteWorkflowsRequest>,
) -> ApiResult<Json<DeleteWorkflowsResponse>> {
    perm::require(&state, &caller, q.workspace_id, perm::WORKFLOW_DELETE).await?;
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
    responses((status = 200, body = CreateWorkflowStarResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 200, body = CreateWorkflowStarResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 200, body = CreateWorkflowStarResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    store::workflow::cancel(&state.db, &w.id, now_millis()).await?;
    let run = RunOwner { id: w.id.clone(), owner_id: w.owner_id, workspace_id: w.workspace_id };
    state.announce(LiveEventType::WorkflowCompleted, &run, Some("CANCELLED"), None);
    Ok(StatusCode::NO_CONTENT)
}

/// The launch record of the run: null for runs started from the command line.
#[utoipa::path(get, path = "/workflow/{workflowId}/launch", tag = "workflows", operation_id = "DescribeWorkflowLaunch", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), WorkspaceParam),
    responses((status = 200, body = DescribeWorkflowLaunchResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn launch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeWorkflowLaunchResponse>> {
    authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    Ok(Json(DescribeWorkflowLaunchResponse { launch: None }))
}

const NO_LOG: &str = "Nextflow does not send its log to Tower: the run's log stays in .nextflow.log where it was launched, and task logs in each task's work directory";

fn empty_log() -> Json<WorkflowLogResponse> {
    Json(WorkflowLogResponse {
        log: LogPage {
            entries: vec![],
            truncated: false,
            pending: false,
            message: NO_LOG.into(),
            downloads: vec![],
            rewind_token: None,
            forward_token: None,
        },
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct LogQuery {
    workspace_id: Option<i64>,
    /// Cursor from a previous page.
    next: Option<String>,
    max_length: Option<i64>,
}

/// The run's log: empty with an explanation, as Nextflow does not upload it.
#[utoipa::path(get, path = "/workflow/{workflowId}/log", tag = "workflows", operation_id = "GetWorkflowLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), LogQuery),
    responses((status = 200, body = WorkflowLogResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn log(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<WorkflowLogResponse>> {
    let _ = (q.next, q.max_length);
    authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    Ok(empty_log())
}

/// A task's log: empty with an explanation, as Nextflow does not upload it.
#[utoipa::path(get, path = "/workflow/{workflowId}/log/{taskId}", tag = "workflows", operation_id = "GetWorkflowTaskLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), LogQuery),
    responses((status = 200, body = WorkflowLogResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn task_log(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<WorkflowLogResponse>> {
    find_task(&state, &caller, &id, &task_id, q.workspace_id).await?;
    Ok(empty_log())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct DownloadQuery {
    workspace_id: Option<i64>,
    /// The file to download, e.g. `nf-<workflowId>.log` or `.command.out`.
    file_name: Option<String>,
}

/// An empty text file: no log content reaches Tower over the trace protocol.
fn empty_file(name: Option<String>) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let name = name.filter(|n| !n.is_empty()).ok_or_else(|| ApiError::bad_request("Missing required parameter 'fileName'"))?;
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
        (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
    ];
    Ok((headers, "").into_response())
}

/// Downloads a file of the run (empty: Nextflow does not upload its files).
#[utoipa::path(get, path = "/workflow/{workflowId}/download", tag = "workflows", operation_id = "DownloadWorkflowLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), DownloadQuery),
    responses((status = 200, content_type = "text/plain", body = String), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    empty_file(q.file_name)
}

/// Downloads a file of a task (empty: Nextflow does not upload its files).
#[utoipa::path(get, path = "/workflow/{workflowId}/download/{taskId}", tag = "workflows", operation_id = "DownloadWorkflowTaskLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), DownloadQuery),
    responses((status = 200, content_type = "text/plain", body = String), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn task_download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    find_task(&state, &caller, &id, &task_id, q.workspace_id).await?;
    empty_file(q.file_name)
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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

fn ts(v: Option<i64>) -> Option<String> {
    v.map(format_millis)
}

/// `WorkflowMaxDbDto`: a run as Seqera returns it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WorkflowMaxDbDto)]
pub struct WorkflowDto {
    pub id: String,
    pub owner_id: i64,
    #[schema(format = DateTime)]
    pub submit: Option<String>,
    #[schema(format = DateTime)]
    pub start: Option<String>,
    #[schema(format = DateTime)]
    pub complete: Option<String>,
    #[schema(format = DateTime)]
    pub date_created: Option<String>,
    #[schema(format = DateTime)]
    pub last_updated: Option<String>,
    pub run_name: String,
    pub session_id: String,
    pub profile: Option<String>,
    pub work_dir: Option<String>,
    pub commit_id: Option<String>,
    pub user_name: Option<String>,
    pub script_id: Option<String>,
    pub revision: Option<String>,
    pub command_line: Option<String>,
    pub project_name: Option<String>,
    pub script_name: Option<String>,
    pub launch_id: Option<String>,
    pub status: WorkflowStatus,
    #[schema(value_type = Option<Vec<String>>)]
    pub config_files: Value,
    #[schema(value_type = Option<Object>)]
    pub params: Value,
    pub config_text: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub manifest: Value,
    #[schema(value_type = Option<Object>)]
    pub nextflow: Value,
    #[schema(value_type = Option<Object>)]
    pub stats: Value,
    pub error_message: Option<String>,
    pub error_report: Option<String>,
    pub deleted: bool,
    pub project_dir: Option<String>,
    pub home_dir: Option<String>,
    pub container: Option<String>,
    pub repository: Option<String>,
    pub container_engine: Option<String>,
    pub script_file: Option<String>,
    pub launch_dir: Option<String>,
    pub duration: Option<i64>,
    pub exit_status: Option<i32>,
    pub resume: Option<bool>,
    pub success: Option<bool>,
    pub log_file: Option<String>,
    pub out_file: Option<String>,
    pub operation_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub wave: Value,
    #[schema(value_type = Option<Object>)]
    pub fusion: Value,
    pub requires_attention: bool,
    pub config_profiles: Option<Vec<String>>,
    pub nextflow_config: Option<String>,
    pub tower_config: Option<String>,
    pub pre_run_script: Option<String>,
    pub post_run_script: Option<String>,
    pub syntax_parser: Option<String>,
}

impl From<&WorkflowRow> for WorkflowDto {
    fn from(w: &WorkflowRow) -> Self {
        WorkflowDto {
            id: w.id.clone(),
            owner_id: w.owner_id,
            submit: ts(Some(w.submit)),
            start: ts(w.start),
            complete: ts(w.complete),
            date_created: ts(Some(w.date_created)),
            last_updated: ts(Some(w.last_updated)),
            run_name: w.run_name.clone(),
            session_id: w.session_id.clone(),
            profile: w.profile.clone(),
            work_dir: w.work_dir.clone(),
            commit_id: w.commit_id.clone(),
            user_name: w.user_name.clone(),
            script_id: w.script_id.clone(),
            revision: w.revision.clone(),
            command_line: w.command_line.clone(),
            project_name: w.project_name.clone(),
            script_name: w.script_name.clone(),
            launch_id: w.launch_id.clone(),
            status: w.status(),
            config_files: parse_json(&w.config_files),
            params: parse_json(&w.params),
            config_text: w.config_text.clone(),
            manifest: parse_json(&w.manifest),
            nextflow: parse_json(&w.nextflow),
            stats: parse_json(&w.stats),
            error_message: w.error_message.clone(),
            error_report: w.error_report.clone(),
            deleted: w.deleted,
            project_dir: w.project_dir.clone(),
            home_dir: w.home_dir.clone(),
            container: w.container.clone(),
            repository: w.repository.clone(),
            container_engine: w.container_engine.clone(),
            script_file: w.script_file.clone(),
            launch_dir: w.launch_dir.clone(),
            duration: w.duration,
            exit_status: w.exit_status,
            resume: w.resume,
            success: w.success,
            log_file: w.log_file.clone(),
            out_file: w.out_file.clone(),
            operation_id: w.operation_id.clone(),
            wave: parse_json(&w.wave),
            fusion: parse_json(&w.fusion),
            requires_attention: false,
            config_profiles: w.profile.as_deref().map(|p| p.split(',').map(|s| s.trim().to_string()).collect()),
            nextflow_config: None,
            tower_config: None,
            pre_run_script: None,
            post_run_script: None,
            syntax_parser: None,
        }
    }
}

/// `Task`: every field of a task's trace record.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Task)]
pub struct TaskDto {
    pub id: i64,
    pub task_id: i64,
    pub status: TaskStatus,
    pub hash: Option<String>,
    pub name: Option<String>,
    pub exit: Option<i32>,
    pub exit_status: Option<i32>,
    #[schema(format = DateTime)]
    pub submit: Option<String>,
    #[schema(format = DateTime)]
    pub start: Option<String>,
    #[schema(format = DateTime)]
    pub complete: Option<String>,
    pub process: Option<String>,
    pub tag: Option<String>,
    pub module: Vec<String>,
    pub container: Option<String>,
    pub attempt: Option<i32>,
    pub script: Option<String>,
    pub scratch: Option<String>,
    pub workdir: Option<String>,
    pub queue: Option<String>,
    pub cpus: Option<i32>,
    pub memory: Option<i64>,
    pub disk: Option<i64>,
    pub time: Option<i64>,
    pub env: Option<String>,
    pub error_action: Option<String>,
    pub duration: Option<i64>,
    pub realtime: Option<i64>,
    pub pcpu: Option<f64>,
    pub cpu_model: Option<String>,
    pub rchar: Option<i64>,
    pub wchar: Option<i64>,
    pub syscr: Option<i64>,
    pub syscw: Option<i64>,
    pub read_bytes: Option<i64>,
    pub write_bytes: Option<i64>,
    pub pmem: Option<f64>,
    pub vmem: Option<i64>,
    pub rss: Option<i64>,
    pub peak_vmem: Option<i64>,
    pub peak_rss: Option<i64>,
    pub vol_ctxt: Option<i64>,
    pub inv_ctxt: Option<i64>,
    pub native_id: Option<String>,
    pub executor: Option<String>,
    pub cloud_zone: Option<String>,
    pub machine_type: Option<String>,
    pub price_model: Option<String>,
    pub num_spot_interruptions: Option<i32>,
    pub log_stream_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub resource_allocation: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_metrics: Value,
    pub accelerator: Option<i32>,
    pub accelerator_type: Option<String>,
    pub hostname: Option<String>,
    /// Estimated cost: CPU-hours at the default rate, for finished tasks.
    pub cost: Option<f64>,
    pub error_message: Option<String>,
    #[schema(format = DateTime)]
    pub date_created: Option<String>,
    #[schema(format = DateTime)]
    pub last_updated: Option<String>,
}

impl From<&TaskRow> for TaskDto {
    fn from(t: &TaskRow) -> Self {
        let status = serde_json::from_value(Value::String(t.status.clone())).unwrap_or(TaskStatus::New);
        TaskDto {
            id: t.task_id,
            task_id: t.task_id,
            status,
            hash: t.hash.clone(),
            name: t.name.clone(),
            exit: t.exit_status,
            exit_status: t.exit_status,
            submit: ts(t.submit),
            start: ts(t.start),
            complete: ts(t.complete),
            process: t.process.clone(),
            tag: t.tag.clone(),
            module: t.module_list(),
            container: t.container.clone(),
            attempt: t.attempt,
            script: t.script.clone(),
            scratch: t.scratch.clone(),
            workdir: t.workdir.clone(),
            queue: t.queue.clone(),
            cpus: t.cpus,
            memory: t.memory,
            disk: t.disk,
            time: t.time,
            env: t.env.clone(),
            error_action: t.error_action.clone(),
            duration: t.duration,
            realtime: t.realtime,
            pcpu: t.pcpu,
            cpu_model: t.cpu_model.clone(),
            rchar: t.rchar,
            wchar: t.wchar,
            syscr: t.syscr,
            syscw: t.syscw,
            read_bytes: t.read_bytes,
            write_bytes: t.write_bytes,
            pmem: t.pmem,
            vmem: t.vmem,
            rss: t.rss,
            peak_vmem: t.peak_vmem,
            peak_rss: t.peak_rss,
            vol_ctxt: t.vol_ctxt,
            inv_ctxt: t.inv_ctxt,
            native_id: t.native_id.clone(),
            executor: t.executor.clone(),
            cloud_zone: t.cloud_zone.clone(),
            machine_type: t.machine_type.clone(),
            price_model: t.price_model.clone(),
            num_spot_interruptions: t.num_spot_interruptions,
            log_stream_id: t.log_stream_id.clone(),
            resource_allocation: TaskRow::json_field(&t.resource_allocation),
            gpu_metrics: TaskRow::json_field(&t.gpu_metrics),
            accelerator: t.accelerator,
            accelerator_type: t.accelerator_type.clone(),
            hostname: t.hostname.clone(),
            cost: task_cost(t),
            error_message: None,
            date_created: ts(Some(t.date_created)),
            last_updated: ts(Some(t.last_updated)),
        }
    }
}

/// Estimated cost of a finished task: CPU-hours at the default rate.
fn task_cost(t: &TaskRow) -> Option<f64> {
    match (t.status.as_str(), t.realtime) {
        ("COMPLETED" | "FAILED" | "ABORTED" | "CACHED", Some(rt)) => {
            let cost = crate::domain::progress::COST_PER_CPU_HOUR * rt as f64 * t.cpus.unwrap_or(1) as f64 / 3_600_000.0;
            Some((cost * 10_000.0).round() / 10_000.0)
        }
        _ => None,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComputePlatformDto {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribeWorkflowResponse {
    pub workflow: WorkflowDto,
    pub progress: ProgressData,
    pub labels: Vec<LabelDto>,
    pub platform: Option<ComputePlatformDto>,
    #[schema(value_type = Option<Object>)]
    pub job_info: Option<Value>,
    pub optimized: Option<bool>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub workspace_id: Option<i64>,
    pub workspace_name: Option<String>,
    pub messages: Vec<String>,
    pub sched_run_id: Option<String>,
    pub cost: f64,
    pub cost_currency: String,
    pub cost_is_estimate: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkflowsElement {
    pub workflow: WorkflowDto,
    pub progress: Option<ProgressData>,
    pub labels: Option<Vec<LabelDto>>,
    pub starred: bool,
    pub optimized: Option<bool>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub workspace_id: Option<i64>,
    pub workspace_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub pipeline_info: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkflowsResponse {
    pub workflows: Vec<ListWorkflowsElement>,
    pub total_size: i64,
    pub has_more: bool,
}

#[derive(Serialize, ToSchema)]
pub struct GetProgressResponse {
    pub progress: ProgressData,
}

#[derive(Serialize, ToSchema)]
pub struct DescribeTaskResponse {
    pub task: TaskDto,
}

#[derive(Serialize, ToSchema)]
pub struct ListTasksResponse {
    pub tasks: Vec<DescribeTaskResponse>,
    pub total: i64,
}

/// Per-process resource distributions (`ResourceData` objects or null) sent by Nextflow at completion.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WorkflowMetrics)]
pub struct WorkflowMetricsDto {
    pub id: i64,
    pub process: String,
    #[schema(value_type = Option<Object>)]
    pub cpu: Value,
    #[schema(value_type = Option<Object>)]
    pub mem: Value,
    #[schema(value_type = Option<Object>)]
    pub vmem: Value,
    #[schema(value_type = Option<Object>)]
    pub time: Value,
    #[schema(value_type = Option<Object>)]
    pub reads: Value,
    #[schema(value_type = Option<Object>)]
    pub writes: Value,
    #[schema(value_type = Option<Object>)]
    pub cpu_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub mem_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub time_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_peak: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_avg: Value,
}

#[derive(Serialize, ToSchema)]
pub struct GetWorkflowMetricsResponse {
    pub metrics: Vec<WorkflowMetricsDto>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    pub entries: Vec<String>,
    pub truncated: bool,
    pub pending: bool,
    pub message: String,
    pub downloads: Vec<String>,
    pub rewind_token: Option<String>,
    pub forward_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowLogResponse {
    pub log: LogPage,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteWorkflowsResponse {
    pub failed_workflow_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkflowStarResponse {
    pub workflow_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct RandomWorkflowNameResponse {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct DescribeWorkflowLaunchResponse {
    /// Null: runs started from the Nextflow command line have no launch record.
    #[schema(value_type = Option<Object>)]
    pub launch: Option<Value>,
}
