//! Organizations, their members and collaborators, teams and custom roles, with the Seqera
//! Platform paths and shapes. Org owners manage everything; members see the organization, its
//! members and teams; collaborators see only the organization itself. Root users act as owners
//! everywhere. Anyone else gets the same 403 whether the organization exists or not.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::{permissions, Caller};
use crate::domain::names::is_resource_name;
use crate::error::{ApiError, ApiResult, ErrorResponse};
use crate::store::org::{MemberRow, OrgFields, OrgRow, RoleRow, TeamRow, WriteError};
use crate::store::{self};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(validate_org))
        .routes(routes!(describe_org, update_org, delete_org))
        .routes(routes!(list_members))
        .routes(routes!(list_collaborators))
        .routes(routes!(add_member))
        .routes(routes!(leave_org))
        .routes(routes!(remove_member))
        .routes(routes!(update_member_role))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(validate_team))
        .routes(routes!(describe_team, update_team, delete_team))
        .routes(routes!(list_team_members, add_team_member))
        .routes(routes!(remove_team_member))
        .routes(routes!(team_workspaces))
        .routes(routes!(list_roles, create_role))
        .routes(routes!(role_permissions))
        .routes(routes!(validate_role))
        .routes(routes!(describe_role, update_role, delete_role))
}

pub const ORG_ROLES: [&str; 3] = ["owner", "member", "collaborator"];

/// The caller's standing in an organization.
pub struct OrgAccess {
    pub org: OrgRow,
    /// The caller's membership, if any (root users may have none).
    pub member: Option<MemberRow>,
    pub is_root: bool,
}

impl OrgAccess {
    pub fn role(&self) -> Option<&str> {
        self.member.as_ref().map(|m| m.role.as_str())
    }
    pub fn is_owner(&self) -> bool {
        self.is_root || self.role() == Some("owner")
    }
    /// Owners and internal members (not collaborators).
    pub fn is_member(&self) -> bool {
        self.is_owner() || self.role() == Some("member")
    }
    pub fn require_owner(&self) -> ApiResult<()> {
        if self.is_owner() {
            Ok(())
        } else {
            Err(not_allowed())
        }
    }
    pub fn require_member(&self) -> ApiResult<()> {
        if self.is_member() {
            Ok(())
        } else {
            Err(not_allowed())
        }
    }
}

pub fn not_allowed() -> ApiError {
    ApiError::forbidden("Operation not allowed")
}

fn no_org(id: &str) -> ApiError {
    ApiError::forbidden(format!("Organization {id} not found or not accessible"))
}

/// Resolves `orgId` for the caller: members and root users only; anyone else, and ids that do
/// not exist, get the same 403.
pub async fn org_access(state: &AppState, caller: &Caller, org_id: &str) -> ApiResult<OrgAccess> {
    let id: i64 = org_id.parse().map_err(|_| no_org(org_id))?;
    let org = store::org::org(&state.db, id).await?.ok_or_else(|| no_org(org_id))?;
    let member = store::org::membership(&state.db, id, caller.user.id).await?;
    if member.is_none() && !caller.is_root {
        return Err(no_org(org_id));
    }
    Ok(OrgAccess { org, member, is_root: caller.is_root })
}

pub fn parse_id(what: &str, s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found(format!("{what} '{s}' not found")))
}

fn check_name(what: &str, name: &str) -> ApiResult<()> {
    if is_resource_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid {what} name '{name}': use 2 to 39 letters or digits, with single '-' or '_' between them"
        )))
    }
}

fn check_len(what: &str, value: Option<&str>, max: usize) -> ApiResult<()> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::bad_request(format!("{what} is longer than {max} characters"))),
        _ => Ok(()),
    }
}

pub fn taken(what: &str, name: &str) -> impl FnOnce(WriteError) -> ApiError {
    let message = format!("A {what} named '{name}' already exists");
    move |e| match e {
        WriteError::Taken => ApiError::conflict(message),
        WriteError::Db(e) => e.into(),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NameQuery {
    /// The name to check.
    pub name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 1000 (default 50).
    pub max: Option<i64>,
    pub offset: Option<i64>,
    /// Matches user name, e-mail or names (teams: the team name).
    pub search: Option<String>,
}

const ORG: &str = "Organization numeric identifier";

// ---------------------------------------------------------------- organizations

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
    responses((status = 200, body = CreateOrganizationResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 200, body = DescribeOrganizationResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
async fn delete_org(State(state): State<AppState>, caller: Caller, Path(org_id): Path<String>) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    store::org::delete_org(&state.db, a.org.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- members

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

async fn member_page(
    state: &AppState,
    org_id: i64,
    team_id: Option<i64>,
    collaborators: Option<bool>,
    q: PageQuery,
) -> ApiResult<ListMembersResponse> {
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let (rows, total) = store::org::members(&state.db, org_id, team_id, collaborators, q.search.as_deref(), max, offset).await?;
    Ok(ListMembersResponse { members: rows.into_iter().map(Into::into).collect(), total_size: total })
}

/// Owners and members of an organization (not collaborators); visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/members", tag = "orgs", operation_id = "ListOrganizationMembers", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), PageQuery),
    responses((status = 200, body = ListMembersResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
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
    responses((status = 200, body = ListMembersResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
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
async fn user_by_name_or_email(state: &AppState, who: &str) -> ApiResult<store::user::User> {
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
    responses((status = 200, body = AddMemberResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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

async fn member_of(state: &AppState, org_id: i64, member_id: &str) -> ApiResult<MemberRow> {
    let id = parse_id("Member", member_id)?;
    store::org::member(&state.db, org_id, id).await?.ok_or_else(|| ApiError::not_found(format!("Member '{member_id}' not found")))
}

/// Removes a member from the organization and from its workspaces and teams (owners only).
#[utoipa::path(delete, path = "/orgs/{orgId}/members/{memberId}", tag = "orgs", operation_id = "DeleteOrganizationMember", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("memberId" = i64, Path, description = "Member numeric identifier")),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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

// ---------------------------------------------------------------- teams

/// `Team`, the write model of create requests.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct Team {
    name: Option<String>,
    description: Option<String>,
}

/// `TeamDbDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamDbDto {
    team_id: i64,
    name: String,
    description: Option<String>,
    avatar_url: Option<String>,
    members_count: i64,
    idp_group_id: Option<i64>,
    idp_group_name: Option<String>,
}

impl From<TeamRow> for TeamDbDto {
    fn from(t: TeamRow) -> Self {
        TeamDbDto {
            team_id: t.id,
            name: t.name,
            description: t.description,
            avatar_url: None,
            members_count: t.members_count,
            idp_group_id: None,
            idp_group_name: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListTeamResponse {
    teams: Vec<TeamDbDto>,
    total_size: i64,
}

const TEAM: &str = "Team numeric identifier";

/// Teams of an organization; visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/teams", tag = "teams", operation_id = "ListOrganizationTeams", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), PageQuery),
    responses((status = 200, body = ListTeamResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
async fn list_teams(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListTeamResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let (rows, total) = store::org::teams(&state.db, a.org.id, q.search.as_deref(), max, offset).await?;
    Ok(Json(ListTeamResponse { teams: rows.into_iter().map(Into::into).collect(), total_size: total }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTeamRequest {
    team: Option<Team>,
    /// Accepted for compatibility; ignored.
    avatar_id: Option<String>,
    /// Accepted for compatibility; ignored.
    idp_group_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreateTeamResponse {
    team: TeamDbDto,
}

fn team_fields(name: Option<String>, description: Option<String>) -> ApiResult<(String, Option<String>)> {
    let name = name.map(|n| n.trim().to_string()).unwrap_or_default();
    check_name("team", &name)?;
    check_len("description", description.as_deref(), 250)?;
    Ok((name, description))
}

async fn team_of(state: &AppState, org_id: i64, team_id: &str) -> ApiResult<TeamRow> {
    let id = parse_id("Team", team_id)?;
    store::org::team(&state.db, org_id, id).await?.ok_or_else(|| ApiError::not_found(format!("Team '{team_id}' not found")))
}

/// Creates a team (owners only).
#[utoipa::path(post, path = "/orgs/{orgId}/teams", tag = "teams", operation_id = "CreateOrganizationTeam", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)), request_body = CreateTeamRequest,
    responses((status = 200, body = CreateTeamResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> ApiResult<Json<CreateTeamResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let _ = (req.avatar_id, req.idp_group_id);
    let t = req.team.ok_or_else(|| ApiError::bad_request("Missing 'team'"))?;
    let (name, description) = team_fields(t.name, t.description)?;
    let id = store::org::create_team(&state.db, a.org.id, &name, description.as_deref()).await.map_err(taken("team", &name))?;
    let team = team_of(&state, a.org.id, &id.to_string()).await?;
    Ok(Json(CreateTeamResponse { team: team.into() }))
}

/// 204 when the team name is valid and free in the organization, 400 when malformed, 409 when taken.
#[utoipa::path(get, path = "/orgs/{orgId}/teams/validate", tag = "teams", operation_id = "ValidateTeamName", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), NameQuery),
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn validate_team(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    let name = q.name.unwrap_or_default();
    check_name("team", &name)?;
    if store::org::team_name_taken(&state.db, a.org.id, &name).await? {
        return Err(ApiError::conflict(format!("A team named '{name}' already exists")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DescribeTeamResponse {
    team: TeamDbDto,
}

/// A team; visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/teams/{teamId}", tag = "teams", operation_id = "DescribeOrganizationTeam", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM)),
    responses((status = 200, body = DescribeTeamResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn describe_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
) -> ApiResult<Json<DescribeTeamResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    Ok(Json(DescribeTeamResponse { team: team_of(&state, a.org.id, &team_id).await?.into() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTeamRequest {
    name: Option<String>,
    description: Option<String>,
    /// Accepted for compatibility; ignored.
    avatar_id: Option<String>,
    /// Accepted for compatibility; ignored.
    idp_group_id: Option<i64>,
}

/// Updates a team (owners only). Omitted fields keep their value.
#[utoipa::path(put, path = "/orgs/{orgId}/teams/{teamId}", tag = "teams", operation_id = "UpdateOrganizationTeam", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM)), request_body = UpdateTeamRequest,
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn update_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateTeamRequest>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let _ = (req.avatar_id, req.idp_group_id);
    let t = team_of(&state, a.org.id, &team_id).await?;
    let (name, description) = team_fields(Some(req.name.unwrap_or(t.name)), req.description.or(t.description))?;
    store::org::update_team(&state.db, t.id, &name, description.as_deref()).await.map_err(taken("team", &name))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a team and its workspace participations (owners only).
#[utoipa::path(delete, path = "/orgs/{orgId}/teams/{teamId}", tag = "teams", operation_id = "DeleteOrganizationTeam", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM)),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn delete_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let t = team_of(&state, a.org.id, &team_id).await?;
    store::org::delete_team(&state.db, t.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members of a team; visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/teams/{teamId}/members", tag = "teams", operation_id = "ListOrganizationTeamMembers", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM), PageQuery),
    responses((status = 200, body = ListMembersResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn list_team_members(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListMembersResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    let t = team_of(&state, a.org.id, &team_id).await?;
    Ok(Json(member_page(&state, a.org.id, Some(t.id), None, q).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTeamMemberRequest {
    /// User name or e-mail of an organization member or collaborator.
    user_name_or_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddTeamMemberResponse {
    member: MemberDbDto,
}

/// Adds an organization member or collaborator to a team (owners only).
#[utoipa::path(post, path = "/orgs/{orgId}/teams/{teamId}/members", tag = "teams", operation_id = "CreateOrganizationTeamMember", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM)), request_body = CreateTeamMemberRequest,
    responses((status = 200, body = AddTeamMemberResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
async fn add_team_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<CreateTeamMemberRequest>,
) -> ApiResult<Json<AddTeamMemberResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let t = team_of(&state, a.org.id, &team_id).await?;
    let m = org_member_by_name_or_email(&state, a.org.id, req.user_name_or_email.as_deref()).await?;
    store::org::add_team_member(&state.db, t.id, m.member_id).await.map_err(|e| match e {
        WriteError::Taken => ApiError::conflict(format!("'{}' is already in team '{}'", m.user_name, t.name)),
        WriteError::Db(e) => e.into(),
    })?;
    Ok(Json(AddTeamMemberResponse { member: m.into() }))
}

/// The organization membership of a user given by user name or e-mail.
pub async fn org_member_by_name_or_email(state: &AppState, org_id: i64, who: Option<&str>) -> ApiResult<MemberRow> {
    let who = who.map(str::trim).filter(|w| !w.is_empty()).ok_or_else(|| ApiError::bad_request("Missing 'userNameOrEmail'"))?;
    let user = if who.contains('@') {
        store::user::find_by_email(&state.db, who).await?
    } else {
        store::user::find_by_user_name(&state.db, who).await?
    };
    let not_member = || ApiError::not_found(format!("'{who}' is not a member or collaborator of this organization"));
    let user = user.ok_or_else(not_member)?;
    store::org::membership(&state.db, org_id, user.id).await?.ok_or_else(not_member)
}

/// Removes a member from a team (owners only).
#[utoipa::path(delete, path = "/orgs/{orgId}/teams/{teamId}/members/{memberId}/delete", tag = "teams", operation_id = "DeleteOrganizationTeamMember", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM), ("memberId" = i64, Path, description = "Member numeric identifier")),
    responses((status = 204), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn remove_team_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id, member_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let t = team_of(&state, a.org.id, &team_id).await?;
    let m = member_of(&state, a.org.id, &member_id).await?;
    if store::org::remove_team_member(&state.db, t.id, m.member_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Member '{member_id}' is not in team '{}'", t.name)))
    }
}

/// `WorkspaceParticipantResponseDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceParticipantResponseDto {
    org_id: i64,
    org_name: String,
    participant_id: i64,
    participant_role: String,
    workspace_id: i64,
    workspace_name: String,
    workspace_full_name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkspacesByTeamResponse {
    workspaces: Vec<WorkspaceParticipantResponseDto>,
    total_size: i64,
}

/// Workspaces where a team participates, with its role there; visible to owners and members.
#[utoipa::path(get, path = "/orgs/{orgId}/teams/{teamId}/workspaces", tag = "teams", operation_id = "ListWorkspacesByTeam", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("teamId" = i64, Path, description = TEAM)),
    responses((status = 200, body = ListWorkspacesByTeamResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
async fn team_workspaces(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, team_id)): Path<(String, String)>,
) -> ApiResult<Json<ListWorkspacesByTeamResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    let t = team_of(&state, a.org.id, &team_id).await?;
    let workspaces: Vec<_> = store::org::team_workspaces(&state.db, t.id)
        .await?
        .into_iter()
        .map(|(w, participant_id, role)| WorkspaceParticipantResponseDto {
            org_id: a.org.id,
            org_name: a.org.name.clone(),
            participant_id,
            participant_role: role,
            workspace_id: w.id,
            workspace_name: w.name,
            workspace_full_name: w.full_name,
        })
        .collect();
    Ok(Json(ListWorkspacesByTeamResponse { total_size: workspaces.len() as i64, workspaces }))
}

// ---------------------------------------------------------------- roles

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
    responses((status = 200, body = ListRolesResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
async fn list_roles(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RolesQuery>,
) -> ApiResult<Json<ListRolesResponse>> {
    let a = org_from_query(&state, &caller, q.org_id).await?;
    a.require_member()?;
    let (max, offset) = super::paging(q.max, q.offset, 100)?;
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
    responses((status = 201, body = CreateRoleResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 200, body = ListRolePermissionsResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 200, body = DescribeRoleResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
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
