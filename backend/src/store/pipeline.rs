//! The pipelines of a Launchpad, in a scope (`w:<workspace>` or `u:<user>`).

use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::token::LastInsertId;
use super::{BeginWrite, Db};
use crate::with_pool;

const COLUMNS: &str = "id, user_id, workspace_id, name, description, icon, repository, launch, date_created, last_updated";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PipelineRow {
    pub id: i64,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub repository: String,
    /// `LaunchRequest` as JSON.
    pub launch: String,
    pub date_created: i64,
    pub last_updated: i64,
}

pub struct Fields<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub icon: Option<&'a str>,
    pub repository: &'a str,
    pub launch: &'a str,
}

/// The first version of a new pipeline (published and the default).
pub struct FirstVersion<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub hash: &'a str,
}

/// Inserts a pipeline with its first version; a taken name fails with a unique violation and
/// stores nothing.
pub async fn create(
    db: &Db,
    scope: &str,
    user_id: i64,
    workspace_id: Option<i64>,
    f: &Fields<'_>,
    first: &FirstVersion<'_>,
    now: i64,
) -> sqlx::Result<i64> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO tw_pipeline (scope, user_id, workspace_id, name, description, icon, repository, launch, date_created, last_updated) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(scope).bind(user_id).bind(workspace_id).bind(f.name).bind(f.description).bind(f.icon).bind(f.repository).bind(f.launch)
            .bind(now).bind(now).execute(&mut *tx).await?.last_insert_id_i64();
        sqlx::query(
            "INSERT INTO tw_pipeline_version (id, pipeline_id, name, is_default, hash, launch, creator_id, date_created, last_updated) \
             VALUES (?, ?, ?, TRUE, ?, ?, ?, ?, ?)")
            .bind(first.id).bind(id).bind(first.name).bind(first.hash).bind(f.launch).bind(user_id).bind(now).bind(now)
            .execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Changes what a pipeline is called and described as (its launch changes with its versions).
pub async fn rename(
    db: &Db,
    scope: &str,
    id: i64,
    name: &str,
    description: Option<&str>,
    icon: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_pipeline SET name = ?, description = ?, icon = ?, last_updated = ? WHERE id = ? AND scope = ?")
        .bind(name).bind(description).bind(icon).bind(now).bind(id).bind(scope)
        .execute(p).await.map(|_| ()))
}

/// A page of a scope's pipelines by name, with free text over name, description and repository.
pub async fn list(db: &Db, scope: &str, search: Option<&str>, max: i64, offset: i64) -> sqlx::Result<(Vec<PipelineRow>, i64)> {
    let mut cond = Conditions::new("scope = ?", [scope.to_string().into()]);
    if let Some(s) = search {
        let pattern = like_pattern(s);
        cond.and(
            format!("(name LIKE ? {LIKE_ESCAPE} OR description LIKE ? {LIKE_ESCAPE} OR repository LIKE ? {LIKE_ESCAPE})"),
            [pattern.clone().into(), pattern.clone().into(), pattern.into()],
        );
    }
    with_pool!(db, p => {
        let (mut rows, mut count) = page_and_count(&cond, &format!("SELECT {COLUMNS} FROM tw_pipeline"), "ORDER BY name, id", "SELECT COUNT(*) FROM tw_pipeline", max, offset);
        let rows: Vec<PipelineRow> = rows.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn find(db: &Db, scope: &str, id: i64) -> sqlx::Result<Option<PipelineRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_pipeline WHERE id = ? AND scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<PipelineRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_pipeline WHERE scope = ? AND name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

pub async fn delete(db: &Db, scope: &str, id: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_pipeline WHERE id = ? AND scope = ?").bind(id).bind(scope)
        .execute(p).await.map(|r| r.rows_affected() > 0))
}
