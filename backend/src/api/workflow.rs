//! Run read API with the Seqera Platform shapes: `GET /workflow/{id}` (DescribeWorkflowResponse),
//! `/progress`, `/tasks`, `/task/{taskId}`, `/metrics`, and `PATCH /workflow/{id}` (schedRunId).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::label::LabelDto;
use crate::app::AppState;
use crate::auth::{authorize_workspace, Caller};
use crate::domain::ids::is_valid_workflow_id;
use crate::domain::progress::{build_progress, ProgressData};
use crate::domain::search;
use crate::domain::status::WorkflowStatus;
use crate::domain::time::{format_millis, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::store::task::TaskRow;
use crate::store::workflow::{RunOwner, WorkflowRow};
use crate::store::{self};
use axum::http::StatusCode;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workflow", get(list))
        .route("/workflow/delete", post(delete_many))
        .route("/workflow/random-name", get(random_name))
        .route("/workflow/validate", get(validate))
        .route("/workflow/{workflow_id}", get(describe).patch(update).delete(delete_one))
        .route("/workflow/{workflow_id}/star", get(star_get).post(star_add).delete(star_remove))
        .route("/workflow/{workflow_id}/cancel", post(cancel))
        .route("/workflow/{workflow_id}/launch", get(launch))
        .route("/workflow/{workflow_id}/log", get(log))
        .route("/workflow/{workflow_id}/log/{task_id}", get(task_log))
        .route("/workflow/{workflow_id}/download", get(download))
        .route("/workflow/{workflow_id}/download/{task_id}", get(task_download))
        .route("/workflow/{workflow_id}/progress", get(progress))
        .route("/workflow/{workflow_id}/tasks", get(tasks))
        .route("/workflow/{workflow_id}/task/{task_id}", get(task))
        .route("/workflow/{workflow_id}/metrics", get(metrics))
}

/// The run's owner record, if the caller may see the run in this workspace context. A run that
/// does not exist and a run the caller may not see get the same answer, so ids cannot be probed.
pub async fn authorize_run(state: &AppState, caller: &Caller, id: &str, workspace_id: Option<i64>) -> ApiResult<RunOwner> {
    authorize_workspace(caller, workspace_id)?;
    let not_found = || ApiError::not_found(format!("Workflow '{id}' not found"));
    if !is_valid_workflow_id(id) {
        return Err(not_found());
    }
    let run = store::workflow::owner(&state.db, id).await?.ok_or_else(not_found)?;
    let visible = (run.owner_id == caller.user.id || caller.is_root) && run.workspace_id == workspace_id;
    if visible {
        Ok(run)
    } else {
        Err(not_found())
    }
}

/// The whole run, after [`authorize_run`].
pub async fn load_owned_workflow(state: &AppState, caller: &Caller, id: &str, workspace_id: Option<i64>) -> ApiResult<WorkflowRow> {
    let run = authorize_run(state, caller, id, workspace_id).await?;
    store::workflow::get(&state.db, &run.id).await?.ok_or_else(|| ApiError::not_found(format!("Workflow '{id}' not found")))
}

fn parse_json(v: &Option<String>) -> Value {
    v.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null)
}

fn ts(v: Option<i64>) -> Value {
    v.map(|ms| Value::String(format_millis(ms))).unwrap_or(Value::Null)
}

/// `WorkflowMaxDbDto`: the run as Seqera returns it.
pub fn workflow_json(w: &WorkflowRow) -> Value {
    let mut o = Map::new();
    let mut put = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    put("id", json!(w.id));
    put("ownerId", json!(w.owner_id));
    put("submit", ts(Some(w.submit)));
    put("start", ts(w.start));
    put("complete", ts(w.complete));
    put("dateCreated", ts(Some(w.date_created)));
    put("lastUpdated", ts(Some(w.last_updated)));
    put("runName", json!(w.run_name));
    put("sessionId", json!(w.session_id));
    put("profile", json!(w.profile));
    put("workDir", json!(w.work_dir));
    put("commitId", json!(w.commit_id));
    put("userName", json!(w.user_name));
    put("scriptId", json!(w.script_id));
    put("revision", json!(w.revision));
    put("commandLine", json!(w.command_line));
    put("projectName", json!(w.project_name));
    put("scriptName", json!(w.script_name));
    put("launchId", json!(w.launch_id));
    put("status", json!(w.status));
    put("configFiles", parse_json(&w.config_files));
    put("params", parse_json(&w.params));
    put("configText", json!(w.config_text));
    put("manifest", parse_json(&w.manifest));
    put("nextflow", parse_json(&w.nextflow));
    put("stats", parse_json(&w.stats));
    put("errorMessage", json!(w.error_message));
    put("errorReport", json!(w.error_report));
    put("deleted", json!(w.deleted));
    put("projectDir", json!(w.project_dir));
    put("homeDir", json!(w.home_dir));
    put("container", json!(w.container));
    put("repository", json!(w.repository));
    put("containerEngine", json!(w.container_engine));
    put("scriptFile", json!(w.script_file));
    put("launchDir", json!(w.launch_dir));
    put("duration", json!(w.duration));
    put("exitStatus", json!(w.exit_status));
    put("resume", json!(w.resume));
    put("success", json!(w.success));
    put("logFile", json!(w.log_file));
    put("outFile", json!(w.out_file));
    put("operationId", json!(w.operation_id));
    put("wave", parse_json(&w.wave));
    put("fusion", parse_json(&w.fusion));
    put("requiresAttention", json!(false));
    put("configProfiles", w.profile.as_deref().map(|p| json!(p.split(',').map(str::trim).collect::<Vec<_>>())).unwrap_or(Value::Null));
    put("nextflowConfig", Value::Null);
    put("towerConfig", Value::Null);
    put("preRunScript", Value::Null);
    put("postRunScript", Value::Null);
    put("syntaxParser", Value::Null);
    Value::Object(o)
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

async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    Ok(Json(describe_json(&state, &w).await?))
}

async fn describe_json(state: &AppState, w: &WorkflowRow) -> ApiResult<Value> {
    let progress = workflow_progress(state, w).await?;
    let labels = labels_of(state, std::slice::from_ref(&w.id)).await?.remove(&w.id).unwrap_or_default();
    let platform = parse_json(&w.platform);
    Ok(json!({
        "workflow": workflow_json(w),
        "progress": progress,
        "labels": labels,
        "platform": platform.get("computeEnv").filter(|c| !c.is_null()).map(|c| json!({"id": c.get("id"), "name": c.get("platform")})),
        "jobInfo": null,
        "optimized": null,
        "orgId": null,
        "orgName": null,
        "workspaceId": w.workspace_id,
        "workspaceName": null,
        "messages": [],
        "schedRunId": w.sched_run_id,
        "cost": progress.workflow_progress.cost,
        "costCurrency": "USD",
        "costIsEstimate": true,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateWorkflowRequest {
    sched_run_id: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateWorkflowRequest>,
) -> ApiResult<Json<Value>> {
    if req.sched_run_id.as_deref().is_some_and(|s| s.len() > 64) {
        return Err(ApiError::bad_request("schedRunId is longer than 64 characters"));
    }
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    store::workflow::set_sched_run_id(&state.db, &w.id, req.sched_run_id.as_deref(), now_millis()).await?;
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    Ok(Json(describe_json(&state, &w).await?))
}

async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    Ok(Json(json!({ "progress": workflow_progress(&state, &w).await? })))
}

/// `Task`: every field of the trace record.
pub fn task_json(t: &TaskRow) -> Value {
    json!({
        "id": t.task_id, "taskId": t.task_id, "status": t.status, "hash": t.hash, "name": t.name,
        "exit": t.exit_status, "exitStatus": t.exit_status,
        "submit": ts(t.submit), "start": ts(t.start), "complete": ts(t.complete),
        "process": t.process, "tag": t.tag, "module": t.module_list(), "container": t.container, "attempt": t.attempt,
        "script": t.script, "scratch": t.scratch, "workdir": t.workdir, "queue": t.queue, "cpus": t.cpus,
        "memory": t.memory, "disk": t.disk, "time": t.time, "env": t.env, "errorAction": t.error_action,
        "duration": t.duration, "realtime": t.realtime, "pcpu": t.pcpu, "cpuModel": t.cpu_model,
        "rchar": t.rchar, "wchar": t.wchar, "syscr": t.syscr, "syscw": t.syscw,
        "readBytes": t.read_bytes, "writeBytes": t.write_bytes, "pmem": t.pmem, "vmem": t.vmem, "rss": t.rss,
        "peakVmem": t.peak_vmem, "peakRss": t.peak_rss, "volCtxt": t.vol_ctxt, "invCtxt": t.inv_ctxt,
        "nativeId": t.native_id, "executor": t.executor, "cloudZone": t.cloud_zone, "machineType": t.machine_type,
        "priceModel": t.price_model, "numSpotInterruptions": t.num_spot_interruptions, "logStreamId": t.log_stream_id,
        "resourceAllocation": TaskRow::json_field(&t.resource_allocation), "gpuMetrics": TaskRow::json_field(&t.gpu_metrics),
        "accelerator": t.accelerator, "acceleratorType": t.accelerator_type, "hostname": t.hostname,
        "cost": task_cost(t), "errorMessage": null,
        "dateCreated": ts(Some(t.date_created)), "lastUpdated": ts(Some(t.last_updated)),
    })
}

/// Estimated cost of a finished task: CPU-hours at the default rate.
fn task_cost(t: &TaskRow) -> Value {
    match (t.status.as_str(), t.realtime) {
        ("COMPLETED" | "FAILED" | "ABORTED" | "CACHED", Some(rt)) => {
            let cost = crate::domain::progress::COST_PER_CPU_HOUR * rt as f64 * t.cpus.unwrap_or(1) as f64 / 3_600_000.0;
            json!((cost * 10_000.0).round() / 10_000.0)
        }
        _ => Value::Null,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TasksQuery {
    workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    search: Option<String>,
    sort_by: Option<String>,
    sort_dir: Option<String>,
}

async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> ApiResult<Json<Value>> {
    let w = authorize_run(&state, &caller, &id, q.workspace_id).await?;
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
    let tasks: Vec<Value> = rows.iter().map(|t| json!({ "task": task_json(t) })).collect();
    Ok(Json(json!({ "tasks": tasks, "total": total })))
}

async fn task(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    let not_found = || ApiError::not_found(format!("Task '{task_id}' not found in workflow '{id}'"));
    let task_id: i64 = task_id.parse().map_err(|_| not_found())?;
    let t = store::task::get(&state.db, &w.id, task_id).await?.ok_or_else(not_found)?;
    Ok(Json(json!({ "task": task_json(&t) })))
}

async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = load_owned_workflow(&state, &caller, &id, ws.workspace_id).await?;
    let rows = store::workflow::metrics(&state.db, &w.id).await?;
    let metrics: Vec<Value> = rows
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "process": m.process,
                "cpu": parse_json(&m.cpu), "mem": parse_json(&m.mem), "vmem": parse_json(&m.vmem), "time": parse_json(&m.time),
                "reads": parse_json(&m.io_reads), "writes": parse_json(&m.io_writes), "cpuUsage": parse_json(&m.cpu_usage),
                "memUsage": parse_json(&m.mem_usage), "timeUsage": parse_json(&m.time_usage), "gpuUsage": parse_json(&m.gpu_usage),
                "gpuMemPeak": parse_json(&m.gpu_mem_peak), "gpuMemAvg": parse_json(&m.gpu_mem_avg),
            })
        })
        .collect();
    Ok(Json(json!({ "metrics": metrics })))
}

async fn labels_of(state: &AppState, ids: &[String]) -> ApiResult<std::collections::HashMap<String, Vec<LabelDto>>> {
    let mut out: std::collections::HashMap<String, Vec<LabelDto>> = Default::default();
    for (w, l) in store::label::of_workflows(&state.db, ids).await? {
        out.entry(w).or_default().push(l.into());
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    search: Option<String>,
    attributes: Option<String>,
    /// Accepted for compatibility: `totalSize` is always filled.
    #[serde(rename = "includeTotalSize")]
    _include_total_size: Option<bool>,
}

/// `GET /workflow`: the caller's runs (or a workspace's), newest first, with the search syntax.
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    authorize_workspace(&caller, q.workspace_id)?;
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
    let workflows: Vec<Value> = rows
        .iter()
        .map(|w| {
            json!({
                "workflow": workflow_json(w),
                "progress": null,
                "labels": labels.as_mut().map(|l| l.remove(&w.id).unwrap_or_default()),
                "starred": starred.contains(&w.id),
                "optimized": null,
                "orgId": null,
                "orgName": null,
                "workspaceId": w.workspace_id,
                "workspaceName": null,
                "pipelineInfo": null,
            })
        })
        .collect();
    Ok(Json(json!({ "workflows": workflows, "totalSize": total, "hasMore": offset + (rows.len() as i64) < total })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteQuery {
    workspace_id: Option<i64>,
    #[serde(default)]
    force: bool,
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

async fn delete_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let w = load_owned_workflow(&state, &caller, &id, q.workspace_id).await?;
    deletable(&w, q.force).map_err(ApiError::Conflict)?;
    store::workflow::soft_delete(&state.db, std::slice::from_ref(&w.id), now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteWorkflowsRequest {
    #[serde(default)]
    workflow_ids: Vec<String>,
}

/// Deletes the runs it may; the response lists those it could not.
async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DeleteQuery>,
    ApiJson(req): ApiJson<DeleteWorkflowsRequest>,
) -> ApiResult<Json<Value>> {
    authorize_workspace(&caller, q.workspace_id)?;
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for id in &req.workflow_ids {
        match load_owned_workflow(&state, &caller, id, q.workspace_id).await {
            Ok(w) if deletable(&w, q.force).is_ok() => ok.push(w.id),
            Ok(_) | Err(ApiError::NotFound(_)) => failed.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    store::workflow::soft_delete(&state.db, &ok, now_millis()).await?;
    Ok(Json(json!({ "failedWorkflowIds": failed })))
}

async fn star_get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id).await?;
    if store::star::is_starred(&state.db, &w.id, caller.user.id).await? {
        Ok(Json(json!({ "workflowId": w.id })))
    } else {
        Err(ApiError::not_found(format!("Run '{id}' is not starred")))
    }
}

async fn star_add(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id).await?;
    store::star::star(&state.db, &w.id, caller.user.id, now_millis()).await?;
    Ok(Json(json!({ "workflowId": w.id })))
}

async fn star_remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    let w = authorize_run(&state, &caller, &id, ws.workspace_id).await?;
    store::star::unstar(&state.db, &w.id, caller.user.id).await?;
    Ok(Json(json!({ "workflowId": w.id })))
}

/// Only runs Tower launched can be cancelled from Tower; a run started with `nextflow run
/// -with-tower` is stopped where it runs.
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let w = load_owned_workflow(&state, &caller, &id, q.workspace_id).await?;
    if w.launch_id.is_none() {
        return Err(ApiError::bad_request(format!(
            "Run '{id}' was started from the Nextflow command line, not launched by Tower: stop it where it runs (e.g. Ctrl+C or kill the Nextflow process)"
        )));
    }
    if w.status().is_final() {
        return Err(ApiError::conflict(format!("Run '{id}' has already ended ({})", w.status)));
    }
    store::workflow::cancel(&state.db, &w.id, now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs started from the command line have no launch record: `{"launch": null}`, as `tw runs view` expects.
async fn launch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    authorize_run(&state, &caller, &id, ws.workspace_id).await?;
    Ok(Json(json!({ "launch": null })))
}

const NO_LOG: &str = "Nextflow does not send its log to Tower: the run's log stays in .nextflow.log where it was launched, and task logs in each task's work directory";

fn empty_log() -> Json<Value> {
    Json(
        json!({ "log": { "entries": [], "truncated": false, "pending": false, "message": NO_LOG, "downloads": [], "rewindToken": null, "forwardToken": null } }),
    )
}

async fn log(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    authorize_run(&state, &caller, &id, ws.workspace_id).await?;
    Ok(empty_log())
}

async fn find_task(state: &AppState, caller: &Caller, id: &str, task_id: &str, workspace_id: Option<i64>) -> ApiResult<TaskRow> {
    let w = authorize_run(state, caller, id, workspace_id).await?;
    let not_found = || ApiError::not_found(format!("Task '{task_id}' not found in workflow '{id}'"));
    let task_id: i64 = task_id.parse().map_err(|_| not_found())?;
    store::task::get(&state.db, &w.id, task_id).await?.ok_or_else(not_found)
}

async fn task_log(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<Value>> {
    find_task(&state, &caller, &id, &task_id, ws.workspace_id).await?;
    Ok(empty_log())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DownloadQuery {
    workspace_id: Option<i64>,
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

async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    authorize_run(&state, &caller, &id, q.workspace_id).await?;
    empty_file(q.file_name)
}

async fn task_download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
) -> ApiResult<axum::response::Response> {
    find_task(&state, &caller, &id, &task_id, q.workspace_id).await?;
    empty_file(q.file_name)
}

async fn random_name(_caller: Caller) -> Json<Value> {
    Json(json!({ "name": crate::domain::names::random_run_name() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidateQuery {
    run_name: Option<String>,
    session_id: Option<String>,
}

/// 204 when the run name is well formed and, with a session id, not used in that session yet.
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
