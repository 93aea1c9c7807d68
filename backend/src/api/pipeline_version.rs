//! Pipeline versions: `GET /pipelines/{pipelineId}/versions`, `GET .../versions/validate`,
//! `POST .../versions/{versionId}` (edit a version) and `PUT .../versions/{versionId}/manage`
//! (publish under a name, make default). A pipeline's first version is published and its
//! default; an edit of a draft changes it in place, an edit of a published version makes a new
//! draft (the default one's draft becomes the default, so an edited pipeline launches as
//! edited). Published versions never change what they run.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::pipeline::{find, PipelineDto, PipelineResponse, UpdatePipelineRequest};
use super::scope;
use crate::api::errors::{ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::launch::{check_version_name, version_hash, LaunchRequest};
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::is_unique_violation;
use crate::store::pipeline::PipelineRow;
use crate::store::pipeline_version::{self as store, NewVersion, VersionRow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(validate_name)).routes(routes!(update)).routes(routes!(manage))
}

/// `PipelineVersionFullInfoDto`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PipelineVersionFullInfoDto)]
pub struct VersionDto {
    id: String,
    /// Null for a draft.
    name: Option<String>,
    is_default: bool,
    /// SHA-256 of what the version runs (its launch settings but the run name and labels).
    hash: String,
    creator_user_id: i64,
    creator_user_name: Option<String>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

impl From<VersionRow> for VersionDto {
    fn from(v: VersionRow) -> Self {
        VersionDto {
            id: v.id,
            name: v.name,
            is_default: v.is_default,
            hash: v.hash,
            creator_user_id: v.creator_id,
            creator_user_name: v.creator_name,
            date_created: Some(v.date_created),
            last_updated: Some(v.last_updated),
        }
    }
}

fn version_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Pipeline version '{id}' not found"))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(format!("This pipeline already has a version named '{name}'"))
}

fn repository(launch: &str) -> String {
    serde_json::from_str::<LaunchRequest>(launch).ok().and_then(|l| l.pipeline).unwrap_or_default()
}

/// The default versions of pipelines, by pipeline. A pipeline made before versions existed gets
/// its first one here.
pub(super) async fn defaults(state: &AppState, rows: &[PipelineRow]) -> ApiResult<HashMap<i64, VersionRow>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut found: HashMap<i64, VersionRow> = store::defaults(&state.db, &ids).await?.into_iter().map(|v| (v.pipeline_id, v)).collect();
    let missing: Vec<&PipelineRow> = rows.iter().filter(|r| !found.contains_key(&r.id)).collect();
    if missing.is_empty() {
        return Ok(found);
    }
    for r in &missing {
        let hash = version_hash(&serde_json::from_str(&r.launch).unwrap_or_default());
        match store::ensure_first(&state.db, r.id, &crate::domain::ids::random_base62(22), &hash, now_millis()).await {
            Err(e) if is_unique_violation(&e) => {}
            other => other?,
        }
    }
    let ids: Vec<i64> = missing.iter().map(|r| r.id).collect();
    found.extend(store::defaults(&state.db, &ids).await?.into_iter().map(|v| (v.pipeline_id, v)));
    Ok(found)
}

/// The default version of one pipeline.
pub(super) async fn default_of(state: &AppState, row: &PipelineRow) -> ApiResult<VersionRow> {
    defaults(state, std::slice::from_ref(row))
        .await?
        .remove(&row.id)
        .ok_or_else(|| ApiError::not_found("The pipeline has no default version"))
}

/// A version of a pipeline, by id (`None`: the default one).
pub(super) async fn version_of(state: &AppState, row: &PipelineRow, id: Option<&str>) -> ApiResult<VersionRow> {
    match id.filter(|i| !i.is_empty()) {
        Some(id) => store::find(&state.db, row.id, id).await?.ok_or_else(|| version_not_found(id)),
        None => default_of(state, row).await,
    }
}

/// Applies new launch settings to a version: nothing when they run the same, in place for a
/// draft, a new draft for a published version (the default when that one was).
pub(super) async fn edit(state: &AppState, caller: &Caller, row: &PipelineRow, v: &VersionRow, launch: &LaunchRequest) -> ApiResult<()> {
    let hash = version_hash(launch);
    if hash == v.hash {
        return Ok(());
    }
    let text = serde_json::to_string(launch).map_err(anyhow::Error::from)?;
    let repository = launch.pipeline.as_deref().unwrap_or_default();
    if v.name.is_none() && store::edit_draft(&state.db, &v.id, &hash, &text, repository, now_millis()).await? {
        return Ok(());
    }
    let id = crate::domain::ids::random_base62(22);
    let new = NewVersion {
        id: &id,
        pipeline_id: row.id,
        name: None,
        hash: &hash,
        launch: &text,
        repository,
        creator_id: caller.user.id,
        now: now_millis(),
    };
    store::create(&state.db, &new, v.is_default).await?;
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    /// Versions whose name has this text (`*` wildcards).
    search: Option<String>,
    /// True: published (named) versions only; false: drafts only.
    is_published: Option<bool>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPipelineVersionsResponse {
    /// The pipeline once per version, with that version in `version`.
    versions: Vec<PipelineDto>,
    total_size: i64,
}

const PIPELINE_ID: &str = "Pipeline numeric identifier";
const VERSION_ID: &str = "Pipeline version string identifier";

/// The versions of a pipeline, newest first.
#[utoipa::path(get, path = "/pipelines/{pipelineId}/versions", tag = "pipeline-versions", operation_id = "ListPipelineVersions",
    security(("BearerAuth" = [])), params(("pipelineId" = i64, Path, description = PIPELINE_ID), ListQuery),
    responses((status = 200, body = ListPipelineVersionsResponse), ReadErrors))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPipelineVersionsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_READ).await?;
    let row = find(&state, &scope, &id).await?;
    default_of(&state, &row).await?;
    let (max, offset) = super::paging(q.max, q.offset, 20)?;
    let search = q.search.as_deref().filter(|s| !s.is_empty());
    let (versions, total_size) = store::list(&state.db, row.id, search, q.is_published, max, offset).await?;
    let pipeline = super::pipeline::one(&state, row).await?;
    let versions = versions.into_iter().map(|v| pipeline.with_version(v.into())).collect();
    Ok(Json(ListPipelineVersionsResponse { versions, total_size }))
}

/// Whether a version name is valid and free in the pipeline: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/pipelines/{pipelineId}/versions/validate", tag = "pipeline-versions",
    operation_id = "ValidatePipelineVersionName", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), NameParam), responses((status = 204), UpdateErrors))]
async fn validate_name(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NameParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let name = q.name.unwrap_or_default();
    check_version_name(&name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, row.id, &name).await?.is_some() {
        return Err(name_taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Edits a version: the pipeline's name, description and icon, and the version's launch
/// settings (a published version keeps them: the edit becomes a new draft).
#[utoipa::path(post, path = "/pipelines/{pipelineId}/versions/{versionId}", tag = "pipeline-versions",
    operation_id = "UpdatePipelineVersion", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), ("versionId" = String, Path, description = VERSION_ID), WorkspaceParam),
    request_body = UpdatePipelineRequest, responses((status = 200, body = PipelineResponse), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdatePipelineRequest>,
) -> ApiResult<Json<PipelineResponse>> {
    super::pipeline::apply_update(&state, &caller, ws.workspace_id, &id, Some(&version_id), req).await
}

/// `PipelineVersionManageRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineVersionManageRequest {
    /// Publishes a draft under this name, or renames a version no run was launched from.
    name: Option<String>,
    /// True makes it the default version (the previous default is unset); false on the default
    /// version is a 409.
    is_default: Option<bool>,
}

/// Publishes or renames a version and/or makes it the default.
#[utoipa::path(put, path = "/pipelines/{pipelineId}/versions/{versionId}/manage", tag = "pipeline-versions",
    operation_id = "ManagePipelineVersion", security(("BearerAuth" = [])),
    params(("pipelineId" = i64, Path, description = PIPELINE_ID), ("versionId" = String, Path, description = VERSION_ID), WorkspaceParam),
    request_body = PipelineVersionManageRequest, responses((status = 204), UpdateErrors))]
async fn manage(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<PipelineVersionManageRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    default_of(&state, &row).await?;
    let v = version_of(&state, &row, Some(&version_id)).await?;
    let name = req.name.filter(|n| v.name.as_deref() != Some(n.as_str()));
    if let Some(name) = &name {
        check_version_name(name).map_err(ApiError::BadRequest)?;
        if v.name.is_some() && store::launched(&state.db, &v.id).await? {
            return Err(ApiError::conflict(format!(
                "The version '{}' cannot be renamed: runs were launched from it",
                v.name.as_deref().unwrap_or_default()
            )));
        }
        if store::find_by_name(&state.db, row.id, name).await?.is_some() {
            return Err(name_taken(name));
        }
    }
    if req.is_default == Some(false) && v.is_default {
        return Err(ApiError::conflict("The default version cannot be unset: make another version the default instead"));
    }
    match store::manage(&state.db, &v, name.as_deref(), req.is_default == Some(true), &repository(&v.launch), now_millis()).await {
        Err(e) if is_unique_violation(&e) => Err(name_taken(name.as_deref().unwrap_or_default())),
        r => r.map(|_| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}
