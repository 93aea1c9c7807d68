//! Users: lookup, creation with a unique user name derived from the e-mail, root users.

use serde::Serialize;

use super::{is_unique_violation, BeginWrite, Db};
use crate::domain::time::{now_millis, opt_datetime};
use crate::with_pool;

/// `UserResponseDto`.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UserResponseDto)]
pub struct User {
    pub id: i64,
    pub user_name: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub description: Option<String>,
    pub avatar: Option<String>,
    pub notification: bool,
    pub marketing_consent: bool,
    pub terms_of_use_consent: bool,
    pub deleted: bool,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub date_created: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_updated: Option<i64>,
    #[serde(with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_access: Option<i64>,
}

const COLUMNS: &str = "id, user_name, email, first_name, last_name, organization, description, avatar, notification, \
     marketing_consent, terms_of_use_consent, deleted, date_created, last_updated, last_access";

pub async fn find_by_id(db: &Db, id: i64) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_user WHERE id = ? AND deleted = FALSE");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_user WHERE email = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(email.trim().to_lowercase()).fetch_optional(p).await)
}

pub async fn find_by_user_name(db: &Db, user_name: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM tw_user WHERE user_name = ? AND deleted = FALSE");
    with_pool!(db, p => sqlx::query_as(&sql).bind(user_name.trim()).fetch_optional(p).await)
}

/// Returns the user with this e-mail, creating it (with a unique user name) when missing.
/// Safe against concurrent callers: a lost insert race re-reads the winner's row.
pub async fn ensure(db: &Db, email: &str) -> anyhow::Result<User> {
    let email = email.trim().to_lowercase();
    if let Some(u) = find_by_email(db, &email).await? {
        return Ok(u);
    }
    let base = user_name_from_email(&email);
    for attempt in 0..20 {
        let name = if attempt == 0 { base.clone() } else { format!("{}{attempt}", &base[..base.len().min(36)]) };
        let now = now_millis();
        let res = with_pool!(db, p => {
            let mut tx = p.begin_write().await?;
            let r = sqlx::query("INSERT INTO tw_user (user_name, email, date_created, last_updated) VALUES (?, ?, ?, ?)")
                .bind(&name).bind(&email).bind(now).bind(now)
                .execute(&mut *tx).await;
            match r {
                Ok(_) => tx.commit().await.map(|_| ()),
                Err(e) => Err(e),
            }
        });
        match res {
            Ok(()) => break,
            Err(e) if is_unique_violation(&e) => {
                if let Some(u) = find_by_email(db, &email).await? {
                    return Ok(u);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    find_by_email(db, &email).await?.ok_or_else(|| anyhow::anyhow!("could not create a user for {email}"))
}

/// A user name from the local part of an e-mail: letters, digits, `-` and `_`, at most 40.
pub fn user_name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let mut name: String = local.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    name = name.trim_matches(|c| c == '-' || c == '_').chars().take(40).collect();
    if name.is_empty() {
        name = "user".into();
    }
    name
}

pub async fn touch_last_access(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_user SET last_access = ? WHERE id = ?").bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Fills in first and last name where the user has none yet (from an identity provider's claims).
pub async fn fill_names(db: &Db, id: i64, first_name: Option<&str>, last_name: Option<&str>) -> sqlx::Result<()> {
    let clip = |s: Option<&str>| s.map(|v| v.trim().chars().take(100).collect::<String>()).filter(|v| !v.is_empty());
    let (first, last) = (clip(first_name), clip(last_name));
    if first.is_none() && last.is_none() {
        return Ok(());
    }
    with_pool!(db, p => sqlx::query(
        "UPDATE tw_user SET first_name = COALESCE(first_name, ?), last_name = COALESCE(last_name, ?), last_updated = ? WHERE id = ?",
    )
    .bind(first).bind(last).bind(now_millis()).bind(id)
    .execute(p).await.map(|_| ()))
}

/// The profile fields a user may change.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub description: Option<String>,
    pub notification: bool,
}

/// Updates a user's profile. Fails with a unique violation when the user name is taken.
pub async fn update_profile(db: &Db, id: i64, p: &Profile, now: i64) -> sqlx::Result<()> {
    with_pool!(db, pool => sqlx::query(
        "UPDATE tw_user SET user_name = ?, first_name = ?, last_name = ?, organization = ?, description = ?, notification = ?, last_updated = ? WHERE id = ?",
    )
    .bind(&p.user_name).bind(&p.first_name).bind(&p.last_name).bind(&p.organization).bind(&p.description)
    .bind(p.notification).bind(now).bind(id)
    .execute(pool).await.map(|_| ()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_names_come_from_the_email_local_part() {
        assert_eq!(super::user_name_from_email("jane.doe+x@example.com"), "jane-doe-x");
        assert_eq!(super::user_name_from_email("@x.org"), "user");
    }
}
