//! Logs and downloads of a run and its tasks. A run Tower launched has the output of its head job,
//! read where it runs (the local file, or the grid job's output file over SSH); Nextflow itself
//! does not upload logs, so other runs' logs are empty with an explanation.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::dto::{LogPage, WorkflowLogResponse};
use super::{find_task, RUN, TASK};
use crate::api::errors::ReadErrors;
use crate::api::extract::ApiQuery;
use crate::api::run_access::authorize_run;
use crate::auth::permissions::{self as perm};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(log)).routes(routes!(task_log)).routes(routes!(download)).routes(routes!(task_download))
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

/// The run's log: the head job's output for a run Tower launched (from the byte offset `next`,
/// at most `maxLength` bytes; `forwardToken` is the next offset), else empty with an explanation.
#[utoipa::path(get, path = "/workflow/{workflowId}/log", tag = "workflows", operation_id = "GetWorkflowLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), LogQuery),
    responses((status = 200, body = WorkflowLogResponse), ReadErrors))]
async fn log(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<WorkflowLogResponse>> {
    let run = authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    let Some(launch) = crate::store::launch::find_by_workflow(&state.db, &run.id).await? else {
        return Ok(empty_log());
    };
    let from: u64 = match q.next.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => n.parse().map_err(|_| ApiError::bad_request(format!("Invalid 'next' cursor '{n}'")))?,
        None => 0,
    };
    let max = q.max_length.unwrap_or(65_536).clamp(1, 1_048_576) as u64;
    let pending = !crate::domain::status::WorkflowStatus::parse(&launch.run_status).is_some_and(|s| s.is_final());
    if launch.job_id.is_none() {
        let message = launch.message.clone().unwrap_or_else(|| "The head job has not started yet".into());
        return Ok(Json(WorkflowLogResponse {
            log: LogPage {
                entries: vec![],
                truncated: false,
                pending,
                message,
                downloads: vec![],
                rewind_token: None,
                forward_token: None,
            },
        }));
    }
    let (text, next) = crate::launch::submit::log(&state.launcher(), &launch, from, max)
        .await
        .map_err(|e| ApiError::BadGateway(format!("Cannot read the head job's log: {e}")))?;
    let truncated = text.len() as u64 >= max;
    let entries = text.lines().map(str::to_string).collect();
    let message = launch.message.clone().unwrap_or_default();
    Ok(Json(WorkflowLogResponse {
        log: LogPage { entries, truncated, pending, message, downloads: vec![], rewind_token: None, forward_token: Some(next.to_string()) },
    }))
}

/// A task's log: empty with an explanation, as Nextflow does not upload it.
#[utoipa::path(get, path = "/workflow/{workflowId}/log/{taskId}", tag = "workflows", operation_id = "GetWorkflowTaskLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), LogQuery),
    responses((status = 200, body = WorkflowLogResponse), ReadErrors))]
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

/// Downloads the run's log: the head job's output for a run Tower launched, else empty
/// (Nextflow does not upload its files).
#[utoipa::path(get, path = "/workflow/{workflowId}/download", tag = "workflows", operation_id = "DownloadWorkflowLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), DownloadQuery),
    responses((status = 200, content_type = "text/plain", body = String), ReadErrors))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    let run = authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    let launch = crate::store::launch::find_by_workflow(&state.db, &run.id).await?;
    let response = empty_file(q.file_name)?;
    let Some(launch) = launch.filter(|l| l.job_id.is_some()) else { return Ok(response) };
    // The head job's whole output (bounded), under the name asked for.
    let (text, _) = crate::launch::submit::log(&state.launcher(), &launch, 0, 64 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::BadGateway(format!("Cannot read the head job's log: {e}")))?;
    let (parts, _) = response.into_parts();
    Ok(axum::response::Response::from_parts(parts, axum::body::Body::from(text)))
}

/// Downloads a file of a task (empty: Nextflow does not upload its files).
#[utoipa::path(get, path = "/workflow/{workflowId}/download/{taskId}", tag = "workflows", operation_id = "DownloadWorkflowTaskLog", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), DownloadQuery),
    responses((status = 200, content_type = "text/plain", body = String), ReadErrors))]
async fn task_download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    find_task(&state, &caller, &id, &task_id, q.workspace_id).await?;
    empty_file(q.file_name)
}
