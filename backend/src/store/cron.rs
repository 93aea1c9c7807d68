//! The SQL of the cron jobs: job locks, the run watchdog and cleanup. Every statement is
//! idempotent and bounded, so a job may be run again, by the same cron or another, at any time.

use super::workflow::RunOwner;
use super::{BeginWrite, Db};
use crate::with_pool;

/// Takes the lock of a job for `owner` until `expires`, unless another owner holds it and it
/// has not expired. Returns whether the lock is now held by `owner`.
pub async fn acquire_lock(db: &Db, name: &str, owner: &str, now: i64, expires: i64) -> sqlx::Result<bool> {
    let insert = match db.dialect() {
        super::Dialect::MySql => "INSERT IGNORE INTO tw_cron_lock (name, owner, expires) VALUES (?, NULL, 0)",
        super::Dialect::Sqlite => "INSERT OR IGNORE INTO tw_cron_lock (name, owner, expires) VALUES (?, NULL, 0)",
    };
    with_pool!(db, p => {
        sqlx::query(insert).bind(name).execute(p).await?;
        let n = sqlx::query("UPDATE tw_cron_lock SET owner = ?, expires = ? WHERE name = ? AND (expires < ? OR owner = ? OR owner IS NULL)")
            .bind(owner).bind(expires).bind(name).bind(now).bind(owner)
            .execute(p).await?.rows_affected();
        Ok(n == 1)
    })
}

/// Extends the lock `owner` holds to `expires`. Returns false when it is no longer `owner`'s.
pub async fn renew_lock(db: &Db, name: &str, owner: &str, expires: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("UPDATE tw_cron_lock SET expires = ? WHERE name = ? AND owner = ?")
        .bind(expires).bind(name).bind(owner).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Releases a job lock held by `owner`.
pub async fn release_lock(db: &Db, name: &str, owner: &str) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_cron_lock SET owner = NULL, expires = 0 WHERE name = ? AND owner = ?")
        .bind(name).bind(owner).execute(p).await.map(|_| ()))
}

/// Runs that have not reported since `silent_since` while SUBMITTED or RUNNING become UNKNOWN.
/// `last_updated` is left alone: it stays the time of the run's last trace request, which is
/// what the zombie rule measures from. Returns the ids of the runs marked.
pub async fn mark_silent_runs_unknown(db: &Db, silent_since: i64, limit: i64) -> sqlx::Result<Vec<RunOwner>> {
    with_pool!(db, p => {
        let runs: Vec<RunOwner> = sqlx::query_as(
            "SELECT id, owner_id, workspace_id FROM tw_workflow WHERE status IN ('SUBMITTED', 'RUNNING') AND last_updated < ? AND deleted = FALSE ORDER BY last_updated LIMIT ?",
        )
        .bind(silent_since).bind(limit).fetch_all(p).await?;
        let mut marked = Vec::with_capacity(runs.len());
        for run in runs {
            // Checked again: a trace request may have arrived since the SELECT.
            let n = sqlx::query("UPDATE tw_workflow SET status = 'UNKNOWN' WHERE id = ? AND status IN ('SUBMITTED', 'RUNNING') AND last_updated < ?")
                .bind(&run.id).bind(silent_since).execute(p).await?.rows_affected();
            if n == 1 {
                marked.push(run);
            }
        }
        Ok(marked)
    })
}

/// UNKNOWN runs silent since before `silent_since` end: their completion time is the last time
/// they were heard from, so they stop counting as active. Their status stays UNKNOWN (nobody
/// knows how they ended); a later trace request brings them back to RUNNING.
pub async fn end_zombie_runs(db: &Db, silent_since: i64, limit: i64) -> sqlx::Result<Vec<String>> {
    with_pool!(db, p => {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM tw_workflow WHERE status = 'UNKNOWN' AND complete IS NULL AND last_updated < ? ORDER BY last_updated LIMIT ?",
        )
        .bind(silent_since).bind(limit).fetch_all(p).await?;
        let mut ended = Vec::with_capacity(ids.len());
        for id in ids {
            let n = sqlx::query(
                "UPDATE tw_workflow SET complete = last_updated, duration = last_updated - COALESCE(start, submit) \
                 WHERE id = ? AND status = 'UNKNOWN' AND complete IS NULL AND last_updated < ?",
            )
            .bind(&id).bind(silent_since).execute(p).await?.rows_affected();
            if n == 1 {
                ended.push(id);
            }
        }
        Ok(ended)
    })
}

/// Runs to purge: deleted ones, and with a retention, those that ended before `ended_before`.
pub async fn runs_to_purge(db: &Db, ended_before: Option<i64>, limit: i64) -> sqlx::Result<Vec<String>> {
    with_pool!(db, p => {
        let mut ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tw_workflow WHERE deleted = TRUE ORDER BY last_updated LIMIT ?")
            .bind(limit).fetch_all(p).await?;
        if let Some(before) = ended_before {
            let left = limit - ids.len() as i64;
            if left > 0 {
                let old: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM tw_workflow WHERE deleted = FALSE AND complete IS NOT NULL AND complete < ? ORDER BY complete LIMIT ?",
                )
                .bind(before).bind(left).fetch_all(p).await?;
                ids.extend(old);
            }
        }
        Ok(ids)
    })
}

/// Deletes a run's tasks `chunk` at a time (each delete its own short transaction, so ingestion
/// into other runs never waits long), then its metrics, labels, stars and the run itself.
/// Returns the number of tasks deleted. Safe to run again after an interruption.
pub async fn purge_run(db: &Db, id: &str, chunk: i64) -> sqlx::Result<u64> {
    let mut tasks = 0;
    with_pool!(db, p => {
        loop {
            // The chunk's last task id bounds the delete on both dialects (MySQL allows no LIMIT
            // in a subquery, SQLite no LIMIT on DELETE).
            let bound: Option<i64> = sqlx::query_scalar("SELECT task_id FROM tw_task WHERE workflow_id = ? ORDER BY task_id LIMIT 1 OFFSET ?")
                .bind(id).bind(chunk - 1).fetch_optional(p).await?;
            let mut tx = p.begin_write().await?;
            let n = match bound {
                Some(b) => sqlx::query("DELETE FROM tw_task WHERE workflow_id = ? AND task_id <= ?").bind(id).bind(b).execute(&mut *tx).await?,
                None => sqlx::query("DELETE FROM tw_task WHERE workflow_id = ?").bind(id).execute(&mut *tx).await?,
            }
            .rows_affected();
            tx.commit().await?;
            tasks += n;
            if bound.is_none() {
                break;
            }
        }
        let mut tx = p.begin_write().await?;
        for table in ["tw_workflow_metrics", "tw_workflow_label", "tw_workflow_star"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE workflow_id = ?")).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM tw_workflow WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(tasks)
    })
}

/// Deletes e-mail sign-in links that expired before `before`, and sessions that expired before
/// `now` (sign-out deletes at once; these are the ones nobody signed out of).
pub async fn expire_sign_ins(db: &Db, links_before: i64, now: i64, limit: i64) -> sqlx::Result<(u64, u64)> {
    with_pool!(db, p => {
        let mut counts = [0u64; 2];
        for (i, (table, before)) in [("tw_sign_in_link", links_before), ("tw_session", now)].into_iter().enumerate() {
            let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE expires < ? ORDER BY id LIMIT ?"))
                .bind(before).bind(limit).fetch_all(p).await?;
            if let Some(last) = ids.last() {
                counts[i] = sqlx::query(&format!("DELETE FROM {table} WHERE expires < ? AND id <= ?"))
                    .bind(before).bind(last).execute(p).await?.rows_affected();
            }
        }
        Ok((counts[0], counts[1]))
    })
}
