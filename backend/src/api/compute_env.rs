//! Compute environments: `GET/POST /compute-envs`, `GET /compute-envs/validate`,
//! `GET/PUT/DELETE /compute-envs/{computeEnvId}` and `POST .../primary|disable|enable|validate`.
//! A new or changed compute environment is `CREATING` until its pre-flight checks, run in the
//! background (`launch::checks`), make it `AVAILABLE` or say what is wrong.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ArrayBuilder, Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::compute_env::{self as rules, status, Kind, COMMON_FIELDS, GRID_FIELDS, K8S_FIELDS, PLATFORMS};
use crate::domain::names::check_name;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::compute_env::{self as store, ComputeEnvRow, NewComputeEnv};
use crate::store::is_unique_violation;

/// How long `POST .../validate` waits for the checks before answering with the status as it is.
const VALIDATE_WAIT: Duration = Duration::from_secs(5);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(validate_name))
        .routes(routes!(describe, update, delete))
        .routes(routes!(make_primary))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(validate))
}

/// `ComputeConfig`: the configuration of one platform, chosen by `discriminator`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComputeConfig(pub rules::ComputeConfig);

impl PartialSchema for ComputeConfig {
    fn schema() -> RefOr<Schema> {
        let mut discriminator = Discriminator::new("discriminator");
        let mut one_of = OneOfBuilder::new();
        for p in PLATFORMS.iter().filter(|p| p.kind != Kind::Unavailable) {
            discriminator.mapping.insert(p.id.into(), format!("#/components/schemas/{}", p.schema));
            one_of = one_of.item(Ref::from_schema_name(p.schema));
        }
        one_of.discriminator(Some(discriminator)).description(Some("The configuration of one platform, chosen by `discriminator`.")).into()
    }
}

impl ToSchema for ComputeConfig {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        let env = ObjectBuilder::new()
            .property("name", ObjectBuilder::new().schema_type(Type::String))
            .property("value", ObjectBuilder::new().schema_type(Type::String))
            .property("head", ObjectBuilder::new().schema_type(Type::Boolean))
            .property("compute", ObjectBuilder::new().schema_type(Type::Boolean));
        schemas.push(("ConfigEnvVariable".into(), env.into()));
        for p in PLATFORMS.iter().filter(|p| p.kind != Kind::Unavailable) {
            let own = match p.kind {
                Kind::Grid(_) => GRID_FIELDS,
                Kind::K8s => K8S_FIELDS,
                _ => &[],
            };
            let discriminator = ObjectBuilder::new().schema_type(Type::String).enum_values(Some([p.id]));
            let mut o = ObjectBuilder::new()
                .title(Some(format!("{} configuration", p.name)))
                .property("discriminator", discriminator)
                .required("discriminator");
            for (field, ty) in COMMON_FIELDS.iter().chain(own) {
                let t = match *ty {
                    "integer" => Type::Integer,
                    "boolean" => Type::Boolean,
                    _ => Type::String,
                };
                o = o.property(*field, ObjectBuilder::new().schema_type(t));
            }
            o = o.property("environment", ArrayBuilder::new().items(Ref::from_schema_name("ConfigEnvVariable")));
            schemas.push((p.schema.into(), o.into()));
        }
    }
}

/// `ComputeEnv_ComputeConfig_`: what a client sends to create a compute environment.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ComputeEnv_ComputeConfig_)]
pub struct ComputeEnvIn {
    #[schema(max_length = 100)]
    name: Option<String>,
    #[schema(max_length = 2000)]
    description: Option<String>,
    #[schema(max_length = 25)]
    platform: Option<String>,
    credentials_id: Option<String>,
    config: Option<ComputeConfig>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateComputeEnvRequest {
    compute_env: Option<ComputeEnvIn>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateComputeEnvResponse {
    compute_env_id: String,
}

/// `ComputeEnvResponseDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ComputeEnvResponseDto)]
pub struct ComputeEnvDto {
    id: String,
    name: String,
    description: Option<String>,
    platform: String,
    config: ComputeConfig,
    credentials_id: Option<String>,
    /// `CREATING`, `AVAILABLE`, `ERRORED`, `INVALID` or `DISABLED`.
    status: String,
    message: Option<String>,
    primary: bool,
    workspace_id: Option<i64>,
    deleted: bool,
    #[serde(with = "opt_datetime", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

fn config_of(r: &ComputeEnvRow) -> rules::ComputeConfig {
    serde_json::from_str(&r.config).unwrap_or_default()
}

impl From<ComputeEnvRow> for ComputeEnvDto {
    fn from(r: ComputeEnvRow) -> Self {
        ComputeEnvDto {
            config: ComputeConfig(config_of(&r)),
            id: r.id,
            name: r.name,
            description: r.description,
            platform: r.platform,
            credentials_id: r.credentials_id,
            status: r.status,
            message: r.message,
            primary: r.is_primary,
            workspace_id: r.workspace_id,
            deleted: false,
            last_used: r.last_used,
            date_created: Some(r.date_created),
            last_updated: Some(r.last_updated),
        }
    }
}

/// `ListComputeEnvsResponse.Entry`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ListComputeEnvsResponse_Entry)]
pub struct ComputeEnvEntry {
    id: String,
    name: String,
    description: Option<String>,
    platform: String,
    status: String,
    message: Option<String>,
    primary: bool,
    credentials_id: Option<String>,
    work_dir: Option<String>,
    #[serde(with = "opt_datetime", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used: Option<i64>,
}

impl From<ComputeEnvRow> for ComputeEnvEntry {
    fn from(r: ComputeEnvRow) -> Self {
        ComputeEnvEntry {
            work_dir: config_of(&r).work_dir,
            id: r.id,
            name: r.name,
            description: r.description,
            platform: r.platform,
            status: r.status,
            message: r.message,
            primary: r.is_primary,
            credentials_id: r.credentials_id,
            last_used: r.last_used,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListComputeEnvsResponse {
    compute_envs: Vec<ComputeEnvEntry>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribeComputeEnvResponse {
    compute_env: ComputeEnvDto,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateComputeEnvRequest {
    name: Option<String>,
    #[schema(max_length = 2000)]
    description: Option<String>,
    credentials_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateComputeEnvResponse {
    /// The status after the checks, or as it is while they still run.
    status: String,
    message: Option<String>,
    /// True when the checks had not finished: the status is the one before them.
    transient_error: bool,
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Compute environment '{id}' not found"))
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("A compute environment named '{name}' already exists in this workspace"))
}

async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<ComputeEnvRow> {
    store::find(&state.db, scope, id).await?.ok_or_else(|| not_found(id))
}

/// Starts the checks of a compute environment in the background.
fn spawn_check(state: &AppState, id: &str) -> tokio::task::JoinHandle<()> {
    let (db, keyring, id, local) = (state.db.clone(), state.keyring.clone(), id.to_string(), state.config.enable_local_platform);
    tokio::spawn(async move {
        if let Err(e) = crate::launch::checks::run(&db, &keyring, &id, local).await {
            tracing::warn!(compute_env = %id, error = format!("{e:#}"), "compute environment checks failed; cron runs them again");
        }
    })
}

/// The credentials a platform takes must exist in the same context and be of its provider.
async fn check_credentials(state: &AppState, scope: &str, platform: &rules::Platform, id: Option<&str>) -> ApiResult<Option<String>> {
    let Some(provider) = platform.providers.first() else {
        return Ok(None);
    };
    let id = id.filter(|i| !i.is_empty()).ok_or_else(|| {
        ApiError::bad_request(format!("computeEnv.credentialsId is required: {} needs {provider} credentials", platform.id))
    })?;
    let creds = crate::store::credentials::find(&state.db, scope, id)
        .await?
        .ok_or_else(|| ApiError::bad_request(format!("computeEnv.credentialsId: no credentials '{id}' in this workspace")))?;
    if creds.provider != *provider {
        return Err(ApiError::bad_request(format!(
            "computeEnv.credentialsId: '{}' are {} credentials; {} needs {provider} credentials",
            creds.name, creds.provider, platform.id
        )));
    }
    Ok(Some(id.to_string()))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// Only compute environments with this status (e.g. `AVAILABLE`).
    status: Option<String>,
    /// Extra attributes (accepted for compatibility; the entries carry what the list shows).
    attributes: Option<String>,
}

/// The compute environments of a workspace, by name.
#[utoipa::path(get, path = "/compute-envs", tag = "compute-envs", operation_id = "ListComputeEnvs", security(("BearerAuth" = [])),
    params(ListQuery), responses((status = 200, body = ListComputeEnvsResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListComputeEnvsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::COMPUTE_ENV_READ).await?;
    let wanted = q.status.as_deref().filter(|s| !s.is_empty()).map(str::to_uppercase);
    if let Some(s) = &wanted {
        if !["CREATING", "AVAILABLE", "ERRORED", "INVALID", "DISABLED", "DELETING", "DELETED"].contains(&s.as_str()) {
            return Err(ApiError::bad_request(format!("Unknown status '{s}'")));
        }
    }
    let _ = q.attributes;
    let rows = store::list(&state.db, &scope, wanted.as_deref()).await?;
    Ok(Json(ListComputeEnvsResponse { compute_envs: rows.into_iter().map(Into::into).collect() }))
}

/// Creates a compute environment and starts its pre-flight checks in the background.
#[utoipa::path(post, path = "/compute-envs", tag = "compute-envs", operation_id = "CreateComputeEnv", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = CreateComputeEnvRequest,
    responses((status = 200, body = CreateComputeEnvResponse), CreateErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreateComputeEnvRequest>,
) -> ApiResult<Json<CreateComputeEnvResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    let c = req.compute_env.ok_or_else(|| ApiError::bad_request("computeEnv is required"))?;
    let name = c.name.unwrap_or_default();
    check_name("compute environment", &name).map_err(ApiError::BadRequest)?;
    let platform = rules::platform(c.platform.as_deref().unwrap_or_default()).map_err(ApiError::BadRequest)?;
    if platform.kind == Kind::Local && !state.config.enable_local_platform {
        return Err(ApiError::bad_request(
            "computeEnv.platform 'local-platform' is not enabled on this server: it runs pipelines on the Tower host itself (TOWER_ENABLE_LOCAL_PLATFORM=true allows it)",
        ));
    }
    if c.description.as_deref().is_some_and(|d| d.len() > 2000) {
        return Err(ApiError::bad_request("computeEnv.description must be at most 2000 characters"));
    }
    let config = c.config.ok_or_else(|| ApiError::bad_request("computeEnv.config is required"))?;
    let config = rules::check_config(platform, config.0).map_err(ApiError::BadRequest)?;
    let credentials = check_credentials(&state, &scope, platform, c.credentials_id.as_deref()).await?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    let id = crate::domain::ids::random_base62(22);
    let config = serde_json::to_string(&config).map_err(anyhow::Error::from)?;
    let new = NewComputeEnv {
        id: &id,
        scope: &scope,
        user_id: caller.user.id,
        workspace_id: ws.workspace_id,
        name: &name,
        platform: platform.id,
        description: c.description.as_deref(),
        credentials_id: credentials.as_deref(),
        config: &config,
    };
    match store::create(&state.db, &new, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, compute_env = %id, platform = platform.id, "compute environment created");
    spawn_check(&state, &id);
    Ok(Json(CreateComputeEnvResponse { compute_env_id: id }))
}

/// Whether a name is valid and free: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/compute-envs/validate", tag = "compute-envs", operation_id = "ValidateComputeEnvName", security(("BearerAuth" = [])),
    params(NameParam), responses((status = 204), CreateErrors))]
async fn validate_name(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<NameParam>) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    let name = q.name.unwrap_or_default();
    check_name("compute environment", &name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

const CE_ID: &str = "Compute environment string identifier";

/// One compute environment, with its configuration, status and the checks' message.
#[utoipa::path(get, path = "/compute-envs/{computeEnvId}", tag = "compute-envs", operation_id = "DescribeComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 200, body = DescribeComputeEnvResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeComputeEnvResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_READ).await?;
    Ok(Json(DescribeComputeEnvResponse { compute_env: find(&state, &scope, &id).await?.into() }))
}

/// Renames a compute environment or changes its description or credentials; it is checked again.
#[utoipa::path(put, path = "/compute-envs/{computeEnvId}", tag = "compute-envs", operation_id = "UpdateComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam), request_body = UpdateComputeEnvRequest,
    responses((status = 204), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateComputeEnvRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let name = req.name.unwrap_or_else(|| row.name.clone());
    check_name("compute environment", &name).map_err(ApiError::BadRequest)?;
    if req.description.as_deref().is_some_and(|d| d.len() > 2000) {
        return Err(ApiError::bad_request("description must be at most 2000 characters"));
    }
    let platform = rules::platform(&row.platform).map_err(ApiError::BadRequest)?;
    let credentials = match req.credentials_id.as_deref() {
        Some(c) => check_credentials(&state, &scope, platform, Some(c)).await?,
        None => row.credentials_id.clone(),
    };
    if store::find_by_name(&state.db, &scope, &name).await?.is_some_and(|o| o.id != id) {
        return Err(taken(&name));
    }
    let description = req.description.as_deref().or(row.description.as_deref());
    match store::update(&state.db, &scope, &id, &name, description, credentials.as_deref(), now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    spawn_check(&state, &id);
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a compute environment.
#[utoipa::path(delete, path = "/compute-envs/{computeEnvId}", tag = "compute-envs", operation_id = "DeleteComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_DELETE).await?;
    if !store::delete(&state.db, &scope, &id).await? {
        return Err(not_found(&id));
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, compute_env = %id, "compute environment deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a compute environment the workspace's primary (the default of new pipelines and launches).
#[utoipa::path(post, path = "/compute-envs/{computeEnvId}/primary", tag = "compute-envs", operation_id = "UpdateComputeEnvPrimary", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn make_primary(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    find(&state, &scope, &id).await?;
    store::make_primary(&state.db, &scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a compute environment: nothing is launched on it until it is enabled.
#[utoipa::path(post, path = "/compute-envs/{computeEnvId}/disable", tag = "compute-envs", operation_id = "DisableComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    find(&state, &scope, &id).await?;
    store::set_status(&state.db, &scope, &id, status::DISABLED, now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a disabled compute environment; it is checked again.
#[utoipa::path(post, path = "/compute-envs/{computeEnvId}/enable", tag = "compute-envs", operation_id = "EnableComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    find(&state, &scope, &id).await?;
    store::set_status(&state.db, &scope, &id, status::CREATING, now_millis()).await?;
    spawn_check(&state, &id);
    Ok(StatusCode::NO_CONTENT)
}

/// Runs the pre-flight checks again and answers their outcome, or, when they take longer than a
/// few seconds, the status as it is (`transientError`) while they finish in the background.
#[utoipa::path(post, path = "/compute-envs/{computeEnvId}/validate", tag = "compute-envs", operation_id = "ValidateComputeEnv", security(("BearerAuth" = [])),
    params(("computeEnvId" = String, Path, description = CE_ID), WorkspaceParam),
    responses((status = 200, body = ValidateComputeEnvResponse), (status = 409, description = "The compute environment is disabled", body = crate::error::ErrorResponse), ReadErrors))]
async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ValidateComputeEnvResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    if row.status == status::DISABLED {
        return Err(ApiError::conflict("The compute environment is disabled: enable it to check it"));
    }
    let finished = tokio::time::timeout(VALIDATE_WAIT, spawn_check(&state, &id)).await.is_ok();
    let row = find(&state, &scope, &id).await?;
    Ok(Json(ValidateComputeEnvResponse { status: row.status, message: row.message, transient_error: !finished }))
}
