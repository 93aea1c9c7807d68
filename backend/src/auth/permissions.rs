//! Who may do what in a workspace: the Seqera workspace roles (owner, admin, maintain, launch,
//! connect, view) as sets of permissions, custom roles as stored sets, and the caller's effective
//! access to a workspace context. Every handler that takes `workspaceId` resolves an [`Access`]
//! here and asks it for the permission its operation needs.

use std::collections::BTreeSet;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::Db;

/// The permissions of the Seqera workspace role matrix that this server gates (platform-api.md §8).
pub const WORKFLOW_READ: &str = "workflow:read";
pub const WORKFLOW_WRITE: &str = "workflow:write";
pub const WORKFLOW_EXECUTE: &str = "workflow:execute";
pub const WORKFLOW_DELETE: &str = "workflow:delete";
pub const WORKFLOW_LABEL_WRITE: &str = "workflow_label:write";
pub const WORKFLOW_STAR_READ: &str = "workflow_star:read";
pub const WORKFLOW_STAR_WRITE: &str = "workflow_star:write";
pub const WORKFLOW_STAR_DELETE: &str = "workflow_star:delete";
pub const LABEL_READ: &str = "label:read";
pub const LABEL_WRITE: &str = "label:write";
pub const LABEL_DELETE: &str = "label:delete";
pub const WORKSPACE_READ: &str = "workspace:read";
pub const WORKSPACE_WRITE: &str = "workspace:write";
pub const WORKSPACE_DELETE: &str = "workspace:delete";
pub const WORKSPACE_ADMIN: &str = "workspace:admin";
pub const WORKSPACE_SELF_DELETE: &str = "workspace_self:delete";
pub const CREDENTIALS_READ: &str = "credentials:read";
pub const CREDENTIALS_WRITE: &str = "credentials:write";
pub const CREDENTIALS_DELETE: &str = "credentials:delete";
/// Use credentials in a launch (and read their keys, sealed, as the launcher does).
pub const CREDENTIALS_USE: &str = "credentials:use";
pub const PIPELINE_SECRET_READ: &str = "pipeline_secret:read";
pub const PIPELINE_SECRET_WRITE: &str = "pipeline_secret:write";
pub const PIPELINE_SECRET_DELETE: &str = "pipeline_secret:delete";
/// Use secrets in a launch.
pub const PIPELINE_SECRET_USE: &str = "pipeline_secret:use";
pub const COMPUTE_ENV_READ: &str = "compute_env:read";
pub const COMPUTE_ENV_WRITE: &str = "compute_env:write";
pub const COMPUTE_ENV_DELETE: &str = "compute_env:delete";
pub const PIPELINE_READ: &str = "pipeline:read";
pub const PIPELINE_WRITE: &str = "pipeline:write";
pub const PIPELINE_DELETE: &str = "pipeline:delete";
pub const DATASET_READ: &str = "dataset:read";
pub const DATASET_WRITE: &str = "dataset:write";
pub const DATASET_DELETE: &str = "dataset:delete";
pub const ACTION_READ: &str = "action:read";
pub const ACTION_WRITE: &str = "action:write";
pub const ACTION_DELETE: &str = "action:delete";

/// `(permission, category, [owner, admin, maintain, launch, connect, view])`.
const MATRIX: &[(&str, &str, [bool; 6])] = &[
    (WORKFLOW_READ, "workflow", [true, true, true, true, true, true]),
    (WORKFLOW_WRITE, "workflow", [true, true, true, true, false, false]),
    (WORKFLOW_EXECUTE, "workflow", [true, true, true, true, false, false]),
    (WORKFLOW_DELETE, "workflow", [true, true, true, true, false, false]),
    (WORKFLOW_LABEL_WRITE, "workflow", [true, true, true, false, false, false]),
    (WORKFLOW_STAR_READ, "workflow", [true, true, true, true, true, true]),
    (WORKFLOW_STAR_WRITE, "workflow", [true, true, true, true, true, true]),
    (WORKFLOW_STAR_DELETE, "workflow", [true, true, true, true, true, true]),
    (LABEL_READ, "label", [true, true, true, true, true, true]),
    (LABEL_WRITE, "label", [true, true, true, false, false, false]),
    (LABEL_DELETE, "label", [true, true, true, false, false, false]),
    (WORKSPACE_READ, "workspace", [true, true, true, true, true, true]),
    (WORKSPACE_WRITE, "workspace", [true, true, false, false, false, false]),
    (WORKSPACE_DELETE, "workspace", [true, false, false, false, false, false]),
    (WORKSPACE_ADMIN, "workspace", [true, false, false, false, false, false]),
    (WORKSPACE_SELF_DELETE, "workspace", [true, true, true, true, true, true]),
    (CREDENTIALS_READ, "credentials", [true, true, true, false, false, false]),
    (CREDENTIALS_WRITE, "credentials", [true, true, true, false, false, false]),
    (CREDENTIALS_DELETE, "credentials", [true, true, true, false, false, false]),
    (CREDENTIALS_USE, "credentials", [true, true, true, true, false, false]),
    (PIPELINE_SECRET_READ, "pipeline_secret", [true, true, true, false, false, false]),
    (PIPELINE_SECRET_WRITE, "pipeline_secret", [true, true, true, false, false, false]),
    (PIPELINE_SECRET_DELETE, "pipeline_secret", [true, true, true, false, false, false]),
    (PIPELINE_SECRET_USE, "pipeline_secret", [true, true, true, true, false, false]),
    (COMPUTE_ENV_READ, "compute_env", [true, true, true, true, false, false]),
    (COMPUTE_ENV_WRITE, "compute_env", [true, true, false, false, false, false]),
    (COMPUTE_ENV_DELETE, "compute_env", [true, true, false, false, false, false]),
    (PIPELINE_READ, "pipeline", [true, true, true, true, true, true]),
    (PIPELINE_WRITE, "pipeline", [true, true, true, false, false, false]),
    (PIPELINE_DELETE, "pipeline", [true, true, true, false, false, false]),
    (DATASET_READ, "dataset", [true, true, true, true, true, true]),
    (DATASET_WRITE, "dataset", [true, true, true, true, false, false]),
    (DATASET_DELETE, "dataset", [true, true, true, false, false, false]),
    (ACTION_READ, "action", [true, true, true, true, true, true]),
    (ACTION_WRITE, "action", [true, true, true, false, false, false]),
    (ACTION_DELETE, "action", [true, true, true, false, false, false]),
];

/// The predefined workspace roles, most powerful first.
pub const PREDEFINED_ROLES: [&str; 6] = ["owner", "admin", "maintain", "launch", "connect", "view"];

pub fn role_description(role: &str) -> &'static str {
    match role {
        "owner" => "Full control of the workspace, its participants and settings",
        "admin" => "Manage participants, settings, compute environments and every resource of the workspace",
        "maintain" => "Launch, manage and label runs, manage labels, pipelines, credentials and secrets",
        "launch" => "Launch runs (using the workspace credentials and secrets) and report Nextflow runs; delete runs",
        "connect" => "View runs and connect to running sessions",
        "view" => "Read-only access to runs and resources",
        _ => "",
    }
}

/// Every permission this server knows, with its category (for `GET /roles/permissions`).
pub fn all_permissions() -> impl Iterator<Item = (&'static str, &'static str)> {
    MATRIX.iter().map(|(p, c, _)| (*p, *c))
}

pub fn is_permission(name: &str) -> bool {
    MATRIX.iter().any(|(p, _, _)| *p == name)
}

/// The permissions of a predefined role, or `None` for a name that is not one.
pub fn predefined(role: &str) -> Option<BTreeSet<&'static str>> {
    let i = PREDEFINED_ROLES.iter().position(|r| *r == role)?;
    Some(MATRIX.iter().filter(|(_, _, grants)| grants[i]).map(|(p, _, _)| *p).collect())
}

/// What the caller may do in one workspace context.
#[derive(Debug, Clone)]
pub struct Access {
    /// `None`: the caller's personal workspace.
    pub workspace_id: Option<i64>,
    pub org_id: Option<i64>,
    permissions: BTreeSet<String>,
}

impl Access {
    pub fn personal() -> Self {
        Access { workspace_id: None, org_id: None, permissions: MATRIX.iter().map(|(p, _, _)| p.to_string()).collect() }
    }

    pub fn can(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    pub fn require(&self, permission: &str) -> ApiResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Operation not allowed"))
        }
    }
}

/// The answer for a workspace the caller may not use: the same whether it exists or not.
pub fn no_workspace(id: impl std::fmt::Display) -> ApiError {
    ApiError::forbidden(format!("Workspace {id} not found or not accessible"))
}

/// Resolves the caller's access to a workspace context. Without a `workspaceId` the caller acts
/// in their personal workspace, where they hold every permission. In an organization workspace:
/// root users and organization owners are owners; otherwise the union of the permissions of the
/// caller's own participant role and of the roles of the teams they belong to. Not a participant,
/// or no such workspace: the same 403.
pub async fn workspace_access(db: &Db, caller: &Caller, workspace_id: Option<i64>) -> ApiResult<Access> {
    let Some(id) = workspace_id else {
        return Ok(Access::personal());
    };
    let ws = store::org::workspace(db, id).await?.ok_or_else(|| no_workspace(id))?;
    let mut permissions: BTreeSet<String> = BTreeSet::new();
    if caller.is_root {
        permissions.extend(predefined("owner").unwrap_or_default().into_iter().map(str::to_string));
    } else {
        let grants = store::org::roles_in_workspace(db, caller.user.id, id).await?;
        if grants.org_role.as_deref() == Some("owner") {
            permissions.extend(predefined("owner").unwrap_or_default().into_iter().map(str::to_string));
        }
        for role in &grants.workspace_roles {
            match predefined(role) {
                Some(set) => permissions.extend(set.into_iter().map(str::to_string)),
                None => {
                    if let Some(custom) = store::org::custom_role(db, ws.org_id, role).await? {
                        permissions.extend(custom.permission_list());
                    }
                }
            }
        }
    }
    if permissions.is_empty() {
        return Err(no_workspace(id));
    }
    Ok(Access { workspace_id: Some(id), org_id: Some(ws.org_id), permissions })
}

/// Resolves the workspace context and checks one permission in it.
pub async fn require(db: &Db, caller: &Caller, workspace_id: Option<i64>, permission: &str) -> ApiResult<Access> {
    let access = workspace_access(db, caller, workspace_id).await?;
    access.require(permission)?;
    Ok(access)
}

/// Whether the caller may see a run with this owner and workspace, given their access to that
/// workspace. Personal runs are seen by their owner and root users; workspace runs by anyone with
/// `workflow:read` there. The one rule shared by the REST endpoints and the live events.
pub fn can_view_run(caller: &Caller, access: &Access, owner_id: i64, workspace_id: Option<i64>) -> bool {
    access.workspace_id == workspace_id
        && access.can(WORKFLOW_READ)
        && (workspace_id.is_some() || owner_id == caller.user.id || caller.is_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_from_view_to_owner() {
        let sets: Vec<_> = PREDEFINED_ROLES.iter().map(|r| predefined(r).unwrap()).collect();
        for w in sets.windows(2) {
            assert!(w[1].is_subset(&w[0]), "{:?} should be within {:?}", w[1], w[0]);
        }
        assert!(predefined("launch").unwrap().contains(WORKFLOW_WRITE));
        assert!(!predefined("connect").unwrap().contains(WORKFLOW_WRITE));
        assert!(!predefined("maintain").unwrap().contains(WORKSPACE_WRITE));
        assert!(predefined("admin").unwrap().contains(WORKSPACE_WRITE));
        assert!(!predefined("admin").unwrap().contains(WORKSPACE_DELETE));
        assert!(predefined("superuser").is_none());
    }

    #[test]
    fn personal_access_holds_everything() {
        let a = Access::personal();
        assert!(all_permissions().all(|(p, _)| a.can(p)));
        assert!(a.require("workflow:launch-rockets").is_err());
    }
}
