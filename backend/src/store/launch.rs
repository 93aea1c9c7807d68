//! Launches and their runs. A launch is written with its run (SUBMITTED) in one transaction, then
//! claimed by one submitter at a time (a lease), marked SUBMITTED with the scheduler's job id,
//! and ENDED when its run has ended and its token is revoked.

use super::mail::NewMail;
use super::workflow::NewWorkflow;
use super::{BeginWrite, Db};
use crate::domain::status::WorkflowStatus;
use crate::with_pool;

pub const PENDING: &str = "PENDING";
pub const SUBMITTED: &str = "SUBMITTED";
pub const ENDED: &str = "ENDED";

const COLUMNS: &str =
    "l.id, l.workflow_id, l.user_id, l.workspace_id, l.compute_env_id, l.request, l.state, l.job_id, l.run_dir, l.token_id, \
                       l.attempts, l.message, l.pipeline_version_id, l.action_id, l.date_created, l.last_updated, w.status AS run_status";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LaunchRow {
    pub id: String,
    pub workflow_id: String,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub compute_env_id: String,
    /// `LaunchRequest` as JSON.
    pub request: String,
    pub state: String,
    pub job_id: Option<String>,
    pub run_dir: Option<String>,
    pub token_id: Option<i64>,
    pub attempts: i32,
    pub message: Option<String>,
    pub pipeline_version_id: Option<String>,
    pub action_id: Option<String>,
    pub date_created: i64,
    pub last_updated: i64,
    /// The status of the launched run.
    pub run_status: String,
}

pub struct NewLaunch<'a> {
    pub id: &'a str,
    pub scope: &'a str,
    pub compute_env_id: &'a str,
    pub request: &'a str,
    /// The Launchpad pipeline version launched, if any.
    pub pipeline_version_id: Option<&'a str>,
    /// The dataset versions its parameters name.
    pub datasets: &'a [(String, i32)],
    /// The action that launched, if one did.
    pub action_id: Option<&'a str>,
}

/// Records a launch and its run together, before anything is submitted.
pub async fn create(db: &Db, launch: &NewLaunch<'_>, run: &NewWorkflow<'_>) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query(
            "INSERT INTO tw_workflow (id, owner_id, workspace_id, session_id, run_name, project_name, repository, launch_id, \
             status, submit, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(run.id).bind(run.owner_id).bind(run.workspace_id).bind(run.session_id).bind(run.run_name)
            .bind(run.project_name).bind(run.repository).bind(launch.id)
            .bind(WorkflowStatus::Submitted.as_str()).bind(run.now).bind(run.now).bind(run.now)
            .execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tw_launch (id, workflow_id, scope, user_id, workspace_id, compute_env_id, request, state, pipeline_version_id, \
             action_id, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(launch.id).bind(run.id).bind(launch.scope).bind(run.owner_id).bind(run.workspace_id).bind(launch.compute_env_id)
            .bind(launch.request).bind(PENDING).bind(launch.pipeline_version_id).bind(launch.action_id).bind(run.now).bind(run.now)
            .execute(&mut *tx).await?;
        for (dataset, version) in launch.datasets {
            sqlx::query("INSERT INTO tw_launch_dataset (launch_id, dataset_id, version) VALUES (?, ?, ?)")
                .bind(launch.id).bind(dataset).bind(version).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

pub async fn find(db: &Db, id: &str) -> sqlx::Result<Option<LaunchRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE l.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn find_by_workflow(db: &Db, workflow_id: &str) -> sqlx::Result<Option<LaunchRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE l.workflow_id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(workflow_id).fetch_optional(p).await)
}

/// Takes the lease of a pending launch until `until`. True when this process now submits it.
pub async fn claim(db: &Db, id: &str, now: i64, until: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_launch SET claimed_until = ?, attempts = attempts + 1, last_updated = ? \
         WHERE id = ? AND state = ? AND (claimed_until IS NULL OR claimed_until < ?)")
        .bind(until).bind(now).bind(id).bind(PENDING).bind(now).execute(p).await.map(|r| r.rows_affected() > 0))
}

/// Extends a live submitter's claim, so a slow submission is not taken over (a dead submitter's
/// claim then lapses within one lease).
pub async fn renew_claim(db: &Db, id: &str, until: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_launch SET claimed_until = ? WHERE id = ? AND state = ?")
        .bind(until).bind(id).bind(PENDING).execute(p).await.map(|_| ()))
}

/// Remembers the run's token (made before the job that uses it is submitted).
pub async fn set_token(db: &Db, id: &str, token_id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_launch SET token_id = ? WHERE id = ?").bind(token_id).bind(id).execute(p).await.map(|_| ()))
}

/// The job is on the compute environment. False when the launch was cancelled meanwhile (the
/// caller then stops the job it submitted).
pub async fn submitted(db: &Db, id: &str, job_id: &str, run_dir: &str, now: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_launch SET state = ?, job_id = ?, run_dir = ?, claimed_until = NULL, message = NULL, last_updated = ? WHERE id = ? AND state = ?")
        .bind(SUBMITTED).bind(job_id).bind(run_dir).bind(now).bind(id).bind(PENDING).execute(p).await.map(|r| r.rows_affected() > 0))
}

/// A launch cancelled before it was submitted ends without being submitted.
pub async fn cancel_pending(db: &Db, id: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_launch SET state = ?, message = 'Cancelled before it was submitted', last_updated = ? WHERE id = ? AND state = ?")
        .bind(ENDED).bind(now).bind(id).bind(PENDING).execute(p).await.map(|_| ()))
}

/// The launch is over (its run ended, or it could not be submitted): why, if it failed.
pub async fn ended(db: &Db, id: &str, message: Option<&str>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_launch SET state = ?, message = COALESCE(?, message), claimed_until = NULL, last_updated = ? WHERE id = ?")
        .bind(ENDED).bind(message).bind(now).bind(id).execute(p).await.map(|_| ()))
}

/// Notes what was seen of a launch's job (its end, before the run reported it).
pub async fn note(db: &Db, id: &str, message: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_launch SET message = ?, last_updated = ? WHERE id = ?")
        .bind(message).bind(now).bind(id).execute(p).await.map(|_| ()))
}

/// Pending launches nobody submits (their submitter died, or never started): at most `limit`.
pub async fn unclaimed(db: &Db, now: i64, created_before: i64, limit: i64) -> sqlx::Result<Vec<String>> {
    with_pool!(db, p => sqlx::query_scalar(
        "SELECT id FROM tw_launch WHERE state = ? AND (claimed_until IS NULL OR claimed_until < ?) AND date_created < ? ORDER BY date_created LIMIT ?")
        .bind(PENDING).bind(now).bind(created_before).bind(limit).fetch_all(p).await)
}

/// Launches whose job is on a compute environment.
pub async fn submitted_launches(db: &Db, limit: i64) -> sqlx::Result<Vec<LaunchRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE l.state = ? ORDER BY l.date_created LIMIT ?"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(SUBMITTED).bind(limit).fetch_all(p).await)
}

/// Ends a run as FAILED, with the reason, unless it has already ended; the owner's notification
/// mail, if any, goes into the outbox in the same transaction.
pub async fn fail_run(db: &Db, workflow_id: &str, message: &str, mail: Option<&NewMail>, now: i64) -> sqlx::Result<bool> {
    let insert_mail = super::mail::insert_sql(db.dialect());
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let failed = sqlx::query(
            "UPDATE tw_workflow SET status = 'FAILED', error_message = ?, complete = COALESCE(complete, ?), \
             duration = COALESCE(duration, ? - COALESCE(start, submit)), last_updated = ? \
             WHERE id = ? AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")
            .bind(message).bind(now).bind(now).bind(now).bind(workflow_id).execute(&mut *tx).await?.rows_affected() > 0;
        if let (true, Some(m)) = (failed, mail) {
            super::mail::bind_mail(sqlx::query(insert_mail), m, now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(failed)
    })
}
