//! `GET /user-info`: who the caller is; `GET/POST /users/{userId}`: a user's profile, including
//! the `notification` switch (mail when a run ends).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiJson;
use crate::auth::Caller;
use crate::domain::time::now_millis;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::state::AppState;
use crate::store::{self, user::User};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(user_info)).routes(routes!(describe_user, update_user))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribeUserResponse {
    pub user: User,
    pub default_workspace_id: Option<i64>,
    pub need_consent: bool,
}

/// The user the access token or session belongs to.
#[utoipa::path(get, path = "/user-info", tag = "users", operation_id = "UserInfo", security(("BearerAuth" = [])),
    responses((status = 200, body = DescribeUserResponse), (status = 401, body = ErrorResponse)))]
async fn user_info(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<DescribeUserResponse>> {
    store::user::touch_last_access(&state.db, caller.user.id, now_millis()).await?;
    Ok(Json(DescribeUserResponse { user: caller.user, default_workspace_id: None, need_consent: false }))
}

/// The profile of the caller (any user for root users). Another user's id answers 403, as
/// Seqera does, whether or not it exists.
async fn own_profile(state: &AppState, caller: &Caller, user_id: &str) -> ApiResult<User> {
    let user_id: i64 = user_id.parse().map_err(|_| ApiError::bad_request(format!("userId '{user_id}' is not a number")))?;
    if user_id != caller.user.id && !caller.is_root {
        return Err(ApiError::forbidden("You may only see and change your own profile"));
    }
    store::user::find_by_id(&state.db, user_id).await?.ok_or_else(|| ApiError::forbidden("You may only see and change your own profile"))
}

/// A user's profile.
#[utoipa::path(get, path = "/users/{userId}", tag = "users", operation_id = "DescribeUser", security(("BearerAuth" = [])),
    params(("userId" = i64, Path, description = "User numeric identifier")),
    responses((status = 200, body = DescribeUserResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse)))]
async fn describe_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<DescribeUserResponse>> {
    let user = own_profile(&state, &caller, &user_id).await?;
    Ok(Json(DescribeUserResponse { user, default_workspace_id: None, need_consent: false }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpsertUserRequest {
    /// The account's e-mail address; it identifies the account and cannot be changed.
    pub email: String,
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub description: Option<String>,
    pub avatar_id: Option<String>,
    /// Mail me when one of my runs ends.
    pub notification: Option<bool>,
}

/// Updates a user's profile (user name, names, organization, description, `notification`).
#[utoipa::path(post, path = "/users/{userId}", tag = "users", operation_id = "UpdateUser", security(("BearerAuth" = [])),
    params(("userId" = i64, Path, description = "User numeric identifier")),
    request_body = UpsertUserRequest,
    responses((status = 204, description = "Updated"), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 409, description = "The user name is taken", body = ErrorResponse)))]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
    ApiJson(req): ApiJson<UpsertUserRequest>,
) -> ApiResult<StatusCode> {
    let user = own_profile(&state, &caller, &user_id).await?;
    if !req.email.trim().eq_ignore_ascii_case(&user.email) {
        return Err(ApiError::bad_request("email cannot be changed: it identifies the account"));
    }
    let user_name = req.user_name.trim();
    if !crate::domain::names::is_resource_name(user_name) {
        return Err(ApiError::bad_request(format!(
            "'{user_name}' is not a valid user name: 2 to 39 letters and digits, with single '-' or '_' between them"
        )));
    }
    let field = |name: &str, v: Option<String>, max: usize| -> ApiResult<Option<String>> {
        let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        match v {
            Some(s) if s.chars().count() > max => Err(ApiError::bad_request(format!("{name} is longer than {max} characters"))),
            v => Ok(v),
        }
    };
    let profile = store::user::Profile {
        user_name: user_name.to_string(),
        first_name: field("firstName", req.first_name, 100)?,
        last_name: field("lastName", req.last_name, 100)?,
        organization: field("organization", req.organization, 100)?,
        description: field("description", req.description, 1000)?,
        notification: req.notification.unwrap_or(user.notification),
    };
    match store::user::update_profile(&state.db, user.id, &profile, now_millis()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(e) if store::is_unique_violation(&e) => Err(ApiError::conflict(format!("The user name '{user_name}' is taken"))),
        Err(e) => Err(e.into()),
    }
}
