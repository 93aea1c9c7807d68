//! Runs a user has starred.

use super::Db;
use crate::with_pool;

pub async fn is_starred(db: &Db, workflow_id: &str, user_id: i64) -> sqlx::Result<bool> {
    let n: i64 = with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_workflow_star WHERE workflow_id = ? AND user_id = ?")
        .bind(workflow_id).bind(user_id).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn star(db: &Db, workflow_id: &str, user_id: i64, now: i64) -> sqlx::Result<()> {
    let sql = match db.dialect() {
        super::Dialect::MySql => "INSERT IGNORE INTO tw_workflow_star (workflow_id, user_id, date_created) VALUES (?, ?, ?)",
        super::Dialect::Sqlite => "INSERT OR IGNORE INTO tw_workflow_star (workflow_id, user_id, date_created) VALUES (?, ?, ?)",
    };
    with_pool!(db, p => sqlx::query(sql).bind(workflow_id).bind(user_id).bind(now).execute(p).await.map(|_| ()))
}

pub async fn unstar(db: &Db, workflow_id: &str, user_id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_workflow_star WHERE workflow_id = ? AND user_id = ?")
        .bind(workflow_id).bind(user_id).execute(p).await.map(|_| ()))
}

/// Which of these runs the user starred.
pub async fn starred_among(db: &Db, user_id: i64, workflow_ids: &[String]) -> sqlx::Result<Vec<String>> {
    if workflow_ids.is_empty() {
        return Ok(vec![]);
    }
    let marks = vec!["?"; workflow_ids.len()].join(", ");
    let sql = format!("SELECT workflow_id FROM tw_workflow_star WHERE user_id = ? AND workflow_id IN ({marks})");
    with_pool!(db, p => {
        let mut q = sqlx::query_scalar(&sql).bind(user_id);
        for w in workflow_ids {
            q = q.bind(w);
        }
        q.fetch_all(p).await
    })
}
