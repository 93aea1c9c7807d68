//! Run read API with the Seqera Platform shapes: `GET /workflow/{id}` (DescribeWorkflowResponse),
//! `/progress`, `/tasks`, `/task/{taskId}`, `/metrics`, and `PATCH /workflow/{id}` (schedRunId).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use crate::app::AppState;
use crate::auth::{authorize_workspace, Caller};
use crate::domain::ids::is_valid_workflow_id;
use crate::domain::progress::{build_progress, ProgressData};
use crate::domain::time::{format_millis, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::store::task::TaskRow;
use crate::store::workflow::{RunOwner, WorkflowRow};
use crate::store::{self};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workflow/{workflow_id}", get(describe).patch(update))
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
    let platform = parse_json(&w.platform);
    Ok(json!({
        "workflow": workflow_json(w),
        "progress": progress,
        "labels": [],
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
}

async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> ApiResult<Json<Value>> {
    let w = load_owned_workflow(&state, &caller, &id, q.workspace_id).await?;
    let max = q.max.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=1000).contains(&max) {
        return Err(ApiError::bad_request("max must be between 1 and 1000"));
    }
    if offset < 0 {
        return Err(ApiError::bad_request("offset must not be negative"));
    }
    let (rows, total) = store::task::list(&state.db, &w.id, max, offset).await?;
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
