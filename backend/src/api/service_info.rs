//! `GET /service-info` (public) and `GET /health`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;

/// The Seqera API version whose paths and shapes we serve; `tw` requires at least 1.198.0.
pub const API_VERSION: &str = "1.198.0";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT_ID: &str = match option_env!("TOWER_COMMIT_ID") {
    Some(c) => c,
    None => "unknown",
};

pub fn router() -> Router<AppState> {
    Router::new().route("/service-info", get(service_info)).route("/health", get(health))
}

async fn service_info(State(state): State<AppState>) -> Json<Value> {
    let c = &state.config;
    Json(json!({
        "serviceInfo": {
            "version": VERSION,
            "apiVersion": API_VERSION,
            "commitId": COMMIT_ID,
            "serverUrl": c.server_url,
            "authTypes": ["token"],
            "loginPath": "/login",
            "logoutUrl": null,
            "contactEmail": c.contact_email,
            "heartbeatInterval": 60,
            "userWorkspaceEnabled": true,
            "allowInstanceCredentials": false,
            "allowLocalRepos": false,
            "allowNextflowCliLogs": false,
            "waveEnabled": false,
            "groundswellEnabled": false,
            "groundswellAllowedWorkspaces": null,
            "llmEnabled": false,
            "seqeraCloud": false,
            "seqeraComputeEnabled": false,
            "evalWorkspaceIds": [],
            "contentUrl": null,
            "contentMaxFileSize": null,
            "landingUrl": null,
            "termsOfUseUrl": null,
            "forgePrefix": null,
            "launchConfigTextMaxSize": null,
            "launchParamsTextMaxSize": null,
            "seqeraAiBaseUrl": null,
            "seqeraAgentBackendUrl": null,
            "navbar": null,
            "analytics": null,
        }
    }))
}

async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, Json<Value>) {
    let db_ok = crate::store::ping(&state.db).await;
    let status = if db_ok { axum::http::StatusCode::OK } else { axum::http::StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "status": if db_ok { "UP" } else { "DOWN" }, "database": if db_ok { "UP" } else { "DOWN" } })))
}
