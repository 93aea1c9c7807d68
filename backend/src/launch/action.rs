//! Launching what an action stores, on its creator's account: for a GitHub delivery (the API) and
//! for a schedule (cron). Each launch's id comes from its cause, so a cause launches once: a
//! replayed delivery, or a scheduled time that a restarted or second cron reaches again, finds
//! its launch already there.

use serde_json::{json, Map, Value};

use super::create::{create, Launching, Outcome};
use super::submit::Launcher;
use crate::auth::permissions as perm;
use crate::auth::{is_root, Caller};
use crate::config::RootUser;
use crate::domain::action::{self as rules, ACTIVE};
use crate::domain::launch::LaunchRequest;
use crate::domain::time::{format_millis, now_millis};
use crate::store::action::{self as store, ActionRow};
use crate::store::workflow::RunOwner;

/// What became of a trigger.
pub enum Fired {
    Launched {
        run: RunOwner,
        launch_id: String,
    },
    /// Nothing launched, and why (the action records it as its error).
    Refused(String),
    AlreadyLaunched,
}

/// Launches `action` as its creator for `cause`, with `overrides` over its parameters; records
/// `event` (with the run's id) or the error on the action.
pub async fn fire(
    l: &Launcher<'_>,
    root_users: &[RootUser],
    action: &ActionRow,
    cause: &[u8],
    overrides: &Map<String, Value>,
    mut event: Value,
) -> anyhow::Result<Fired> {
    let fired = launch(l, root_users, action, cause, overrides).await?;
    let now = now_millis();
    event["timestamp"] = json!(format_millis(now));
    let error = match &fired {
        Fired::Launched { run, .. } => {
            event["workflowId"] = json!(run.id);
            None
        }
        Fired::Refused(why) => Some(why.as_str()),
        Fired::AlreadyLaunched => return Ok(fired),
    };
    store::seen(l.db, &action.id, &event.to_string(), error, now).await?;
    Ok(fired)
}

async fn launch(
    l: &Launcher<'_>,
    root_users: &[RootUser],
    action: &ActionRow,
    cause: &[u8],
    overrides: &Map<String, Value>,
) -> anyhow::Result<Fired> {
    if action.status != ACTIVE {
        return Ok(Fired::Refused(format!("The action is {}: nothing launched", action.status.to_lowercase())));
    }
    // The creator must still be allowed to launch here.
    let Some(user) = crate::store::user::find_by_id(l.db, action.user_id).await? else {
        return Ok(Fired::Refused("The action's creator no longer exists".into()));
    };
    let caller = Caller { is_root: is_root(root_users, &user), user, token_id: None };
    if perm::require(l.db, &caller, action.workspace_id, perm::WORKFLOW_EXECUTE).await.is_err() {
        return Ok(Fired::Refused("The action's creator may no longer launch pipelines in this workspace".into()));
    }
    let mut request: LaunchRequest = serde_json::from_str(&action.launch)?;
    if !overrides.is_empty() {
        match rules::merge_params(request.params_text.as_deref(), overrides) {
            Ok(merged) => request.params_text = Some(merged),
            Err(e) => return Ok(Fired::Refused(e)),
        }
    }
    let who = Launching {
        user_id: action.user_id,
        workspace_id: action.workspace_id,
        action_id: Some(&action.id),
        launch_id: Some(rules::launch_id(&action.id, cause)),
    };
    Ok(match create(l, who, request).await? {
        Outcome::Created { run, launch_id } => Fired::Launched { run, launch_id },
        Outcome::Refused(problems) => Fired::Refused(problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; ")),
        Outcome::AlreadyLaunched => Fired::AlreadyLaunched,
    })
}

/// Fires the `cron` actions due now: each scheduled time once. A time missed while no cron ran
/// (more than `late_ms` ago) fires once when cron is back if the action catches up, and is
/// skipped otherwise; either way the next time is the first after now. Returns the runs
/// launched, with their launch ids, to submit.
pub async fn fire_due(l: &Launcher<'_>, root_users: &[RootUser], late_ms: i64) -> anyhow::Result<Vec<(RunOwner, String)>> {
    let now = now_millis();
    let mut launched = Vec::new();
    for action in store::due(l.db, now, 100).await? {
        let Some(scheduled) = action.next_fire else { continue };
        let schedule = rules::schedule(action.cron_expression.as_deref(), None, action.cron_timezone.as_deref());
        let next = schedule.as_ref().ok().and_then(|s| s.next_after(now));
        let event = json!({"discriminator": "cron", "scheduledTime": format_millis(scheduled)});
        let fired = match &schedule {
            Err(e) => {
                store::seen(l.db, &action.id, &event.to_string(), Some(e), now).await?;
                Some(Fired::Refused(e.clone()))
            }
            Ok(_) if scheduled < now - late_ms && !action.cron_catch_up => None,
            Ok(_) => Some(fire(l, root_users, &action, scheduled.to_string().as_bytes(), &Map::new(), event).await?),
        };
        let status = match &fired {
            Some(Fired::Launched { .. }) => Some(200),
            Some(Fired::Refused(_)) => Some(409),
            _ => None,
        };
        if let Some(status) = status {
            audit(l.db, &action, status).await;
        }
        match fired {
            Some(Fired::Launched { run, launch_id }) => launched.push((run, launch_id)),
            Some(Fired::Refused(why)) => tracing::warn!(action = %action.id, reason = %why, "a scheduled action launched nothing"),
            Some(Fired::AlreadyLaunched) => {}
            None => tracing::info!(action = %action.id, scheduled = %format_millis(scheduled), "a missed scheduled time is skipped"),
        }
        // Only the cron that read this time moves it on; a launch is already recorded for it.
        store::advance(l.db, &action.id, scheduled, next).await?;
    }
    Ok(launched)
}

/// A scheduled start in the audit log: the system, acting for the action's creator.
async fn audit(db: &crate::store::Db, action: &ActionRow, status: u16) {
    let org_id = match action.workspace_id {
        Some(w) => crate::store::org::workspace(db, w).await.ok().flatten().map(|w| w.org_id),
        None => None,
    };
    let event = crate::store::audit::NewEvent {
        event: "action_triggered",
        operation: "cron",
        status,
        actor_type: "system",
        user_id: Some(action.user_id),
        org_id,
        workspace_id: action.workspace_id,
        target_type: Some("action"),
        target_id: Some(&action.id),
        ..Default::default()
    };
    if let Err(e) = crate::store::audit::record(db, &event, now_millis()).await {
        tracing::warn!(error = %e, action = %action.id, "cannot write an audit log event");
    }
}
