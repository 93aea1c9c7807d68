//! The e-mail outbox. Mail is written here in the same transaction as the event that causes it
//! and sent later by cron, so neither a crash nor an SMTP outage loses one.
//!
//! Delivery is at-least-once. A cron claims a due row with a lease (a conditional update, so of
//! two crons exactly one wins), sends it, then marks it sent. A cron killed between the send and
//! the mark leaves the lease to expire, and the mail is sent again with the same `Message-ID`
//! (fixed when the row is written), which is what receivers use to recognise a duplicate.

use sqlx::{Database, Encode, Type};

use super::{BeginWrite, Db, Dialect};
use crate::with_pool;

/// A message to put in the outbox, already rendered.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// RFC 5322 Message-ID without the angle brackets. A second mail with the same id is
    /// dropped, so an event that happens twice (a retried request) mails once.
    pub message_id: String,
    /// What the mail is for, e.g. `sign_in_link` or `run_completed`.
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

/// A mail claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub date_created: i64,
    /// Attempts started, this one included.
    pub attempts: i32,
}

/// The INSERT of one [`NewMail`]; a duplicate message id is ignored.
pub fn insert_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::MySql => {
            "INSERT IGNORE INTO tw_mail (message_id, kind, recipient, subject, body_text, body_html, date_created, attempts, next_attempt) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
        }
        Dialect::Sqlite => {
            "INSERT OR IGNORE INTO tw_mail (message_id, kind, recipient, subject, body_text, body_html, date_created, attempts, next_attempt) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
        }
    }
}

/// Binds a mail's values in [`insert_sql`] order.
pub fn bind_mail<'q, DB: Database>(
    q: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    m: &NewMail,
    now: i64,
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    q.bind(m.message_id.clone())
        .bind(m.kind.to_string())
        .bind(m.recipient.clone())
        .bind(clip(&m.subject, 255))
        .bind(m.body_text.clone())
        .bind(m.body_html.clone())
        .bind(now)
        .bind(now)
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Puts one mail in the outbox on its own. Returns false when its message id was there already.
pub async fn enqueue(db: &Db, m: &NewMail, now: i64) -> sqlx::Result<bool> {
    let sql = insert_sql(db.dialect());
    with_pool!(db, p => bind_mail(sqlx::query(sql), m, now).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Claims the next due mail for `owner` until `lease_until` and counts the attempt. A mail whose
/// lease has expired (its cron died) is due again. Of two crons claiming at once, one wins; the
/// other claims the next mail.
pub async fn claim_next(db: &Db, owner: &str, now: i64, lease_until: i64) -> sqlx::Result<Option<OutboxMail>> {
    const DUE: &str = "sent IS NULL AND next_attempt <= ? AND (lease_until IS NULL OR lease_until < ?)";
    with_pool!(db, p => {
        let claim = format!("UPDATE tw_mail SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? AND {DUE}");
        loop {
            let id: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM tw_mail WHERE {DUE} ORDER BY next_attempt, id LIMIT 1"))
                .bind(now).bind(now).fetch_optional(p).await?;
            let Some(id) = id else { return Ok(None) };
            let n = sqlx::query(&claim).bind(owner).bind(lease_until).bind(id).bind(now).bind(now).execute(p).await?.rows_affected();
            if n == 1 {
                return sqlx::query_as(
                    "SELECT id, message_id, kind, recipient, subject, body_text, body_html, date_created, attempts FROM tw_mail WHERE id = ?",
                )
                .bind(id).fetch_optional(p).await;
            }
        }
    })
}

/// Records that a mail was handed to the relay.
pub async fn mark_sent(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_mail SET sent = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = ? AND sent IS NULL",
    )
    .bind(now).bind(id).execute(p).await.map(|_| ()))
}

/// Releases a mail whose send failed, to be tried again at `next_attempt`.
pub async fn mark_failed(db: &Db, id: i64, owner: &str, next_attempt: i64, error: &str) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_mail SET next_attempt = ?, last_error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND sent IS NULL",
    )
    .bind(next_attempt).bind(clip(error, 1000)).bind(id).bind(owner).execute(p).await.map(|_| ()))
}

/// Mail not sent yet: how many, and when the oldest was written.
pub async fn pending(db: &Db) -> sqlx::Result<(i64, Option<i64>)> {
    with_pool!(db, p => sqlx::query_as("SELECT COUNT(*), MIN(date_created) FROM tw_mail WHERE sent IS NULL").fetch_one(p).await)
}

/// Deletes up to `limit` mails sent before `before`; returns how many.
pub async fn delete_sent_before(db: &Db, before: i64, limit: i64) -> sqlx::Result<u64> {
    with_pool!(db, p => {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tw_mail WHERE sent IS NOT NULL AND sent < ? ORDER BY id LIMIT ?")
            .bind(before).bind(limit).fetch_all(p).await?;
        let Some(last) = ids.last() else { return Ok(0) };
        let mut tx = p.begin_write().await?;
        let n = sqlx::query("DELETE FROM tw_mail WHERE sent IS NOT NULL AND sent < ? AND id <= ?")
            .bind(before).bind(last).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    })
}
