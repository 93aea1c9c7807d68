//! `GET /user-info`: who the caller is.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::time::now_millis;
use crate::error::{ApiResult, ErrorResponse};
use crate::store::{self, user::User};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(user_info))
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
