//! Launching what an action stores: for a call of its endpoint (as the caller), a GitHub
//! delivery and a schedule (as its creator, if they still may). A delivery's or a scheduled
//! time's launch id comes from that cause, so a cause launches once: a replayed delivery, or a
//! time that a restarted or second cron reaches again, finds its launch already there.

use serde_json::{json, Map, Value};

use super::create::{create, Launching, Outcome};
use super::submit::Launcher;
use crate::auth::permissions as perm;
use crate::auth::{is_root, Caller};
use crate::config::RootUser;
use crate::domain::action::{self as rules, ACTIVE};
use crate::domain::launch::{LaunchRequest, Problem};
use crate::domain::time::{format_millis, now_millis};
use crate::store::action::{self as store, ActionRow};
use crate::store::workflow::RunOwner;

/// What started an action.
pub struct Trigger<'a> {
    /// The caller, already allowed to launch here; `None`: the action's creator.
    pub by: Option<i64>,
    /// What the launch id is derived from; `None`: every trigger is a new launch.
    pub cause: Option<&'a [u8]>,
    /// Parameters set over the action's own.
    pub overrides: &'a Map<String, Value>,
    /// The `Action.EventType` to record, without its time and run.
    pub event: Value,
}

/// What became of a trigger.
pub enum Fired {
    Launched {
        run: RunOwner,
        launch_id: String,
    },
    /// The launch's own checks failed: each problem.
    Invalid(Vec<Problem>),
    /// Nothing launched, and why: the action is paused, or its creator may no longer launch.
    Refused(String),
    AlreadyLaunched,
}

/// Launches `action` for `t`, and records the event (with the run's id) or why nothing launched
/// on the action.
pub async fn fire(l: &Launcher<'_>, root_users: &[RootUser], action: &ActionRow, t: Trigger<'_>) -> anyhow::Result<Fired> {
    let fired = launch(l, root_users, action, &t).await?;
    let now = now_millis();
    let mut event = t.event;
    event["timestamp"] = json!(format_millis(now));
    let error = match &fired {
        Fired::Launched { run, .. } => {
            event["workflowId"] = json!(run.id);
            None
        }
        Fired::Invalid(problems) => Some(problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ")),
        Fired::Refused(why) => Some(why.clone()),
        Fired::AlreadyLaunched => return Ok(fired),
    };
    store::seen(l.db, &action.id, &event.to_string(), error.as_deref(), now).await?;
    Ok(fired)
}

async fn launch(l: &Launcher<'_>, root_users: &[RootUser], action: &ActionRow, t: &Trigger<'_>) -> anyhow::Result<Fired> {
    if action.status != ACTIVE {
        return Ok(Fired::Refused(format!("The action '{}' is paused: nothing launched", action.name)));
    }
    let user_id = match t.by {
        Some(caller) => caller,
        None => {
            // The creator must still be allowed to launch here.
            let Some(user) = crate::store::user::find_by_id(l.db, action.user_id).await? else {
                return Ok(Fired::Refused("The action's creator no longer exists".into()));
            };
            let caller = Caller { is_root: is_root(root_users, &user), user, token_id: None };
            if perm::require(l.db, &caller, action.workspace_id, perm::WORKFLOW_EXECUTE).await.is_err() {
                return Ok(Fired::Refused("The action's creator may no longer launch pipelines in this workspace".into()));
            }
            action.user_id
        }
    };
    let mut request: LaunchRequest = serde_json::from_str(&action.launch)?;
    if !t.overrides.is_empty() {
        match rules::merge_params(request.params_text.as_deref(), t.overrides) {
            Ok(merged) => request.params_text = Some(merged),
            Err(e) => return Ok(Fired::Invalid(vec![Problem { code: "params_invalid", message: format!("params: {e}") }])),
        }
    }
    let who = Launching {
        user_id,
        workspace_id: action.workspace_id,
        action_id: Some(&action.id),
        launch_id: t.cause.map(|c| rules::launch_id(&action.id, c)),
    };
    Ok(match create(l, who, request).await? {
        Outcome::Created { run, launch_id } => Fired::Launched { run, launch_id },
        Outcome::Refused(problems) => Fired::Invalid(problems),
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
            Ok(_) => {
                let cause = scheduled.to_string();
                let t = Trigger { by: None, cause: Some(cause.as_bytes()), overrides: &Map::new(), event };
                Some(fire(l, root_users, &action, t).await?)
            }
        };
        let status = match &fired {
            Some(Fired::Launched { .. }) => Some(200),
            Some(Fired::Invalid(_)) => Some(400),
            Some(Fired::Refused(_)) => Some(409),
            _ => None,
        };
        if let Some(status) = status {
            audit(l.db, &action, status).await;
        }
        match fired {
            Some(Fired::Launched { run, launch_id }) => launched.push((run, launch_id)),
            Some(Fired::Refused(_) | Fired::Invalid(_)) => {
                tracing::warn!(action = %action.id, "a scheduled action launched nothing (the action says why)")
            }
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
    let event = crate::store::audit::NewEvent {
        event: "action_triggered",
        operation: "cron",
        status,
        actor_type: "system",
        user_id: Some(action.user_id),
        workspace_id: action.workspace_id,
        target_type: Some("action"),
        target_id: Some(&action.id),
        ..Default::default()
    };
    super::audit(db, event).await;
}
