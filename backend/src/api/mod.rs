//! HTTP routes, one module per resource. Handlers parse, authorize, call the store and shape
//! the response; SQL lives in `store`.

pub mod extract;
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
        .fallback(|| async { ApiError::not_found("No such API endpoint") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
