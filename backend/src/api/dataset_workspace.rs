//! The deprecated workspace-path variants of the dataset operations
//! (`/workspaces/{workspaceId}/datasets...`), which older clients still call: each is the
//! `/datasets` operation of [`super::dataset`] with the workspace taken from the path.
#![allow(deprecated)]

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::dataset::{self as current, CreateDatasetRequest, DatasetResponse, ListDatasetsResponse, ListQuery, UpdateDatasetRequest};
use super::dataset_version::{
    self as current_version, LatestQuery, ListDatasetVersionsResponse, MultiRequestFileSchema, UploadDatasetVersionResponse, UploadQuery,
    VersionsQuery,
};
use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(latest_versions))
        .routes(routes!(update, delete))
        .routes(routes!(describe))
        .routes(routes!(upload))
        .routes(routes!(versions))
}

const WORKSPACE_ID: &str = "Workspace numeric identifier";
const DATASET_ID: &str = "Dataset string identifier";

fn ws(id: i64) -> ApiQuery<WorkspaceParam> {
    ApiQuery(WorkspaceParam { workspace_id: Some(id) })
}

/// The datasets of a workspace (deprecated: `GET /datasets?workspaceId=`).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/datasets", tag = "datasets", operation_id = "ListDatasets",
    security(("BearerAuth" = [])), params(("workspaceId" = i64, Path, description = WORKSPACE_ID)),
    responses((status = 200, body = ListDatasetsResponse), ListErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn list(state: State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<ListDatasetsResponse>> {
    let mut q = ListQuery::default();
    q.workspace_id = Some(id);
    current::list(state, caller, ApiQuery(q)).await
}

/// Creates a dataset (deprecated: `POST /datasets?workspaceId=`).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/datasets", tag = "datasets", operation_id = "CreateDataset",
    security(("BearerAuth" = [])), params(("workspaceId" = i64, Path, description = WORKSPACE_ID)),
    request_body = CreateDatasetRequest, responses((status = 200, body = DatasetResponse), CreateErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn create(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    req: ApiJson<CreateDatasetRequest>,
) -> ApiResult<Json<DatasetResponse>> {
    current::create(state, caller, ws(id), req).await
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct MimeType {
    /// Only versions of this media type.
    mime_type: Option<String>,
}

/// The latest version of each dataset (deprecated: `GET /datasets/versions?workspaceId=`).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/datasets/versions", tag = "datasets", operation_id = "ListWorkspaceDatasetVersions",
    security(("BearerAuth" = [])), params(("workspaceId" = i64, Path, description = WORKSPACE_ID), MimeType),
    responses((status = 200, body = ListDatasetVersionsResponse), ListErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn latest_versions(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<MimeType>,
) -> ApiResult<Json<ListDatasetVersionsResponse>> {
    let mut latest = LatestQuery::default();
    (latest.workspace_id, latest.mime_type) = (Some(id), q.mime_type);
    current_version::latest_versions(state, caller, ApiQuery(latest)).await
}

/// Renames or re-describes a dataset (deprecated: `PUT /datasets/{datasetId}?workspaceId=`).
#[utoipa::path(put, path = "/workspaces/{workspaceId}/datasets/{datasetId}", tag = "datasets", operation_id = "UpdateDataset",
    security(("BearerAuth" = [])),
    params(("workspaceId" = i64, Path, description = WORKSPACE_ID), ("datasetId" = String, Path, description = DATASET_ID)),
    request_body = UpdateDatasetRequest, responses((status = 204), UpdateErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn update(
    state: State<AppState>,
    caller: Caller,
    Path((id, dataset)): Path<(i64, String)>,
    req: ApiJson<UpdateDatasetRequest>,
) -> ApiResult<StatusCode> {
    current::update(state, caller, Path(dataset), ws(id), req).await
}

/// Deletes a dataset (deprecated: `DELETE /datasets/{datasetId}?workspaceId=`).
#[utoipa::path(delete, path = "/workspaces/{workspaceId}/datasets/{datasetId}", tag = "datasets", operation_id = "DeleteDataset",
    security(("BearerAuth" = [])),
    params(("workspaceId" = i64, Path, description = WORKSPACE_ID), ("datasetId" = String, Path, description = DATASET_ID)),
    responses((status = 204), ReadErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn delete(state: State<AppState>, caller: Caller, Path((id, dataset)): Path<(i64, String)>) -> ApiResult<StatusCode> {
    current::delete(state, caller, Path(dataset), ws(id)).await
}

/// A dataset (deprecated: `GET /datasets/{datasetId}/metadata?workspaceId=`).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/datasets/{datasetId}/metadata", tag = "datasets", operation_id = "DescribeDataset",
    security(("BearerAuth" = [])),
    params(("workspaceId" = i64, Path, description = WORKSPACE_ID), ("datasetId" = String, Path, description = DATASET_ID)),
    responses((status = 200, body = DatasetResponse), ReadErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn describe(state: State<AppState>, caller: Caller, Path((id, dataset)): Path<(i64, String)>) -> ApiResult<Json<DatasetResponse>> {
    current::describe(state, caller, Path(dataset), ws(id)).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Header {
    /// Whether the file's first line names its columns.
    header: Option<bool>,
}

/// Uploads the next version of a dataset (deprecated: `POST /datasets/{datasetId}/upload?workspaceId=`).
#[utoipa::path(post, path = "/workspaces/{workspaceId}/datasets/{datasetId}/upload", tag = "datasets", operation_id = "UploadDataset",
    security(("BearerAuth" = [])),
    params(("workspaceId" = i64, Path, description = WORKSPACE_ID), ("datasetId" = String, Path, description = DATASET_ID), Header),
    request_body(content = MultiRequestFileSchema, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadDatasetVersionResponse), (status = 413, description = "The file is over 10 MB"), ReadErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn upload(
    state: State<AppState>,
    caller: Caller,
    Path((id, dataset)): Path<(i64, String)>,
    ApiQuery(h): ApiQuery<Header>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<UploadDatasetVersionResponse>> {
    current_version::upload(state, caller, Path(dataset), ApiQuery(UploadQuery { workspace_id: Some(id), header: h.header }), form).await
}

/// The versions of a dataset (deprecated: `GET /datasets/{datasetId}/versions?workspaceId=`).
#[utoipa::path(get, path = "/workspaces/{workspaceId}/datasets/{datasetId}/versions", tag = "datasets", operation_id = "ListDatasetVersions",
    security(("BearerAuth" = [])),
    params(("workspaceId" = i64, Path, description = WORKSPACE_ID), ("datasetId" = String, Path, description = DATASET_ID), MimeType),
    responses((status = 200, body = ListDatasetVersionsResponse), ReadErrors))]
#[deprecated = "use the /datasets operation with workspaceId"]
async fn versions(
    state: State<AppState>,
    caller: Caller,
    Path((id, dataset)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<MimeType>,
) -> ApiResult<Json<ListDatasetVersionsResponse>> {
    current_version::versions(state, caller, Path(dataset), ApiQuery(VersionsQuery { workspace_id: Some(id), mime_type: q.mime_type }))
        .await
}
