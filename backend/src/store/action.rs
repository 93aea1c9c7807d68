//! Actions, in a scope (`w:<workspace>` or `u:<user>`). A `cron` action's next fire time is
//! claimed by moving it on only if it is still the one read (`advance`), so one cron fires it.

use super::Db;
use crate::domain::crypto::Sealed;
use crate::with_pool;

const COLUMNS: &str = "id, user_id, workspace_id, name, source, status, launch, hook_id, cron_expression, cron_timezone, \
                       cron_catch_up, next_fire, last_seen, event, error, date_created, last_updated";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    pub id: String,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub source: String,
    pub status: String,
    /// `LaunchRequest` as JSON.
    pub launch: String,
    pub hook_id: Option<String>,
    pub cron_expression: Option<String>,
    pub cron_timezone: Option<String>,
    pub cron_catch_up: bool,
    pub next_fire: Option<i64>,
    pub last_seen: Option<i64>,
    /// The last event (`Action.EventType`) as JSON.
    pub event: Option<String>,
    pub error: Option<String>,
    pub date_created: i64,
    pub last_updated: i64,
}

/// A schedule as stored: expression, time zone, whether a missed time fires when cron is back.
pub struct Cron<'a> {
    pub expression: &'a str,
    pub timezone: &'a str,
    pub catch_up: bool,
    pub next_fire: Option<i64>,
}

pub struct NewAction<'a> {
    pub id: &'a str,
    pub scope: &'a str,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: &'a str,
    pub source: &'a str,
    pub launch: &'a str,
    pub hook_id: Option<&'a str>,
    pub secret: Option<&'a Sealed>,
    pub cron: Option<Cron<'a>>,
}

pub async fn create(db: &Db, a: &NewAction<'_>, now: i64) -> sqlx::Result<()> {
    let c = a.cron.as_ref();
    with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_action (id, scope, user_id, workspace_id, name, source, status, launch, hook_id, secret, key_id, \
         cron_expression, cron_timezone, cron_catch_up, next_fire, date_created, last_updated) \
         VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(a.id).bind(a.scope).bind(a.user_id).bind(a.workspace_id).bind(a.name).bind(a.source).bind(a.launch)
        .bind(a.hook_id).bind(a.secret.map(|s| s.data.clone())).bind(a.secret.map_or("", |s| s.key_id.as_str()))
        .bind(c.map(|c| c.expression)).bind(c.map(|c| c.timezone)).bind(c.is_some_and(|c| c.catch_up)).bind(c.and_then(|c| c.next_fire))
        .bind(now).bind(now)
        .execute(p).await.map(|_| ()))
}

/// Changes name, launch and (for `cron`) schedule. False when no such action is here.
pub async fn update(db: &Db, scope: &str, id: &str, name: &str, launch: &str, cron: Option<&Cron<'_>>, now: i64) -> sqlx::Result<bool> {
    let sql = match cron {
        Some(_) => {
            "UPDATE tw_action SET name = ?, launch = ?, cron_expression = ?, cron_timezone = ?, cron_catch_up = ?, \
                    next_fire = CASE WHEN status = 'ACTIVE' THEN ? ELSE NULL END, last_updated = ? WHERE scope = ? AND id = ?"
        }
        None => "UPDATE tw_action SET name = ?, launch = ?, last_updated = ? WHERE scope = ? AND id = ?",
    };
    with_pool!(db, p => {
        let mut q = sqlx::query(sql).bind(name).bind(launch);
        if let Some(c) = cron {
            q = q.bind(c.expression).bind(c.timezone).bind(c.catch_up).bind(c.next_fire);
        }
        q.bind(now).bind(scope).bind(id).execute(p).await.map(|r| r.rows_affected() == 1)
    })
}

pub async fn find(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<ActionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_action WHERE scope = ? AND id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(id).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<ActionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_action WHERE scope = ? AND name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

/// A `github` action by its hook id, with its sealed secret.
pub async fn find_by_hook(db: &Db, hook_id: &str) -> sqlx::Result<Option<(ActionRow, Sealed)>> {
    #[derive(sqlx::FromRow)]
    struct WithSecret {
        #[sqlx(flatten)]
        action: ActionRow,
        secret: Vec<u8>,
        key_id: String,
    }
    let sql = format!("SELECT {COLUMNS}, secret, key_id FROM tw_action WHERE hook_id = ? AND secret IS NOT NULL");
    let row: Option<WithSecret> = with_pool!(db, p => sqlx::query_as(&sql).bind(hook_id).fetch_optional(p).await)?;
    Ok(row.map(|r| (r.action, Sealed { key_id: r.key_id, data: r.secret })))
}

/// The actions of a scope, by name; `search` matches names (`*` wildcards).
pub async fn list(db: &Db, scope: &str, search: Option<&str>) -> sqlx::Result<Vec<ActionRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM tw_action WHERE scope = ?");
    let pattern = search.map(super::query::like_pattern);
    if pattern.is_some() {
        sql.push_str(&format!(" AND name LIKE ? {}", super::query::LIKE_ESCAPE));
    }
    sql.push_str(" ORDER BY name, id");
    with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql).bind(scope);
        if let Some(pattern) = &pattern {
            q = q.bind(pattern);
        }
        q.fetch_all(p).await
    })
}

pub async fn delete(db: &Db, scope: &str, id: &str) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_action WHERE scope = ? AND id = ?")
        .bind(scope).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Pauses or resumes; a resumed `cron` action fires next at `next_fire` (missed times skipped).
pub async fn set_status(db: &Db, scope: &str, id: &str, status: &str, next_fire: Option<i64>, now: i64) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("UPDATE tw_action SET status = ?, next_fire = ?, last_updated = ? WHERE scope = ? AND id = ?")
        .bind(status).bind(next_fire).bind(now).bind(scope).bind(id).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Records what last happened to an action: the event (JSON) and the error, if it failed.
pub async fn seen(db: &Db, id: &str, event: &str, error: Option<&str>, now: i64) -> sqlx::Result<()> {
    let error = error.map(|e| e.chars().take(1000).collect::<String>());
    with_pool!(db, p => sqlx::query("UPDATE tw_action SET last_seen = ?, event = ?, error = ? WHERE id = ?")
        .bind(now).bind(event).bind(error).bind(id).execute(p).await.map(|_| ()))
}

/// Active `cron` actions due at `now`, soonest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<ActionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tw_action WHERE next_fire IS NOT NULL AND next_fire <= ? AND status = 'ACTIVE' AND source = 'cron' \
         ORDER BY next_fire LIMIT ?"
    );
    with_pool!(db, p => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(p).await)
}

/// Moves a `cron` action's next fire time from `from` to `to`, if it is still `from`. False:
/// another cron moved it (or the action changed) meanwhile.
pub async fn advance(db: &Db, id: &str, from: i64, to: Option<i64>) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("UPDATE tw_action SET next_fire = ? WHERE id = ? AND next_fire = ? AND status = 'ACTIVE'")
        .bind(to).bind(id).bind(from).execute(p).await.map(|r| r.rows_affected() == 1))
}
