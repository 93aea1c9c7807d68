//! The one error type of the HTTP layer: every failure becomes a status code and a
//! `{"message": "..."}` body. Internal errors are logged with their cause chain; the client
//! sees a short message with an id to quote.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The body of every error response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Over the request rate limit; `Retry-After` says when to come back.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// A service we depend on (e.g. the OpenID provider) failed or could not be reached.
    #[error("{0}")]
    BadGateway(String),
    /// The database cannot be reached or has no free connection in time: clients and load
    /// balancers should back off and retry (`Retry-After`), as Nextflow does.
    #[error("{0}")]
    Unavailable(String),
    /// The server cannot do it as configured (e.g. no key for stored secrets): a 500 whose
    /// message tells the operator what to fix.
    #[error("{0}")]
    Misconfigured(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::BadRequest(m.into())
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::NotFound(m.into())
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::Conflict(m.into())
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::Forbidden(m.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) | ApiError::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Seconds a client is asked to wait when the database is unavailable.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// Whether a database error means "not reachable now" rather than a fault of the request.
fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed)
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            metrics::counter!("tower_db_unavailable_total", "error" => if matches!(e, sqlx::Error::PoolTimedOut) { "pool_timeout" } else { "connection" })
                .increment(1);
            return ApiError::Unavailable("The database is not available at the moment: retry later".into());
        }
        ApiError::Internal(e.into())
    }
}

impl From<crate::domain::crypto::CryptoError> for ApiError {
    fn from(e: crate::domain::crypto::CryptoError) -> Self {
        tracing::error!(error = %e, "stored secrets");
        ApiError::Misconfigured(format!("Stored secrets: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A database error that reached us wrapped in a wider error is still an outage.
        let this = match self {
            ApiError::Internal(e) if e.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable) => match e.downcast::<sqlx::Error>() {
                Ok(db) => ApiError::from(db),
                Err(e) => ApiError::Internal(e),
            },
            other => other,
        };
        let status = this.status();
        let retry_after = match &this {
            ApiError::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_SECS),
            _ => None,
        };
        let message = match &this {
            ApiError::Internal(e) => {
                let id = crate::domain::ids::random_base62(10);
                tracing::error!(error_id = %id, error = ?e, "internal error");
                format!("Unexpected error while processing - Error ID: {id}")
            }
            other => other.to_string(),
        };
        let mut resp = (status, Json(ErrorResponse { message })).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
