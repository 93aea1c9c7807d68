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
use crate::domain::compute_env::{self as ce, status, Kind};
use crate::domain::credentials::{check_secret_name, scope_key};
use crate::domain::launch::{self as rules, LaunchRequest, Problem};
use crate::domain::time::now_millis;
use crate::error::ApiResult;
use crate::live::LiveEventType;
use crate::state::AppState;
use crate::store::workflow::{NewWorkflow, RunOwner};
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

fn refused(problems: Vec<Problem>) -> Response {
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
    let scope = scope_key(caller.user.id, ws.workspace_id);
    let mut request = req.launch.map(|l| l.0).unwrap_or_default();
    let mut problems = rules::check(&request);
    let envs = store::compute_env::list(&state.db, &scope, None).await?;
    let chosen = match request.compute_env_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => envs.iter().find(|c| c.id == id),
        None => envs.iter().find(|c| c.is_primary),
    };
    match chosen {
        None if request.compute_env_id.is_some() => problems.push(Problem {
            code: "compute_env_missing",
            message: "launch.computeEnvId: no such compute environment in this workspace".into(),
        }),
        None => problems.push(Problem {
            code: "compute_env_required",
            message: "launch.computeEnvId is required: this workspace has no primary compute environment".into(),
        }),
        Some(c) if c.status != status::AVAILABLE => problems.push(Problem {
            code: "compute_env_unavailable",
            message: format!(
                "The compute environment '{}' is {}: {}",
                c.name,
                c.status,
                c.message.as_deref().unwrap_or("it cannot be used now")
            ),
        }),
        Some(c) if ce::platform(&c.platform).is_ok_and(|p| p.kind == Kind::Local) && !state.config.enable_local_platform => {
            problems.push(Problem { code: "compute_env_unavailable", message: "The local platform is not enabled on this server".into() })
        }
        Some(_) => {}
    }
    let workspace_scope = ws.workspace_id.map(|w| scope_key(caller.user.id, Some(w)));
    let user_scope = scope_key(caller.user.id, None);
    for (names, scope, field) in [
        (&request.workspace_secrets, workspace_scope.as_deref(), "workspaceSecrets"),
        (&request.user_secrets, Some(user_scope.as_str()), "userSecrets"),
    ] {
        for name in names.iter().filter(|n| check_secret_name(n).is_ok()) {
            let found = match scope {
                Some(scope) => store::pipeline_secret::find_by_name(&state.db, scope, name).await?.is_some(),
                None => false,
            };
            if !found {
                let place = if scope.is_some() { "here" } else { "outside a workspace" };
                problems.push(Problem { code: "secret_missing", message: format!("launch.{field}: no secret named '{name}' {place}") });
            }
        }
    }
    // Dataset versions the parameters name must be readable here: the run would fail on them.
    let params = rules::params_json(request.params_text.as_deref()).unwrap_or_default();
    let datasets = crate::domain::dataset::referenced_versions(&params, &state.config.launch_api_url);
    for (id, version) in &datasets {
        if !store::dataset::usable(&state.db, &scope, id, *version).await? {
            problems.push(Problem {
                code: "dataset_missing",
                message: format!("launch.paramsText: dataset {id} has no version {version} here, or it is disabled"),
            });
        }
    }
    if !problems.is_empty() {
        return Ok(refused(problems));
    }
    let ce = chosen.expect("checked above");
    request.compute_env_id = Some(ce.id.clone());
    let run_name = request.run_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(crate::domain::names::random_run_name);
    let session_id = match (request.resume, request.session_id.clone()) {
        (true, Some(s)) => s,
        _ => crate::domain::ids::new_session_id(),
    };
    let id = crate::domain::ids::new_workflow_id();
    let launch_id = crate::domain::ids::random_base62(22);
    // A launch from a Launchpad pipeline sends its version's id (`GET /pipelines/{id}/launch`).
    let version = match request.id.take() {
        Some(v) => store::pipeline_version::find_in_scope(&state.db, &scope, &v).await?.map(|v| v.id),
        None => None,
    };
    request.id = Some(launch_id.clone());
    let text = serde_json::to_string(&request).map_err(anyhow::Error::from)?;
    let pipeline = request.pipeline.clone().unwrap_or_default();
    let run = NewWorkflow {
        id: &id,
        owner_id: caller.user.id,
        workspace_id: ws.workspace_id,
        session_id: &session_id,
        run_name: &run_name,
        project_name: Some(&pipeline),
        repository: Some(&pipeline),
        launch_id: Some(&launch_id),
        now: now_millis(),
    };
    let launch = store::launch::NewLaunch {
        id: &launch_id,
        scope: &scope,
        compute_env_id: &ce.id,
        request: &text,
        pipeline_version_id: version.as_deref(),
        datasets: &datasets,
    };
    store::launch::create(&state.db, &launch, &run).await?;
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, workflow_id = %id, launch = %launch_id, compute_env = %ce.id, "run launched");
    let owner = RunOwner { id: id.clone(), owner_id: caller.user.id, workspace_id: ws.workspace_id };
    state.announce(LiveEventType::WorkflowCreated, &owner, Some("SUBMITTED"), None);
    let st = state.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::launch::submit::submit(&st.launcher(), &launch_id).await {
            tracing::warn!(launch = %launch_id, error = format!("{e:#}"), "submitting failed; cron tries again");
        }
    });
    Ok(Json(SubmitWorkflowLaunchResponse { workflow_id: id }).into_response())
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
