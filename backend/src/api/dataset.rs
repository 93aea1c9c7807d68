//! Datasets, Seqera shapes: `GET/POST/DELETE /datasets`, `GET /datasets/{datasetId}/metadata`,
//! `PUT/DELETE /datasets/{datasetId}`, `POST /datasets/hide|show` and
//! `POST /datasets/labels/add|remove|apply`; their versions are [`super::dataset_version`].
//! Without `workspaceId`, the caller's own.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::label::LabelDto;
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::names::check_name;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::dataset::{self as store, DatasetRow, NewDataset, Visibility};
use crate::store::is_unique_violation;
use crate::store::label::{Association, Labelled};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, delete_many))
        .routes(routes!(describe))
        .routes(routes!(update, delete))
        .routes(routes!(hide))
        .routes(routes!(show))
        .routes(routes!(add_labels))
        .routes(routes!(remove_labels))
        .routes(routes!(apply_labels))
}

/// `UserInfo`: who made or changed a dataset.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DatasetUserInfo)]
pub struct UserInfo {
    id: i64,
    user_name: Option<String>,
}

/// `DatasetDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetDto {
    id: String,
    name: String,
    description: Option<String>,
    /// The media type of its latest version (`text/csv`, `text/tab-separated-values`).
    media_type: Option<String>,
    /// Always `UPLOADED`: linked datasets are not served.
    source_type: &'static str,
    hidden: bool,
    deleted: bool,
    /// Its latest version; 0 before the first upload.
    version: i64,
    workspace_id: Option<i64>,
    user: UserInfo,
    labels: Vec<LabelDto>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

fn dto(r: DatasetRow, labels: Vec<LabelDto>) -> DatasetDto {
    DatasetDto {
        id: r.id,
        name: r.name,
        description: r.description,
        media_type: r.media_type,
        source_type: "UPLOADED",
        hidden: r.hidden,
        deleted: false,
        version: r.last_version.into(),
        workspace_id: r.workspace_id,
        user: UserInfo { id: r.user_id, user_name: r.user_name },
        labels,
        date_created: Some(r.date_created),
        last_updated: Some(r.last_updated),
    }
}

/// The datasets with their labels, read in one query.
async fn dtos(state: &AppState, rows: Vec<DatasetRow>) -> ApiResult<Vec<DatasetDto>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut labels = crate::store::label::attached(&state.db, Labelled::Datasets(&ids)).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut labels).into_iter().partition(|(id, _)| *id == r.id);
            labels = rest;
            dto(r, mine.into_iter().map(|(_, l)| LabelDto::from(l)).collect())
        })
        .collect())
}

pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Dataset '{id}' not found"))
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("A dataset named '{name}' already exists here"))
}

pub(super) async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<DatasetRow> {
    store::find(&state.db, scope, id).await?.ok_or_else(|| not_found(id))
}

fn check_description(description: Option<&str>) -> ApiResult<()> {
    match description {
        Some(d) if d.chars().count() > 1000 => Err(ApiError::bad_request("description: at most 1000 characters")),
        _ => Ok(()),
    }
}

#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub(super) workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    /// Free text over name and description (`*` wildcards).
    search: Option<String>,
    /// `name` (default) or `modified` (newest change first).
    sort_by: Option<String>,
    /// Accepted for compatibility: the order follows `sortBy`.
    sort_dir: Option<String>,
    /// `visible` (default), `hidden` or `all`.
    visibility: Option<String>,
    /// Accepted for compatibility: datasets always carry their labels.
    attributes: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDatasetsResponse {
    datasets: Vec<DatasetDto>,
    total_size: i64,
}

/// The datasets of a workspace.
#[utoipa::path(get, path = "/datasets", tag = "datasets", operation_id = "ListDatasetsV2", security(("BearerAuth" = [])),
    params(ListQuery), responses((status = 200, body = ListDatasetsResponse), ListErrors))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListDatasetsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::DATASET_READ).await?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let visibility = match q.visibility.as_deref().unwrap_or("visible") {
        "visible" => Visibility::Visible,
        "hidden" => Visibility::Hidden,
        "all" => Visibility::All,
        v => return Err(ApiError::bad_request(format!("visibility must be visible, hidden or all (got '{v}')"))),
    };
    let by_modified = match q.sort_by.as_deref().unwrap_or("name") {
        "name" => false,
        "modified" | "lastUpdated" => true,
        s => return Err(ApiError::bad_request(format!("sortBy must be name or modified (got '{s}')"))),
    };
    let _ = (q.sort_dir, q.attributes);
    let search = q.search.as_deref().filter(|s| !s.is_empty());
    let (rows, total_size) = store::list(&state.db, &scope, search, visibility, by_modified, max, offset).await?;
    Ok(Json(ListDatasetsResponse { datasets: dtos(&state, rows).await?, total_size }))
}

/// `CreateDatasetRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateDatasetRequest {
    name: Option<String>,
    description: Option<String>,
    /// `UPLOADED` (the default); `LINKED` datasets are not served.
    source_type: Option<String>,
}

/// `CreateDatasetResponse` and `DescribeDatasetResponse`.
#[derive(Serialize, ToSchema)]
pub struct DatasetResponse {
    dataset: DatasetDto,
}

/// Creates a dataset; its content comes with `POST /datasets/{datasetId}/upload`.
#[utoipa::path(post, path = "/datasets", tag = "datasets", operation_id = "CreateDatasetV2", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = CreateDatasetRequest, responses((status = 200, body = DatasetResponse), CreateErrors))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreateDatasetRequest>,
) -> ApiResult<Json<DatasetResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_WRITE).await?;
    let name = req.name.unwrap_or_default();
    check_name("dataset", &name).map_err(ApiError::BadRequest)?;
    check_description(req.description.as_deref())?;
    if let Some(t) = req.source_type.as_deref().filter(|t| *t != "UPLOADED") {
        return Err(ApiError::bad_request(format!("sourceType '{t}' is not supported: datasets are UPLOADED")));
    }
    let id = crate::domain::ids::random_base62(22);
    let new = NewDataset {
        id: &id,
        scope: &scope,
        user_id: caller.user.id,
        workspace_id: ws.workspace_id,
        name: &name,
        description: req.description.as_deref(),
    };
    match store::create(&state.db, &new, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    let row = find(&state, &scope, &id).await?;
    Ok(Json(DatasetResponse { dataset: dto(row, Vec::new()) }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetIdsRequest {
    #[serde(default)]
    dataset_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeleteDatasetsResponse {
    /// The datasets deleted.
    success: Vec<String>,
    /// The ones that were not there.
    failed: Vec<String>,
}

/// Deletes several datasets with their versions.
#[utoipa::path(delete, path = "/datasets", tag = "datasets", operation_id = "DeleteDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = DatasetIdsRequest, responses((status = 200, body = DeleteDatasetsResponse), ListErrors))]
async fn delete_many(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<DatasetIdsRequest>,
) -> ApiResult<Json<DeleteDatasetsResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_DELETE).await?;
    if req.dataset_ids.is_empty() {
        return Err(ApiError::bad_request("datasetIds must name at least one dataset"));
    }
    let success = store::delete(&state.db, &scope, &req.dataset_ids).await?;
    let failed = req.dataset_ids.into_iter().filter(|id| !success.contains(id)).collect();
    Ok(Json(DeleteDatasetsResponse { success, failed }))
}

pub(super) const DATASET_ID: &str = "Dataset string identifier";

/// A dataset, with its labels.
#[utoipa::path(get, path = "/datasets/{datasetId}/metadata", tag = "datasets", operation_id = "DescribeDatasetV2", security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), WorkspaceParam), responses((status = 200, body = DatasetResponse), ReadErrors))]
pub(super) async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DatasetResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_READ).await?;
    let row = find(&state, &scope, &id).await?;
    Ok(Json(DatasetResponse { dataset: dtos(&state, vec![row]).await?.remove(0) }))
}

/// `UpdateDatasetRequest`: fields left out keep their value.
#[derive(Deserialize, ToSchema)]
pub struct UpdateDatasetRequest {
    name: Option<String>,
    description: Option<String>,
}

/// Renames or re-describes a dataset.
#[utoipa::path(put, path = "/datasets/{datasetId}", tag = "datasets", operation_id = "UpdateDatasetV2", security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), WorkspaceParam), request_body = UpdateDatasetRequest,
    responses((status = 204), UpdateErrors))]
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateDatasetRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let name = req.name.unwrap_or(row.name);
    check_name("dataset", &name).map_err(ApiError::BadRequest)?;
    let description = req.description.or(row.description);
    check_description(description.as_deref())?;
    match store::update(&state.db, &scope, &id, &name, description.as_deref(), caller.user.id, now_millis()).await {
        Err(e) if is_unique_violation(&e) => Err(taken(&name)),
        r => r.map(|_| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}

/// Deletes a dataset with its versions.
#[utoipa::path(delete, path = "/datasets/{datasetId}", tag = "datasets", operation_id = "DeleteDatasetV2", security(("BearerAuth" = [])),
    params(("datasetId" = String, Path, description = DATASET_ID), WorkspaceParam), responses((status = 204), ReadErrors))]
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_DELETE).await?;
    if store::delete(&state.db, &scope, std::slice::from_ref(&id)).await?.is_empty() {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_hidden(state: AppState, caller: Caller, ws: WorkspaceParam, req: DatasetIdsRequest, hidden: bool) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_WRITE).await?;
    for id in &req.dataset_ids {
        find(&state, &scope, id).await?;
    }
    store::set_hidden(&state.db, &scope, &req.dataset_ids, hidden, now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides datasets from lists and launch forms (`visibility=hidden|all` still lists them).
#[utoipa::path(post, path = "/datasets/hide", tag = "datasets", operation_id = "HideDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = DatasetIdsRequest, responses((status = 204), ReadErrors))]
async fn hide(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<DatasetIdsRequest>,
) -> ApiResult<StatusCode> {
    set_hidden(state, caller, ws, req, true).await
}

/// Shows hidden datasets again.
#[utoipa::path(post, path = "/datasets/show", tag = "datasets", operation_id = "ShowDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = DatasetIdsRequest, responses((status = 204), ReadErrors))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<DatasetIdsRequest>,
) -> ApiResult<StatusCode> {
    set_hidden(state, caller, ws, req, false).await
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssociateDatasetsLabelsRequest {
    #[serde(default)]
    dataset_ids: Vec<String>,
    #[serde(default)]
    label_ids: Vec<i64>,
}

/// Checks every dataset and label before changing anything, then changes all in one transaction.
async fn associate(
    state: AppState,
    caller: Caller,
    ws: WorkspaceParam,
    req: AssociateDatasetsLabelsRequest,
    how: Association,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::DATASET_WRITE).await?;
    if req.dataset_ids.is_empty() {
        return Err(ApiError::bad_request("datasetIds must name at least one dataset"));
    }
    for id in &req.dataset_ids {
        find(&state, &scope, id).await?;
    }
    super::label::check_labels(&state, &caller, ws.workspace_id, &req.label_ids).await?;
    crate::store::label::associate(&state.db, how, Labelled::Datasets(&req.dataset_ids), &req.label_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Attaches labels to datasets, keeping the ones they have.
#[utoipa::path(post, path = "/datasets/labels/add", tag = "labels", operation_id = "AddLabelsToDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateDatasetsLabelsRequest, responses((status = 204), ReadErrors))]
async fn add_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateDatasetsLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Add).await
}

/// Detaches labels from datasets.
#[utoipa::path(post, path = "/datasets/labels/remove", tag = "labels", operation_id = "RemoveLabelsFromDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateDatasetsLabelsRequest, responses((status = 204), ReadErrors))]
async fn remove_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateDatasetsLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Remove).await
}

/// Replaces the labels of datasets with exactly these.
#[utoipa::path(post, path = "/datasets/labels/apply", tag = "labels", operation_id = "ApplyLabelsToDatasets", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = AssociateDatasetsLabelsRequest, responses((status = 204), ReadErrors))]
async fn apply_labels(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateDatasetsLabelsRequest>,
) -> ApiResult<StatusCode> {
    associate(state, caller, ws, req, Association::Apply).await
}
