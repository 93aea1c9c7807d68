//! HTTP routes, one module per resource. Handlers parse, authorize, call the store and shape
//! the response; SQL lives in `store`.

pub mod extract;
pub mod label;
pub mod service_info;
pub mod token;
pub mod trace;
pub mod user;
pub mod workflow;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::error::ApiError;

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_size;
    Router::new()
        .merge(service_info::router())
        .merge(trace::router())
        .merge(workflow::router())
        .merge(token::router())
        .merge(user::router())
        .merge(label::router())
        .fallback(|| async { ApiError::not_found("No such API endpoint") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Validated `max`/`offset` paging parameters.
pub fn paging(max: Option<i64>, offset: Option<i64>, default_max: i64) -> Result<(i64, i64), ApiError> {
    let max = max.unwrap_or(default_max);
    let offset = offset.unwrap_or(0);
    if !(1..=1000).contains(&max) {
        return Err(ApiError::bad_request(format!("max must be between 1 and 1000 (got {max})")));
    }
    if offset < 0 {
        return Err(ApiError::bad_request(format!("offset must not be negative (got {offset})")));
    }
    Ok((max, offset))
}
