//! The Launchpad's pipelines: `GET/POST /pipelines`, `GET /pipelines/validate`,
//! `GET/PUT/DELETE /pipelines/{pipelineId}` and `GET /pipelines/{pipelineId}/launch` (the launch
//! settings a launch form starts from). A pipeline is a name, a repository and the
//! `WorkflowLaunchRequest` it is launched with, checked by the same rules as a launch. What a
//! repository holds comes from the repository itself (`launch::repo`): `GET /pipelines/info`,
//! `GET /pipelines/repositories` and `GET /pipelines/{pipelineId}/schema`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::label::LabelDto;
use super::launch::WorkflowLaunchRequest;
use super::pipeline_version::{self, VersionDto};
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::credentials::GitLogin;
use crate::domain::launch::{self as rules, LaunchRequest};
use crate::domain::names::check_name;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::launch::repo;
use crate::state::AppState;
use crate::store::is_unique_violation;
use crate::store::pipeline::{self as store, Fields, FirstVersion, PipelineRow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(validate_name))
        .routes(routes!(describe, update, delete))
        .routes(routes!(launch_settings))
        .routes(routes!(info))
        .routes(routes!(repositories))
        .routes(routes!(schema))
}

/// `ComputeEnvDbDto`: the compute environment a pipeline launches on.
#[derive(Clone, Serialize, ToSchema)]
pub struct ComputeEnvDbDto {
    id: String,
    name: String,
    platform: String,
}

/// `PipelineDbDto`.
#[derive(Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PipelineDbDto)]
pub struct PipelineDto {
    pipeline_id: i64,
    name: String,
    description: Option<String>,
    icon: Option<String>,
    repository: String,
    user_id: i64,
    workspace_id: Option<i64>,
    deleted: bool,
    compute_env: Option<ComputeEnvDbDto>,
    /// Its labels (`/pipelines/labels/add|apply|remove`).
    labels: Vec<LabelDto>,
    /// Its default version (in `GET /pipelines/{pipelineId}/versions`: the version listed).
    version: Option<VersionDto>,
    /// Its workspace's visibility (`PRIVATE` or `SHARED`); `PRIVATE` in a personal workspace.
    visibility: String,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

impl PipelineDto {
    pub(super) fn with_version(&self, version: VersionDto) -> PipelineDto {
        PipelineDto { version: Some(version), ..self.clone() }
    }
}

/// The pipelines with their labels and default versions, each read in one query.
async fn dtos(state: &AppState, rows: Vec<PipelineRow>) -> ApiResult<Vec<PipelineDto>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut labels = crate::store::label::attached(&state.db, crate::store::label::Labelled::Pipelines(&ids)).await?;
    let mut versions = pipeline_version::defaults(state, &rows).await?;
    // A page is of one workspace as a rule: its visibility is read once.
    let mut visibility: HashMap<Option<i64>, String> = HashMap::from([(None, "PRIVATE".to_string())]);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (mine, rest): (Vec<_>, Vec<_>) = labels.into_iter().partition(|(id, _)| *id == r.id.to_string());
        labels = rest;
        if let (Some(ws), false) = (r.workspace_id, visibility.contains_key(&r.workspace_id)) {
            let seen = crate::store::org::workspace(&state.db, ws).await?.map(|w| w.visibility).unwrap_or_else(|| "PRIVATE".into());
            visibility.insert(Some(ws), seen);
        }
        let version = versions.remove(&r.id).map(VersionDto::from);
        let shown = visibility[&r.workspace_id].clone();
        out.push(dto(state, r, mine.into_iter().map(|(_, l)| LabelDto::from(l)).collect(), version, shown).await?);
    }
    Ok(out)
}

pub(super) async fn one(state: &AppState, r: PipelineRow) -> ApiResult<PipelineDto> {
    Ok(dtos(state, vec![r]).await?.remove(0))
}

async fn dto(
    state: &AppState,
    r: PipelineRow,
    labels: Vec<LabelDto>,
    version: Option<VersionDto>,
    visibility: String,
) -> ApiResult<PipelineDto> {
    let launch: LaunchRequest = serde_json::from_str(&r.launch).unwrap_or_default();
    let compute_env = match launch.compute_env_id.as_deref() {
        Some(id) => crate::store::compute_env::find_any(&state.db, id).await?.map(|c| ComputeEnvDbDto {
            id: c.id,
            name: c.name,
            platform: c.platform,
        }),
        None => None,
    };
    Ok(PipelineDto {
        pipeline_id: r.id,
        name: r.name,
        description: r.description,
        icon: r.icon,
        repository: r.repository,
        user_id: r.user_id,
        workspace_id: r.workspace_id,
        deleted: false,
        compute_env,
        labels,
        version,
        visibility,
        last_updated: Some(r.last_updated),
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPipelinesResponse {
    pipelines: Vec<PipelineDto>,
    total_size: i64,
}

/// `CreatePipelineResponse`, `DescribePipelineResponse` and `UpdatePipelineResponse`.
#[derive(Serialize, ToSchema)]
pub(super) struct PipelineResponse {
    pipeline: PipelineDto,
}

/// `CreatePipelineVersionRequest`: the name of a new pipeline's first version.
#[derive(Deserialize, ToSchema)]
pub struct CreatePipelineVersionRequest {
    name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct CreatePipelineRequest {
    name: Option<String>,
    description: Option<String>,
    icon: Option<String>,
    launch: Option<WorkflowLaunchRequest>,
    /// The first version, published and the default: named "1" when left out.
    version: Option<CreatePipelineVersionRequest>,
}

/// `UpdatePipelineRequest`: fields left out keep their value.
#[derive(Deserialize, ToSchema)]
pub(super) struct UpdatePipelineRequest {
    name: Option<String>,
    description: Option<String>,
    icon: Option<String>,
    launch: Option<WorkflowLaunchRequest>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Pipeline '{id}' not found"))
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("A pipeline named '{name}' already exists in this workspace"))
}

pub(super) async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<PipelineRow> {
    let n: i64 = id.parse().map_err(|_| not_found(id))?;
    store::find(&state.db, scope, n).await?.ok_or_else(|| not_found(id))
}

/// Checks a pipeline's fields and launch settings, and that its compute environment (if it names
/// one) is in the same workspace. Every problem of the launch settings is named.
async fn checked(state: &AppState, scope: &str, name: &str, description: Option<&str>, launch: &LaunchRequest) -> ApiResult<()> {
    check_name("pipeline", name).map_err(ApiError::BadRequest)?;
    if description.is_some_and(|d| d.len() > 2000) {
        return Err(ApiError::bad_request("description must be at most 2000 characters"));
    }
    check_launch(state, scope, launch).await
}

/// Checks stored launch settings (a pipeline's, an action's): the launch rules, and that the
/// compute environment they name, if any, is in the same workspace.
pub(super) async fn check_launch(state: &AppState, scope: &str, launch: &LaunchRequest) -> ApiResult<()> {
    let problems = rules::check(launch);
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; ")));
    }
    if let Some(ce) = launch.compute_env_id.as_deref().filter(|c| !c.is_empty()) {
        if crate::store::compute_env::find(&state.db, scope, ce).await?.is_none() {
            return Err(ApiError::bad_request(format!("launch.computeEnvId: no compute environment '{ce}' in this workspace")));
        }
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// Free text over name, description and repository (`*` wildcards).
    search: Option<String>,
    max: Option<i64>,
    offset: Option<i64>,
}

/// The pipelines of a workspace's Launchpad, by name.
#[utoipa::path(get, path = "/pipelines", tag = "pipelines", operation_id = "ListPipelines", security(("BearerAuth" = [])),
    params(ListQuery), responses((status = 200, body = ListPipelinesResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListPipelinesResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_READ).await?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let (rows, total_size) = store::list(&state.db, &scope, q.search.as_deref().filter(|s| !s.is_empty()), max, offset).await?;
    Ok(Json(ListPipelinesResponse { pipelines: dtos(&state, rows).await?, total_size }))
}

/// Adds a pipeline to the Launchpad.
#[utoipa::path(post, path = "/pipelines", tag = "pipelines", operation_id = "CreatePipeline", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = CreatePipelineRequest,
    responses((status = 200, body = PipelineResponse), CreateErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreatePipelineRequest>,
) -> ApiResult<Json<PipelineResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_WRITE).await?;
    let name = req.name.unwrap_or_default();
    let launch = req.launch.map(|l| l.0).ok_or_else(|| ApiError::bad_request("launch is required: at least launch.pipeline"))?;
    checked(&state, &scope, &name, req.description.as_deref(), &launch).await?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    let version_name = req.version.and_then(|v| v.name).unwrap_or_else(|| "1".into());
    rules::check_version_name(&version_name).map_err(|e| ApiError::BadRequest(format!("version.name: {e}")))?;
    let text = serde_json::to_string(&launch).map_err(anyhow::Error::from)?;
    let fields = Fields {
        name: &name,
        description: req.description.as_deref(),
        icon: req.icon.as_deref(),
        repository: launch.pipeline.as_deref().unwrap_or_default(),
        launch: &text,
    };
    let version_id = crate::domain::ids::random_base62(22);
    let first = FirstVersion { id: &version_id, name: &version_name, hash: &rules::version_hash(&launch) };
    let id = match store::create(&state.db, &scope, caller.user.id, ws.workspace_id, &fields, &first, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    };
    let row = store::find(&state.db, &scope, id).await?.ok_or_else(|| not_found(&id.to_string()))?;
    Ok(Json(PipelineResponse { pipeline: one(&state, row).await? }))
}

/// Whether a name is valid and free: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/pipelines/validate", tag = "pipelines", operation_id = "ValidatePipelineName", security(("BearerAuth" = [])),
    params(NameParam), responses((status = 204), CreateErrors))]
async fn validate_name(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<NameParam>) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_WRITE).await?;
    let name = q.name.unwrap_or_default();
    check_name("pipeline", &name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

const PIPELINE_ID: &str = "Pipeline numeric identifier";

/// One pipeline.
#[utoipa::path(get, path = "/pipelines/{pipelineId}", tag = "pipelines", operation_id = "DescribePipeline", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), WorkspaceParam),
    responses((status = 200, body = PipelineResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<PipelineResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_READ).await?;
    let row = find(&state, &scope, &id).await?;
    Ok(Json(PipelineResponse { pipeline: one(&state, row).await? }))
}

/// Changes a pipeline and its default version; fields left out keep their value. New launch
/// settings make a new draft version when the default one is published (it becomes the default).
#[utoipa::path(put, path = "/pipelines/{pipelineId}", tag = "pipelines", operation_id = "UpdatePipeline", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), WorkspaceParam), request_body = UpdatePipelineRequest,
    responses((status = 200, body = PipelineResponse), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdatePipelineRequest>,
) -> ApiResult<Json<PipelineResponse>> {
    apply_update(&state, &caller, ws.workspace_id, &id, None, req).await
}

/// An edit of a pipeline's name, description and icon, and of the launch settings of one of its
/// versions (`None`: the default one), all checked before anything is stored.
pub(super) async fn apply_update(
    state: &AppState,
    caller: &Caller,
    workspace_id: Option<i64>,
    id: &str,
    version_id: Option<&str>,
    req: UpdatePipelineRequest,
) -> ApiResult<Json<PipelineResponse>> {
    let scope = scope(state, caller, workspace_id, perm::PIPELINE_WRITE).await?;
    let row = find(state, &scope, id).await?;
    let version = pipeline_version::version_of(state, &row, version_id).await?;
    let name = req.name.unwrap_or_else(|| row.name.clone());
    let description = req.description.or(row.description.clone());
    let launch = match req.launch {
        Some(l) => l.0,
        None => serde_json::from_str(&version.launch).unwrap_or_default(),
    };
    checked(state, &scope, &name, description.as_deref(), &launch).await?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some_and(|o| o.id != row.id) {
        return Err(taken(&name));
    }
    let icon = req.icon.or(row.icon.clone());
    match store::rename(&state.db, &scope, row.id, &name, description.as_deref(), icon.as_deref(), now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    pipeline_version::edit(state, caller, &row, &version, &launch).await?;
    let row = find(state, &scope, id).await?;
    Ok(Json(PipelineResponse { pipeline: one(state, row).await? }))
}

/// Removes a pipeline from the Launchpad (its runs stay).
#[utoipa::path(delete, path = "/pipelines/{pipelineId}", tag = "pipelines", operation_id = "DeletePipeline", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_DELETE).await?;
    let row = find(&state, &scope, &id).await?;
    store::delete(&state.db, &scope, row.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// Pipeline version identifier: the default version when left out.
    version_id: Option<String>,
}

/// `DescribeLaunchResponse`: the launch settings of a pipeline, for a launch form or `tw launch`.
#[derive(Serialize, ToSchema)]
pub struct DescribeLaunchResponse {
    #[schema(value_type = Object)]
    launch: serde_json::Value,
}

/// The launch settings of a pipeline, with its compute environment (the workspace's primary one
/// when the pipeline names none).
#[utoipa::path(get, path = "/pipelines/{pipelineId}/launch", tag = "pipelines", operation_id = "DescribePipelineLaunch", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), VersionQuery),
    responses((status = 200, body = DescribeLaunchResponse), ReadErrors))]
async fn launch_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<DescribeLaunchResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_READ).await?;
    let row = find(&state, &scope, &id).await?;
    let version = pipeline_version::version_of(&state, &row, q.version_id.as_deref()).await?;
    // The version's id is the launch's: a launch that sends it back is recorded as of that version.
    let launch = LaunchRequest { id: Some(version.id.clone()), ..serde_json::from_str(&version.launch).unwrap_or_default() };
    let envs = crate::store::compute_env::list(&state.db, &scope, None).await?;
    let ce = match launch.compute_env_id.as_deref() {
        Some(c) => envs.into_iter().find(|e| e.id == c),
        None => envs.into_iter().find(|e| e.is_primary),
    };
    let mut value = serde_json::to_value(&launch).map_err(anyhow::Error::from)?;
    value["pipelineId"] = serde_json::json!(row.id);
    if let Some(c) = ce {
        value["computeEnvId"] = serde_json::json!(c.id);
        value["computeEnv"] = serde_json::json!({"id": c.id, "name": c.name, "platform": c.platform, "status": c.status});
    }
    Ok(Json(DescribeLaunchResponse { launch: value }))
}

/// `PipelineInfo`: a repository as git shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineInfo {
    project_name: String,
    simple_name: String,
    repository_url: String,
    clone_url: String,
    provider: String,
    /// The revision described (the default branch when none was asked for).
    revision_name: Option<String>,
    commit_id: Option<String>,
    /// Every branch and tag.
    revisions: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribePipelineInfoResponse {
    pipeline_info: PipelineInfo,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct InfoQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// The repository: a URL, an absolute path or `owner/name` (GitHub).
    name: Option<String>,
    /// A branch, tag or commit; the default branch when left out.
    revision: Option<String>,
}

/// The Git credentials of the workspace (`scope`) for a repository's server, if it has some.
async fn login(state: &AppState, scope: &str, url: &str) -> ApiResult<Option<GitLogin>> {
    Ok(repo::login_for(&state.db, &state.keyring, scope, url).await.map_err(ApiError::BadRequest)?.map(|(_, login)| login))
}

async fn describe_repository(state: &AppState, scope: &str, url: &str, revision: Option<&str>) -> ApiResult<PipelineInfo> {
    let clone_url = repo::clone_url(url).map_err(ApiError::BadRequest)?;
    let login = login(state, scope, &clone_url).await?;
    let (revs, head) = repo::revisions(&clone_url, login.as_ref()).await.map_err(ApiError::BadRequest)?;
    let revision_name = revision.filter(|r| !r.is_empty()).map(str::to_string).or(head);
    let commit_id = revision_name.as_deref().and_then(|w| revs.iter().find(|r| r.name == w).map(|r| r.commit_id.clone()));
    let mut warnings = Vec::new();
    if let Some(r) = revision_name.as_deref().filter(|_| commit_id.is_none()) {
        warnings.push(format!("The repository has no branch or tag named '{r}'"));
    }
    let simple = clone_url.trim_end_matches('/').trim_end_matches(".git").rsplit('/').next().unwrap_or_default().to_string();
    let provider = if clone_url.starts_with("https://github.com/") {
        "github"
    } else if clone_url.starts_with("https://gitlab.com/") {
        "gitlab"
    } else {
        "git"
    };
    Ok(PipelineInfo {
        project_name: url.to_string(),
        simple_name: simple,
        repository_url: clone_url.clone(),
        clone_url,
        provider: provider.into(),
        revision_name,
        commit_id,
        revisions: revs.into_iter().map(|r| r.name).collect(),
        warnings,
    })
}

/// A repository's branches and tags and the commit of a revision, read from the repository.
#[utoipa::path(get, path = "/pipelines/info", tag = "pipelines", operation_id = "DescribePipelineRepository", security(("BearerAuth" = [])),
    params(InfoQuery), responses((status = 200, body = DescribePipelineInfoResponse), ListErrors))]
async fn info(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InfoQuery>,
) -> ApiResult<Json<DescribePipelineInfoResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_READ).await?;
    let name = q.name.filter(|n| !n.is_empty()).ok_or_else(|| ApiError::bad_request("name is required: the repository"))?;
    Ok(Json(DescribePipelineInfoResponse { pipeline_info: describe_repository(&state, &scope, &name, q.revision.as_deref()).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct ListPipelineInfoResponse {
    /// The repositories of the workspace's pipelines.
    pipelines: Vec<String>,
}

/// The repositories the workspace's pipelines launch from.
#[utoipa::path(get, path = "/pipelines/repositories", tag = "pipelines", operation_id = "ListPipelineRepositories", security(("BearerAuth" = [])),
    params(WorkspaceParam), responses((status = 200, body = ListPipelineInfoResponse), ListErrors))]
async fn repositories(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListPipelineInfoResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_READ).await?;
    let (rows, _) = store::list(&state.db, &scope, None, 1000, 0).await?;
    let mut pipelines: Vec<String> = rows.into_iter().map(|r| r.repository).collect();
    pipelines.sort();
    pipelines.dedup();
    Ok(Json(ListPipelineInfoResponse { pipelines }))
}

/// `PipelineSchemaResponse`: the repository's `nextflow_schema.json` at the pipeline's revision,
/// and the pipeline's saved parameters.
#[derive(Serialize, ToSchema)]
pub struct PipelineSchemaResponse {
    schema: String,
    params: Option<String>,
}

/// The parameter schema of a pipeline (of its default version, or `versionId`), read from its
/// repository at that revision. A repository without one answers 404.
#[utoipa::path(get, path = "/pipelines/{pipelineId}/schema", tag = "pipelines", operation_id = "DescribePipelineSchema", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), VersionQuery),
    responses((status = 200, body = PipelineSchemaResponse), ReadErrors))]
async fn schema(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<PipelineSchemaResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_READ).await?;
    let row = find(&state, &scope, &id).await?;
    let version = pipeline_version::version_of(&state, &row, q.version_id.as_deref()).await?;
    let launch: LaunchRequest = serde_json::from_str(&version.launch).unwrap_or_default();
    let url = repo::clone_url(&row.repository).map_err(ApiError::BadRequest)?;
    let login = login(&state, &scope, &url).await?;
    let files =
        repo::files(&url, launch.revision.as_deref(), &["nextflow_schema.json"], login.as_ref()).await.map_err(ApiError::BadRequest)?;
    let schema = files.into_iter().next().flatten().ok_or_else(|| {
        ApiError::not_found(format!(
            "The repository {} has no nextflow_schema.json at {}",
            row.repository,
            launch.revision.as_deref().unwrap_or("its default branch")
        ))
    })?;
    if serde_json::from_str::<serde_json::Value>(&schema).is_err() {
        return Err(ApiError::bad_request(format!("The nextflow_schema.json of {} is not valid JSON", row.repository)));
    }
    Ok(Json(PipelineSchemaResponse { schema, params: launch.params_text }))
}
