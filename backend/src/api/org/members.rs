//! Organization members and collaborators.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{not_allowed, org_access, parse_id, PageQuery, ORG, ORG_ROLES};
use crate::api::errors::{CallerErrors, ListErrors, OwnErrors, UpdateErrors};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::state::AppState;
use crate::store::org::{MemberRow, WriteError};
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(list_collaborators))
        .routes(routes!(add_member))
        .routes(routes!(leave_org))
        .routes(routes!(remove_member))
        .routes(routes!(update_member_role))
}

/// `MemberDbDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDbDto {
    member_id: i64,
    user_id: i64,
    user_name: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    avatar: Option<String>,
    role: String,
}

impl From<MemberRow> for MemberDbDto {
    fn from(m: MemberRow) -> Self {
        MemberDbDto {
            member_id: m.member_id,
            user_id: m.user_id,
            user_name: m.user_name,
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            avatar: m.avatar,
            role: m.role,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListMembersResponse {
    members: Vec<MemberDbDto>,
    total_size: i64,
}

pub(super) async fn member_page(
    state: &AppState,
    org_id: i64,
    team_id: Option<i64>,
    collaborators: Option<bool>,
    q: PageQuery,
) -> ApiResult<ListMembersResponse> {
    let (max, offset) = crate::api::paging(q.max, q.offset, 50)?;
    let (rows, total) = store::org::members(&state.db, org_id, team_id, collaborators, q.search.as_deref(), max, offset).await?;
    Ok(ListMembersResponse { members: rows.into_iter().map(Into::into).collect(), total_size: total })
}

/// Owners and members of an organization (not collaborators); visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/members", tag = "orgs", operation_id = "ListOrganizationMembers", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), PageQuery),
    responses((status = 200, body = ListMembersResponse), ListErrors))]
async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListMembersResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    Ok(Json(member_page(&state, a.org.id, None, Some(false), q).await?))
}

/// Collaborators (external users) of an organization; visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/collaborators", tag = "orgs", operation_id = "ListOrganizationCollaborators", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), PageQuery),
    responses((status = 200, body = ListMembersResponse), ListErrors))]
async fn list_collaborators(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListMembersResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    Ok(Json(member_page(&state, a.org.id, None, Some(true), q).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AddMemberRequest {
    /// User name or e-mail address. An e-mail address without an account creates the user, who
    /// can then sign in with that address.
    user: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddMemberResponse {
    member: MemberDbDto,
}

/// Finds a user by user name or e-mail; an unknown e-mail address creates the user.
pub(super) async fn user_by_name_or_email(state: &AppState, who: &str) -> ApiResult<store::user::User> {
    let who = who.trim();
    if who.contains('@') {
        if !who.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')) {
            return Err(ApiError::bad_request(format!("Invalid e-mail address '{who}'")));
        }
        return Ok(store::user::ensure(&state.db, who).await?);
    }
    store::user::find_by_user_name(&state.db, who).await?.ok_or_else(|| ApiError::not_found(format!("User '{who}' not found")))
}

/// Adds a user as an organization member (owners only).
#[utoipa::path(put, path = "/orgs/{orgId}/members/add", tag = "orgs", operation_id = "CreateOrganizationMember", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)), request_body = AddMemberRequest,
    responses((status = 200, body = AddMemberResponse), UpdateErrors))]
async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> ApiResult<Json<AddMemberResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let who = req.user.unwrap_or_default();
    if who.trim().is_empty() {
        return Err(ApiError::bad_request("Missing 'user': a user name or e-mail address"));
    }
    let user = user_by_name_or_email(&state, &who).await?;
    store::org::add_member(&state.db, a.org.id, user.id, "member").await.map_err(|e| match e {
        WriteError::Taken => ApiError::conflict(format!("User '{}' is already a member of this organization", user.user_name)),
        WriteError::Db(e) => e.into(),
    })?;
    let member = store::org::membership(&state.db, a.org.id, user.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("member vanished")))?;
    Ok(Json(AddMemberResponse { member: member.into() }))
}

/// The caller leaves the organization. The last owner cannot leave.
#[utoipa::path(delete, path = "/orgs/{orgId}/members/leave", tag = "orgs", operation_id = "LeaveOrganization", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)),
    responses((status = 204), CallerErrors, (status = 409, body = ErrorResponse)))]
async fn leave_org(State(state): State<AppState>, caller: Caller, Path(org_id): Path<String>) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    let m = a.member.ok_or_else(not_allowed)?;
    remove_checked(&state, a.org.id, &m).await
}

async fn remove_checked(state: &AppState, org_id: i64, m: &MemberRow) -> ApiResult<StatusCode> {
    if m.role == "owner" && store::org::owner_count(&state.db, org_id).await? <= 1 {
        return Err(ApiError::conflict("The last owner of an organization cannot leave it or be removed: make another member owner first"));
    }
    store::org::remove_member(&state.db, m.member_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn member_of(state: &AppState, org_id: i64, member_id: &str) -> ApiResult<MemberRow> {
    let id = parse_id("Member", member_id)?;
    store::org::member(&state.db, org_id, id).await?.ok_or_else(|| ApiError::not_found(format!("Member '{member_id}' not found")))
}

/// Removes a member from the organization and from its workspaces and teams (owners only).
#[utoipa::path(delete, path = "/orgs/{orgId}/members/{memberId}", tag = "orgs", operation_id = "DeleteOrganizationMember", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("memberId" = i64, Path, description = "Member numeric identifier")),
    responses((status = 204), OwnErrors, (status = 409, body = ErrorResponse)))]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, member_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let m = member_of(&state, a.org.id, &member_id).await?;
    remove_checked(&state, a.org.id, &m).await
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateMemberRoleRequest {
    /// `owner`, `member` or `collaborator`.
    role: Option<String>,
}

/// Changes a member's organization role (owners only). The last owner keeps the role.
#[utoipa::path(put, path = "/orgs/{orgId}/members/{memberId}/role", tag = "orgs", operation_id = "UpdateOrganizationMemberRole", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("memberId" = i64, Path, description = "Member numeric identifier")),
    request_body = UpdateMemberRoleRequest,
    responses((status = 204), UpdateErrors))]
async fn update_member_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, member_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateMemberRoleRequest>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let role = req.role.unwrap_or_default();
    if !ORG_ROLES.contains(&role.as_str()) {
        return Err(ApiError::bad_request(format!("Unknown organization role '{role}': use owner, member or collaborator")));
    }
    let m = member_of(&state, a.org.id, &member_id).await?;
    if m.role == "owner" && role != "owner" && store::org::owner_count(&state.db, a.org.id).await? <= 1 {
        return Err(ApiError::conflict("An organization needs at least one owner: make another member owner first"));
    }
    store::org::set_member_role(&state.db, m.member_id, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}
