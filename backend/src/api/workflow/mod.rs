//! Run API with the Seqera Platform paths and shapes: list and search runs, describe a run with
//! its progress, tasks and metrics, stars, deletion, cancellation, logs, names; and
//! `PATCH /workflow/{id}` (schedRunId). Every handler checks the caller may see the run.

mod dto;
mod logs;
mod runs;
mod tasks;

use serde_json::Value;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;

use super::label::LabelDto;
use crate::api::run_access::authorize_run;
use crate::auth::permissions::{self as perm};
use crate::auth::Caller;
use crate::domain::progress::{build_progress, ProgressData};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::task::TaskRow;
use crate::store::workflow::WorkflowRow;
use crate::store::{self};
pub use dto::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(runs::router()).merge(tasks::router()).merge(logs::router())
}

pub(super) fn parse_json(v: &Option<String>) -> Value {
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
    for (w, l) in store::label::attached(&state.db, store::label::Labelled::Runs(ids)).await? {
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
    let job_info = match &w.launch_id {
        Some(id) => store::launch::find(&state.db, id).await?.map(JobInfoDto::from),
        None => None,
    };
    Ok(DescribeWorkflowResponse {
        workflow: WorkflowDto::from(w),
        cost: progress.workflow_progress.cost,
        progress,
        labels,
        platform,
        job_info,
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

async fn find_task(state: &AppState, caller: &Caller, id: &str, task_id: &str, workspace_id: Option<i64>) -> ApiResult<TaskRow> {
    let w = authorize_run(state, caller, id, workspace_id, perm::WORKFLOW_READ).await?;
    let not_found = || ApiError::not_found(format!("Task '{task_id}' not found in workflow '{id}'"));
    let task_id: i64 = task_id.parse().map_err(|_| not_found())?;
    store::task::get(&state.db, &w.id, task_id).await?.ok_or_else(not_found)
}

const TASK: &str = "Task numeric identifier";
