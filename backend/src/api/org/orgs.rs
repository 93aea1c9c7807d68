//! Organizations: list, create, describe, update, delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{check_len, check_name, org_access, taken, NameQuery, ORG, ORG_ROLES};
use crate::api::errors::{CallerErrors, CreateErrors, NameErrors};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::state::AppState;
use crate::store::org::{OrgFields, OrgRow};
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_orgs, create_org)).routes(routes!(validate_org)).routes(routes!(
        describe_org,
        update_org,
        delete_org
    ))
}

/// `Organization`, the write model of create requests.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    name: Option<String>,
    full_name: Option<String>,
    description: Option<String>,
    location: Option<String>,
    website: Option<String>,
}

/// `OrganizationDbDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationDbDto {
    org_id: i64,
    name: String,
    full_name: String,
    description: Option<String>,
    location: Option<String>,
    website: Option<String>,
    logo_id: Option<String>,
    logo_url: Option<String>,
    member_id: Option<i64>,
    /// `owner`, `member` or `collaborator`; null for a root user who is not a member.
    member_role: Option<String>,
    #[serde(rename = "type")]
    org_type: Option<String>,
    paying: Option<bool>,
}

fn org_dto(o: OrgRow, member_id: Option<i64>, member_role: Option<String>) -> OrganizationDbDto {
    OrganizationDbDto {
        org_id: o.id,
        name: o.name,
        full_name: o.full_name,
        description: o.description,
        location: o.location,
        website: o.website,
        logo_id: o.logo_id,
        logo_url: None,
        member_id,
        member_role,
        org_type: o.org_type,
        paying: None,
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListOrganizationsResponse {
    organizations: Vec<OrganizationDbDto>,
    total_size: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleFilter {
    /// Only organizations where the caller has this role: owner, member or collaborator.
    role: Option<String>,
}

/// Organizations the caller belongs to (every organization for root users).
#[utoipa::path(get, path = "/orgs", tag = "orgs", operation_id = "ListOrganizations", security(("BearerAuth" = [])),
    params(RoleFilter),
    responses((status = 200, body = ListOrganizationsResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse)))]
async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RoleFilter>,
) -> ApiResult<Json<ListOrganizationsResponse>> {
    if let Some(r) = q.role.as_deref().filter(|r| !ORG_ROLES.contains(r)) {
        return Err(ApiError::bad_request(format!("Unknown organization role '{r}': use owner, member or collaborator")));
    }
    let organizations: Vec<OrganizationDbDto> = store::org::orgs_of_user(&state.db, caller.user.id, caller.is_root)
        .await?
        .into_iter()
        .filter(|(_, _, role)| q.role.is_none() || role.as_deref() == q.role.as_deref())
        .map(|(o, m, r)| org_dto(o, m, r))
        .collect();
    Ok(Json(ListOrganizationsResponse { total_size: organizations.len() as i64, organizations }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrganizationRequest {
    organization: Option<Organization>,
    logo_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreateOrganizationResponse {
    organization: OrganizationDbDto,
}

fn org_fields(name: Option<String>, full_name: Option<String>, o: Organization, logo_id: Option<String>) -> ApiResult<OrgFields> {
    let name = name.map(|n| n.trim().to_string()).unwrap_or_default();
    check_name("organization", &name)?;
    let full_name = full_name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| name.clone());
    check_len("fullName", Some(&full_name), 100)?;
    check_len("description", o.description.as_deref(), 1000)?;
    check_len("location", o.location.as_deref(), 100)?;
    check_len("website", o.website.as_deref(), 255)?;
    if let Some(w) = o.website.as_deref().filter(|w| !w.is_empty()) {
        if !(w.starts_with("http://") || w.starts_with("https://")) {
            return Err(ApiError::bad_request(format!("Invalid website '{w}': use an http:// or https:// URL")));
        }
    }
    Ok(OrgFields { name, full_name, description: o.description, location: o.location, website: o.website, logo_id })
}

/// Creates an organization; the caller becomes its owner.
#[utoipa::path(post, path = "/orgs", tag = "orgs", operation_id = "CreateOrganization", security(("BearerAuth" = [])),
    request_body = CreateOrganizationRequest,
    responses((status = 200, body = CreateOrganizationResponse), NameErrors))]
async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateOrganizationRequest>,
) -> ApiResult<Json<CreateOrganizationResponse>> {
    let mut o = req.organization.ok_or_else(|| ApiError::bad_request("Missing 'organization'"))?;
    let f = org_fields(o.name.take(), o.full_name.take(), o, req.logo_id)?;
    let id = store::org::create_org(&state.db, caller.user.id, &f).await.map_err(taken("organization", &f.name))?;
    let org = store::org::org(&state.db, id).await?.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("organization {id} vanished")))?;
    let member = store::org::membership(&state.db, id, caller.user.id).await?.map(|m| m.member_id);
    Ok(Json(CreateOrganizationResponse { organization: org_dto(org, member, Some("owner".into())) }))
}

/// 204 when the name is valid and free, 400 when malformed, 409 when taken.
#[utoipa::path(get, path = "/orgs/validate", tag = "orgs", operation_id = "ValidateOrganizationName", security(("BearerAuth" = [])),
    params(NameQuery),
    responses((status = 204), NameErrors))]
async fn validate_org(State(state): State<AppState>, _caller: Caller, ApiQuery(q): ApiQuery<NameQuery>) -> ApiResult<StatusCode> {
    let name = q.name.unwrap_or_default();
    check_name("organization", &name)?;
    if store::org::org_name_taken(&state.db, &name).await? {
        return Err(ApiError::conflict(format!("An organization named '{name}' already exists")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DescribeOrganizationResponse {
    organization: OrganizationDbDto,
}

/// An organization with the caller's membership.
#[utoipa::path(get, path = "/orgs/{orgId}", tag = "orgs", operation_id = "DescribeOrganization", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)),
    responses((status = 200, body = DescribeOrganizationResponse), CallerErrors))]
async fn describe_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> ApiResult<Json<DescribeOrganizationResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    let (member_id, role) = a.member.map(|m| (Some(m.member_id), Some(m.role))).unwrap_or_default();
    Ok(Json(DescribeOrganizationResponse { organization: org_dto(a.org, member_id, role) }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOrganizationRequest {
    name: Option<String>,
    full_name: Option<String>,
    description: Option<String>,
    location: Option<String>,
    website: Option<String>,
    logo_id: Option<String>,
    /// Accepted for compatibility; ignored.
    paying: Option<bool>,
    /// Accepted for compatibility; ignored.
    #[serde(rename = "type")]
    org_type: Option<String>,
}

/// Updates an organization's profile (owners only). Omitted fields keep their value.
#[utoipa::path(put, path = "/orgs/{orgId}", tag = "orgs", operation_id = "UpdateOrganization", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)), request_body = UpdateOrganizationRequest,
    responses((status = 204), CreateErrors))]
async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiJson(req): ApiJson<UpdateOrganizationRequest>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let _ = (req.paying, req.org_type);
    let o = a.org;
    let merged = Organization {
        name: None,
        full_name: None,
        description: req.description.or(o.description),
        location: req.location.or(o.location),
        website: req.website.or(o.website),
    };
    let f = org_fields(Some(req.name.unwrap_or(o.name)), Some(req.full_name.unwrap_or(o.full_name)), merged, req.logo_id.or(o.logo_id))?;
    store::org::update_org(&state.db, o.id, &f).await.map_err(taken("organization", &f.name))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an organization with its workspaces, teams and memberships (owners only). The runs of
/// its workspaces are marked deleted and purged by cron.
#[utoipa::path(delete, path = "/orgs/{orgId}", tag = "orgs", operation_id = "DeleteOrganization", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)),
    responses((status = 204), CallerErrors))]
async fn delete_org(State(state): State<AppState>, caller: Caller, Path(org_id): Path<String>) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    store::org::delete_org(&state.db, a.org.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
