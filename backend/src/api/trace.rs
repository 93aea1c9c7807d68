//! The Nextflow trace protocol: `POST /trace/create`, `PUT /trace/{id}/begin|progress|heartbeat|complete`.
//! Every request is validated whole before anything is written, and written in one transaction.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::run_access::authorize_run;
use crate::api::errors::TraceErrors;
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::ids;
use crate::domain::status::WorkflowStatus;
use crate::domain::time::now_millis;
use crate::domain::trace::*;
use crate::error::{ApiError, ApiResult};
use crate::live::LiveEventType;
use crate::mail::RunSummary;
use crate::state::AppState;
use crate::store;
use crate::store::mail::NewMail;
use crate::store::workflow::RunOwner;

/// Most task records accepted in one progress request (Nextflow sends at most 100).
pub const MAX_TASKS_PER_REQUEST: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(begin))
        .routes(routes!(progress))
        .routes(routes!(heartbeat))
        .routes(routes!(complete))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceCreateResponse {
    pub workflow_id: String,
    pub watch_url: String,
    pub message: Option<String>,
    pub metadata: TraceCreateMetadata,
}

/// What Nextflow copies into `workflow.platform`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceCreateMetadata {
    pub user_id: i64,
    pub user_name: String,
    pub user_organization: Option<String>,
    pub workspace_id: Option<i64>,
    pub workspace_name: Option<String>,
    pub workspace_full_name: Option<String>,
    pub org_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub enum TraceProcessingStatus {
    #[allow(clippy::upper_case_acronyms)]
    OK,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceBeginResponse {
    pub status: TraceProcessingStatus,
    pub workflow_id: String,
    pub watch_url: String,
}

/// The answer to progress and complete requests.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceProgressResponse {
    pub status: TraceProcessingStatus,
    pub workflow_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct TraceHeartbeatResponse {
    pub message: String,
}

fn watch_url(state: &AppState, id: &str) -> String {
    format!("{}/watch/{id}", state.config.server_url)
}

fn required<'a>(v: &'a Option<String>, name: &str) -> ApiResult<&'a str> {
    v.as_deref().filter(|s| !s.trim().is_empty()).ok_or_else(|| ApiError::bad_request(format!("Missing required field '{name}'")))
}

fn reject_lengths(errors: Vec<String>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(errors.join("; ")))
    }
}

/// The run a trace request reports on: only the user who created it (or a root user) reports on
/// it, and only while they may still write runs in its workspace.
async fn reported_run(state: &AppState, caller: &Caller, id: &str, workspace_id: Option<i64>) -> ApiResult<RunOwner> {
    let run = authorize_run(state, caller, id, workspace_id, perm::WORKFLOW_WRITE).await?;
    if run.owner_id == caller.user.id || caller.is_root {
        Ok(run)
    } else {
        Err(ApiError::not_found(format!("Workflow '{id}' not found")))
    }
}

#[utoipa::path(post, path = "/trace/create", tag = "trace", operation_id = "CreateTrace", security(("BearerAuth" = [])), params(WorkspaceParam),
    request_body = TraceCreateRequest,
    responses((status = 200, body = TraceCreateResponse), TraceErrors))]
#[tracing::instrument(skip_all, fields(user = caller.user.id))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<TraceCreateRequest>,
) -> ApiResult<Json<TraceCreateResponse>> {
    perm::require(&state.db, &caller, ws.workspace_id, perm::WORKFLOW_WRITE).await?;
    let session_id = required(&req.session_id, "sessionId")?;
    let run_name = required(&req.run_name, "runName")?;
    let check = WorkflowRecord {
        session_id: req.session_id.clone(),
        run_name: req.run_name.clone(),
        project_name: req.project_name.clone(),
        repository: req.repository.clone(),
        ..Default::default()
    };
    reject_lengths(check.length_errors())?;

    let id = match req.workflow_id.as_deref().filter(|s| !s.is_empty()) {
        // A run launched by Tower itself reports under the id it was given.
        Some(given) => {
            reported_run(&state, &caller, given, ws.workspace_id)
                .await
                .map_err(|_| ApiError::bad_request(format!("Unknown workflow launch id={given}")))?
                .id
        }
        None => match store::workflow::find_unbegun(&state.db, caller.user.id, ws.workspace_id, session_id, run_name).await? {
            Some(existing) => existing,
            None => {
                let id = ids::new_workflow_id();
                let new = store::workflow::NewWorkflow {
                    id: &id,
                    owner_id: caller.user.id,
                    workspace_id: ws.workspace_id,
                    session_id,
                    run_name,
                    project_name: req.project_name.as_deref(),
                    repository: req.repository.as_deref(),
                    launch_id: req.launch_id.as_deref(),
                    now: now_millis(),
                };
                store::workflow::create(&state.db, &new).await?;
                metrics::counter!("tower_trace_runs_created_total").increment(1);
                id
            }
        },
    };
    tracing::info!(workflow_id = %id, "run created");
    let run = RunOwner { id: id.clone(), owner_id: caller.user.id, workspace_id: ws.workspace_id };
    state.announce(LiveEventType::WorkflowCreated, &run, Some("SUBMITTED"), None);
    Ok(Json(TraceCreateResponse {
        watch_url: watch_url(&state, &id),
        workflow_id: id,
        message: None,
        metadata: TraceCreateMetadata {
            user_id: caller.user.id,
            user_name: caller.user.user_name.clone(),
            user_organization: caller.user.organization.clone(),
            workspace_id: ws.workspace_id,
            workspace_name: None,
            workspace_full_name: None,
            org_name: None,
        },
    }))
}

#[utoipa::path(put, path = "/trace/{workflowId}/begin", tag = "trace", operation_id = "UpdateTraceBegin", security(("BearerAuth" = [])), params(("workflowId" = String, Path, description = "Workflow string identifier"), WorkspaceParam),
    request_body = TraceBeginRequest,
    responses((status = 200, body = TraceBeginResponse), TraceErrors))]
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
async fn begin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<TraceBeginRequest>,
) -> ApiResult<Json<TraceBeginResponse>> {
    let wf = req.workflow.ok_or_else(|| ApiError::bad_request("Missing required field 'workflow'"))?;
    let missing = wf.missing_begin_fields();
    if !missing.is_empty() {
        return Err(ApiError::bad_request(format!("Missing required workflow fields: {}", missing.join(", "))));
    }
    if let Some(body_id) = wf.id.as_deref().filter(|b| !b.is_empty() && *b != id) {
        return Err(ApiError::bad_request(format!("workflow.id '{body_id}' does not match the workflow id '{id}' in the path")));
    }
    reject_lengths(wf.length_errors())?;
    if let Some(long) = req.process_names.iter().find(|n| n.chars().count() > 255) {
        return Err(ApiError::bad_request(format!(
            "processNames entry '{}...' is longer than 255 characters",
            long.chars().take(40).collect::<String>()
        )));
    }
    let row = reported_run(&state, &caller, &id, ws.workspace_id).await?;
    store::workflow::begin(&state.db, &row.id, &wf, &req.process_names, req.tower_launch, now_millis()).await?;
    state.announce(LiveEventType::WorkflowUpdated, &row, Some("RUNNING"), None);
    Ok(Json(TraceBeginResponse { status: TraceProcessingStatus::OK, watch_url: watch_url(&state, &row.id), workflow_id: row.id }))
}

#[utoipa::path(put, path = "/trace/{workflowId}/progress", tag = "trace", operation_id = "UpdateTraceProgress", security(("BearerAuth" = [])), params(("workflowId" = String, Path, description = "Workflow string identifier"), WorkspaceParam),
    request_body = TraceProgressRequest,
    responses((status = 200, body = TraceProgressResponse), TraceErrors))]
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<TraceProgressRequest>,
) -> ApiResult<Json<TraceProgressResponse>> {
    let tasks = req.tasks.ok_or_else(|| ApiError::bad_request("Missing required field 'tasks'"))?;
    let snapshot = req.progress.ok_or_else(|| ApiError::bad_request("Missing required field 'progress'"))?;
    if tasks.len() > MAX_TASKS_PER_REQUEST {
        return Err(ApiError::bad_request(format!("Too many tasks in one request: {} (at most {MAX_TASKS_PER_REQUEST})", tasks.len())));
    }
    reject_lengths(tasks.iter().enumerate().flat_map(|(i, t)| t.length_errors(i)).collect())?;
    let row = reported_run(&state, &caller, &id, ws.workspace_id).await?;
    let records = tasks.len() as u64;
    store::workflow::progress(&state.db, &row.id, tasks, &snapshot, now_millis()).await?;
    metrics::counter!("tower_trace_task_records_total").increment(records);
    state.announce(LiveEventType::ProgressUpdated, &row, None, Some(&snapshot));
    Ok(Json(TraceProgressResponse { status: TraceProcessingStatus::OK, workflow_id: row.id }))
}

#[utoipa::path(put, path = "/trace/{workflowId}/heartbeat", tag = "trace", operation_id = "UpdateTraceHeartbeat", security(("BearerAuth" = [])), params(("workflowId" = String, Path, description = "Workflow string identifier"), WorkspaceParam),
    request_body = TraceHeartbeatRequest,
    responses((status = 200, body = TraceHeartbeatResponse), TraceErrors))]
async fn heartbeat(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<TraceHeartbeatRequest>,
) -> ApiResult<Json<TraceHeartbeatResponse>> {
    let row = reported_run(&state, &caller, &id, ws.workspace_id).await?;
    store::workflow::heartbeat(&state.db, &row.id, req.progress.as_ref(), now_millis()).await?;
    state.announce(LiveEventType::ProgressUpdated, &row, None, req.progress.as_ref());
    Ok(Json(TraceHeartbeatResponse { message: "OK".into() }))
}

#[utoipa::path(put, path = "/trace/{workflowId}/complete", tag = "trace", operation_id = "UpdateTraceComplete", security(("BearerAuth" = [])), params(("workflowId" = String, Path, description = "Workflow string identifier"), WorkspaceParam),
    request_body = TraceCompleteRequest,
    responses((status = 200, body = TraceProgressResponse), TraceErrors))]
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<TraceCompleteRequest>,
) -> ApiResult<Json<TraceProgressResponse>> {
    let wf = req.workflow.ok_or_else(|| ApiError::bad_request("Missing required field 'workflow'"))?;
    if wf.complete.is_none() {
        return Err(ApiError::bad_request("Missing required field 'workflow.complete'"));
    }
    if let Some(body_id) = wf.id.as_deref().filter(|b| !b.is_empty() && *b != id) {
        return Err(ApiError::bad_request(format!("workflow.id '{body_id}' does not match the workflow id '{id}' in the path")));
    }
    reject_lengths(wf.length_errors())?;
    if let Some(m) = req.metrics.iter().find(|m| m.process.chars().count() > 255) {
        return Err(ApiError::bad_request(format!(
            "metrics process name '{}...' is longer than 255 characters",
            m.process.chars().take(40).collect::<String>()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = req.metrics.iter().find(|m| !seen.insert(m.process.as_str())) {
        return Err(ApiError::bad_request(format!("metrics lists process '{}' more than once", dup.process)));
    }
    let row = reported_run(&state, &caller, &id, ws.workspace_id).await?;
    let status = if wf.success == Some(true) { WorkflowStatus::Succeeded } else { WorkflowStatus::Failed };
    let mail = completion_mail(&state, &row, &wf, status, req.progress.as_ref()).await?;
    store::workflow::complete(&state.db, &row.id, &wf, status, &req.metrics, req.progress.as_ref(), mail.as_ref(), now_millis()).await?;
    tracing::info!(status = status.as_str(), "run completed");
    state.announce(LiveEventType::WorkflowCompleted, &row, Some(status.as_str()), req.progress.as_ref());
    Ok(Json(TraceProgressResponse { status: TraceProcessingStatus::OK, workflow_id: row.id }))
}

/// The mail the run's owner gets when the run ends, if they turned notifications on and the run
/// had not ended already (a retried completion mails nothing more).
async fn completion_mail(
    state: &AppState,
    run: &RunOwner,
    wf: &WorkflowRecord,
    status: WorkflowStatus,
    progress: Option<&ProgressSnapshot>,
) -> ApiResult<Option<NewMail>> {
    let Some(owner) = store::user::find_by_id(&state.db, run.owner_id).await?.filter(|u| u.notification && !u.deleted) else {
        return Ok(None);
    };
    let Some(row) = store::workflow::get(&state.db, &run.id).await? else { return Ok(None) };
    if WorkflowStatus::parse(&row.status).is_some_and(WorkflowStatus::is_final) {
        return Ok(None);
    }
    let counts = progress.cloned().or_else(|| row.progress_snapshot()).unwrap_or_default().counters;
    let summary = RunSummary {
        workflow_id: &row.id,
        workspace_id: row.workspace_id,
        run_name: wf.run_name.as_deref().unwrap_or(&row.run_name),
        project_name: wf.project_name.as_deref().or(row.project_name.as_deref()),
        status,
        start: wf.start.or(row.start),
        complete: wf.complete,
        duration: wf.duration,
        succeeded: counts.succeeded,
        cached: counts.cached,
        failed: counts.failed,
        ignored: counts.ignored,
        error_message: wf.error_message.as_deref().or(wf.error_report.as_deref()),
    };
    Ok(Some(crate::mail::run_completed(&state.config.server_url, &owner.email, &summary)))
}
