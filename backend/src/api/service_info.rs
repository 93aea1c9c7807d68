//! `GET /service-info` (public) and `GET /health`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The Seqera API version whose paths and shapes we serve; `tw` requires at least 1.198.0.
pub const API_VERSION: &str = "1.198.0";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT_ID: &str = match option_env!("TOWER_COMMIT_ID") {
    Some(c) => c,
    None => "unknown",
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(service_info)).routes(routes!(health))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfoResponse {
    pub service_info: ServiceInfo,
}

/// Public description of this instance.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfo {
    pub version: String,
    pub api_version: String,
    pub commit_id: String,
    pub server_url: String,
    pub auth_types: Vec<String>,
    pub login_path: String,
    pub logout_url: Option<String>,
    pub contact_email: Option<String>,
    pub heartbeat_interval: i32,
    pub user_workspace_enabled: bool,
    pub allow_instance_credentials: bool,
    pub allow_local_repos: bool,
    pub allow_nextflow_cli_logs: bool,
    pub wave_enabled: bool,
    pub groundswell_enabled: bool,
    pub llm_enabled: bool,
    pub seqera_cloud: bool,
    pub seqera_compute_enabled: bool,
    pub eval_workspace_ids: Vec<i64>,
}

/// Instance version and capabilities; public, also used as a liveness check by clients.
#[utoipa::path(get, path = "/service-info", tag = "service-info", operation_id = "Info",
    responses((status = 200, body = ServiceInfoResponse)))]
async fn service_info(State(state): State<AppState>) -> Json<ServiceInfoResponse> {
    let c = &state.config;
    Json(ServiceInfoResponse {
        service_info: ServiceInfo {
            version: VERSION.into(),
            api_version: API_VERSION.into(),
            commit_id: COMMIT_ID.into(),
            server_url: c.server_url.clone(),
            auth_types: auth_types(&c.auth),
            login_path: login_path(&c.auth),
            logout_url: None,
            contact_email: c.contact_email.clone(),
            heartbeat_interval: 60,
            user_workspace_enabled: true,
            allow_instance_credentials: false,
            allow_local_repos: false,
            allow_nextflow_cli_logs: false,
            wave_enabled: false,
            groundswell_enabled: false,
            llm_enabled: false,
            seqera_cloud: false,
            seqera_compute_enabled: false,
            eval_workspace_ids: vec![],
        },
    })
}

/// The sign-in methods offered: `token` (personal access token) always, `email` unless disabled,
/// `oidc` when an OpenID provider is configured.
fn auth_types(auth: &crate::config::AuthConfig) -> Vec<String> {
    let mut types = vec!["token".to_string()];
    if auth.email_enabled() {
        types.push("email".into());
    }
    if auth.oidc.is_some() {
        types.push("oidc".into());
    }
    types
}

/// Where the web app sends people to sign in: straight to the OpenID provider when that is the
/// only interactive method (as Seqera does), otherwise the sign-in page.
fn login_path(auth: &crate::config::AuthConfig) -> String {
    if auth.oidc.is_some() && !auth.email_enabled() {
        "/api/oauth/login/oidc".into()
    } else {
        "/login".into()
    }
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `UP` or `DOWN`.
    pub status: String,
    pub database: String,
}

/// UP when the database answers.
#[utoipa::path(get, path = "/health", tag = "service-info", operation_id = "Health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let up = crate::store::ping(&state.db).await;
    let word = if up { "UP" } else { "DOWN" };
    let status = if up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Health { status: word.into(), database: word.into() }))
}
