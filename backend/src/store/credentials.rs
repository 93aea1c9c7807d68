//! Stored credentials. The secret key fields are one sealed value per row (`secret`, `key_id`);
//! everything else is plain. A row belongs to a scope: `w:<workspace>` or `u:<user>`.

use super::Db;
use crate::domain::crypto::Sealed;
use crate::with_pool;

const COLUMNS: &str = "id, user_id, workspace_id, name, provider, base_url, category, description, public_keys, status, message, \
                       last_used, last_validated, date_created, last_updated";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialsRow {
    pub id: String,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub provider: String,
    pub base_url: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    /// The non-secret key fields, a JSON object.
    pub public_keys: String,
    pub status: String,
    pub message: Option<String>,
    pub last_used: Option<i64>,
    pub last_validated: Option<i64>,
    pub date_created: i64,
    pub last_updated: i64,
}

/// What a create or an update writes.
pub struct Fields<'a> {
    pub name: &'a str,
    pub base_url: Option<&'a str>,
    pub category: Option<&'a str>,
    pub description: Option<&'a str>,
    pub public_keys: &'a str,
    pub sealed: &'a Sealed,
}

/// Where new credentials go: their context and who made them.
pub struct Owner<'a> {
    pub scope: &'a str,
    pub user_id: i64,
    pub workspace_id: Option<i64>,
}

/// Inserts new credentials; a taken name fails with a unique violation.
pub async fn create(db: &Db, id: &str, owner: &Owner<'_>, provider: &str, f: &Fields<'_>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "INSERT INTO tw_credentials (id, scope, user_id, workspace_id, name, provider, base_url, category, description, public_keys, \
         secret, key_id, status, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'AVAILABLE', ?, ?)")
        .bind(id).bind(owner.scope).bind(owner.user_id).bind(owner.workspace_id).bind(f.name).bind(provider).bind(f.base_url).bind(f.category)
        .bind(f.description).bind(f.public_keys).bind(&f.sealed.data).bind(&f.sealed.key_id).bind(now).bind(now)
        .execute(p).await.map(|_| ()))
}

/// Replaces the fields of credentials; a taken name fails with a unique violation.
pub async fn update(db: &Db, scope: &str, id: &str, f: &Fields<'_>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_credentials SET name = ?, base_url = ?, category = ?, description = ?, public_keys = ?, secret = ?, key_id = ?, \
         last_updated = ? WHERE id = ? AND scope = ?")
        .bind(f.name).bind(f.base_url).bind(f.category).bind(f.description).bind(f.public_keys)
        .bind(&f.sealed.data).bind(&f.sealed.key_id).bind(now).bind(id).bind(scope)
        .execute(p).await.map(|_| ()))
}

/// The credentials of a scope by name, optionally of the providers a platform uses.
pub async fn list(db: &Db, scope: &str, providers: Option<&[&str]>) -> sqlx::Result<Vec<CredentialsRow>> {
    let filter = match providers {
        Some(ps) if !ps.is_empty() => format!(" AND provider IN ({})", vec!["?"; ps.len()].join(", ")),
        Some(_) => " AND 1 = 0".into(),
        None => String::new(),
    };
    let sql = format!("SELECT {COLUMNS} FROM tw_credentials WHERE scope = ?{filter} ORDER BY name, id");
    with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql).bind(scope);
        for provider in providers.unwrap_or_default() {
            q = q.bind(*provider);
        }
        q.fetch_all(p).await
    })
}

pub async fn find(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<CredentialsRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_credentials WHERE id = ? AND scope = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).bind(scope).fetch_optional(p).await)
}

pub async fn find_by_name(db: &Db, scope: &str, name: &str) -> sqlx::Result<Option<CredentialsRow>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_credentials WHERE scope = ? AND name = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(scope).bind(name).fetch_optional(p).await)
}

/// The sealed secret fields of credentials.
pub async fn sealed(db: &Db, scope: &str, id: &str) -> sqlx::Result<Option<Sealed>> {
    let row: Option<(Vec<u8>, String)> = with_pool!(db, p => sqlx::query_as("SELECT secret, key_id FROM tw_credentials WHERE id = ? AND scope = ?")
        .bind(id).bind(scope).fetch_optional(p).await)?;
    Ok(row.map(|(data, key_id)| Sealed { key_id, data }))
}

pub async fn mark_used(db: &Db, id: &str, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_credentials SET last_used = ? WHERE id = ?").bind(now).bind(id).execute(p).await.map(|_| ()))
}

pub async fn delete(db: &Db, scope: &str, id: &str) -> sqlx::Result<bool> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_credentials WHERE id = ? AND scope = ?").bind(id).bind(scope)
        .execute(p).await.map(|r| r.rows_affected() > 0))
}
