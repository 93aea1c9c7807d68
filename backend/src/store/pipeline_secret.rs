//! Pipeline secrets: a name and a sealed value per row, in a workspace or a user's personal
//! context (`scope`: `w:<workspace>` or `u:<user>`).

use super::token::LastInsertId;
use super::{BeginWrite, Db};
use crate::domain::crypto::{CryptoError, Sealed};
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecretRow {
    pub id: i64,
    pub name: String,
    pub last_used: Option<i64>,
    pub date_created: i64,
    pub last_updated: i64,
}

const COLUMNS: &str = "id, name, last_used, date_created, last_updated";

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Inserts a secret, sealing its value with `seal(id)` (the value is bound to the id the row
/// gets), all in one transaction: no row is left without its value. A taken name fails with a
/// unique violation.
pub async fn create(
    db: &Db,
    scope: &str,
    user_id: i64,
    workspace_id: Option<i64>,
    name: &str,
    seal: impl FnOnce(i64) -> Result<Sealed, CryptoError>,
    now: i64,
) -> Result<i64, CreateError> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO tw_pipeline_secret (scope, user_id, workspace_id, name, secret, key_id, date_created, last_updated) \
             VALUES (?, ?, ?, ?, ?, '', ?, ?)")
            .bind(scope).bind(user_id).bind(workspace_id).bind(name).bind(Vec::<u8>::new()).bind(now).bind(now)
            .execute(&mut *tx).await?.last_insert_id_i64();
        let sealed = seal(id)?;
        sqlx::query("UPDATE tw_pipeline_secret SET secret = ?, key_id = ? WHERE id = ?")
            .bind(&sealed.data).bind(&sealed.key_id).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    })
}

pub async fn list(db: &Db, scope: &str) -> sqlx::Result<Vec<SecretRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_pipeline_secret WHERE scope = ? ORDER BY name, id");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).fetch_all(p).await)
}

pub async fn find(db: &Db, scope: &str, id: i64) -> sqlx::Result<Option<SecretRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_pipeline_secret WHERE id = ? AND scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<SecretRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_pipeline_secret WHERE scope = ? AND name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

pub async fn sealed(db: &Db, scope: &str, id: i64) -> sqlx::Result<Option<Sealed>> {
    let row: Option<(Vec<u8>, String)> = with_pool!(db, p => sqlx::query_as("SELECT secret, key_id FROM tw_pipeline_secret WHERE id = ? AND scope = ?")
        .bind(id).bind(scope).fetch_optional(p).await)?;
    Ok(row.map(|(data, key_id)| Sealed { key_id, data }))
}

/// The secret was handed to a launched run.
pub async fn mark_used(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_pipeline_secret SET last_used = ? WHERE id = ?").bind(now).bind(id).execute(p).await.map(|_| ()))
}

pub async fn update(db: &Db, scope: &str, id: i64, sealed: &Sealed, now: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("UPDATE tw_pipeline_secret SET secret = ?, key_id = ?, last_updated = ? WHERE id = ? AND scope = ?")
        .bind(&sealed.data).bind(&sealed.key_id).bind(now).bind(id).bind(scope)
        .execute(p).await.map(|r| r.rows_affected() > 0))
}

pub async fn delete(db: &Db, scope: &str, id: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_pipeline_secret WHERE id = ? AND scope = ?").bind(id).bind(scope)
        .execute(p).await.map(|r| r.rows_affected() > 0))
}
