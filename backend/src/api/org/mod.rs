//! Organizations, their members and collaborators, teams and custom roles, with the Seqera
//! Platform paths and shapes. Org owners manage everything; members see the organization, its
//! members and teams; collaborators see only the organization itself. Root users act as owners
//! everywhere. Anyone else gets the same 403 whether the organization exists or not.

mod members;
mod orgs;
mod roles;
mod teams;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Caller;
use crate::domain::names::is_resource_name;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::org::{MemberRow, OrgRow, WriteError};
use crate::store::{self};

pub use teams::org_member_by_name_or_email;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(orgs::router()).merge(members::router()).merge(teams::router()).merge(roles::router())
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
