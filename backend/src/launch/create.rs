//! Recording a launch, whoever asks (`POST /workflow/launch`, an action): every pre-flight rule,
//! then the launch and its run (SUBMITTED) in one transaction. Submission follows (`submit`),
//! by the caller at once or by cron's reconciler. Permissions are the caller's to check.

use super::submit::Launcher;
use crate::domain::compute_env::{self as ce, status, Kind};
use crate::domain::credentials::{check_secret_name, scope_key};
use crate::domain::launch::{self as rules, LaunchRequest, Problem};
use crate::domain::time::now_millis;
use crate::store::workflow::{NewWorkflow, RunOwner};
use crate::store::{self, is_unique_violation};

/// Who launches, where, and on what account.
pub struct Launching<'a> {
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    /// The action that launches, if one does.
    pub action_id: Option<&'a str>,
    /// The launch's id when its cause fixes it (an action's delivery or scheduled time); a
    /// random one otherwise.
    pub launch_id: Option<String>,
}

pub enum Outcome {
    Created {
        run: RunOwner,
        launch_id: String,
    },
    /// Pre-flight checks that failed, all of them.
    Refused(Vec<Problem>),
    /// A launch with this id exists: its cause arrived before.
    AlreadyLaunched,
}

/// Checks `request` and records it as a launch of `who`.
pub async fn create(l: &Launcher<'_>, who: Launching<'_>, mut request: LaunchRequest) -> anyhow::Result<Outcome> {
    let db = l.db;
    let scope = scope_key(who.user_id, who.workspace_id);
    let mut problems = rules::check(&request);
    let envs = store::compute_env::list(db, &scope, None).await?;
    let chosen = match request.compute_env_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => envs.iter().find(|c| c.id == id),
        None => envs.iter().find(|c| c.is_primary),
    };
    match chosen {
        None if request.compute_env_id.is_some() => problems.push(Problem {
            code: "compute_env_missing",
            message: "launch.computeEnvId: no such compute environment in this workspace".into(),
        }),
        None => problems.push(Problem {
            code: "compute_env_required",
            message: "launch.computeEnvId is required: this workspace has no primary compute environment".into(),
        }),
        Some(c) if c.status != status::AVAILABLE => problems.push(Problem {
            code: "compute_env_unavailable",
            message: format!(
                "The compute environment '{}' is {}: {}",
                c.name,
                c.status,
                c.message.as_deref().unwrap_or("it cannot be used now")
            ),
        }),
        Some(c) if ce::platform(&c.platform).is_ok_and(|p| p.kind == Kind::Local) && !l.local_enabled => {
            problems.push(Problem { code: "compute_env_unavailable", message: "The local platform is not enabled on this server".into() })
        }
        Some(_) => {}
    }
    let workspace_scope = who.workspace_id.map(|w| scope_key(who.user_id, Some(w)));
    let user_scope = scope_key(who.user_id, None);
    for (names, scope, field) in [
        (&request.workspace_secrets, workspace_scope.as_deref(), "workspaceSecrets"),
        (&request.user_secrets, Some(user_scope.as_str()), "userSecrets"),
    ] {
        for name in names.iter().filter(|n| check_secret_name(n).is_ok()) {
            let found = match scope {
                Some(scope) => store::pipeline_secret::find_by_name(db, scope, name).await?.is_some(),
                None => false,
            };
            if !found {
                let place = if scope.is_some() { "here" } else { "outside a workspace" };
                problems.push(Problem { code: "secret_missing", message: format!("launch.{field}: no secret named '{name}' {place}") });
            }
        }
    }
    // Dataset versions the parameters name must be readable here: the run would fail on them.
    let params = rules::params_json(request.params_text.as_deref()).unwrap_or_default();
    let datasets = crate::domain::dataset::referenced_versions(&params, l.api_url);
    for (id, version) in &datasets {
        if !store::dataset::usable(db, &scope, id, *version).await? {
            problems.push(Problem {
                code: "dataset_missing",
                message: format!("launch.paramsText: dataset {id} has no version {version} here, or it is disabled"),
            });
        }
    }
    if !problems.is_empty() {
        return Ok(Outcome::Refused(problems));
    }
    let ce = chosen.expect("checked above");
    request.compute_env_id = Some(ce.id.clone());
    let run_name = request.run_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(crate::domain::names::random_run_name);
    let session_id = match (request.resume, request.session_id.clone()) {
        (true, Some(s)) => s,
        _ => crate::domain::ids::new_session_id(),
    };
    let id = crate::domain::ids::new_workflow_id();
    let launch_id = who.launch_id.clone().unwrap_or_else(|| crate::domain::ids::random_base62(22));
    // A launch from a Launchpad pipeline sends its version's id (`GET /pipelines/{id}/launch`).
    let version = match request.id.take() {
        Some(v) => store::pipeline_version::find_in_scope(db, &scope, &v).await?.map(|v| v.id),
        None => None,
    };
    request.id = Some(launch_id.clone());
    let text = serde_json::to_string(&request)?;
    let pipeline = request.pipeline.clone().unwrap_or_default();
    let run = NewWorkflow {
        id: &id,
        owner_id: who.user_id,
        workspace_id: who.workspace_id,
        session_id: &session_id,
        run_name: &run_name,
        project_name: Some(&pipeline),
        repository: Some(&pipeline),
        launch_id: Some(&launch_id),
        now: now_millis(),
    };
    let launch = store::launch::NewLaunch {
        id: &launch_id,
        scope: &scope,
        compute_env_id: &ce.id,
        request: &text,
        pipeline_version_id: version.as_deref(),
        datasets: &datasets,
        action_id: who.action_id,
    };
    match store::launch::create(db, &launch, &run).await {
        Err(e) if who.launch_id.is_some() && is_unique_violation(&e) => return Ok(Outcome::AlreadyLaunched),
        other => other?,
    }
    tracing::info!(target: "tower::audit", user_id = who.user_id, workspace_id = who.workspace_id, workflow_id = %id, launch = %launch_id,
        compute_env = %ce.id, action = who.action_id, "run launched");
    Ok(Outcome::Created { run: RunOwner { id, owner_id: who.user_id, workspace_id: who.workspace_id }, launch_id })
}
