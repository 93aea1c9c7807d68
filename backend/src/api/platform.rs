//! The compute platforms: `GET /platforms`, `GET /platforms/{platformId}` and
//! `GET /platforms/{platformId}/regions`, from the platform table of `domain::compute_env`.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiQuery, WorkspaceParam};
use super::scope;
use crate::api::errors::{ListErrors, ReadErrors};
use crate::auth::permissions as perm;
use crate::auth::Caller;
use crate::domain::compute_env::{self as rules, Kind, PLATFORMS};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(platforms)).routes(routes!(describe_platform)).routes(routes!(regions))
}

/// `ComputePlatform`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComputePlatform {
    id: String,
    /// Platforms this server does not run say so in their name.
    name: String,
    credentials_providers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ListPlatformsResponse {
    platforms: Vec<ComputePlatform>,
}

/// Every platform of the Seqera API; those this server does not run are marked in their name.
#[utoipa::path(get, path = "/platforms", tag = "platforms", operation_id = "ListPlatforms", security(("BearerAuth" = [])),
    params(WorkspaceParam), responses((status = 200, body = ListPlatformsResponse), ListErrors))]
async fn platforms(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListPlatformsResponse>> {
    scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_READ).await?;
    let platforms = PLATFORMS
        .iter()
        .map(|p| {
            let off = p.kind == Kind::Unavailable || (p.kind == Kind::Local && !state.config.enable_local_platform);
            ComputePlatform {
                id: p.id.into(),
                name: if off { format!("{} (not available on this server)", p.name) } else { p.name.into() },
                credentials_providers: p.providers.iter().map(|s| s.to_string()).collect(),
            }
        })
        .collect();
    Ok(Json(ListPlatformsResponse { platforms }))
}

/// `PlatformMetainfo`: what the platform is (`local-platform`, `grid` or `k8s-platform`).
#[derive(Serialize, ToSchema)]
pub struct PlatformMetainfo {
    discriminator: String,
}

#[derive(Serialize, ToSchema)]
pub struct DescribePlatformResponse {
    metainfo: PlatformMetainfo,
}

fn available_platform(id: &str) -> ApiResult<&'static rules::Platform> {
    rules::platform(id).map_err(|e| if e.starts_with("Unknown") { ApiError::not_found(e) } else { ApiError::bad_request(e) })
}

/// The metadata of a platform this server runs.
#[utoipa::path(get, path = "/platforms/{platformId}", tag = "platforms", operation_id = "DescribePlatform", security(("BearerAuth" = [])),
    params(("platformId" = String, Path, description = "Platform string identifier"), WorkspaceParam),
    responses((status = 200, body = DescribePlatformResponse), ReadErrors))]
async fn describe_platform(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribePlatformResponse>> {
    scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_READ).await?;
    let p = available_platform(&id)?;
    let discriminator = match p.kind {
        Kind::Grid(_) => "grid".to_string(),
        _ => p.id.to_string(),
    };
    Ok(Json(DescribePlatformResponse { metainfo: PlatformMetainfo { discriminator } }))
}

/// `ComputeRegion`.
#[derive(Serialize, ToSchema)]
pub struct ComputeRegion {
    id: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ListRegionsResponse {
    regions: Vec<ComputeRegion>,
}

/// The regions of a platform: none for the platforms this server runs (they are on premises).
#[utoipa::path(get, path = "/platforms/{platformId}/regions", tag = "platforms", operation_id = "ListPlatformRegions", security(("BearerAuth" = [])),
    params(("platformId" = String, Path, description = "Platform string identifier"), WorkspaceParam),
    responses((status = 200, body = ListRegionsResponse), ReadErrors))]
async fn regions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<ListRegionsResponse>> {
    scope(&state, &caller, ws.workspace_id, perm::COMPUTE_ENV_READ).await?;
    available_platform(&id)?;
    Ok(Json(ListRegionsResponse { regions: vec![] }))
}
