//! `GET /user-info`: who the caller is (DescribeUserResponse).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::time::now_millis;
use crate::error::ApiResult;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new().route("/user-info", get(user_info))
}

async fn user_info(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    store::user::touch_last_access(&state.db, caller.user.id, now_millis()).await?;
    Ok(Json(json!({
        "user": caller.user,
        "defaultWorkspaceId": null,
        "needConsent": false,
    })))
}
