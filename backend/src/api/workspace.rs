//! Organization workspaces and their participants, with the Seqera Platform paths and shapes, and
//! `GET /user/{userId}/workspaces` for the workspace switcher. Reading a workspace needs
//! `workspace:read` there; managing participants `workspace:write`; deleting it, or granting and
//! taking away the owner role, `workspace:admin`/`workspace:delete` (owners). Organization owners
//! create workspaces.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiQuery};
use super::org::{not_allowed, org_access, org_member_by_name_or_email, parse_id, taken, NameQuery, PageQuery};
use crate::api::errors::{CallerErrors, CreateErrors, ListErrors, OwnErrors, ReadErrors, UpdateErrors};
use crate::auth::permissions::{self, Access};
use crate::auth::Caller;
use crate::domain::names::is_resource_name;
use crate::domain::time::opt_datetime;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::org::{ParticipantRow, WorkspaceFields, WorkspaceRow, WriteError};
use crate::store::{self};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workspaces, create_workspace))
        .routes(routes!(validate_workspace))
        .routes(routes!(describe_workspace, update_workspace, delete_workspace))
        .routes(routes!(list_participants, leave_workspace))
        .routes(routes!(add_participant))
        .routes(routes!(remove_participant))
        .routes(routes!(update_participant_role))
        .routes(routes!(remove_workspace_user))
        .routes(routes!(user_workspaces))
}

const ORG: &str = "Organization numeric identifier";
const WSP: &str = "Workspace numeric identifier";

/// `Workspace`, read and write model.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    #[serde(default)]
    id: Option<i64>,
    name: Option<String>,
    full_name: Option<String>,
    description: Option<String>,
    /// `PRIVATE` or `SHARED` (visible to every member of the organization).
    visibility: Option<String>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    date_created: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_updated: Option<i64>,
}

impl From<WorkspaceRow> for Workspace {
    fn from(w: WorkspaceRow) -> Self {
        Workspace {
            id: Some(w.id),
            name: Some(w.name),
            full_name: Some(w.full_name),
            description: w.description,
            visibility: Some(w.visibility),
            date_created: Some(w.date_created),
            last_updated: Some(w.last_updated),
        }
    }
}

/// `WorkspaceDbDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDbDto {
    id: i64,
    name: String,
    full_name: String,
    description: Option<String>,
    visibility: String,
}

fn fields(
    name: Option<String>,
    full_name: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
) -> ApiResult<WorkspaceFields> {
    let name = name.map(|n| n.trim().to_string()).unwrap_or_default();
    if !is_resource_name(&name) {
        return Err(ApiError::bad_request(format!(
            "Invalid workspace name '{name}': use 2 to 39 letters or digits, with single '-' or '_' between them"
        )));
    }
    let full_name = full_name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| name.clone());
    if full_name.chars().count() > 100 {
        return Err(ApiError::bad_request("fullName is longer than 100 characters"));
    }
    if description.as_deref().is_some_and(|d| d.chars().count() > 1000) {
        return Err(ApiError::bad_request("description is longer than 1000 characters"));
    }
    let visibility = visibility.unwrap_or_else(|| "PRIVATE".into());
    if !["PRIVATE", "SHARED"].contains(&visibility.as_str()) {
        return Err(ApiError::bad_request(format!("Unknown visibility '{visibility}': use PRIVATE or SHARED")));
    }
    Ok(WorkspaceFields { name, full_name, description, visibility })
}

/// The workspace `workspaceId` of organization `orgId`, with the caller's access to it. A
/// workspace of another organization, or one the caller may not enter, is the same 403 as a
/// workspace that does not exist.
async fn workspace_in_org(state: &AppState, caller: &Caller, org_id: &str, workspace_id: &str) -> ApiResult<(WorkspaceRow, Access)> {
    let no_workspace = || permissions::no_workspace(workspace_id);
    let id: i64 = workspace_id.parse().map_err(|_| no_workspace())?;
    let access = permissions::workspace_access(&state.db, caller, Some(id)).await.map_err(|_| no_workspace())?;
    let ws = store::org::workspace(&state.db, id).await?.ok_or_else(no_workspace)?;
    if org_id.parse::<i64>().ok() != Some(ws.org_id) {
        return Err(no_workspace());
    }
    Ok((ws, access))
}

#[derive(Serialize, ToSchema)]
pub struct ListWorkspacesResponse {
    workspaces: Vec<WorkspaceDbDto>,
}

/// Workspaces of an organization the caller can enter: all of them for owners; for members those
/// they participate in and the `SHARED` ones; for collaborators those they participate in.
#[utoipa::path(get, path = "/orgs/{orgId}/workspaces", tag = "workspaces", operation_id = "ListWorkspaces", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)),
    responses((status = 200, body = ListWorkspacesResponse), CallerErrors))]
async fn list_workspaces(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
) -> ApiResult<Json<ListWorkspacesResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    let filter = if a.is_owner() { None } else { Some((caller.user.id, a.is_member())) };
    let workspaces = store::org::workspaces_of_org(&state.db, a.org.id, filter)
        .await?
        .into_iter()
        .map(|w| WorkspaceDbDto { id: w.id, name: w.name, full_name: w.full_name, description: w.description, visibility: w.visibility })
        .collect();
    Ok(Json(ListWorkspacesResponse { workspaces }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateWorkspaceRequest {
    workspace: Option<Workspace>,
}

#[derive(Serialize, ToSchema)]
pub struct CreateWorkspaceResponse {
    workspace: Workspace,
}

/// Creates a workspace in an organization (organization owners only).
#[utoipa::path(post, path = "/orgs/{orgId}/workspaces", tag = "workspaces", operation_id = "CreateWorkspace", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG)), request_body = CreateWorkspaceRequest,
    responses((status = 200, body = CreateWorkspaceResponse), CreateErrors))]
async fn create_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiJson(req): ApiJson<CreateWorkspaceRequest>,
) -> ApiResult<Json<CreateWorkspaceResponse>> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let w = req.workspace.ok_or_else(|| ApiError::bad_request("Missing 'workspace'"))?;
    let f = fields(w.name, w.full_name, w.description, w.visibility)?;
    let id = store::org::create_workspace(&state.db, a.org.id, &f).await.map_err(taken("workspace", &f.name))?;
    let ws = store::org::workspace(&state.db, id).await?.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("workspace {id} vanished")))?;
    Ok(Json(CreateWorkspaceResponse { workspace: ws.into() }))
}

/// 204 when the name is valid and free in the organization, 400 when malformed, 409 when taken.
#[utoipa::path(get, path = "/orgs/{orgId}/workspaces/validate", tag = "workspaces", operation_id = "ValidateWorkspaceName", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), NameQuery),
    responses((status = 204), CreateErrors))]
async fn validate_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path(org_id): Path<String>,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> ApiResult<StatusCode> {
    let a = org_access(&state, &caller, &org_id).await?;
    a.require_owner()?;
    let f = fields(q.name, None, None, None)?;
    if store::org::workspace_name_taken(&state.db, a.org.id, &f.name).await? {
        return Err(ApiError::conflict(format!("A workspace named '{}' already exists", f.name)));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct DescribeWorkspaceResponse {
    workspace: Workspace,
}

/// A workspace (`workspace:read`).
#[utoipa::path(get, path = "/orgs/{orgId}/workspaces/{workspaceId}", tag = "workspaces", operation_id = "DescribeWorkspace", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP)),
    responses((status = 200, body = DescribeWorkspaceResponse), CallerErrors))]
async fn describe_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
) -> ApiResult<Json<DescribeWorkspaceResponse>> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_READ)?;
    Ok(Json(DescribeWorkspaceResponse { workspace: ws.into() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWorkspaceRequest {
    name: Option<String>,
    full_name: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
}

/// Updates a workspace (`workspace:write`). Omitted fields keep their value.
#[utoipa::path(put, path = "/orgs/{orgId}/workspaces/{workspaceId}", tag = "workspaces", operation_id = "UpdateWorkspace", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP)), request_body = UpdateWorkspaceRequest,
    responses((status = 200, body = DescribeWorkspaceResponse), CreateErrors))]
async fn update_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateWorkspaceRequest>,
) -> ApiResult<Json<DescribeWorkspaceResponse>> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_WRITE)?;
    let f = fields(
        Some(req.name.unwrap_or(ws.name)),
        Some(req.full_name.unwrap_or(ws.full_name)),
        req.description.or(ws.description),
        Some(req.visibility.unwrap_or(ws.visibility)),
    )?;
    store::org::update_workspace(&state.db, ws.id, &f).await.map_err(taken("workspace", &f.name))?;
    let ws = store::org::workspace(&state.db, ws.id).await?.ok_or_else(|| permissions::no_workspace(&workspace_id))?;
    Ok(Json(DescribeWorkspaceResponse { workspace: ws.into() }))
}

/// Deletes a workspace (`workspace:delete`): its runs are marked deleted and purged by cron.
#[utoipa::path(delete, path = "/orgs/{orgId}/workspaces/{workspaceId}", tag = "workspaces", operation_id = "DeleteWorkspace", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP)),
    responses((status = 204), CallerErrors))]
async fn delete_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_DELETE)?;
    store::org::delete_workspace(&state.db, ws.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- participants

/// `ParticipantResponseDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantResponseDto {
    participant_id: i64,
    member_id: Option<i64>,
    user_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    org_role: Option<String>,
    team_id: Option<i64>,
    team_name: Option<String>,
    /// The workspace role: owner, admin, maintain, launch, connect, view or a custom role.
    wsp_role: String,
    /// `MEMBER`, `TEAM` or `COLLABORATOR`.
    #[serde(rename = "type")]
    participant_type: String,
    team_avatar_url: Option<String>,
    user_avatar_url: Option<String>,
}

impl From<ParticipantRow> for ParticipantResponseDto {
    fn from(p: ParticipantRow) -> Self {
        let participant_type = match (p.team_id, p.org_role.as_deref()) {
            (Some(_), _) => "TEAM",
            (None, Some("collaborator")) => "COLLABORATOR",
            _ => "MEMBER",
        };
        ParticipantResponseDto {
            participant_id: p.participant_id,
            member_id: p.member_id,
            user_name: p.user_name,
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            org_role: p.org_role,
            team_id: p.team_id,
            team_name: p.team_name,
            wsp_role: p.role,
            participant_type: participant_type.into(),
            team_avatar_url: None,
            user_avatar_url: p.avatar,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListParticipantsResponse {
    participants: Vec<ParticipantResponseDto>,
    total_size: i64,
}

/// Participants (members, teams, collaborators) of a workspace with their roles (`workspace:read`).
#[utoipa::path(get, path = "/orgs/{orgId}/workspaces/{workspaceId}/participants", tag = "workspaces", operation_id = "ListWorkspaceParticipants", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP), PageQuery),
    responses((status = 200, body = ListParticipantsResponse), ListErrors))]
async fn list_participants(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ListParticipantsResponse>> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_READ)?;
    let (max, offset) = super::paging(q.max, q.offset, 50)?;
    let (rows, total) = store::org::participants(&state.db, ws.id, q.search.as_deref(), max, offset).await?;
    Ok(Json(ListParticipantsResponse { participants: rows.into_iter().map(Into::into).collect(), total_size: total }))
}

/// The caller leaves a workspace (`workspace_self:delete`). Team participations stay.
#[utoipa::path(delete, path = "/orgs/{orgId}/workspaces/{workspaceId}/participants", tag = "workspaces", operation_id = "LeaveWorkspaceParticipant", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP)),
    responses((status = 204), OwnErrors))]
async fn leave_workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_SELF_DELETE)?;
    if store::org::remove_user_participant(&state.db, ws.id, caller.user.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("You are not a direct participant of this workspace"))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantRequest {
    /// An organization member.
    member_id: Option<i64>,
    /// A team of the organization.
    team_id: Option<i64>,
    /// The user name or e-mail of an organization member or collaborator.
    user_name_or_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddParticipantResponse {
    participant: ParticipantResponseDto,
}

/// Adds a member, a collaborator or a team to a workspace with the `view` role (`workspace:write`).
#[utoipa::path(put, path = "/orgs/{orgId}/workspaces/{workspaceId}/participants/add", tag = "workspaces", operation_id = "CreateWorkspaceParticipant", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP)), request_body = AddParticipantRequest,
    responses((status = 200, body = AddParticipantResponse), UpdateErrors))]
async fn add_participant(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AddParticipantRequest>,
) -> ApiResult<Json<AddParticipantResponse>> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_WRITE)?;
    let given = [req.member_id.is_some(), req.team_id.is_some(), req.user_name_or_email.is_some()].iter().filter(|b| **b).count();
    if given != 1 {
        return Err(ApiError::bad_request("Give exactly one of 'memberId', 'teamId' or 'userNameOrEmail'"));
    }
    let (member_id, team_id, what) = if let Some(t) = req.team_id {
        let team = store::org::team(&state.db, ws.org_id, t).await?.ok_or_else(|| ApiError::not_found(format!("Team '{t}' not found")))?;
        (None, Some(team.id), format!("Team '{}'", team.name))
    } else {
        let m = match req.member_id {
            Some(m) => {
                store::org::member(&state.db, ws.org_id, m).await?.ok_or_else(|| ApiError::not_found(format!("Member '{m}' not found")))?
            }
            None => org_member_by_name_or_email(&state, ws.org_id, req.user_name_or_email.as_deref()).await?,
        };
        (Some(m.member_id), None, format!("'{}'", m.user_name))
    };
    let id = store::org::add_participant(&state.db, ws.id, member_id, team_id, "view").await.map_err(|e| match e {
        WriteError::Taken => ApiError::conflict(format!("{what} is already a participant of this workspace")),
        WriteError::Db(e) => e.into(),
    })?;
    let p = participant_of(&state, ws.id, &id.to_string()).await?;
    Ok(Json(AddParticipantResponse { participant: p.into() }))
}

async fn participant_of(state: &AppState, workspace_id: i64, participant_id: &str) -> ApiResult<ParticipantRow> {
    let id = parse_id("Participant", participant_id)?;
    store::org::participant(&state.db, workspace_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Participant '{participant_id}' not found")))
}

/// Changing an owner participant, or making one, needs `workspace:admin` on top of `workspace:write`.
fn check_owner_change(access: &Access, current: &str, new: Option<&str>) -> ApiResult<()> {
    access.require(permissions::WORKSPACE_WRITE)?;
    if current == "owner" || new == Some("owner") {
        access.require(permissions::WORKSPACE_ADMIN)?;
    }
    Ok(())
}

/// Removes a participant (`workspace:write`; an owner participant needs `workspace:admin`).
#[utoipa::path(delete, path = "/orgs/{orgId}/workspaces/{workspaceId}/participants/{participantId}", tag = "workspaces", operation_id = "DeleteWorkspaceParticipant", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP), ("participantId" = i64, Path, description = "Participant numeric identifier")),
    responses((status = 204), OwnErrors))]
async fn remove_participant(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id, participant_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_WRITE)?;
    let p = participant_of(&state, ws.id, &participant_id).await?;
    check_owner_change(&access, &p.role, None)?;
    store::org::remove_participant(&state.db, p.participant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateParticipantRoleRequest {
    /// owner, admin, maintain, launch, connect, view or the name of a custom role.
    role: Option<String>,
}

/// Sets a participant's workspace role (`workspace:write`; owner changes need `workspace:admin`).
#[utoipa::path(put, path = "/orgs/{orgId}/workspaces/{workspaceId}/participants/{participantId}/role", tag = "workspaces", operation_id = "UpdateWorkspaceParticipantRole", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP), ("participantId" = i64, Path, description = "Participant numeric identifier")),
    request_body = UpdateParticipantRoleRequest,
    responses((status = 204), ReadErrors))]
async fn update_participant_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id, participant_id)): Path<(String, String, String)>,
    ApiJson(req): ApiJson<UpdateParticipantRoleRequest>,
) -> ApiResult<StatusCode> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_WRITE)?;
    let role = req.role.map(|r| r.trim().to_string()).unwrap_or_default();
    if permissions::predefined(&role).is_none() && store::org::custom_role(&state.db, ws.org_id, &role).await?.is_none() {
        return Err(ApiError::bad_request(format!(
            "Unknown role '{role}': use owner, admin, maintain, launch, connect, view or a custom role of the organization"
        )));
    }
    let p = participant_of(&state, ws.id, &participant_id).await?;
    check_owner_change(&access, &p.role, Some(&role))?;
    store::org::set_participant_role(&state.db, p.participant_id, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user's own participation from a workspace (`workspace:write`; removing an owner
/// needs `workspace:admin`).
#[utoipa::path(delete, path = "/orgs/{orgId}/workspaces/{workspaceId}/users/{userId}", tag = "workspaces", operation_id = "DeleteWorkspaceUser", security(("BearerAuth" = [])),
    params(("orgId" = i64, Path, description = ORG), ("workspaceId" = i64, Path, description = WSP), ("userId" = i64, Path, description = "User numeric identifier")),
    responses((status = 204), OwnErrors))]
async fn remove_workspace_user(
    State(state): State<AppState>,
    caller: Caller,
    Path((org_id, workspace_id, user_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (ws, access) = workspace_in_org(&state, &caller, &org_id, &workspace_id).await?;
    access.require(permissions::WORKSPACE_WRITE)?;
    let uid = parse_id("User", &user_id)?;
    let not_participant = || ApiError::not_found(format!("User '{user_id}' is not a participant of this workspace"));
    let member = store::org::membership(&state.db, ws.org_id, uid).await?.ok_or_else(not_participant)?;
    let grants = store::org::roles_in_workspace(&state.db, uid, ws.id).await?;
    if grants.workspace_roles.iter().any(|r| r == "owner") {
        access.require(permissions::WORKSPACE_ADMIN)?;
    }
    if store::org::remove_user_participant(&state.db, ws.id, member.user_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_participant())
    }
}

// ---------------------------------------------------------------- the workspace switcher

/// `OrgAndWorkspaceDto`: an organization (with `workspaceId` null) or one of its workspaces.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgAndWorkspaceDto {
    org_id: i64,
    org_name: String,
    org_logo_url: Option<String>,
    org_type: Option<String>,
    workspace_id: Option<i64>,
    workspace_name: Option<String>,
    workspace_full_name: Option<String>,
    visibility: Option<String>,
    roles: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkspacesAndOrgResponse {
    orgs_and_workspaces: Vec<OrgAndWorkspaceDto>,
}

/// Every organization a user belongs to (an entry with `workspaceId` null and the organization
/// role) and every workspace they can enter there (with their workspace roles). The user
/// themselves or a root user only. The personal workspace is implicit: no `workspaceId`.
#[utoipa::path(get, path = "/user/{userId}/workspaces", tag = "workspaces", operation_id = "ListWorkspacesUser", security(("BearerAuth" = [])),
    params(("userId" = i64, Path, description = "User numeric identifier")),
    responses((status = 200, body = ListWorkspacesAndOrgResponse), CallerErrors))]
async fn user_workspaces(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<ListWorkspacesAndOrgResponse>> {
    let uid: i64 = user_id.parse().map_err(|_| not_allowed())?;
    if uid != caller.user.id && !caller.is_root {
        return Err(not_allowed());
    }
    let mut out = Vec::new();
    let mut last_org = None;
    for (org, ws, org_role, roles) in store::org::user_workspaces(&state.db, uid).await? {
        if last_org != Some(org.id) {
            last_org = Some(org.id);
            out.push(OrgAndWorkspaceDto {
                org_id: org.id,
                org_name: org.name.clone(),
                org_logo_url: None,
                org_type: org.org_type.clone(),
                workspace_id: None,
                workspace_name: None,
                workspace_full_name: None,
                visibility: None,
                roles: vec![org_role.clone()],
            });
        }
        if let Some(w) = ws {
            out.push(OrgAndWorkspaceDto {
                org_id: org.id,
                org_name: org.name,
                org_logo_url: None,
                org_type: org.org_type,
                workspace_id: Some(w.id),
                workspace_name: Some(w.name),
                workspace_full_name: Some(w.full_name),
                visibility: Some(w.visibility),
                roles,
            });
        }
    }
    Ok(Json(ListWorkspacesAndOrgResponse { orgs_and_workspaces: out }))
}
