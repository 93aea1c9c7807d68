//! Keeps launches and their runs in step with the compute environments (cron runs it): a pending
//! launch whose submitter died is submitted (once: see `submit`); a run that ended has its tokens
//! revoked; a head job that ended without Nextflow reporting the end makes its run FAILED with the
//! exit code and the last lines of its log, so no launched run stays SUBMITTED or RUNNING forever.

use super::submit::{self, JobState, Launcher};
use crate::domain::status::WorkflowStatus;
use crate::domain::time::now_millis;
use crate::store::launch::{self as store, LaunchRow};

/// How long after its job ended a run may still report its end before it is failed.
const REPORT_GRACE_MS: i64 = 10_000;
const ENDED_NOTE: &str = "The head job ended";

/// One pass; `revoked` is told every revoked token id. Returns what it did, a line each.
pub async fn reconcile(l: &Launcher<'_>, revoked: impl Fn(i64)) -> anyhow::Result<Vec<String>> {
    let now = now_millis();
    let mut done = Vec::new();
    for id in store::unclaimed(l.db, now, now - 10_000, 20).await? {
        if submit::submit(l, &id).await? {
            done.push(format!("submitted launch {id}"));
        }
    }
    for launch in store::submitted_launches(l.db, 500).await? {
        if WorkflowStatus::parse(&launch.run_status).is_some_and(|s| s.is_final()) {
            end(l, &launch, None, &revoked).await?;
            done.push(format!("run {} ended", launch.workflow_id));
            continue;
        }
        match submit::job_state(l, &launch).await {
            Ok(JobState::Running) => {}
            Ok(JobState::Ended(code)) => {
                let seen = launch.message.as_deref().is_some_and(|m| m.starts_with(ENDED_NOTE));
                if !seen {
                    let code = code.map(|c| format!(" with exit code {c}")).unwrap_or_else(|| " (killed)".into());
                    store::note(l.db, &launch.id, &format!("{ENDED_NOTE}{code}"), now).await?;
                } else if now - launch.last_updated >= REPORT_GRACE_MS {
                    fail(l, &launch, &revoked).await?;
                    done.push(format!("run {} failed: its head job ended without reporting", launch.workflow_id));
                }
            }
            Err(e) => {
                tracing::warn!(launch = %launch.id, error = %e, "cannot ask the compute environment about a head job; trying again later")
            }
        }
    }
    Ok(done)
}

async fn end(l: &Launcher<'_>, launch: &LaunchRow, message: Option<&str>, revoked: &impl Fn(i64)) -> anyhow::Result<()> {
    for id in submit::revoke_run_tokens(l.db, launch).await? {
        revoked(id);
    }
    store::ended(l.db, &launch.id, message, now_millis()).await?;
    Ok(())
}

async fn fail(l: &Launcher<'_>, launch: &LaunchRow, revoked: &impl Fn(i64)) -> anyhow::Result<()> {
    let tail = match submit::log(l, launch, 0, 1_048_576).await {
        Ok((text, _)) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(10)..].join("\n")
        }
        Err(e) => format!("(the log cannot be read: {e})"),
    };
    let what = launch.message.clone().unwrap_or_else(|| ENDED_NOTE.into());
    let message = format!("{what} without Nextflow reporting the end of the run. Last lines of its log:\n{tail}");
    let mail = failure_mail(l, launch, &message).await?;
    store::fail_run(l.db, &launch.workflow_id, &message, mail.as_ref(), now_millis()).await?;
    end(l, launch, Some(&what), revoked).await
}

/// The mail the owner of a launched run gets when Tower fails it (if they want run mails), as
/// for a run Nextflow reports failed.
pub(crate) async fn failure_mail(
    l: &Launcher<'_>,
    launch: &LaunchRow,
    message: &str,
) -> anyhow::Result<Option<crate::store::mail::NewMail>> {
    let Some(owner) = crate::store::user::find_by_id(l.db, launch.user_id).await?.filter(|u| u.notification && !u.deleted) else {
        return Ok(None);
    };
    let Some(run) = crate::store::workflow::get(l.db, &launch.workflow_id).await? else { return Ok(None) };
    let counts = run.progress_snapshot().unwrap_or_default().counters;
    let summary = crate::mail::RunSummary {
        workflow_id: &run.id,
        workspace_id: run.workspace_id,
        run_name: &run.run_name,
        project_name: run.project_name.as_deref(),
        status: WorkflowStatus::Failed,
        start: run.start,
        complete: Some(now_millis()),
        duration: None,
        succeeded: counts.succeeded,
        cached: counts.cached,
        failed: counts.failed,
        ignored: counts.ignored,
        error_message: Some(message),
    };
    Ok(Some(crate::mail::run_completed(l.server_url, &owner.email, &summary)))
}
