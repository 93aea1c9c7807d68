//! Labels: `GET/POST /labels`, `PUT/DELETE /labels/{labelId}`, and run labels with
//! `POST /workflow/labels/add|remove|apply`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, WorkspaceParam};
use super::workflow::authorize_run;
use crate::app::AppState;
use crate::auth::{authorize_workspace, Caller};
use crate::domain::time::{now_millis, opt_datetime};
use crate::error::{ApiError, ApiResult};
use crate::store::label::{self, Association, Label, Scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/labels", axum::routing::get(list).post(create))
        .route("/labels/{label_id}", put(update).delete(delete))
        .route("/workflow/labels/add", post(|s, c, q, b| associate(s, c, q, b, Association::Add)))
        .route("/workflow/labels/remove", post(|s, c, q, b| associate(s, c, q, b, Association::Remove)))
        .route("/workflow/labels/apply", post(|s, c, q, b| associate(s, c, q, b, Association::Apply)))
}

/// `LabelDbDto`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelDto {
    pub id: i64,
    pub name: String,
    pub value: Option<String>,
    pub resource: bool,
    pub is_default: bool,
    pub is_dynamic: bool,
    pub is_interpolated: bool,
    #[serde(with = "opt_datetime")]
    pub date_created: Option<i64>,
}

impl From<Label> for LabelDto {
    fn from(l: Label) -> Self {
        LabelDto {
            id: l.id,
            name: l.name,
            value: l.value,
            resource: l.resource,
            is_default: l.is_default,
            is_dynamic: false,
            is_interpolated: false,
            date_created: Some(l.date_created),
        }
    }
}

fn scope(caller: &Caller, workspace_id: Option<i64>) -> ApiResult<Scope> {
    authorize_workspace(caller, workspace_id)?;
    Ok(Scope { user_id: caller.user.id, workspace_id })
}

/// Label names and values: 2 to 39 letters and digits, with single `-` or `_` between them.
pub fn validate_label_part(what: &str, s: &str) -> Result<(), String> {
    let n = s.chars().count();
    let chars: Vec<char> = s.chars().collect();
    let ok = (2..=39).contains(&n)
        && chars.first().is_some_and(char::is_ascii_alphanumeric)
        && chars.last().is_some_and(char::is_ascii_alphanumeric)
        && chars.iter().all(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        && !chars.windows(2).any(|w| !w[0].is_ascii_alphanumeric() && !w[1].is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!("Invalid label {what} '{s}': use 2 to 39 letters or digits, with single '-' or '_' between them"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    workspace_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    search: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    is_default: Option<bool>,
}

async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult<Json<Value>> {
    let scope = scope(&caller, q.workspace_id)?;
    let resource = match q.kind.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("all") => None,
        Some("simple") => Some(false),
        Some("resource") => Some(true),
        Some(other) => return Err(ApiError::bad_request(format!("Unknown label type '{other}': use simple, resource or all"))),
    };
    let (max, offset) = super::paging(q.max, q.offset, 100)?;
    let f = label::ListFilter { search: q.search.as_deref().filter(|s| !s.is_empty()), resource, is_default: q.is_default, max, offset };
    let (labels, total) = label::list(&state.db, scope, &f).await?;
    let labels: Vec<LabelDto> = labels.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "labels": labels, "totalSize": total })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateLabelRequest {
    name: Option<String>,
    value: Option<String>,
    #[serde(default)]
    resource: bool,
    #[serde(default)]
    is_default: bool,
}

/// Creates a label, or returns the existing one with the same name and value.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<CreateLabelRequest>,
) -> ApiResult<Json<Value>> {
    let scope = scope(&caller, ws.workspace_id)?;
    let name = req.name.unwrap_or_default();
    validate_label_part("name", &name).map_err(ApiError::BadRequest)?;
    let value = req.value.filter(|v| !v.is_empty());
    match (&value, req.resource) {
        (Some(v), true) => validate_label_part("value", v).map_err(ApiError::BadRequest)?,
        (None, true) => return Err(ApiError::bad_request("A resource label needs a value")),
        (Some(_), false) => return Err(ApiError::bad_request("Only resource labels have a value")),
        (None, false) => {}
    }
    if label::find_by_name(&state.db, scope, &name, value.as_deref()).await?.is_none() {
        label::create(&state.db, scope, &name, value.as_deref(), req.resource, req.is_default, now_millis()).await?;
    }
    let l = label::find_by_name(&state.db, scope, &name, value.as_deref())
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("label vanished")))?;
    Ok(Json(json!({ "id": l.id, "name": l.name, "value": l.value, "resource": l.resource, "isDefault": l.is_default })))
}

async fn find_label(state: &AppState, scope: Scope, id: &str) -> ApiResult<Label> {
    let not_found = || ApiError::not_found(format!("Label '{id}' not found"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    label::find(&state.db, scope, id).await?.ok_or_else(not_found)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateLabelRequest {
    name: Option<String>,
    value: Option<String>,
    is_default: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<UpdateLabelRequest>,
) -> ApiResult<Json<Value>> {
    let scope = scope(&caller, ws.workspace_id)?;
    let l = find_label(&state, scope, &id).await?;
    let name = req.name.unwrap_or(l.name.clone());
    validate_label_part("name", &name).map_err(ApiError::BadRequest)?;
    let value = if l.resource { req.value.or(l.value.clone()) } else { None };
    if let Some(v) = &value {
        validate_label_part("value", v).map_err(ApiError::BadRequest)?;
    }
    if let Some(other) = label::find_by_name(&state.db, scope, &name, value.as_deref()).await? {
        if other.id != l.id {
            return Err(ApiError::conflict(format!("A label '{name}' already exists")));
        }
    }
    let is_default = req.is_default.unwrap_or(l.is_default);
    label::update(&state.db, l.id, &name, value.as_deref(), is_default).await?;
    Ok(Json(json!({ "id": l.id, "name": name, "value": value, "isDefault": is_default })))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<StatusCode> {
    let scope = scope(&caller, ws.workspace_id)?;
    let l = find_label(&state, scope, &id).await?;
    label::delete(&state.db, l.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssociateWorkflowLabelsRequest {
    #[serde(default)]
    workflow_ids: Vec<String>,
    #[serde(default)]
    label_ids: Vec<i64>,
}

/// Checks every run and label before changing anything, then changes all in one transaction.
async fn associate(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
    ApiJson(req): ApiJson<AssociateWorkflowLabelsRequest>,
    how: Association,
) -> ApiResult<StatusCode> {
    let scope = scope(&caller, ws.workspace_id)?;
    if req.workflow_ids.is_empty() {
        return Err(ApiError::bad_request("workflowIds must name at least one run"));
    }
    let mut ids = Vec::new();
    for w in &req.workflow_ids {
        ids.push(authorize_run(&state, &caller, w, ws.workspace_id).await?.id);
    }
    for l in &req.label_ids {
        find_label(&state, scope, &l.to_string()).await?;
    }
    label::associate(&state.db, how, &ids, &req.label_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}
