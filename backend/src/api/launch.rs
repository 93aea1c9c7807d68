//! Launching pipelines: `POST /workflow/launch` and the launch record of a run,
//! `GET /workflow/{workflowId}/launch`. A launch is recorded with its run (SUBMITTED) before
//! anything is submitted; the head job is then submitted in the background (`launch::submit`),
//! and cron takes over a launch whose submitter died.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use crate::api::errors::{ListErrors, ReadErrors};
use crate::api::run_access::authorize_run;
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::launch::{LaunchRequest, Problem};
use crate::error::ApiResult;
use crate::launch::create::{create, Launching, Outcome};
use crate::live::LiveEventType;
use crate::state::AppState;
use crate::store::workflow::RunOwner;
use crate::store::{self};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(launch)).routes(routes!(describe)).routes(routes!(describe_launch))
}

/// `WorkflowLaunchRequest`.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct WorkflowLaunchRequest(pub LaunchRequest);

#[derive(Deserialize, ToSchema)]
pub struct SubmitWorkflowLaunchRequest {
    launch: Option<WorkflowLaunchRequest>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmitWorkflowLaunchResponse {
    workflow_id: String,
}

/// `WorkflowLaunchValidationErrorResponse`: every pre-flight check that failed.
#[derive(Serialize, ToSchema)]
pub struct WorkflowLaunchValidationErrorResponse {
    message: String,
    errors: Vec<LaunchError>,
}

#[derive(Serialize, ToSchema)]
pub struct LaunchError {
    code: String,
    message: String,
}

pub(super) fn refused(problems: Vec<Problem>) -> Response {
    let message = problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("; ");
    let errors = problems.into_iter().map(|p| LaunchError { code: p.code.into(), message: p.message }).collect();
    (StatusCode::BAD_REQUEST, Json(WorkflowLaunchValidationErrorResponse { message, errors })).into_response()
}

/// Launches a pipeline on a compute environment (the workspace's primary one when none is
/// named). The run exists at once as SUBMITTED; its head job is submitted in the background.
#[utoipa::path(post, path = "/workflow/launch", tag = "workflows", operation_id = "CreateWorkflowLaunch", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = SubmitWorkflowLaunchRequest,
    responses((status = 200, body = SubmitWorkflowLaunchResponse), (status = 400, body = WorkflowLaunchValidationErrorResponse), ListErrors))]
async fn launch(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<SubmitWorkflowLaunchRequest>,
) -> ApiResult<Response> {
    let access = perm::require(&state.db, &caller, ws.workspace_id, perm::WORKFLOW_EXECUTE).await?;
    access.require(perm::COMPUTE_ENV_READ)?;
    let who = Launching { user_id: caller.user.id, workspace_id: ws.workspace_id, action_id: None, launch_id: None };
    match create(&state.launcher(), who, req.launch.map(|l| l.0).unwrap_or_default()).await? {
        Outcome::Created { run, launch_id } => {
            Ok(Json(SubmitWorkflowLaunchResponse { workflow_id: started(&state, run, launch_id) }).into_response())
        }
        Outcome::Refused(problems) => Ok(refused(problems)),
        Outcome::AlreadyLaunched => unreachable!("a random launch id is new"),
    }
}

/// Announces a recorded launch's run and submits its head job in the background (cron takes
/// over if this process dies first). Returns the run's id.
pub(super) fn started(state: &AppState, run: RunOwner, launch_id: String) -> String {
    state.announce(LiveEventType::WorkflowCreated, &run, Some("SUBMITTED"), None);
    let st = state.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::launch::submit::submit(&st.launcher(), &launch_id).await {
            tracing::warn!(launch = %launch_id, error = format!("{e:#}"), "submitting failed; cron tries again");
        }
    });
    run.id
}

/// `WorkflowLaunchResponse`: the launch as it was asked for, with its compute environment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowLaunchResponse {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    request: LaunchRequest,
    #[schema(value_type = Object)]
    compute_env: Option<serde_json::Value>,
    /// The head job's id on its compute environment, once submitted.
    job_id: Option<String>,
    /// Why the launch failed, if it did.
    message: Option<String>,
    /// The commit the run ran, as Nextflow reported it: a relaunch can resume only when it is
    /// known (`tw runs relaunch`).
    resume_commit_id: Option<String>,
    /// The run's work directory, where a resumed run finds its cached tasks.
    resume_dir: Option<String>,
    /// The id of the Launchpad pipeline version launched, if any.
    pipeline_version_id: Option<String>,
    /// The action that launched the run, if one did.
    action_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DescribeWorkflowLaunchResponse {
    /// Null: runs started from the Nextflow command line have no launch record.
    launch: Option<WorkflowLaunchResponse>,
}

/// The launch record of a run: null for runs started from the command line.
#[utoipa::path(get, path = "/workflow/{workflowId}/launch", tag = "workflows", operation_id = "DescribeWorkflowLaunch", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = "Workflow string identifier"), WorkspaceParam),
    responses((status = 200, body = DescribeWorkflowLaunchResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeWorkflowLaunchResponse>> {
    let run = authorize_run(&state, &caller, &id, ws.workspace_id, perm::WORKFLOW_READ).await?;
    let Some(l) = store::launch::find_by_workflow(&state.db, &run.id).await? else {
        return Ok(Json(DescribeWorkflowLaunchResponse { launch: None }));
    };
    Ok(Json(DescribeWorkflowLaunchResponse { launch: Some(launch_dto(&state, l).await?) }))
}

/// The launch as it was asked for, with its compute environment and where its job is.
async fn launch_dto(state: &AppState, l: store::launch::LaunchRow) -> ApiResult<WorkflowLaunchResponse> {
    let mut request: LaunchRequest = serde_json::from_str(&l.request).unwrap_or_default();
    let compute_env = store::compute_env::find_any(&state.db, &l.compute_env_id).await?.map(|c| {
        serde_json::json!({"id": c.id, "name": c.name, "platform": c.platform, "config": serde_json::from_str::<serde_json::Value>(&c.config).unwrap_or_default()})
    });
    let run = store::workflow::get(&state.db, &l.workflow_id).await?;
    // The run's own session: what a resume of it sends back.
    if request.session_id.is_none() {
        request.session_id = run.as_ref().map(|r| r.session_id.clone());
    }
    Ok(WorkflowLaunchResponse {
        request,
        compute_env,
        job_id: l.job_id,
        message: l.message,
        resume_commit_id: run.as_ref().and_then(|r| r.commit_id.clone()),
        resume_dir: run.and_then(|r| r.work_dir),
        pipeline_version_id: l.pipeline_version_id,
        action_id: l.action_id,
    })
}

#[derive(Serialize, ToSchema)]
pub struct DescribeLaunchResponse {
    launch: WorkflowLaunchResponse,
}

/// A launch by its id, for whoever may see its run.
#[utoipa::path(get, path = "/launch/{launchId}", tag = "launch", operation_id = "DescribeLaunch", security(("BearerAuth" = [])),
    params(("launchId" = String, Path, description = "Launch string identifier"), WorkspaceParam),
    responses((status = 200, body = DescribeLaunchResponse), ReadErrors))]
async fn describe_launch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeLaunchResponse>> {
    let access = perm::require(&state.db, &caller, ws.workspace_id, perm::WORKFLOW_READ).await?;
    let l = store::launch::find(&state.db, &id)
        .await?
        .filter(|l| perm::can_view_run(&caller, &access, l.user_id, l.workspace_id))
        .ok_or_else(|| crate::error::ApiError::not_found(format!("Launch '{id}' not found")))?;
    Ok(Json(DescribeLaunchResponse { launch: launch_dto(&state, l).await? }))
}
