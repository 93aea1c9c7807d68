//! HTTP routes, one module per resource. Handlers parse, authorize, call the store and shape
//! the response; SQL lives in `store`. Every route is declared with its OpenAPI description, so
//! the document in `openapi/openapi.yaml` cannot drift from the code.

pub mod action;
pub mod action_trigger;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod compute_env;
pub mod credentials;
pub mod dataset;
pub mod dataset_version;
pub mod dataset_workspace;
pub mod errors;
pub mod extract;
pub mod label;
pub mod launch;
pub mod live;
pub mod org;
pub mod pipeline;
pub mod pipeline_secret;
pub mod pipeline_version;
pub mod platform;
pub mod run_access;
pub mod service_info;
pub mod token;
pub mod trace;
pub mod user;
pub mod workflow;
pub mod workspace;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, ErrorResponse};
use crate::state::AppState;

/// Every documented route, and the OpenAPI document describing them.
pub fn routes() -> (Router<AppState>, OpenApi) {
    let (router, mut doc) = OpenApiRouter::new()
        .merge(service_info::router())
        .merge(auth::router())
        .merge(trace::router())
        .merge(workflow::router())
        .merge(label::router())
        .merge(token::router())
        .merge(user::router())
        .merge(org::router())
        .merge(workspace::router())
        .merge(live::router())
        .merge(credentials::router())
        .merge(compute_env::router())
        .merge(platform::router())
        .merge(launch::router())
        .merge(pipeline::router())
        .merge(pipeline_version::router())
        .merge(dataset::router())
        .merge(dataset_version::router())
        .merge(dataset_workspace::router())
        .merge(pipeline_secret::router())
        .merge(action::router())
        .merge(action_trigger::router())
        .merge(audit_log::router())
        .split_for_parts();
    doc.info.title = "Tower API".into();
    doc.info.version = service_info::API_VERSION.into();
    doc.info.description = Some(
        "Nextflow Tower / Seqera Platform compatible API: Nextflow trace ingestion, runs, tasks, labels and access tokens. \
         Paths and shapes follow the Seqera Platform API; errors are {\"message\": \"...\"}."
            .into(),
    );
    doc.info.license = None;
    doc.info.contact = None;
    let components = doc.components.get_or_insert_with(Default::default);
    // The shared error sets (`errors.rs`) refer to this schema by name.
    components.schemas.entry(ErrorResponse::name().into()).or_insert_with(ErrorResponse::schema);
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.bearer_format = Some("jwt".into());
    components.add_security_scheme("BearerAuth", SecurityScheme::Http(bearer));
    (router, doc)
}

/// The scope key (`w:<workspace>` or `u:<user>`) of the context the caller acts in, once they
/// hold `permission` there: where credentials, secrets and compute environments live.
pub(crate) async fn scope(
    state: &AppState,
    caller: &crate::auth::Caller,
    workspace_id: Option<i64>,
    permission: &str,
) -> Result<String, ApiError> {
    crate::auth::permissions::require(&state.db, caller, workspace_id, permission).await?;
    Ok(crate::domain::credentials::scope_key(caller.user.id, workspace_id))
}

/// The OpenAPI document as YAML, as committed in `openapi/openapi.yaml`.
pub fn openapi_yaml() -> String {
    routes().1.to_yaml().expect("the OpenAPI document serializes")
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_size;
    let (api, doc) = routes();
    let recorder = audit::Recorder::new(state.db.clone(), &doc);
    let json = doc.to_pretty_json().expect("the OpenAPI document serializes");
    let yaml = doc.to_yaml().expect("the OpenAPI document serializes");
    let json_route = move || {
        let json = json.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], json).into_response() }
    };
    let yaml_route = move || {
        let yaml = yaml.clone();
        async move { ([(header::CONTENT_TYPE, "application/yaml")], yaml).into_response() }
    };
    api.route("/openapi", get(json_route.clone()))
        .route("/openapi.json", get(json_route))
        .route("/openapi.yaml", get(yaml_route))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/swagger-ui").config(utoipa_swagger_ui::Config::from("../openapi.json")))
        .fallback(|| async { ApiError::not_found("No such API endpoint") })
        .layer(axum::middleware::from_fn_with_state(recorder, audit::record))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(crate::metrics::track_requests))
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
