//! Compute environments, in a scope (`w:<workspace>` or `u:<user>`), with the lease of the
//! process that runs their pre-flight checks.

use super::{BeginWrite, Db};
use crate::domain::compute_env::status;
use crate::with_pool;

const COLUMNS: &str = "id, user_id, workspace_id, name, platform, description, credentials_id, config, status, message, is_primary, \
                       host_keys, last_used, date_created, last_updated";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ComputeEnvRow {
    pub id: String,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub platform: String,
    pub description: Option<String>,
    pub credentials_id: Option<String>,
    /// `ComputeConfig` as JSON.
    pub config: String,
    pub status: String,
    pub message: Option<String>,
    pub is_primary: bool,
    pub host_keys: Option<String>,
    pub last_used: Option<i64>,
    pub date_created: i64,
    pub last_updated: i64,
}

pub struct NewComputeEnv<'a> {
    pub id: &'a str,
    pub scope: &'a str,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: &'a str,
    pub platform: &'a str,
    pub description: Option<&'a str>,
    pub credentials_id: Option<&'a str>,
    pub config: &'a str,
}

/// Inserts a compute environment as `CREATING`, primary when it is the first of its scope; a
/// taken name fails with a unique violation.
pub async fn create(db: &Db, ce: &NewComputeEnv<'_>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tw_compute_env WHERE scope = ?").bind(ce.scope).fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tw_compute_env (id, scope, user_id, workspace_id, name, platform, description, credentials_id, config, status, \
             is_primary, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(ce.id).bind(ce.scope).bind(ce.user_id).bind(ce.workspace_id).bind(ce.name).bind(ce.platform).bind(ce.description)
            .bind(ce.credentials_id).bind(ce.config).bind(status::CREATING).bind(others == 0).bind(now).bind(now)
            .execute(&mut *tx).await?;
        tx.commit().await
    })
}

pub async fn list(db: &Db, scope: &str, status: Option<&str>) -> sqlx::Result<Vec<ComputeEnvRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_compute_env WHERE scope = ? AND (? IS NULL OR status = ?) ORDER BY name, id");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(status).bind(status).fetch_all(p).await)
}

pub async fn find(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<ComputeEnvRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_compute_env WHERE id = ? AND scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

/// Any compute environment by id, for the checks (which run outside a request).
pub async fn find_any(db: &Db, id: &str) -> sqlx::Result<Option<ComputeEnvRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_compute_env WHERE id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<ComputeEnvRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_compute_env WHERE scope = ? AND name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

/// The compute environments that use credentials, as (id, name).
pub async fn using_credentials(db: &Db, credentials_id: &str) -> sqlx::Result<Vec<(String, String)>> {
    with_pool!(db, p => sqlx::query_as("SELECT id, name FROM tw_compute_env WHERE credentials_id = ? ORDER BY name")
        .bind(credentials_id).fetch_all(p).await)
}

/// Changes the fields a client may change; a new `credentials_id` forgets the pinned host keys
/// only if asked (`reset_host_keys`), and the status goes back to `CREATING` to be checked again.
pub async fn update(
    db: &Db,
    scope: &str,
    id: &str,
    name: &str,
    description: Option<&str>,
    credentials_id: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_compute_env SET name = ?, description = ?, credentials_id = ?, status = ?, message = NULL, last_updated = ? \
         WHERE id = ? AND scope = ?")
        .bind(name).bind(description).bind(credentials_id).bind(status::CREATING).bind(now).bind(id).bind(scope)
        .execute(p).await.map(|_| ()))
}

pub async fn set_status(db: &Db, scope: &str, id: &str, status: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_compute_env SET status = ?, message = NULL, last_updated = ? WHERE id = ? AND scope = ?")
        .bind(status).bind(now).bind(id).bind(scope).execute(p).await.map(|_| ()))
}

/// Makes one compute environment the primary of its scope, and no other.
pub async fn make_primary(db: &Db, scope: &str, id: &str) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE tw_compute_env SET is_primary = (id = ?) WHERE scope = ?").bind(id).bind(scope).execute(&mut *tx).await?;
        tx.commit().await
    })
}

pub async fn delete(db: &Db, scope: &str, id: &str) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_compute_env WHERE id = ? AND scope = ?").bind(id).bind(scope)
        .execute(p).await.map(|r| r.rows_affected() > 0))
}

/// Takes the lease of a compute environment's checks until `until`, unless another process holds
/// it. True when taken.
pub async fn claim_check(db: &Db, id: &str, now: i64, until: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_compute_env SET checking_until = ? WHERE id = ? AND (checking_until IS NULL OR checking_until < ?)")
        .bind(until).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected() > 0))
}

/// Records the outcome of the checks and ends their lease. `host_keys`: the pinned keys, kept
/// as they were when `None`. A compute environment disabled meanwhile stays disabled.
pub async fn finish_check(db: &Db, id: &str, status: &str, message: Option<&str>, host_keys: Option<&str>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_compute_env SET status = CASE WHEN status = ? THEN status ELSE ? END, message = ?, \
         host_keys = COALESCE(?, host_keys), checking_until = NULL, last_updated = ? WHERE id = ?")
        .bind(status::DISABLED).bind(status).bind(message).bind(host_keys).bind(now).bind(id)
        .execute(p).await.map(|_| ()))
}

/// Compute environments still `CREATING` whose checks nobody runs (never started, or their
/// process died): the ids, at most `limit`.
pub async fn unchecked(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<String>> {
    with_pool!(db, p => sqlx::query_scalar(
        "SELECT id FROM tw_compute_env WHERE status = ? AND (checking_until IS NULL OR checking_until < ?) ORDER BY date_created LIMIT ?")
        .bind(status::CREATING).bind(now).bind(limit).fetch_all(p).await)
}
