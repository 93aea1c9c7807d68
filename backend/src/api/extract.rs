//! Request extractors that turn every malformed input into a 4xx with a `{"message"}` that
//! says what is wrong and where (e.g. `tasks[3].taskId: invalid type ...`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body. The content type is not checked: Nextflow always sends JSON and other clients
/// often forget the header.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("Request body is larger than the limit set by TOWER_MAX_BODY_SIZE".into())
            } else {
                ApiError::bad_request(format!("Cannot read the request body: {}", e.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request("Request body is empty: expected a JSON object"));
        }
        // The fast path parses once; only an invalid body is parsed again to say where it is wrong.
        if let Ok(value) = serde_json::from_slice(&bytes) {
            return Ok(ApiJson(value));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let err = match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(value) => return Ok(ApiJson(value)),
            Err(e) => e,
        };
        let path = err.path().to_string();
        let inner = err.into_inner();
        Err(if path == "." || path.is_empty() {
            ApiError::bad_request(format!("Invalid JSON body: {inner}"))
        } else {
            ApiError::bad_request(format!("Invalid JSON body at '{path}': {inner}"))
        })
    }
}

/// Query parameters, with a 400 naming the bad parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state).await.map(|Query(v)| ApiQuery(v)).map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// The `workspaceId` query parameter most endpoints take.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WorkspaceParam {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub workspace_id: Option<i64>,
}

/// `workspaceId` and the `name` a `.../validate` operation checks.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct NameParam {
    /// Workspace numeric identifier; omitted for the caller's personal workspace.
    pub workspace_id: Option<i64>,
    /// The name to check.
    pub name: Option<String>,
}
