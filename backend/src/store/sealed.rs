//! The sealed values of every table, for key rotation and the startup key check: which keys
//! sealed how many values, the values one key sealed, and the swap of
//! one value for its re-sealed form (only if no one changed it meanwhile).

use super::Db;
use crate::domain::credentials::SealedKind;
use crate::domain::crypto::Sealed;
use crate::with_pool;

fn table(kind: SealedKind) -> &'static str {
    match kind {
        SealedKind::Credentials => "tw_credentials",
        SealedKind::PipelineSecret => "tw_pipeline_secret",
        SealedKind::ActionHook => "tw_action",
    }
}

/// How many values each key sealed, over every table.
pub async fn key_counts(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    let sql = "SELECT key_id, COUNT(*) FROM (SELECT key_id FROM tw_credentials UNION ALL SELECT key_id FROM tw_pipeline_secret \
               UNION ALL SELECT key_id FROM tw_action) k \
               WHERE key_id <> '' GROUP BY key_id ORDER BY key_id";
    with_pool!(db, p => sqlx::query_as(sql).fetch_all(p).await)
}

/// Up to `limit` values of one table sealed with `key_id`, in id order after the row `after`, as
/// (row id, value).
pub async fn sealed_with(db: &Db, kind: SealedKind, key_id: &str, after: Option<&str>, limit: i64) -> sqlx::Result<Vec<(String, Sealed)>> {
    let t = table(kind);
    let sql = format!("SELECT id, secret, key_id FROM {t} WHERE key_id = ? AND id > ? ORDER BY id LIMIT ?");
    let rows: Vec<(String, Vec<u8>, String)> = match kind {
        SealedKind::Credentials | SealedKind::ActionHook => {
            let after = after.unwrap_or("");
            with_pool!(db, p => sqlx::query_as(&sql).bind(key_id).bind(after).bind(limit).fetch_all(p).await)?
        }
        SealedKind::PipelineSecret => {
            let after = after.and_then(|a| a.parse::<i64>().ok()).unwrap_or(0);
            let rows: Vec<(i64, Vec<u8>, String)> =
                with_pool!(db, p => sqlx::query_as(&sql).bind(key_id).bind(after).bind(limit).fetch_all(p).await)?;
            rows.into_iter().map(|(id, d, k)| (id.to_string(), d, k)).collect()
        }
    };
    Ok(rows.into_iter().map(|(id, data, key_id)| (id, Sealed { key_id, data })).collect())
}

/// Replaces a value with its re-sealed form, if the row still holds `old`. False when it changed
/// meanwhile (an update sealed it anew) or is gone.
pub async fn replace(db: &Db, kind: SealedKind, id: &str, old: &Sealed, new: &Sealed) -> sqlx::Result<bool> {
    let sql = format!("UPDATE {} SET secret = ?, key_id = ? WHERE id = ? AND key_id = ? AND secret = ?", table(kind));
    with_pool!(db, p => {
        let q = sqlx::query(&sql).bind(&new.data).bind(&new.key_id);
        let q = match kind {
            SealedKind::Credentials | SealedKind::ActionHook => q.bind(id.to_string()),
            SealedKind::PipelineSecret => q.bind(id.parse::<i64>().unwrap_or(-1)),
        };
        q.bind(&old.key_id).bind(&old.data).execute(p).await.map(|r| r.rows_affected() > 0)
    })
}
