//! Dataset versions, Seqera shapes: `POST /datasets/{datasetId}/upload` (multipart `file`,
//! `header`; each upload a new version, checked whole before anything is stored),
//! `GET /datasets/{datasetId}/versions`, `GET /datasets/versions` (the latest of each),
//! `GET /datasets/{datasetId}/v/{version}/n/{fileName}` (the file), `POST .../versions/{version}/disable`
//! and `GET /launch/{launchId}/datasets` (the versions a launch read).

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::dataset::{find, not_found, DATASET_ID};
use super::extract::{ApiQuery, WorkspaceParam};
use super::scope;
use crate::api::errors::{ListErrors, ReadErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::dataset as rules;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::dataset::{self as store, NewVersion, VersionRow};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(versions))
        .routes(routes!(latest_versions))
        .routes(routes!(download))
        .routes(routes!(disable_version))
        .routes(routes!(launch_versions))
}

/// `DatasetVersionDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetVersionDto {
    dataset_id: String,
    dataset_name: String,
    dataset_description: Option<String>,
    workspace_id: Option<i64>,
    version: i64,
    file_name: String,
    media_type: String,
    has_header: bool,
    file_size: i64,
    disabled: bool,
    /// Where the file is downloaded, with a token that may read the dataset (a launched run's
    /// own token does).
    url: String,
    created_by: Option<String>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
}

fn version_dto(state: &AppState, v: VersionRow) -> DatasetVersionDto {
    let ws = v.workspace_id.map(|w| format!("?workspaceId={w}")).unwrap_or_default();
    let url = format!(
        "{}/datasets/{}/v/{}/n/{}{ws}",
        state.config.launch_api_url.trim_end_matches('/'),
        v.dataset_id,
        v.version,
        urlencoding::encode(&v.file_name)
    );
    DatasetVersionDto {
        dataset_id: v.dataset_id,
        dataset_name: v.dataset_name,
        dataset_description: v.dataset_description,
        workspace_id: v.workspace_id,
        version: v.version.into(),
        file_name: v.file_name,
        media_type: v.media_type,
        has_header: v.has_header,
        file_size: v.file_size,
        disabled: v.disabled,
        url,
        created_by: v.created_by,
        date_created: Some(v.date_created),
    }
}

#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct UploadQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub(super) workspace_id: Option<i64>,
    /// Whether the file's first line names its columns.
    pub(super) header: Option<bool>,
}

/// `MultiRequestFileSchema`: the multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MultiRequestFileSchema {
    /// The CSV or TSV file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadDatasetVersionResponse {
    version: DatasetVersionDto,
}

/// Uploads a CSV or TSV file as the next version of a dataset: checked whole (every line as many
/// fields as the first) before anything is stored.
#[utoipa::path(post, path = "/datasets/{datasetId}/upload", tag = "datasets", operation_id = "UploadDatasetV2", security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), UploadQuery),
    request_body(content = MultiRequestFileSchema, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadDatasetVersionResponse), (status = 413, description = "The file is over 10 MB"), ReadErrors))]
pub(super) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<UploadDatasetVersionResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::DATASET_WRITE).await?;
    find(&state, &scope, &id).await?;
    // Refused after the permission check, so that a caller without it learns nothing more.
    let mut form = form.map_err(|e| ApiError::bad_request(format!("The upload is not a multipart form: {}", e.body_text())))?;
    let bad_form =
        |e: axum::extract::multipart::MultipartError| ApiError::bad_request(format!("The upload is not a valid multipart form: {e}"));
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or("dataset.csv").to_string();
        let content_type = field.content_type().map(str::to_string);
        let bytes = field.bytes().await.map_err(bad_form)?;
        file = Some((file_name, content_type, bytes));
    }
    let (file_name, content_type, bytes) = file.ok_or_else(|| ApiError::bad_request("The form has no 'file' field"))?;
    if bytes.len() > rules::MAX_FILE {
        return Err(ApiError::PayloadTooLarge(format!(
            "The file is {} bytes: a dataset version holds at most {} MB",
            bytes.len(),
            rules::MAX_FILE / (1024 * 1024)
        )));
    }
    rules::check_file_name(&file_name).map_err(ApiError::BadRequest)?;
    let media_type = rules::media_type(&file_name, content_type.as_deref()).map_err(ApiError::BadRequest)?;
    rules::check_table(&bytes, media_type).map_err(ApiError::BadRequest)?;
    let new = NewVersion {
        file_name: &file_name,
        media_type,
        has_header: q.header.unwrap_or(false),
        content: &bytes,
        created_by: caller.user.id,
    };
    let version = store::add_version(&state.db, &scope, &id, &new, now_millis()).await?.ok_or_else(|| not_found(&id))?;
    let row =
        store::versions(&state.db, &scope, &id, None).await?.into_iter().find(|v| v.version == version).ok_or_else(|| not_found(&id))?;
    Ok(Json(UploadDatasetVersionResponse { version: version_dto(&state, row) }))
}

#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct VersionsQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub(super) workspace_id: Option<i64>,
    /// Only versions of this media type.
    pub(super) mime_type: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDatasetVersionsResponse {
    versions: Vec<DatasetVersionDto>,
    total_size: i64,
}

/// The versions of a dataset, newest first.
#[utoipa::path(get, path = "/datasets/{datasetId}/versions", tag = "datasets", operation_id = "ListDatasetVersionsV2", security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), VersionsQuery), responses((status = 200, body = ListDatasetVersionsResponse), ReadErrors))]
pub(super) async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VersionsQuery>,
) -> ApiResult<Json<ListDatasetVersionsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::DATASET_READ).await?;
    find(&state, &scope, &id).await?;
    let rows = store::versions(&state.db, &scope, &id, q.mime_type.as_deref().filter(|m| !m.is_empty())).await?;
    let versions: Vec<DatasetVersionDto> = rows.into_iter().map(|v| version_dto(&state, v)).collect();
    Ok(Json(ListDatasetVersionsResponse { total_size: versions.len() as i64, versions }))
}

#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct LatestQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub(super) workspace_id: Option<i64>,
    /// Only versions of this media type.
    pub(super) mime_type: Option<String>,
    max: Option<i64>,
    offset: Option<i64>,
    /// Datasets whose name has this text (`*` wildcards).
    search: Option<String>,
}

/// The latest version of each visible dataset: what a launch form offers.
#[utoipa::path(get, path = "/datasets/versions", tag = "datasets", operation_id = "ListLatestDatasetVersionsV2", security(("BearerAuth" = [])),
    params(LatestQuery), responses((status = 200, body = ListDatasetVersionsResponse), ListErrors))]
pub(super) async fn latest_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LatestQuery>,
) -> ApiResult<Json<ListDatasetVersionsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::DATASET_READ).await?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let media = q.mime_type.as_deref().filter(|m| !m.is_empty());
    let search = q.search.as_deref().filter(|s| !s.is_empty());
    let (rows, total_size) = store::latest_versions(&state.db, &scope, media, search, max, offset).await?;
    Ok(Json(ListDatasetVersionsResponse { versions: rows.into_iter().map(|v| version_dto(&state, v)).collect(), total_size }))
}

/// The file of a dataset version, as it was uploaded. A disabled version is not served.
#[utoipa::path(get, path = "/datasets/{datasetId}/v/{version}/n/{fileName}", tag = "datasets", operation_id = "DownloadDatasetV2",
    security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), ("version" = String, Path, description = "Version number"),
        ("fileName" = String, Path, description = "The file's name"), WorkspaceParam),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>), ReadErrors))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file_name)): Path<(String, String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Response> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_READ).await?;
    let missing = || ApiError::not_found(format!("Dataset '{id}' has no version {version} named '{file_name}'"));
    let n: i32 = version.parse().map_err(|_| missing())?;
    let (name, media_type, disabled, content) = store::content(&state.db, &scope, &id, n).await?.ok_or_else(missing)?;
    if name != file_name {
        return Err(missing());
    }
    if disabled {
        return Err(ApiError::not_found(format!("Version {n} of dataset '{id}' is disabled")));
    }
    let disposition = format!("attachment; filename=\"{}\"", name.replace(['"', '\\'], "_"));
    Response::builder()
        .header(header::CONTENT_TYPE, media_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(Body::from(content))
        .map_err(|e| ApiError::from(anyhow::Error::from(e)))
}

/// Disables a version for good: it is no longer served or offered to launches.
#[utoipa::path(post, path = "/datasets/{datasetId}/versions/{version}/disable", tag = "datasets", operation_id = "DisableDatasetVersion",
    security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), ("version" = i64, Path, description = "Version number"), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn disable_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_WRITE).await?;
    let missing = || ApiError::not_found(format!("Dataset '{id}' has no version {version}"));
    let n: i32 = version.parse().map_err(|_| missing())?;
    if !store::disable_version(&state.db, &scope, &id, n).await? {
        return Err(missing());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The dataset versions a launch's parameters named, for whoever may see its run.
#[utoipa::path(get, path = "/launch/{launchId}/datasets", tag = "datasets", operation_id = "ListLaunchDatasetVersions",
    security(("BearerAuth" = [])), params(("launchId" = String, Path, description = "Launch string identifier"), WorkspaceParam),
    responses((status = 200, body = ListDatasetVersionsResponse), ReadErrors))]
async fn launch_versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListDatasetVersionsResponse>> {
    let access = perm::require(&state.db, &caller, ws.workspace_id, perm::WORKFLOW_READ).await?;
    crate::store::launch::find(&state.db, &id)
        .await?
        .filter(|l| perm::can_view_run(&caller, &access, l.user_id, l.workspace_id))
        .ok_or_else(|| ApiError::not_found(format!("Launch '{id}' not found")))?;
    let versions: Vec<DatasetVersionDto> =
        store::launch_versions(&state.db, &id).await?.into_iter().map(|v| version_dto(&state, v)).collect();
    Ok(Json(ListDatasetVersionsResponse { total_size: versions.len() as i64, versions }))
}
