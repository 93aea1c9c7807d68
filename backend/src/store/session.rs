//! Browser and refresh-token sessions. Only SHA-256 hashes of refresh tokens are stored; a
//! refresh rotates the token and keeps the previous hash, so that a stolen, already-rotated token
//! presented later ends the session.

use super::token::LastInsertId;
use super::{BeginWrite, Db};
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub method: String,
    pub date_created: i64,
    pub last_refreshed: i64,
    pub expires: i64,
}

const COLUMNS: &str = "id, user_id, method, date_created, last_refreshed, expires";

/// Starts a session; also drops sessions that ended more than a day ago, so the table stays small
/// without a separate job.
pub async fn create(db: &Db, user_id: i64, method: &str, refresh_hash: &str, now: i64, expires: i64) -> sqlx::Result<i64> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("DELETE FROM tw_session WHERE expires < ?").bind(now - 86_400_000).execute(&mut *tx).await?;
        let id = sqlx::query(
            "INSERT INTO tw_session (user_id, refresh_hash, previous_hash, method, date_created, last_refreshed, expires) VALUES (?, ?, NULL, ?, ?, ?, ?)",
        )
        .bind(user_id).bind(refresh_hash).bind(method).bind(now).bind(now).bind(expires)
        .execute(&mut *tx).await?
        .last_insert_id_i64();
        tx.commit().await?;
        Ok(id)
    })
}

/// The session if it has not ended.
pub async fn find_active(db: &Db, id: i64, now: i64) -> sqlx::Result<Option<Session>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_session WHERE id = ? AND expires > ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(now).fetch_optional(p).await)
}

/// The live session a refresh token belongs to.
pub async fn find_by_refresh_hash(db: &Db, refresh_hash: &str, now: i64) -> sqlx::Result<Option<Session>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_session WHERE refresh_hash = ? AND expires > ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(refresh_hash).bind(now).fetch_optional(p).await)
}

pub enum Rotation {
    Rotated(Session),
    /// The token is unknown or its session ended.
    Invalid,
    /// The token was already rotated away `age_ms` ago.
    Superseded {
        session_id: i64,
        age_ms: i64,
    },
}

/// Swaps the refresh token of a live session for a new one and extends its idle expiry, in one
/// conditional update, so two concurrent refreshes with one token cannot both succeed.
pub async fn rotate(db: &Db, old_hash: &str, new_hash: &str, now: i64, expires: i64) -> sqlx::Result<Rotation> {
    let updated = with_pool!(db, p => sqlx::query(
        "UPDATE tw_session SET previous_hash = refresh_hash, refresh_hash = ?, last_refreshed = ?, expires = ? \
         WHERE refresh_hash = ? AND expires > ?",
    )
    .bind(new_hash).bind(now).bind(expires).bind(old_hash).bind(now)
    .execute(p).await.map(|r| r.rows_affected()))?;
    if updated == 1 {
        return Ok(match find_by_refresh_hash(db, new_hash, now).await? {
            Some(s) => Rotation::Rotated(s),
            None => Rotation::Invalid,
        });
    }
    let previous: Option<(i64, i64)> = with_pool!(db, p => sqlx::query_as(
        "SELECT id, last_refreshed FROM tw_session WHERE previous_hash = ? AND expires > ?",
    )
    .bind(old_hash).bind(now).fetch_optional(p).await)?;
    Ok(match previous {
        Some((session_id, last_refreshed)) => Rotation::Superseded { session_id, age_ms: now - last_refreshed },
        None => Rotation::Invalid,
    })
}

/// Ends a session. Returns whether it existed.
pub async fn delete(db: &Db, id: i64) -> sqlx::Result<bool> {
    let n = with_pool!(db, p => sqlx::query("DELETE FROM tw_session WHERE id = ?").bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
