//! Versions of a Launchpad pipeline. The default version's launch is also the pipeline's
//! (`tw_pipeline.launch`): both change together, in one transaction.

use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::{BeginWrite, Db};
use crate::with_pool;

const COLUMNS: &str = "v.id, v.pipeline_id, v.name, v.is_default, v.hash, v.launch, v.creator_id, u.user_name AS creator_name, \
                       v.date_created, v.last_updated";
const FROM: &str = "FROM tw_pipeline_version v LEFT JOIN tw_user u ON u.id = v.creator_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub id: String,
    pub pipeline_id: i64,
    /// None for a draft.
    pub name: Option<String>,
    pub is_default: bool,
    pub hash: String,
    /// `LaunchRequest` as JSON.
    pub launch: String,
    pub creator_id: i64,
    pub creator_name: Option<String>,
    pub date_created: i64,
    pub last_updated: i64,
}

pub struct NewVersion<'a> {
    pub id: &'a str,
    pub pipeline_id: i64,
    pub name: Option<&'a str>,
    pub hash: &'a str,
    pub launch: &'a str,
    /// The repository the launch runs (`tw_pipeline.repository` follows the default version).
    pub repository: &'a str,
    pub creator_id: i64,
    pub now: i64,
}

/// Adds a version; the default one also becomes the pipeline's launch. A taken name fails with
/// a unique violation and changes nothing.
pub async fn create(db: &Db, v: &NewVersion<'_>, default: bool) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        if default {
            sqlx::query("UPDATE tw_pipeline_version SET is_default = FALSE WHERE pipeline_id = ?").bind(v.pipeline_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE tw_pipeline SET launch = ?, repository = ?, last_updated = ? WHERE id = ?")
                .bind(v.launch).bind(v.repository).bind(v.now).bind(v.pipeline_id).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO tw_pipeline_version (id, pipeline_id, name, is_default, hash, launch, creator_id, date_created, last_updated) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(v.id).bind(v.pipeline_id).bind(v.name).bind(default).bind(v.hash).bind(v.launch).bind(v.creator_id)
            .bind(v.now).bind(v.now).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// Gives a pipeline made before versions existed its first version: its launch, published as
/// "1" and the default. Nothing when it has versions (two at once: the name is taken, and the
/// second fails with a unique violation).
pub async fn ensure_first(db: &Db, pipeline_id: i64, id: &str, hash: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_pipeline_version (id, pipeline_id, name, is_default, hash, launch, creator_id, date_created, last_updated) \
         SELECT ?, id, '1', TRUE, ?, launch, user_id, ?, ? FROM tw_pipeline \
         WHERE id = ? AND NOT EXISTS (SELECT 1 FROM tw_pipeline_version WHERE pipeline_id = ?)")
        .bind(id).bind(hash).bind(now).bind(now).bind(pipeline_id).bind(pipeline_id).execute(p).await.map(|_| ()))
}

/// Replaces the launch of a draft (a version without a name) in place, and the pipeline's when
/// it is the default. False when it is no longer a draft.
pub async fn edit_draft(db: &Db, id: &str, hash: &str, launch: &str, repository: &str, now: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let done = sqlx::query("UPDATE tw_pipeline_version SET hash = ?, launch = ?, last_updated = ? WHERE id = ? AND name IS NULL")
            .bind(hash).bind(launch).bind(now).bind(id).execute(&mut *tx).await?.rows_affected() > 0;
        if done {
            sqlx::query("UPDATE tw_pipeline SET launch = ?, repository = ?, last_updated = ? \
                         WHERE id = (SELECT pipeline_id FROM tw_pipeline_version WHERE id = ? AND is_default)")
                .bind(launch).bind(repository).bind(now).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(done)
    })
}

/// Names a version (publishes a draft) and/or makes it the default. A taken name fails with a
/// unique violation and changes nothing.
pub async fn manage(db: &Db, v: &VersionRow, name: Option<&str>, make_default: bool, repository: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        if let Some(name) = name {
            sqlx::query("UPDATE tw_pipeline_version SET name = ?, last_updated = ? WHERE id = ?")
                .bind(name).bind(now).bind(&v.id).execute(&mut *tx).await?;
        }
        if make_default && !v.is_default {
            sqlx::query("UPDATE tw_pipeline_version SET is_default = (id = ?) WHERE pipeline_id = ?")
                .bind(&v.id).bind(v.pipeline_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE tw_pipeline SET launch = ?, repository = ?, last_updated = ? WHERE id = ?")
                .bind(&v.launch).bind(repository).bind(now).bind(v.pipeline_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

/// A version of a pipeline.
pub async fn find(db: &Db, pipeline_id: i64, id: &str) -> sqlx::Result<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.pipeline_id = ? AND v.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(pipeline_id).bind(id).fetch_optional(p).await)
}

/// A version of any pipeline of a scope (what a launch names in `launch.id`).
pub async fn find_in_scope(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} JOIN tw_pipeline pl ON pl.id = v.pipeline_id WHERE v.id = ? AND pl.scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, pipeline_id: i64, name: &str) -> sqlx::Result<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.pipeline_id = ? AND v.name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(pipeline_id).bind(name).fetch_optional(p).await)
}

/// The default versions of pipelines.
pub async fn defaults(db: &Db, pipeline_ids: &[i64]) -> sqlx::Result<Vec<VersionRow>> {
    if pipeline_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.is_default AND v.pipeline_id IN ({})", vec!["?"; pipeline_ids.len()].join(", "));
    with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql);
        for id in pipeline_ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

/// A page of a pipeline's versions, newest first: by name, and published (named) or drafts.
pub async fn list(
    db: &Db,
    pipeline_id: i64,
    search: Option<&str>,
    published: Option<bool>,
    max: i64,
    offset: i64,
) -> sqlx::Result<(Vec<VersionRow>, i64)> {
    let mut cond = Conditions::new("v.pipeline_id = ?", [pipeline_id.into()]);
    if let Some(s) = search {
        cond.and(format!("v.name LIKE ? {LIKE_ESCAPE}"), [like_pattern(s).into()]);
    }
    if let Some(published) = published {
        cond.and(if published { "v.name IS NOT NULL" } else { "v.name IS NULL" }, []);
    }
    let select = format!("SELECT {COLUMNS} {FROM}");
    let count = format!("SELECT COUNT(*) {FROM}");
    with_pool!(db, p => {
        let (mut rows, mut total) = page_and_count(&cond, &select, "ORDER BY v.date_created DESC, v.id", &count, max, offset);
        let rows: Vec<VersionRow> = rows.build_query_as().fetch_all(p).await?;
        let total: i64 = total.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

/// Whether runs were launched from a version (its name then stays as it is).
pub async fn launched(db: &Db, id: &str) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tw_launch WHERE pipeline_version_id = ?")
        .bind(id).fetch_one(p).await.map(|n| n > 0))
}
