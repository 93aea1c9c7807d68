//! Labels and their association with runs. A label belongs to a scope: a user's personal
//! workspace (`user_id`) or an organization workspace (`workspace_id`).

use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::{BeginWrite, Db};
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub value: Option<String>,
    pub resource: bool,
    pub is_default: bool,
    pub date_created: i64,
}

/// Where labels live: a personal workspace or an organization workspace.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub user_id: i64,
    pub workspace_id: Option<i64>,
}

const SCOPE: &str = "((workspace_id IS NULL AND user_id = ? AND ? IS NULL) OR workspace_id = ?)";

pub struct ListFilter<'a> {
    pub search: Option<&'a str>,
    /// `Some(true)` resource labels only, `Some(false)` simple labels only.
    pub resource: Option<bool>,
    pub is_default: Option<bool>,
    pub max: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, scope: Scope, f: &ListFilter<'_>) -> sqlx::Result<(Vec<Label>, i64)> {
    let mut cond = Conditions::new(SCOPE, [scope.user_id.into(), scope.workspace_id.into(), scope.workspace_id.into()]);
    if let Some(s) = f.search {
        cond.and(format!("name LIKE ? {LIKE_ESCAPE}"), [like_pattern(&s.replace('*', "")).into()]);
    }
    if let Some(r) = f.resource {
        cond.and("resource = ?", [r.into()]);
    }
    if let Some(d) = f.is_default {
        cond.and("is_default = ?", [d.into()]);
    }
    with_pool!(db, p => {
        let (mut rows, mut count) = page_and_count(
            &cond,
            "SELECT id, name, value, resource, is_default, date_created FROM tw_label",
            "ORDER BY name, value, id",
            "SELECT COUNT(*) FROM tw_label",
            f.max,
            f.offset,
        );
        let rows: Vec<Label> = rows.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn find(db: &Db, scope: Scope, id: i64) -> sqlx::Result<Option<Label>> {
    let sql = format!("SELECT id, name, value, resource, is_default, date_created FROM tw_label WHERE id = ? AND {SCOPE}");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope.user_id).bind(scope.workspace_id).bind(scope.workspace_id).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: Scope, name: &str, value: Option<&str>) -> sqlx::Result<Option<Label>> {
    let sql = format!(
        "SELECT id, name, value, resource, is_default, date_created FROM tw_label WHERE {SCOPE} AND name = ? AND (value = ? OR (value IS NULL AND ? IS NULL))"
    );
    with_pool!(db, p => sqlx::query_as(&sql)
        .bind(scope.user_id).bind(scope.workspace_id).bind(scope.workspace_id)
        .bind(name).bind(value).bind(value)
        .fetch_optional(p).await)
}

pub async fn create(
    db: &Db,
    scope: Scope,
    name: &str,
    value: Option<&str>,
    resource: bool,
    is_default: bool,
    now: i64,
) -> sqlx::Result<()> {
    let user_id = if scope.workspace_id.is_none() { Some(scope.user_id) } else { None };
    with_pool!(db, p => sqlx::query("INSERT INTO tw_label (user_id, workspace_id, name, value, resource, is_default, date_created) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(user_id).bind(scope.workspace_id).bind(name).bind(value).bind(resource).bind(is_default).bind(now)
        .execute(p).await.map(|_| ()))
}

pub async fn update(db: &Db, id: i64, name: &str, value: Option<&str>, is_default: bool) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_label SET name = ?, value = ?, is_default = ? WHERE id = ?")
        .bind(name).bind(value).bind(is_default).bind(id).execute(p).await.map(|_| ()))
}

pub async fn delete(db: &Db, id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("DELETE FROM tw_workflow_label WHERE label_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_pipeline_label WHERE label_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_label WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Association {
    Add,
    Remove,
    /// Replace each run's labels with exactly these.
    Apply,
}

/// What labels are attached to, by id.
#[derive(Debug, Clone, Copy)]
pub enum Labelled<'a> {
    Runs(&'a [String]),
    Pipelines(&'a [i64]),
    Datasets(&'a [String]),
    Actions(&'a [String]),
}

/// A run's or a pipeline's id, to bind.
enum Key<'a> {
    Text(&'a str),
    Int(i64),
}

impl<'a> Labelled<'a> {
    /// The link table and its column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Labelled::Runs(_) => ("tw_workflow_label", "workflow_id"),
            Labelled::Pipelines(_) => ("tw_pipeline_label", "pipeline_id"),
            Labelled::Datasets(_) => ("tw_dataset_label", "dataset_id"),
            Labelled::Actions(_) => ("tw_action_label", "action_id"),
        }
    }

    fn keys(self) -> Vec<Key<'a>> {
        match self {
            Labelled::Runs(ids) => ids.iter().map(|id| Key::Text(id)).collect(),
            Labelled::Pipelines(ids) => ids.iter().map(|id| Key::Int(*id)).collect(),
            Labelled::Datasets(ids) | Labelled::Actions(ids) => ids.iter().map(|id| Key::Text(id)).collect(),
        }
    }
}

/// Changes the labels of runs or pipelines, all in one transaction.
pub async fn associate(db: &Db, how: Association, targets: Labelled<'_>, label_ids: &[i64]) -> sqlx::Result<()> {
    let (table, column) = targets.table();
    let ignore = match db.dialect() {
        super::Dialect::MySql => "INSERT IGNORE",
        super::Dialect::Sqlite => "INSERT OR IGNORE",
    };
    let clear = format!("DELETE FROM {table} WHERE {column} = ?");
    let change = match how {
        Association::Remove => format!("DELETE FROM {table} WHERE {column} = ? AND label_id = ?"),
        _ => format!("{ignore} INTO {table} ({column}, label_id) VALUES (?, ?)"),
    };
    let keys = targets.keys();
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        for key in &keys {
            if how == Association::Apply {
                let q = sqlx::query(&clear);
                let q = match key { Key::Text(id) => q.bind(*id), Key::Int(id) => q.bind(*id) };
                q.execute(&mut *tx).await?;
            }
            for l in label_ids {
                let q = sqlx::query(&change);
                let q = match key { Key::Text(id) => q.bind(*id), Key::Int(id) => q.bind(*id) };
                q.bind(l).execute(&mut *tx).await?;
            }
        }
        tx.commit().await
    })
}

/// Labels of the given runs or pipelines, as (the run's or pipeline's id as text, label).
pub async fn attached(db: &Db, targets: Labelled<'_>) -> sqlx::Result<Vec<(String, Label)>> {
    let (table, column) = targets.table();
    let keys = targets.keys();
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let marks = vec!["?"; keys.len()].join(", ");
    let sql = format!(
        "SELECT CAST(x.{column} AS CHAR), l.id, l.name, l.value, l.resource, l.is_default, l.date_created FROM {table} x \
         JOIN tw_label l ON l.id = x.label_id WHERE x.{column} IN ({marks}) ORDER BY l.name, l.value"
    );
    type Row = (String, i64, String, Option<String>, bool, bool, i64);
    let rows: Vec<Row> = with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql);
        for key in &keys {
            q = match key { Key::Text(id) => q.bind(*id), Key::Int(id) => q.bind(*id) };
        }
        q.fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(of, id, name, value, resource, is_default, date_created)| {
            (of, Label { id, name, value, resource, is_default, date_created })
        })
        .collect())
}
