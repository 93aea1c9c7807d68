//! Sign-in records: e-mail sign-in links (hash of the token only, single use, expiring) and the
//! OpenID Connect identities (issuer + subject) linked to users.

use super::mail::{self, NewMail};
use super::token::LastInsertId;
use super::{is_unique_violation, BeginWrite, Db};
use crate::with_pool;

/// Stores a new link and its mail in one transaction, unless `max_recent` links were already
/// issued for this address since `recent_since`; returns whether they were stored. Expired links
/// older than a day are dropped on the way.
#[allow(clippy::too_many_arguments)]
pub async fn create_link(
    db: &Db,
    email: &str,
    token_hash: &str,
    now: i64,
    expires: i64,
    recent_since: i64,
    max_recent: i64,
    mail: &NewMail,
) -> sqlx::Result<bool> {
    let insert_mail = mail::insert_sql(db.dialect());
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("DELETE FROM tw_sign_in_link WHERE expires < ?").bind(now - 86_400_000).execute(&mut *tx).await?;
        let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tw_sign_in_link WHERE email = ? AND date_created >= ?")
            .bind(email).bind(recent_since).fetch_one(&mut *tx).await?;
        if recent >= max_recent {
            return Ok(false);
        }
        sqlx::query("INSERT INTO tw_sign_in_link (email, token_hash, date_created, expires, used) VALUES (?, ?, ?, ?, NULL)")
            .bind(email).bind(token_hash).bind(now).bind(expires)
            .execute(&mut *tx).await?;
        mail::bind_mail(sqlx::query(insert_mail), mail, now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Marks an unused, unexpired link used and returns its e-mail address. One conditional update:
/// of two concurrent clicks, exactly one wins.
pub async fn consume_link(db: &Db, token_hash: &str, now: i64) -> sqlx::Result<Option<String>> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let n = sqlx::query("UPDATE tw_sign_in_link SET used = ? WHERE token_hash = ? AND used IS NULL AND expires > ?")
            .bind(now).bind(token_hash).bind(now)
            .execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Ok(None);
        }
        let email: String = sqlx::query_scalar("SELECT email FROM tw_sign_in_link WHERE token_hash = ?")
            .bind(token_hash).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(email))
    })
}

/// The user linked to an OIDC identity, by the hash of issuer and subject.
pub async fn identity_user(db: &Db, subject_hash: &str) -> sqlx::Result<Option<i64>> {
    with_pool!(db, p => sqlx::query_scalar("SELECT user_id FROM tw_user_identity WHERE subject_hash = ?").bind(subject_hash).fetch_optional(p).await)
}

/// Links an identity to a user (first sign-in) or records its use. A concurrent first sign-in
/// that linked it already is not an error.
pub async fn link_identity(db: &Db, user_id: i64, issuer: &str, subject: &str, subject_hash: &str, now: i64) -> sqlx::Result<()> {
    let inserted = with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_user_identity (user_id, issuer, subject, subject_hash, date_created, last_used) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(user_id).bind(issuer).bind(subject).bind(subject_hash).bind(now).bind(now)
    .execute(p).await.map(|r| r.last_insert_id_i64()));
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            with_pool!(db, p => sqlx::query("UPDATE tw_user_identity SET last_used = ? WHERE subject_hash = ?").bind(now).bind(subject_hash).execute(p).await.map(|_| ()))
        }
        Err(e) => Err(e),
    }
}
