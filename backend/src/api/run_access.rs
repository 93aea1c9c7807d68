//! Who may see a run: its owner and workspace, cached because they never change, and the one
//! check every run, task, label and trace route makes before it touches a run.

use crate::auth::permissions::{self as perm, can_view_run};
use crate::auth::Caller;
use crate::cache::Cache;
use crate::domain::ids::is_valid_workflow_id;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::workflow::{RunOwner, WorkflowRow};
use crate::store::{self};

/// The run's owner record, if the caller may see the run in this workspace context. A run that
/// does not exist and a run the caller may not see get the same answer, so ids cannot be probed.
pub async fn authorize_run(
    state: &AppState,
    caller: &Caller,
    id: &str,
    workspace_id: Option<i64>,
    permission: &str,
) -> ApiResult<RunOwner> {
    let access = perm::require(&state.db, caller, workspace_id, permission).await?;
    let not_found = || ApiError::not_found(format!("Workflow '{id}' not found"));
    if !is_valid_workflow_id(id) {
        return Err(not_found());
    }
    let run = run_owner(state, id).await?.ok_or_else(not_found)?;
    if can_view_run(caller, &access, run.owner_id, run.workspace_id) {
        Ok(run)
    } else {
        Err(not_found())
    }
}

pub fn run_owner_key(id: &str) -> String {
    format!("run-owner:{id}")
}

/// Who owns a run and where it lives, which never changes: from this process's cache, else the
/// shared one, else the database, so the trace requests of a busy run skip the database read and,
/// mostly, the round trip to Redis. Deleting a run drops the shared entry; the short TTLs bound
/// what a deleted or purged run leaves behind on other replicas.
async fn run_owner(state: &AppState, id: &str) -> ApiResult<Option<RunOwner>> {
    const SHARED_TTL: std::time::Duration = std::time::Duration::from_secs(60);
    const LOCAL_TTL: std::time::Duration = std::time::Duration::from_secs(10);
    let key = run_owner_key(id);
    let parse = |v: &str| {
        let (owner, ws) = v.split_once(',')?;
        Some(RunOwner { id: id.to_string(), owner_id: owner.parse().ok()?, workspace_id: ws.parse().ok() })
    };
    if let Some(run) = state.local.get(&key).await.as_deref().and_then(parse) {
        return Ok(Some(run));
    }
    if let Some(v) = state.cache.get(&key).await {
        if let Some(run) = parse(&v) {
            state.local.set(&key, v, LOCAL_TTL).await;
            return Ok(Some(run));
        }
    }
    let run = store::workflow::owner(&state.db, id).await?;
    if let Some(r) = &run {
        let v = format!("{},{}", r.owner_id, r.workspace_id.map(|w| w.to_string()).unwrap_or_default());
        state.cache.set(&key, v.clone(), SHARED_TTL).await;
        state.local.set(&key, v, LOCAL_TTL).await;
    }
    Ok(run)
}

/// The whole run, after [`authorize_run`].
pub async fn load_owned_workflow(
    state: &AppState,
    caller: &Caller,
    id: &str,
    workspace_id: Option<i64>,
    permission: &str,
) -> ApiResult<WorkflowRow> {
    let run = authorize_run(state, caller, id, workspace_id, permission).await?;
    store::workflow::get(&state.db, &run.id).await?.ok_or_else(|| ApiError::not_found(format!("Workflow '{id}' not found")))
}
