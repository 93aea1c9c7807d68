//! Personal access tokens. Only a SHA-256 hash of the secret is stored.

use serde::Serialize;

use super::{is_unique_violation, Db};
use crate::domain::time::{now_millis, opt_datetime};
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub id: i64,
    pub name: String,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used: Option<i64>,
    #[serde(skip)]
    #[schema(ignore)]
    pub user_id: i64,
    #[serde(skip)]
    #[schema(ignore)]
    pub secret_hash: String,
}

const COLUMNS: &str = "id, name, date_created, last_used, user_id, secret_hash";

pub enum CreateError {
    NameTaken,
    Db(sqlx::Error),
}

pub async fn create(db: &Db, user_id: i64, name: &str, secret_hash: &str) -> Result<AccessToken, CreateError> {
    let now = now_millis();
    let id: Result<i64, sqlx::Error> = with_pool!(db, p => {
        sqlx::query("INSERT INTO tw_access_token (user_id, name, secret_hash, date_created) VALUES (?, ?, ?, ?)")
            .bind(user_id).bind(name).bind(secret_hash).bind(now)
            .execute(p).await
            .map(|r| r.last_insert_id_i64())
    });
    let id = id.map_err(|e| if is_unique_violation(&e) { CreateError::NameTaken } else { CreateError::Db(e) })?;
    Ok(AccessToken { id, name: name.to_string(), date_created: Some(now), last_used: None, user_id, secret_hash: secret_hash.to_string() })
}

/// `last_insert_id` under one name for both drivers.
pub(crate) trait LastInsertId {
    fn last_insert_id_i64(&self) -> i64;
}
impl LastInsertId for sqlx::mysql::MySqlQueryResult {
    fn last_insert_id_i64(&self) -> i64 {
        self.last_insert_id() as i64
    }
}
impl LastInsertId for sqlx::sqlite::SqliteQueryResult {
    fn last_insert_id_i64(&self) -> i64 {
        self.last_insert_rowid()
    }
}

pub async fn find(db: &Db, id: i64) -> sqlx::Result<Option<AccessToken>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_access_token WHERE id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn list(db: &Db, user_id: i64) -> sqlx::Result<Vec<AccessToken>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_access_token WHERE user_id = ? ORDER BY id");
    with_pool!(db, p => sqlx::query_as(&sql).bind(user_id).fetch_all(p).await)
}

pub async fn delete(db: &Db, user_id: i64, id: i64) -> sqlx::Result<bool> {
    let r = with_pool!(db, p => sqlx::query("DELETE FROM tw_access_token WHERE id = ? AND user_id = ?").bind(id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r > 0)
}

pub async fn delete_all(db: &Db, user_id: i64) -> sqlx::Result<u64> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_access_token WHERE user_id = ?").bind(user_id).execute(p).await.map(|r| r.rows_affected()))
}

pub async fn touch_last_used(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_access_token SET last_used = ? WHERE id = ?").bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a user's tokens whose name starts with `prefix` (a run's tokens); their ids.
pub async fn delete_named(db: &Db, user_id: i64, prefix: &str) -> sqlx::Result<Vec<i64>> {
    let pattern = format!("{}%", prefix.replace('!', "!!").replace('%', "!%").replace('_', "!_"));
    let sql = format!("SELECT id FROM tw_access_token WHERE user_id = ? AND name LIKE ? {}", super::query::LIKE_ESCAPE);
    let ids: Vec<i64> = with_pool!(db, p => sqlx::query_scalar(&sql).bind(user_id).bind(&pattern).fetch_all(p).await)?;
    for id in &ids {
        delete(db, user_id, *id).await?;
    }
    Ok(ids)
}
