//! Teams of an organization and their members and workspaces.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::members::{member_of, member_page, ListMembersResponse, MemberDbDto};
use super::{check_len, check_name, org_access, parse_id, taken, NameQuery, PageQuery, ORG};
use crate::api::errors::{CreateErrors, ListErrors, OwnErrors, ReadErrors, UpdateErrors};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::org::{MemberRow, TeamRow, WriteError};
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(validate_team))
        .routes(routes!(describe_team, update_team, delete_team))
        .routes(routes!(list_team_members, add_team_member))
        .routes(routes!(remove_team_member))
        .routes(routes!(team_workspaces))
}

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
    responses((status = 200, body = ListTeamResponse), ListErrors))]
async fn list_teams(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListTeamResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_member()?;
    let (max, offset) = crate::api::paging(q.max, q.offset, 50)?;
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
    responses((status = 200, body = CreateTeamResponse), CreateErrors))]
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
    responses((status = 204), CreateErrors))]
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
    responses((status = 200, body = DescribeTeamResponse), OwnErrors))]
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
    responses((status = 204), UpdateErrors))]
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
    responses((status = 204), OwnErrors))]
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
    responses((status = 200, body = ListMembersResponse), ReadErrors))]
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
    responses((status = 200, body = AddTeamMemberResponse), UpdateErrors))]
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
    responses((status = 204), OwnErrors))]
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
    responses((status = 200, body = ListWorkspacesByTeamResponse), OwnErrors))]
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
