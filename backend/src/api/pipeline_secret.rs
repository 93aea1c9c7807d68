//! Pipeline secrets: `GET/POST /pipeline-secrets`, `GET/PUT/DELETE /pipeline-secrets/{secretId}`
//! and `GET /pipeline-secrets/validate`. Without `workspaceId`, the caller's own (user) secrets.
//! A value is write-only: sealed at rest and never part of an answer; Nextflow reads it as
//! `secrets.NAME` in the runs Tower launches.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use zeroize::Zeroizing;

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::credentials::{check_secret_name, SealedKind};
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::is_unique_violation;
use crate::store::pipeline_secret::{self as store, CreateError, SecretRow};

/// The longest value: a key file or a JSON document fits; a data set does not.
const MAX_VALUE: usize = 65_536;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(validate_name)).routes(routes!(describe, update, delete))
}

/// `PipelineSecret`: the name and dates of a secret, never its value.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineSecret {
    id: i64,
    #[schema(max_length = 100)]
    name: String,
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

impl From<SecretRow> for PipelineSecret {
    fn from(r: SecretRow) -> Self {
        PipelineSecret {
            id: r.id,
            name: r.name,
            last_used: r.last_used,
            date_created: Some(r.date_created),
            last_updated: Some(r.last_updated),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPipelineSecretsResponse {
    pipeline_secrets: Vec<PipelineSecret>,
    total_size: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribePipelineSecretResponse {
    pipeline_secret: PipelineSecret,
}

#[derive(Deserialize, ToSchema)]
pub struct CreatePipelineSecretRequest {
    name: Option<String>,
    /// Write-only.
    #[schema(value_type = Option<String>, write_only)]
    value: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePipelineSecretResponse {
    secret_id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdatePipelineSecretRequest {
    /// Write-only.
    #[schema(value_type = Option<String>, write_only)]
    value: Option<Value>,
}

/// The value of a request, checked without ever quoting it; wiped when dropped.
fn secret_value(value: Option<Value>) -> ApiResult<Zeroizing<String>> {
    match value {
        Some(Value::String(s)) => {
            let s = Zeroizing::new(s);
            if s.is_empty() {
                Err(ApiError::bad_request("value must not be empty"))
            } else if s.len() > MAX_VALUE {
                Err(ApiError::bad_request(format!("value is longer than {MAX_VALUE} bytes")))
            } else {
                Ok(s)
            }
        }
        None | Some(Value::Null) => Err(ApiError::bad_request("value is required")),
        Some(_) => Err(ApiError::bad_request("value must be a string")),
    }
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("A secret named '{name}' already exists in this workspace"))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Secret '{id}' not found"))
}

async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<SecretRow> {
    let n: i64 = id.parse().map_err(|_| not_found(id))?;
    store::find(&state.db, scope, n).await?.ok_or_else(|| not_found(id))
}

/// The secrets of a workspace (or the caller's own), by name.
#[utoipa::path(get, path = "/pipeline-secrets", tag = "pipeline-secrets", operation_id = "ListPipelineSecrets", security(("BearerAuth" = [])),
    params(WorkspaceParam), responses((status = 200, body = ListPipelineSecretsResponse), ListErrors))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListPipelineSecretsResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_SECRET_READ).await?;
    let rows = store::list(&state.db, &scope).await?;
    Ok(Json(ListPipelineSecretsResponse { total_size: rows.len() as i64, pipeline_secrets: rows.into_iter().map(Into::into).collect() }))
}

/// Stores a secret; its value is sealed and never answered.
#[utoipa::path(post, path = "/pipeline-secrets", tag = "pipeline-secrets", operation_id = "CreatePipelineSecret", security(("BearerAuth" = [])),
    params(WorkspaceParam), request_body = CreatePipelineSecretRequest,
    responses((status = 200, body = CreatePipelineSecretResponse), CreateErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreatePipelineSecretRequest>,
) -> ApiResult<Json<CreatePipelineSecretResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_SECRET_WRITE).await?;
    let name = req.name.unwrap_or_default();
    check_secret_name(&name).map_err(ApiError::BadRequest)?;
    let value = secret_value(req.value)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    let keyring = &state.keyring;
    let seal = |id: i64| keyring.seal(value.as_bytes(), &SealedKind::PipelineSecret.aad(&id.to_string()));
    let id = match store::create(&state.db, &scope, caller.user.id, ws.workspace_id, &name, seal, now_millis()).await {
        Ok(id) => id,
        Err(CreateError::Db(e)) if is_unique_violation(&e) => return Err(taken(&name)),
        Err(CreateError::Db(e)) => return Err(e.into()),
        Err(CreateError::Crypto(e)) => return Err(e.into()),
    };
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, secret_id = id, "pipeline secret created");
    Ok(Json(CreatePipelineSecretResponse { secret_id: id }))
}

/// Whether a name is valid and free for a new secret: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/pipeline-secrets/validate", tag = "pipeline-secrets", operation_id = "ValidatePipelineSecretName", security(("BearerAuth" = [])),
    params(NameParam), responses((status = 204), CreateErrors))]
async fn validate_name(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<NameParam>) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::PIPELINE_SECRET_WRITE).await?;
    let name = q.name.unwrap_or_default();
    check_secret_name(&name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

const SECRET_ID: &str = "Secret numeric identifier";

/// The name and dates of one secret.
#[utoipa::path(get, path = "/pipeline-secrets/{secretId}", tag = "pipeline-secrets", operation_id = "DescribePipelineSecret", security(("BearerAuth" = [])),
    params(("secretId" = i64, Path, description = SECRET_ID), WorkspaceParam),
    responses((status = 200, body = DescribePipelineSecretResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribePipelineSecretResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_SECRET_READ).await?;
    Ok(Json(DescribePipelineSecretResponse { pipeline_secret: find(&state, &scope, &id).await?.into() }))
}

/// Replaces the value of a secret.
#[utoipa::path(put, path = "/pipeline-secrets/{secretId}", tag = "pipeline-secrets", operation_id = "UpdatePipelineSecret", security(("BearerAuth" = [])),
    params(("secretId" = i64, Path, description = SECRET_ID), WorkspaceParam), request_body = UpdatePipelineSecretRequest,
    responses((status = 204), ReadErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdatePipelineSecretRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_SECRET_WRITE).await?;
    let row = find(&state, &scope, &id).await?;
    let value = secret_value(req.value)?;
    let sealed = state.keyring.seal(value.as_bytes(), &SealedKind::PipelineSecret.aad(&row.id.to_string()))?;
    if !store::update(&state.db, &scope, row.id, &sealed, now_millis()).await? {
        return Err(not_found(&id));
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, secret_id = row.id, "pipeline secret updated");
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a secret and its sealed value.
#[utoipa::path(delete, path = "/pipeline-secrets/{secretId}", tag = "pipeline-secrets", operation_id = "DeletePipelineSecret", security(("BearerAuth" = [])),
    params(("secretId" = i64, Path, description = SECRET_ID), WorkspaceParam),
    responses((status = 204), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::PIPELINE_SECRET_DELETE).await?;
    let row = find(&state, &scope, &id).await?;
    if !store::delete(&state.db, &scope, row.id).await? {
        return Err(not_found(&id));
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = ws.workspace_id, secret_id = row.id, "pipeline secret deleted");
    Ok(StatusCode::NO_CONTENT)
}
