//! Personal access tokens: `GET /tokens`, `POST /tokens`, `DELETE /tokens/{tokenId}`,
//! `DELETE /tokens/delete-all`. The secret is returned once, at creation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiJson;
use crate::api::errors::NameErrors;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::state::AppState;
use crate::store::{self, token::AccessToken};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(delete_all)).routes(routes!(delete_one))
}

#[derive(Serialize, ToSchema)]
pub struct ListAccessTokensResponse {
    pub tokens: Vec<AccessToken>,
}

/// The caller's tokens, without their secrets.
#[utoipa::path(get, path = "/tokens", tag = "tokens", operation_id = "TokenList", security(("BearerAuth" = [])),
    responses((status = 200, body = ListAccessTokensResponse), (status = 401, body = ErrorResponse)))]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ListAccessTokensResponse>> {
    let tokens = store::token::list(&state.db, caller.user.id).await?;
    Ok(Json(ListAccessTokensResponse { tokens }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateAccessTokenRequest {
    /// 1 to 50 letters, digits, `-`, `_` or `.`.
    name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccessTokenResponse {
    /// The token to send as `Authorization: Bearer <accessKey>`; shown only here.
    pub access_key: String,
    pub token: AccessToken,
}

/// Token names: 1 to 50 characters of letters, digits, `-`, `_` and `.`.
pub fn validate_token_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > 50 {
        return Err(format!("Token name must be 1 to 50 characters long (got {n})"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(format!("Token name '{name}' may only contain letters, digits, '-', '_' and '.'"));
    }
    Ok(())
}

/// Creates a token for a user and returns it with its one-time secret form.
pub async fn create_token(db: &store::Db, user_id: i64, name: &str) -> ApiResult<(AccessToken, String)> {
    validate_token_name(name).map_err(ApiError::BadRequest)?;
    let (secret, hash) = auth::token::new_secret();
    match store::token::create(db, user_id, name, &hash).await {
        Ok(t) => {
            let access_key = auth::token::format(t.id, &secret);
            Ok((t, access_key))
        }
        Err(store::token::CreateError::NameTaken) => Err(ApiError::conflict(format!("An access token named '{name}' already exists"))),
        Err(store::token::CreateError::Db(e)) => Err(e.into()),
    }
}

/// Creates a personal access token; its secret is returned once.
#[utoipa::path(post, path = "/tokens", tag = "tokens", operation_id = "CreateToken", security(("BearerAuth" = [])),
    request_body = CreateAccessTokenRequest,
    responses((status = 200, body = CreateAccessTokenResponse), NameErrors))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateAccessTokenRequest>,
) -> ApiResult<Json<CreateAccessTokenResponse>> {
    let name = req.name.unwrap_or_default();
    let (token, access_key) = create_token(&state.db, caller.user.id, name.trim()).await?;
    Ok(Json(CreateAccessTokenResponse { access_key, token }))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/tokens/{tokenId}", tag = "tokens", operation_id = "DeleteToken", security(("BearerAuth" = [])),
    params(("tokenId" = i64, Path, description = "Token numeric identifier")),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn delete_one(State(state): State<AppState>, caller: Caller, Path(token_id): Path<String>) -> ApiResult<StatusCode> {
    let not_found = || ApiError::not_found(format!("Access token '{token_id}' not found"));
    let id: i64 = token_id.parse().map_err(|_| not_found())?;
    if store::token::delete(&state.db, caller.user.id, id).await? {
        state.tokens.forget_token(id);
        state.publish(crate::live::Message::TokenRevoked { token_id: id });
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

/// Revokes every token of the caller.
#[utoipa::path(delete, path = "/tokens/delete-all", tag = "tokens", operation_id = "DeleteAllTokens", security(("BearerAuth" = [])),
    responses((status = 204), (status = 401, body = ErrorResponse)))]
async fn delete_all(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    store::token::delete_all(&state.db, caller.user.id).await?;
    state.tokens.forget_user(caller.user.id);
    state.publish(crate::live::Message::UserTokensRevoked { user_id: caller.user.id });
    Ok(StatusCode::NO_CONTENT)
}
