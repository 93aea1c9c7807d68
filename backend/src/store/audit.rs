//! The audit log: appended to, read newest first in pages keyed by id, and trimmed by age.

use super::query::Conditions;
use super::Db;
use crate::with_pool;

const COLUMNS: &str = "a.id, a.date_created, a.event, a.operation, a.status, a.actor_type, a.user_id, a.is_root, a.token_id, a.ip, \
                       a.user_agent, a.org_id, a.workspace_id, a.target_type, a.target_id, u.user_name, u.email, u.first_name, \
                       u.last_name, o.name AS org_name, w.name AS workspace_name";
const FROM: &str = "FROM tw_audit_log a LEFT JOIN tw_user u ON u.id = a.user_id LEFT JOIN tw_organization o ON o.id = a.org_id \
                    LEFT JOIN tw_workspace w ON w.id = a.workspace_id";

#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub event: &'a str,
    pub operation: &'a str,
    pub status: u16,
    /// `user` (a person at a client) or `system` (a schedule, a webhook delivery).
    pub actor_type: &'a str,
    pub user_id: Option<i64>,
    pub is_root: bool,
    pub token_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub org_id: Option<i64>,
    pub workspace_id: Option<i64>,
    pub target_type: Option<&'a str>,
    pub target_id: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub date_created: i64,
    pub event: String,
    pub operation: String,
    pub status: i32,
    pub actor_type: String,
    pub user_id: Option<i64>,
    pub is_root: bool,
    pub token_id: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub org_id: Option<i64>,
    pub workspace_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub user_name: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub org_name: Option<String>,
    pub workspace_name: Option<String>,
}

fn cut(s: Option<&str>, n: usize) -> Option<String> {
    s.map(|s| s.chars().take(n).collect())
}

/// Appends an event; its organization is the workspace's when it names a workspace and no
/// organization.
pub async fn record(db: &Db, e: &NewEvent<'_>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_audit_log (date_created, event, operation, status, actor_type, user_id, is_root, token_id, ip, user_agent, \
         org_id, workspace_id, target_type, target_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, (SELECT org_id FROM tw_workspace WHERE id = ?)), ?, ?, ?)")
        .bind(now).bind(e.event).bind(e.operation).bind(i32::from(e.status)).bind(e.actor_type).bind(e.user_id).bind(e.is_root)
        .bind(e.token_id).bind(cut(e.ip, 64)).bind(cut(e.user_agent, 512)).bind(e.org_id).bind(e.workspace_id).bind(e.workspace_id)
        .bind(e.target_type)
        .bind(cut(e.target_id, 64))
        .execute(p).await.map(|_| ()))
}

/// Which events a reader sees and asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// `None`: every event (root); otherwise only the events of these organizations.
    pub orgs: Option<&'a [i64]>,
    pub user_id: Option<i64>,
    pub event: Option<&'a str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only events older than this id (the page token).
    pub before_id: Option<i64>,
}

fn conditions(f: &Filter<'_>) -> Conditions {
    let mut c = Conditions::new("1 = 1", []);
    if let Some(orgs) = f.orgs {
        if orgs.is_empty() {
            c.and("1 = 0", []);
        } else {
            let marks = vec!["?"; orgs.len()].join(", ");
            c.and(format!("a.org_id IN ({marks})"), orgs.iter().map(|o| (*o).into()));
        }
    }
    if let Some(u) = f.user_id {
        c.and("a.user_id = ?", [u.into()]);
    }
    if let Some(e) = f.event {
        c.and("a.event = ?", [e.into()]);
    }
    if let Some(t) = f.from {
        c.and("a.date_created >= ?", [t.into()]);
    }
    if let Some(t) = f.to {
        c.and("a.date_created <= ?", [t.into()]);
    }
    if let Some(id) = f.before_id {
        c.and("a.id < ?", [id.into()]);
    }
    c
}

/// Up to `max` events, newest first.
pub async fn list(db: &Db, f: &Filter<'_>, max: i64) -> sqlx::Result<Vec<EventRow>> {
    let cond = conditions(f);
    let select = format!("SELECT {COLUMNS} {FROM}");
    with_pool!(db, p => {
        let mut q = sqlx::QueryBuilder::new(format!("{select} WHERE "));
        cond.push_to(&mut q);
        q.push(" ORDER BY a.id DESC LIMIT ").push_bind(max);
        q.build_query_as().fetch_all(p).await
    })
}

pub async fn find(db: &Db, id: i64) -> sqlx::Result<Option<EventRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

/// Deletes up to `limit` events older than `before`; how many it deleted.
pub async fn delete_older_than(db: &Db, before: i64, limit: i64) -> sqlx::Result<u64> {
    with_pool!(db, p => {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tw_audit_log WHERE date_created < ? ORDER BY id LIMIT ?")
            .bind(before).bind(limit).fetch_all(p).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!("DELETE FROM tw_audit_log WHERE id IN ({marks})");
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        q.execute(p).await.map(|r| r.rows_affected())
    })
}
