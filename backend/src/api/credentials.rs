//! Credentials: `GET/POST /credentials`, `GET/PUT/DELETE /credentials/{credentialsId}`,
//! `GET /credentials/validate` and `GET /credentials/{credentialsId}/keys`. The secret key
//! fields are write-only: sealed at rest (`domain::crypto`) and never part of an answer.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::schema::{Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery, NameParam, WorkspaceParam};
use super::scope;
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::credentials::{self as rules, SealedKind, SecretFields, PROVIDERS};
use crate::domain::names::check_name;
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::credentials::{self as store, CredentialsRow, Fields, Owner};
use crate::store::is_unique_violation;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(validate_name))
        .routes(routes!(describe, update, delete))
        .routes(routes!(keys))
}

/// `SecurityKeys`: the key fields of one provider, chosen by `discriminator`. In an answer, only
/// the fields that are not secret.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecurityKeys(pub Map<String, Value>);

impl PartialSchema for SecurityKeys {
    fn schema() -> RefOr<Schema> {
        let mut discriminator = Discriminator::new("discriminator");
        let mut one_of = OneOfBuilder::new();
        for p in PROVIDERS {
            discriminator.mapping.insert(p.id.into(), format!("#/components/schemas/{}", p.schema));
            one_of = one_of.item(Ref::from_schema_name(p.schema));
        }
        one_of.discriminator(Some(discriminator)).description(Some("Secret material; the subtype is chosen by `discriminator` (the credentials provider). Secret fields are write-only: never answered.")).into()
    }
}

impl ToSchema for SecurityKeys {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for p in PROVIDERS {
            // The discriminator names its one provider, so that exactly one subtype matches.
            let discriminator = ObjectBuilder::new().schema_type(Type::String).enum_values(Some([p.id]));
            let mut o = ObjectBuilder::new().title(Some(p.title)).property("discriminator", discriminator).required("discriminator");
            for f in p.public {
                o = o.property(*f, ObjectBuilder::new().schema_type(Type::String));
            }
            for f in p.secret {
                o = o.property(*f, ObjectBuilder::new().schema_type(Type::String).write_only(Some(true)));
            }
            schemas.push((p.schema.into(), o.into()));
        }
    }
}

/// `Credentials`: what a client sends to create or update (read-only fields are ignored) and
/// what it reads back (without secret key fields).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    #[schema(max_length = 22)]
    pub id: Option<String>,
    #[schema(max_length = 100)]
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(max_length = 16)]
    pub provider: Option<String>,
    #[schema(max_length = 200)]
    pub base_url: Option<String>,
    #[schema(max_length = 20)]
    pub category: Option<String>,
    pub keys: Option<SecurityKeys>,
    /// `AVAILABLE` or `INVALID`.
    #[schema(read_only)]
    pub status: Option<String>,
    #[schema(read_only)]
    pub message: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    pub deleted: bool,
    #[serde(default, with = "opt_datetime", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, read_only)]
    pub last_used: Option<i64>,
    #[serde(default, with = "opt_datetime", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, read_only)]
    pub last_validated: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime, read_only)]
    pub date_created: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime, read_only)]
    pub last_updated: Option<i64>,
}

impl From<CredentialsRow> for Credentials {
    fn from(r: CredentialsRow) -> Self {
        let mut keys: Map<String, Value> = serde_json::from_str(&r.public_keys).unwrap_or_default();
        keys.insert("discriminator".into(), Value::String(r.provider.clone()));
        Credentials {
            id: Some(r.id),
            name: Some(r.name),
            description: r.description,
            provider: Some(r.provider),
            base_url: r.base_url,
            category: r.category,
            keys: Some(SecurityKeys(keys)),
            status: Some(r.status),
            message: r.message,
            deleted: false,
            last_used: r.last_used,
            last_validated: r.last_validated,
            date_created: Some(r.date_created),
            last_updated: Some(r.last_updated),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateCredentialsRequest {
    credentials: Option<Credentials>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCredentialsResponse {
    credentials_id: String,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateCredentialsRequest {
    credentials: Option<Credentials>,
}

#[derive(Serialize, ToSchema)]
pub struct ListCredentialsResponse {
    credentials: Vec<Credentials>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribeCredentialsResponse {
    credentials: Credentials,
}

#[derive(Serialize, ToSchema)]
pub struct GetCredentialsKeysResponse {
    /// The key fields as JSON, sealed for the caller: base64 of nonce, AES-256-GCM ciphertext and
    /// tag, with the key HKDF-SHA256(salt = `pairingId`, input = the caller's access token, info =
    /// `tower credentials keys`) and the credentials id as associated data.
    keys: String,
}

async fn find(state: &AppState, scope: &str, id: &str) -> ApiResult<CredentialsRow> {
    store::find(&state.db, scope, id).await?.ok_or_else(|| ApiError::not_found(format!("Credentials '{id}' not found")))
}

fn taken(name: &str) -> ApiError {
    ApiError::conflict(format!("Credentials named '{name}' already exist in this workspace"))
}

/// Checks the plain fields a client may set.
fn check_fields(c: &Credentials) -> ApiResult<()> {
    if let Some(url) = c.base_url.as_deref().filter(|u| !u.is_empty()) {
        let ok = url.len() <= 200 && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(ApiError::bad_request("credentials.baseUrl must be an http:// or https:// URL of at most 200 characters"));
        }
    }
    if c.category.as_deref().is_some_and(|v| v.len() > 20) {
        return Err(ApiError::bad_request("credentials.category must be at most 20 characters"));
    }
    if c.description.as_deref().is_some_and(|v| v.len() > 1000) {
        return Err(ApiError::bad_request("credentials.description must be at most 1000 characters"));
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// Only the credentials a compute platform uses (e.g. `slurm-platform`: SSH credentials).
    platform_id: Option<String>,
}

/// The credentials of a workspace (or of the caller's personal context), by name.
#[utoipa::path(get, path = "/credentials", tag = "credentials", operation_id = "ListCredentials", security(("BearerAuth" = [])),
    params(ListQuery), responses((status = 200, body = ListCredentialsResponse), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<ListCredentialsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_READ).await?;
    let providers = match q.platform_id.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(rules::providers_for_platform(p).ok_or_else(|| ApiError::bad_request(format!("Unknown platformId '{p}'")))?),
    };
    let rows = store::list(&state.db, &scope, providers).await?;
    Ok(Json(ListCredentialsResponse { credentials: rows.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct WriteQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// AWS credentials with an IAM role: let Tower generate the role's External ID.
    use_external_id: Option<bool>,
}

/// Gives AWS credentials with a role a Tower-made External ID, when asked to.
fn external_id(provider: &str, use_external_id: bool, public: &mut Map<String, Value>) -> ApiResult<()> {
    if !use_external_id {
        return Ok(());
    }
    if provider != "aws" || !public.contains_key("assumeRoleArn") {
        return Err(ApiError::bad_request("useExternalId needs AWS credentials with credentials.keys.assumeRoleArn"));
    }
    public.entry("externalId").or_insert_with(|| Value::String(crate::domain::ids::random_hex(16)));
    Ok(())
}

/// Stores new credentials; the secret key fields are sealed, the others kept as given.
#[utoipa::path(post, path = "/credentials", tag = "credentials", operation_id = "CreateCredentials", security(("BearerAuth" = [])),
    params(WriteQuery), request_body = CreateCredentialsRequest,
    responses((status = 200, body = CreateCredentialsResponse), CreateErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<WriteQuery>,
    ApiJson(req): ApiJson<CreateCredentialsRequest>,
) -> ApiResult<Json<CreateCredentialsResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_WRITE).await?;
    let c = req.credentials.ok_or_else(|| ApiError::bad_request("credentials is required"))?;
    let name = c.name.clone().unwrap_or_default();
    check_name("credentials", &name).map_err(ApiError::BadRequest)?;
    let provider = rules::provider(c.provider.as_deref().unwrap_or_default()).map_err(ApiError::BadRequest)?;
    check_fields(&c)?;
    let keys = c.keys.ok_or_else(|| ApiError::bad_request("credentials.keys is required"))?;
    let (mut public, secret) = rules::split_keys(provider, keys.0, None).map_err(ApiError::BadRequest)?;
    external_id(provider.id, q.use_external_id.unwrap_or(false), &mut public)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    let id = crate::domain::ids::random_base62(22);
    let sealed = state.keyring.seal(secret.to_json().as_bytes(), &SealedKind::Credentials.aad(&id))?;
    let public = Value::Object(public).to_string();
    let fields = Fields {
        name: &name,
        base_url: c.base_url.as_deref().filter(|u| !u.is_empty()),
        category: c.category.as_deref(),
        description: c.description.as_deref(),
        public_keys: &public,
        sealed: &sealed,
    };
    let owner = Owner { scope: &scope, user_id: caller.user.id, workspace_id: q.workspace_id };
    match store::create(&state.db, &id, &owner, provider.id, &fields, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = q.workspace_id, credentials_id = %id, provider = provider.id, "credentials created");
    Ok(Json(CreateCredentialsResponse { credentials_id: id }))
}

/// Whether a name is valid and free for new credentials: 204, or 400 (invalid) or 409 (taken).
#[utoipa::path(get, path = "/credentials/validate", tag = "credentials", operation_id = "ValidateCredentialsName", security(("BearerAuth" = [])),
    params(NameParam), responses((status = 204), CreateErrors))]
async fn validate_name(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<NameParam>) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_WRITE).await?;
    let name = q.name.unwrap_or_default();
    check_name("credentials", &name).map_err(ApiError::BadRequest)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some() {
        return Err(taken(&name));
    }
    Ok(StatusCode::NO_CONTENT)
}

const CREDENTIALS_ID: &str = "Credentials string identifier";

/// One credentials, without its secret key fields.
#[utoipa::path(get, path = "/credentials/{credentialsId}", tag = "credentials", operation_id = "DescribeCredentials", security(("BearerAuth" = [])),
    params(("credentialsId" = String, Path, description = CREDENTIALS_ID), WorkspaceParam),
    responses((status = 200, body = DescribeCredentialsResponse), ReadErrors))]
async fn describe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeCredentialsResponse>> {
    let scope = scope(&state, &caller, ws.workspace_id, perm::CREDENTIALS_READ).await?;
    Ok(Json(DescribeCredentialsResponse { credentials: find(&state, &scope, &id).await?.into() }))
}

/// The stored secret key fields of credentials, opened.
async fn open_secret(state: &AppState, scope: &str, id: &str) -> ApiResult<SecretFields> {
    let sealed = store::sealed(&state.db, scope, id).await?.ok_or_else(|| ApiError::not_found(format!("Credentials '{id}' not found")))?;
    let plain = state.keyring.open(&sealed, &SealedKind::Credentials.aad(id))?;
    SecretFields::from_json(&plain)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the stored keys of credentials {id} are not a JSON object")))
}

/// Changes credentials. `keys` replaces the fields that are not secret; a secret field left out
/// (or empty) keeps its stored value, so an edit form need not, and cannot, show it.
#[utoipa::path(put, path = "/credentials/{credentialsId}", tag = "credentials", operation_id = "UpdateCredentials", security(("BearerAuth" = [])),
    params(("credentialsId" = String, Path, description = CREDENTIALS_ID), WriteQuery), request_body = UpdateCredentialsRequest,
    responses((status = 204), UpdateErrors))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<WriteQuery>,
    ApiJson(req): ApiJson<UpdateCredentialsRequest>,
) -> ApiResult<StatusCode> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_WRITE).await?;
    let old = find(&state, &scope, &id).await?;
    let c = req.credentials.ok_or_else(|| ApiError::bad_request("credentials is required"))?;
    let provider = rules::provider(&old.provider).map_err(ApiError::BadRequest)?;
    if c.provider.as_deref().is_some_and(|p| p != old.provider) {
        return Err(ApiError::bad_request(format!("credentials.provider cannot change (these are {} credentials)", old.provider)));
    }
    let name = c.name.clone().unwrap_or_else(|| old.name.clone());
    check_name("credentials", &name).map_err(ApiError::BadRequest)?;
    check_fields(&c)?;
    let kept = open_secret(&state, &scope, &id).await?;
    let (mut public, secret) = match c.keys {
        Some(keys) => rules::split_keys(provider, keys.0, Some(kept)).map_err(ApiError::BadRequest)?,
        None => (serde_json::from_str(&old.public_keys).unwrap_or_default(), kept),
    };
    external_id(provider.id, q.use_external_id.unwrap_or(false), &mut public)?;
    if store::find_by_name(&state.db, &scope, &name).await?.is_some_and(|other| other.id != id) {
        return Err(taken(&name));
    }
    let sealed = state.keyring.seal(secret.to_json().as_bytes(), &SealedKind::Credentials.aad(&id))?;
    let public = Value::Object(public).to_string();
    let fields = Fields {
        name: &name,
        base_url: c.base_url.as_deref().or(old.base_url.as_deref()).filter(|u| !u.is_empty()),
        category: c.category.as_deref().or(old.category.as_deref()),
        description: c.description.as_deref().or(old.description.as_deref()),
        public_keys: &public,
        sealed: &sealed,
    };
    match store::update(&state.db, &scope, &id, &fields, now_millis()).await {
        Err(e) if is_unique_violation(&e) => return Err(taken(&name)),
        r => r?,
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = q.workspace_id, credentials_id = %id, "credentials updated");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// Refuse (409) while something uses the credentials.
    checked: Option<bool>,
}

/// `DeleteCredentialsConflictResponse.Conflict`: something that uses the credentials.
#[derive(Serialize, ToSchema)]
#[schema(as = DeleteCredentialsConflictResponse_Conflict)]
pub struct Conflict {
    /// `compute_env`.
    #[serde(rename = "type")]
    kind: String,
    id: String,
    name: String,
    url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteCredentialsConflictResponse {
    credentials_id: String,
    conflicts: Vec<Conflict>,
    /// What uses the credentials, in words (for clients that show `message`).
    message: String,
}

/// Deletes credentials and their sealed keys. With `checked=true`, credentials that a compute
/// environment uses are kept, and the answer (409) lists what uses them; without it they are
/// deleted, and those compute environments fail their next check saying so.
#[utoipa::path(delete, path = "/credentials/{credentialsId}", tag = "credentials", operation_id = "DeleteCredentials", security(("BearerAuth" = [])),
    params(("credentialsId" = String, Path, description = CREDENTIALS_ID), DeleteQuery),
    responses((status = 204), (status = 409, body = DeleteCredentialsConflictResponse), ReadErrors))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<Response> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_DELETE).await?;
    find(&state, &scope, &id).await?;
    if q.checked == Some(true) {
        let users = crate::store::compute_env::using_credentials(&state.db, &id).await?;
        if !users.is_empty() {
            let ws = q.workspace_id.map(|w| format!("/ws/{w}")).unwrap_or_default();
            let names: Vec<String> = users.iter().map(|(_, name)| format!("'{name}'")).collect();
            let message =
                format!("These credentials are used by the compute environment(s) {}: change or delete those first", names.join(", "));
            let conflicts = users
                .into_iter()
                .map(|(ce, name)| Conflict {
                    kind: "compute_env".into(),
                    url: format!("{}{ws}/compute-envs/{ce}", state.config.server_url),
                    id: ce,
                    name,
                })
                .collect();
            return Ok(
                (StatusCode::CONFLICT, Json(DeleteCredentialsConflictResponse { credentials_id: id, conflicts, message })).into_response()
            );
        }
    }
    if !store::delete(&state.db, &scope, &id).await? {
        return Err(ApiError::not_found(format!("Credentials '{id}' not found")));
    }
    tracing::info!(target: "tower::audit", user_id = caller.user.id, workspace_id = q.workspace_id, credentials_id = %id, "credentials deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct KeysQuery {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    workspace_id: Option<i64>,
    /// The pairing the keys are sealed for (any string of 8 to 100 characters the caller chose).
    pairing_id: Option<String>,
}

/// The keys of credentials, for a launcher: every key field as JSON, sealed for the caller's
/// access token and `pairingId` (see `GetCredentialsKeysResponse`). Needs the right to launch
/// with the credentials and a personal access token; every read is logged for audit.
#[utoipa::path(get, path = "/credentials/{credentialsId}/keys", tag = "credentials", operation_id = "GetEncryptedCredentials", security(("BearerAuth" = [])),
    params(("credentialsId" = String, Path, description = CREDENTIALS_ID), KeysQuery),
    responses((status = 200, body = GetCredentialsKeysResponse), ReadErrors))]
async fn keys(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<KeysQuery>,
) -> ApiResult<Json<GetCredentialsKeysResponse>> {
    let scope = scope(&state, &caller, q.workspace_id, perm::CREDENTIALS_USE).await?;
    let pairing = q.pairing_id.unwrap_or_default();
    if !(8..=100).contains(&pairing.len()) {
        return Err(ApiError::bad_request("pairingId is required: 8 to 100 characters that the keys are sealed for"));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer") && caller.token_id.is_some())
        .map(|(_, t)| t.trim().to_string())
        .ok_or_else(|| ApiError::bad_request("Reading credential keys needs a personal access token sent as 'Authorization: Bearer <token>': the keys are sealed with it"))?;
    let row = find(&state, &scope, &id).await?;
    let secret = open_secret(&state, &scope, &id).await?;
    let mut all: Map<String, Value> = serde_json::from_str(&row.public_keys).unwrap_or_default();
    all.insert("discriminator".into(), Value::String(row.provider.clone()));
    for (k, v) in &secret.0 {
        all.insert(k.clone(), Value::String(v.to_string()));
    }
    let plain = zeroize::Zeroizing::new(serde_json::to_string(&all).map_err(anyhow::Error::from)?);
    all.values_mut().for_each(|v| {
        if let Value::String(s) = v {
            zeroize::Zeroize::zeroize(s);
        }
    });
    let sealed = crate::domain::crypto::seal_for_pairing(&token, &pairing, id.as_bytes(), plain.as_bytes());
    store::mark_used(&state.db, &id, now_millis()).await?;
    tracing::info!(target: "tower::audit", user_id = caller.user.id, token_id = caller.token_id, workspace_id = q.workspace_id, credentials_id = %id, "credentials keys read");
    Ok(Json(GetCredentialsKeysResponse { keys: sealed }))
}
