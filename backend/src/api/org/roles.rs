//! Custom roles of an organization and the permissions they grant.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{check_name, org_access, taken, OrgAccess};
use crate::api::errors::{CreateErrors, ListErrors, ReadErrors, UpdateErrors};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::{permissions, Caller};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::org::RoleRow;
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(role_permissions))
        .routes(routes!(validate_role))
        .routes(routes!(describe_role, update_role, delete_role))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// Organization numeric identifier.
    org_id: Option<i64>,
}

async fn org_from_query(state: &AppState, caller: &Caller, org_id: Option<i64>) -> ApiResult<OrgAccess> {
    let id = org_id.ok_or_else(|| ApiError::bad_request("Missing 'orgId' query parameter"))?;
    org_access(state, caller, &id.to_string()).await
}

/// `ListRolesResponse.RoleInfo`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleInfo {
    name: String,
    description: String,
    is_predefined: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRolesResponse {
    roles: Vec<RoleInfo>,
    total_size: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RolesQuery {
    /// Organization numeric identifier.
    org_id: Option<i64>,
    max: Option<i64>,
    offset: Option<i64>,
    /// Only roles whose name contains this text.
    name: Option<String>,
    /// `predefined` or `custom`.
    #[serde(rename = "type")]
    role_type: Option<String>,
}

/// Predefined and custom workspace roles of an organization; visible to its members.
#[utoipa::path(get, path = "/roles", tag = "roles", operation_id = "ListRoles", security(("BearerAuth" = [])),
    params(RolesQuery),
    responses((status = 200, body = ListRolesResponse), ListErrors))]
async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RolesQuery>,
) -> ApiResult<Json<ListRolesResponse>> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_member()?;
    let (max, offset) = crate::api::paging(q.max, q.offset, 100)?;
    let (predefined, custom) = match q.role_type.as_deref() {
        None | Some("") => (true, true),
        Some("predefined") => (true, false),
        Some("custom") => (false, true),
        Some(t) => return Err(ApiError::bad_request(format!("Unknown role type '{t}': use predefined or custom"))),
    };
    let mut roles: Vec<RoleInfo> = Vec::new();
    if predefined {
        roles.extend(permissions::PREDEFINED_ROLES.iter().map(|r| RoleInfo {
            name: r.to_string(),
            description: permissions::role_description(r).into(),
            is_predefined: true,
        }));
    }
    if custom {
        roles.extend(store::org::custom_roles(&state.db, a.org.id).await?.into_iter().map(|r| RoleInfo {
            name: r.name,
            description: r.description,
            is_predefined: false,
        }));
    }
    if let Some(n) = q.name.as_deref().filter(|n| !n.is_empty()) {
        let n = n.to_lowercase();
        roles.retain(|r| r.name.to_lowercase().contains(&n));
    }
    let total_size = roles.len() as i64;
    let roles = roles.into_iter().skip(offset as usize).take(max as usize).collect();
    Ok(Json(ListRolesResponse { roles, total_size }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CreateRoleRequest {
    name: Option<String>,
    /// 1 to 120 characters.
    description: Option<String>,
    permissions: Option<Vec<String>>,
}

/// `CreateRoleResponse`.
#[derive(Serialize, ToSchema)]
pub struct CreateRoleResponse {
    name: String,
    description: String,
    permissions: Vec<String>,
}

fn role_row(req: CreateRoleRequest) -> ApiResult<RoleRow> {
    let name = req.name.map(|n| n.trim().to_string()).unwrap_or_default();
    check_name("role", &name)?;
    if permissions::predefined(&name).is_some() {
        return Err(ApiError::conflict(format!("'{name}' is a predefined role")));
    }
    let description = req.description.map(|d| d.trim().to_string()).unwrap_or_default();
    if description.is_empty() || description.chars().count() > 120 {
        return Err(ApiError::bad_request("Role description must be 1 to 120 characters long"));
    }
    let mut perms = req.permissions.unwrap_or_default();
    if perms.is_empty() {
        return Err(ApiError::bad_request("A role needs at least one permission"));
    }
    if let Some(p) = perms.iter().find(|p| !permissions::is_permission(p)) {
        return Err(ApiError::bad_request(format!("Unknown permission '{p}': see GET /roles/permissions")));
    }
    perms.sort();
    perms.dedup();
    Ok(RoleRow { name, description, permissions: perms.join(",") })
}

/// Creates a custom workspace role from a set of permissions (owners only).
#[utoipa::path(post, path = "/roles", tag = "roles", operation_id = "CreateRole", security(("BearerAuth" = [])),
    params(OrgQuery), request_body = CreateRoleRequest,
    responses((status = 201, body = CreateRoleResponse), CreateErrors))]
async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrgQuery>,
    ApiJson(req): ApiJson<CreateRoleRequest>,
) -> ApiResult<(StatusCode, Json<CreateRoleResponse>)> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_owner()?;
    let r = role_row(req)?;
    store::org::create_role(&state.db, a.org.id, &r).await.map_err(taken("role", &r.name))?;
    let permissions = r.permission_list();
    Ok((StatusCode::CREATED, Json(CreateRoleResponse { name: r.name, description: r.description, permissions })))
}

/// `RolePermissionResponseDto`.
#[derive(Serialize, ToSchema)]
pub struct RolePermissionResponseDto {
    name: String,
    category: String,
}

#[derive(Serialize, ToSchema)]
pub struct ListRolePermissionsResponse {
    permissions: Vec<RolePermissionResponseDto>,
}

/// Every permission a custom role can grant.
#[utoipa::path(get, path = "/roles/permissions", tag = "roles", operation_id = "ListRolePermissions", security(("BearerAuth" = [])),
    params(OrgQuery),
    responses((status = 200, body = ListRolePermissionsResponse), ListErrors))]
async fn role_permissions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> ApiResult<Json<ListRolePermissionsResponse>> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_member()?;
    let permissions =
        permissions::all_permissions().map(|(n, c)| RolePermissionResponseDto { name: n.into(), category: c.into() }).collect();
    Ok(Json(ListRolePermissionsResponse { permissions }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoleNameQuery {
    name: Option<String>,
    /// Organization numeric identifier.
    org_id: Option<i64>,
}

/// 204 when the role name is valid and free in the organization, 400 when malformed, 409 when taken.
#[utoipa::path(get, path = "/roles/validate", tag = "roles", operation_id = "ValidateRoleName", security(("BearerAuth" = [])),
    params(RoleNameQuery),
    responses((status = 204), CreateErrors))]
async fn validate_role(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<RoleNameQuery>) -> ApiResult<StatusCode> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_member()?;
    let name = q.name.unwrap_or_default();
    check_name("role", &name)?;
    if permissions::predefined(&name).is_some() || store::org::custom_role(&state.db, a.org.id, &name).await?.is_some() {
        return Err(ApiError::conflict(format!("A role named '{name}' already exists")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `RoleDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleDto {
    name: String,
    description: String,
    is_predefined: bool,
    permissions: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DescribeRoleResponse {
    role: RoleDto,
}

const ROLE: &str = "Role name";

/// A role with its permissions; visible to the organization's members.
#[utoipa::path(get, path = "/roles/{roleName}", tag = "roles", operation_id = "DescribeRole", security(("BearerAuth" = [])),
    params(("roleName" = String, Path, description = ROLE), OrgQuery),
    responses((status = 200, body = DescribeRoleResponse), ReadErrors))]
async fn describe_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> ApiResult<Json<DescribeRoleResponse>> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_member()?;
    let role = match permissions::predefined(&name) {
        Some(set) => RoleDto {
            description: permissions::role_description(&name).into(),
            name,
            is_predefined: true,
            permissions: set.into_iter().map(str::to_string).collect(),
        },
        None => {
            let r = custom_role_of(&state, a.org.id, &name).await?;
            RoleDto { permissions: r.permission_list(), name: r.name, description: r.description, is_predefined: false }
        }
    };
    Ok(Json(DescribeRoleResponse { role }))
}

async fn custom_role_of(state: &AppState, org_id: i64, name: &str) -> ApiResult<RoleRow> {
    store::org::custom_role(&state.db, org_id, name).await?.ok_or_else(|| ApiError::not_found(format!("Role '{name}' not found")))
}

/// Updates a custom role (owners only); participants holding it keep it under its new name.
#[utoipa::path(put, path = "/roles/{roleName}", tag = "roles", operation_id = "UpdateRole", security(("BearerAuth" = [])),
    params(("roleName" = String, Path, description = ROLE), OrgQuery), request_body = CreateRoleRequest,
    responses((status = 204), UpdateErrors))]
async fn update_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<OrgQuery>,
    ApiJson(mut req): ApiJson<CreateRoleRequest>,
) -> ApiResult<StatusCode> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_owner()?;
    let old = custom_role_of(&state, a.org.id, &name).await?;
    if req.name.is_none() {
        req.name = Some(old.name.clone());
    }
    if req.permissions.is_none() {
        req.permissions = Some(old.permission_list());
    }
    if req.description.is_none() {
        req.description = Some(old.description.clone());
    }
    let r = role_row(req)?;
    store::org::update_role(&state.db, a.org.id, &old.name, &r).await.map_err(taken("role", &r.name))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a custom role that no participant holds (owners only).
#[utoipa::path(delete, path = "/roles/{roleName}", tag = "roles", operation_id = "DeleteRole", security(("BearerAuth" = [])),
    params(("roleName" = String, Path, description = ROLE), OrgQuery),
    responses((status = 204), UpdateErrors))]
async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> ApiResult<StatusCode> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_owner()?;
    let r = custom_role_of(&state, a.org.id, &name).await?;
    if store::org::role_in_use(&state.db, a.org.id, &r.name).await? {
        return Err(ApiError::conflict(format!("Role '{name}' is held by workspace participants: give them another role first")));
    }
    store::org::delete_role(&state.db, a.org.id, &r.name).await?;
    Ok(StatusCode::NO_CONTENT)
}
