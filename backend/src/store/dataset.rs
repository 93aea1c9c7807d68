//! Datasets and their versions, in a scope (`w:<workspace>` or `u:<user>`). A version's file is
//! a column of its row; lists never read it.

use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::{BeginWrite, Db};
use crate::with_pool;

const COLUMNS: &str = "d.id, d.user_id, d.workspace_id, d.name, d.description, d.media_type, d.hidden, d.last_version, \
                       u.user_name AS user_name, d.date_created, d.last_updated";
const FROM: &str = "FROM tw_dataset d LEFT JOIN tw_user u ON u.id = d.user_id";
const VERSION_COLUMNS: &str = "v.dataset_id, d.name AS dataset_name, d.description AS dataset_description, d.workspace_id, v.version, \
                               v.file_name, v.media_type, v.has_header, v.file_size, v.disabled, u.user_name AS created_by, v.date_created";
const VERSION_FROM: &str = "FROM tw_dataset_version v JOIN tw_dataset d ON d.id = v.dataset_id LEFT JOIN tw_user u ON u.id = v.created_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRow {
    pub id: String,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub media_type: Option<String>,
    pub hidden: bool,
    pub last_version: i32,
    pub user_name: Option<String>,
    pub date_created: i64,
    pub last_updated: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub dataset_id: String,
    pub dataset_name: String,
    pub dataset_description: Option<String>,
    pub workspace_id: Option<i64>,
    pub version: i32,
    pub file_name: String,
    pub media_type: String,
    pub has_header: bool,
    pub file_size: i64,
    pub disabled: bool,
    pub created_by: Option<String>,
    pub date_created: i64,
}

/// Which datasets a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Visible,
    Hidden,
    All,
}

pub struct NewDataset<'a> {
    pub id: &'a str,
    pub scope: &'a str,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: &'a str,
    pub description: Option<&'a str>,
}

/// Inserts a dataset without versions; a taken name fails with a unique violation.
pub async fn create(db: &Db, d: &NewDataset<'_>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_dataset (id, scope, user_id, workspace_id, name, description, hidden, last_version, last_updated_by, date_created, last_updated) \
         VALUES (?, ?, ?, ?, ?, ?, FALSE, 0, ?, ?, ?)")
        .bind(d.id).bind(d.scope).bind(d.user_id).bind(d.workspace_id).bind(d.name).bind(d.description).bind(d.user_id).bind(now).bind(now)
        .execute(p).await.map(|_| ()))
}

pub async fn update(db: &Db, scope: &str, id: &str, name: &str, description: Option<&str>, user_id: i64, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_dataset SET name = ?, description = ?, last_updated_by = ?, last_updated = ? WHERE id = ? AND scope = ?")
        .bind(name).bind(description).bind(user_id).bind(now).bind(id).bind(scope).execute(p).await.map(|_| ()))
}

pub async fn find(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE d.id = ? AND d.scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE d.scope = ? AND d.name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

/// A page of a scope's datasets, by name or newest change first, with free text over name and
/// description.
pub async fn list(
    db: &Db,
    scope: &str,
    search: Option<&str>,
    visibility: Visibility,
    by_modified: bool,
    max: i64,
    offset: i64,
) -> sqlx::Result<(Vec<DatasetRow>, i64)> {
    let mut cond = Conditions::new("d.scope = ?", [scope.to_string().into()]);
    match visibility {
        Visibility::Visible => {
            cond.and("d.hidden = FALSE", []);
        }
        Visibility::Hidden => {
            cond.and("d.hidden = TRUE", []);
        }
        Visibility::All => {}
    }
    if let Some(s) = search {
        let pattern = like_pattern(s);
        cond.and(format!("(d.name LIKE ? {LIKE_ESCAPE} OR d.description LIKE ? {LIKE_ESCAPE})"), [pattern.clone().into(), pattern.into()]);
    }
    let order = if by_modified { "ORDER BY d.last_updated DESC, d.id" } else { "ORDER BY d.name, d.id" };
    let select = format!("SELECT {COLUMNS} {FROM}");
    let count = format!("SELECT COUNT(*) {FROM}");
    with_pool!(db, p => {
        let (mut rows, mut total) = page_and_count(&cond, &select, order, &count, max, offset);
        let rows: Vec<DatasetRow> = rows.build_query_as().fetch_all(p).await?;
        let total: i64 = total.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

/// Deletes datasets (their versions and labels with them); the ids of those that were there.
pub async fn delete(db: &Db, scope: &str, ids: &[String]) -> sqlx::Result<Vec<String>> {
    let mut deleted = Vec::new();
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        for id in ids {
            if sqlx::query("DELETE FROM tw_dataset WHERE id = ? AND scope = ?").bind(id).bind(scope).execute(&mut *tx).await?.rows_affected() > 0 {
                deleted.push(id.clone());
            }
        }
        tx.commit().await?;
        Ok(deleted)
    })
}

/// Hides or shows datasets of a scope; how many changed.
pub async fn set_hidden(db: &Db, scope: &str, ids: &[String], hidden: bool, now: i64) -> sqlx::Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!("UPDATE tw_dataset SET hidden = ?, last_updated = ? WHERE scope = ? AND id IN ({})", vec!["?"; ids.len()].join(", "));
    with_pool!(db, p => {
        let mut q = sqlx::query(&sql).bind(hidden).bind(now).bind(scope);
        for id in ids {
            q = q.bind(id);
        }
        q.execute(p).await.map(|r| r.rows_affected())
    })
}

pub struct NewVersion<'a> {
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub has_header: bool,
    pub content: &'a [u8],
    pub created_by: i64,
}

/// Adds the next version of a dataset, numbered in the same transaction that takes the number.
pub async fn add_version(db: &Db, scope: &str, id: &str, v: &NewVersion<'_>, now: i64) -> sqlx::Result<Option<i32>> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let bumped = sqlx::query(
            "UPDATE tw_dataset SET last_version = last_version + 1, media_type = ?, last_updated_by = ?, last_updated = ? WHERE id = ? AND scope = ?")
            .bind(v.media_type).bind(v.created_by).bind(now).bind(id).bind(scope).execute(&mut *tx).await?.rows_affected();
        if bumped == 0 {
            return Ok(None);
        }
        let version: i32 = sqlx::query_scalar("SELECT last_version FROM tw_dataset WHERE id = ?").bind(id).fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tw_dataset_version (dataset_id, version, file_name, media_type, has_header, file_size, content, disabled, created_by, date_created) \
             VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)")
            .bind(id).bind(version).bind(v.file_name).bind(v.media_type).bind(v.has_header).bind(v.content.len() as i64).bind(v.content)
            .bind(v.created_by).bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(version))
    })
}

/// The versions of a dataset of a scope, newest first, optionally of one media type.
pub async fn versions(db: &Db, scope: &str, id: &str, media_type: Option<&str>) -> sqlx::Result<Vec<VersionRow>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} {VERSION_FROM} WHERE d.scope = ? AND v.dataset_id = ?{} ORDER BY v.version DESC",
        if media_type.is_some() { " AND v.media_type = ?" } else { "" }
    );
    with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql).bind(scope).bind(id);
        if let Some(m) = media_type {
            q = q.bind(m);
        }
        q.fetch_all(p).await
    })
}

/// The latest version of each visible dataset of a scope that has one, by dataset name.
pub async fn latest_versions(
    db: &Db,
    scope: &str,
    media_type: Option<&str>,
    search: Option<&str>,
    max: i64,
    offset: i64,
) -> sqlx::Result<(Vec<VersionRow>, i64)> {
    let mut cond = Conditions::new("d.scope = ? AND d.hidden = FALSE AND v.version = d.last_version", [scope.to_string().into()]);
    if let Some(m) = media_type {
        cond.and("v.media_type = ?", [m.to_string().into()]);
    }
    if let Some(s) = search {
        cond.and(format!("d.name LIKE ? {LIKE_ESCAPE}"), [like_pattern(s).into()]);
    }
    let select = format!("SELECT {VERSION_COLUMNS} {VERSION_FROM}");
    let count = format!("SELECT COUNT(*) {VERSION_FROM}");
    with_pool!(db, p => {
        let (mut rows, mut total) = page_and_count(&cond, &select, "ORDER BY d.name, d.id", &count, max, offset);
        let rows: Vec<VersionRow> = rows.build_query_as().fetch_all(p).await?;
        let total: i64 = total.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

/// A version's file: its name, media type and bytes, unless the version is disabled.
pub async fn content(db: &Db, scope: &str, id: &str, version: i32) -> sqlx::Result<Option<(String, String, bool, Vec<u8>)>> {
    with_pool!(db, p => sqlx::query_as(
        "SELECT v.file_name, v.media_type, v.disabled, v.content FROM tw_dataset_version v JOIN tw_dataset d ON d.id = v.dataset_id \
         WHERE d.scope = ? AND v.dataset_id = ? AND v.version = ?")
        .bind(scope).bind(id).bind(version).fetch_optional(p).await)
}

/// Whether a version of a dataset of a scope can be read (it exists and is not disabled).
pub async fn usable(db: &Db, scope: &str, id: &str, version: i32) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM tw_dataset_version v JOIN tw_dataset d ON d.id = v.dataset_id \
         WHERE d.scope = ? AND v.dataset_id = ? AND v.version = ? AND v.disabled = FALSE")
        .bind(scope).bind(id).bind(version).fetch_one(p).await.map(|n| n > 0))
}

/// The dataset versions a launch's parameters named, by dataset name.
pub async fn launch_versions(db: &Db, launch_id: &str) -> sqlx::Result<Vec<VersionRow>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} {VERSION_FROM} JOIN tw_launch_dataset ld ON ld.dataset_id = v.dataset_id AND ld.version = v.version \
         WHERE ld.launch_id = ? ORDER BY d.name, v.version"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(launch_id).fetch_all(p).await)
}

/// Disables a version for good; false when there is no such version.
pub async fn disable_version(db: &Db, scope: &str, id: &str, version: i32) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_dataset_version SET disabled = TRUE WHERE dataset_id = ? AND version = ? \
         AND dataset_id IN (SELECT id FROM tw_dataset WHERE scope = ?)")
        .bind(id).bind(version).bind(scope).execute(p).await.map(|r| r.rows_affected() > 0))
}
