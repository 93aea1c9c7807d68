//! Organizations, their members, workspaces with participants, teams and custom roles.
//! Deleting a workspace or an organization marks its runs deleted (cron purges them in batches)
//! and removes the rest through foreign-key cascades, in one transaction.

use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::token::LastInsertId;
use super::{is_unique_violation, BeginWrite, Db};
use crate::domain::time::now_millis;
use crate::with_pool;

/// A write that may hit a unique key (a taken name, a duplicate member).
#[derive(Debug)]
pub enum WriteError {
    Taken,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for WriteError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            WriteError::Taken
        } else {
            WriteError::Db(e)
        }
    }
}

// ---------------------------------------------------------------- organizations

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub website: Option<String>,
    pub logo_id: Option<String>,
    #[sqlx(rename = "type")]
    pub org_type: Option<String>,
    pub date_created: i64,
    pub last_updated: i64,
}

#[derive(Debug, Clone, Default)]
pub struct OrgFields {
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub website: Option<String>,
    pub logo_id: Option<String>,
}

const ORG_COLUMNS: &str =
    "o.id, o.name, o.full_name, o.description, o.location, o.website, o.logo_id, o.type, o.date_created, o.last_updated";

/// Creates an organization with `owner_id` as its owner. Returns the organization id.
pub async fn create_org(db: &Db, owner_id: i64, f: &OrgFields) -> Result<i64, WriteError> {
    let now = now_millis();
    let id = with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        let id = sqlx::query("INSERT INTO tw_organization (name, full_name, description, location, website, logo_id, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&f.name).bind(&f.full_name).bind(&f.description).bind(&f.location).bind(&f.website).bind(&f.logo_id).bind(now).bind(now)
            .execute(&mut *tx).await?.last_insert_id_i64();
        sqlx::query("INSERT INTO tw_org_member (org_id, user_id, role, date_created) VALUES (?, ?, 'owner', ?)")
            .bind(id).bind(owner_id).bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(id)
    })?;
    Ok(id)
}

pub async fn org(db: &Db, id: i64) -> sqlx::Result<Option<OrgRow>> {
    let sql = format!("SELECT {ORG_COLUMNS} FROM tw_organization o WHERE o.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn org_name_taken(db: &Db, name: &str) -> sqlx::Result<bool> {
    let n: i64 =
        with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_organization WHERE name = ?").bind(name).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Organizations with the caller's membership (member id, role); every organization for root
/// (with no membership unless they have one).
pub async fn orgs_of_user(db: &Db, user_id: i64, all: bool) -> sqlx::Result<Vec<(OrgRow, Option<i64>, Option<String>)>> {
    let sql = format!(
        "SELECT {ORG_COLUMNS}, m.id AS member_id, m.role AS member_role FROM tw_organization o \
         LEFT JOIN tw_org_member m ON m.org_id = o.id AND m.user_id = ? \
         WHERE (? OR m.id IS NOT NULL) ORDER BY o.name"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        org: OrgRow,
        member_id: Option<i64>,
        member_role: Option<String>,
    }
    let rows: Vec<Row> = with_pool!(db, p => sqlx::query_as(&sql).bind(user_id).bind(all).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.org, r.member_id, r.member_role)).collect())
}

pub async fn update_org(db: &Db, id: i64, f: &OrgFields) -> Result<(), WriteError> {
    with_pool!(db, p => sqlx::query("UPDATE tw_organization SET name = ?, full_name = ?, description = ?, location = ?, website = ?, logo_id = ?, last_updated = ? WHERE id = ?")
        .bind(&f.name).bind(&f.full_name).bind(&f.description).bind(&f.location).bind(&f.website).bind(&f.logo_id).bind(now_millis()).bind(id)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Deletes an organization: its workspaces' runs are marked deleted (purged later by cron), and
/// members, workspaces, teams, participants and roles go with it.
pub async fn delete_org(db: &Db, id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE tw_workflow SET deleted = TRUE WHERE workspace_id IN (SELECT id FROM tw_workspace WHERE org_id = ?)")
            .bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_label WHERE workspace_id IN (SELECT id FROM tw_workspace WHERE org_id = ?)").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_action WHERE workspace_id IN (SELECT id FROM tw_workspace WHERE org_id = ?)").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_organization WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await
    })
}

// ---------------------------------------------------------------- members

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub member_id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub role: String,
    pub user_name: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar: Option<String>,
}

const MEMBER_SELECT: &str =
    "SELECT m.id AS member_id, m.org_id, m.user_id, m.role, u.user_name, u.email, u.first_name, u.last_name, u.avatar \
     FROM tw_org_member m JOIN tw_user u ON u.id = m.user_id";

pub async fn membership(db: &Db, org_id: i64, user_id: i64) -> sqlx::Result<Option<MemberRow>> {
    let sql = format!("{MEMBER_SELECT} WHERE m.org_id = ? AND m.user_id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(org_id).bind(user_id).fetch_optional(p).await)
}

pub async fn member(db: &Db, org_id: i64, member_id: i64) -> sqlx::Result<Option<MemberRow>> {
    let sql = format!("{MEMBER_SELECT} WHERE m.org_id = ? AND m.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(org_id).bind(member_id).fetch_optional(p).await)
}

/// Members whose role is (`collaborators` true) or is not (false) `collaborator`, optionally of
/// one team, matching `search` on user name, e-mail or names; ordered by user name.
pub async fn members(
    db: &Db,
    org_id: i64,
    team_id: Option<i64>,
    collaborators: Option<bool>,
    search: Option<&str>,
    max: i64,
    offset: i64,
) -> sqlx::Result<(Vec<MemberRow>, i64)> {
    let mut cond = Conditions::new("m.org_id = ?", [org_id.into()]);
    if let Some(t) = team_id {
        cond.and("m.id IN (SELECT member_id FROM tw_team_member WHERE team_id = ?)", [t.into()]);
    }
    match collaborators {
        Some(true) => cond.and("m.role = 'collaborator'", []),
        Some(false) => cond.and("m.role <> 'collaborator'", []),
        None => &mut cond,
    };
    if let Some(pattern) = search.filter(|s| !s.trim().is_empty()).map(|s| like_pattern(s.trim())) {
        cond.and(
            format!("(u.user_name LIKE ? {LIKE_ESCAPE} OR u.email LIKE ? {LIKE_ESCAPE} OR u.first_name LIKE ? {LIKE_ESCAPE} OR u.last_name LIKE ? {LIKE_ESCAPE})"),
            std::iter::repeat_n(pattern.into(), 4),
        );
    }
    with_pool!(db, p => {
        let count = "SELECT COUNT(*) FROM tw_org_member m JOIN tw_user u ON u.id = m.user_id";
        let (mut page, mut count) = page_and_count(&cond, MEMBER_SELECT, "ORDER BY u.user_name", count, max, offset);
        let rows: Vec<MemberRow> = page.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn add_member(db: &Db, org_id: i64, user_id: i64, role: &str) -> Result<i64, WriteError> {
    let id = with_pool!(db, p => sqlx::query("INSERT INTO tw_org_member (org_id, user_id, role, date_created) VALUES (?, ?, ?, ?)")
        .bind(org_id).bind(user_id).bind(role).bind(now_millis()).execute(p).await.map(|r| r.last_insert_id_i64()))?;
    Ok(id)
}

pub async fn set_member_role(db: &Db, member_id: i64, role: &str) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_org_member SET role = ? WHERE id = ?").bind(role).bind(member_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn remove_member(db: &Db, member_id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_org_member WHERE id = ?").bind(member_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn owner_count(db: &Db, org_id: i64) -> sqlx::Result<i64> {
    with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_org_member WHERE org_id = ? AND role = 'owner'").bind(org_id).fetch_one(p).await)
}

// ---------------------------------------------------------------- workspaces

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub visibility: String,
    pub date_created: i64,
    pub last_updated: i64,
}

#[derive(Debug, Clone, Default)]
pub struct WorkspaceFields {
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub visibility: String,
}

const WORKSPACE_COLUMNS: &str = "w.id, w.org_id, w.name, w.full_name, w.description, w.visibility, w.date_created, w.last_updated";

pub async fn workspace(db: &Db, id: i64) -> sqlx::Result<Option<WorkspaceRow>> {
    let sql = format!("SELECT {WORKSPACE_COLUMNS} FROM tw_workspace w WHERE w.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn workspace_name_taken(db: &Db, org_id: i64, name: &str) -> sqlx::Result<bool> {
    let n: i64 = with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_workspace WHERE org_id = ? AND name = ?").bind(org_id).bind(name).fetch_one(p).await)?;
    Ok(n > 0)
}

/// The organization's workspaces; for `participant_user` only those where that user participates
/// (directly or through a team) or that are `SHARED` when they are an internal member.
pub async fn workspaces_of_org(db: &Db, org_id: i64, participant_user: Option<(i64, bool)>) -> sqlx::Result<Vec<WorkspaceRow>> {
    match participant_user {
        None => {
            let sql = format!("SELECT {WORKSPACE_COLUMNS} FROM tw_workspace w WHERE w.org_id = ? ORDER BY w.name");
            with_pool!(db, p => sqlx::query_as(&sql).bind(org_id).fetch_all(p).await)
        }
        Some((user_id, internal)) => {
            let sql = format!(
                "SELECT {WORKSPACE_COLUMNS} FROM tw_workspace w WHERE w.org_id = ? AND ((? AND w.visibility = 'SHARED') OR w.id IN ({PARTICIPATING})) ORDER BY w.name"
            );
            with_pool!(db, p => sqlx::query_as(&sql).bind(org_id).bind(internal).bind(user_id).bind(user_id).fetch_all(p).await)
        }
    }
}

/// Workspace ids where a user participates, directly or through a team (two binds: user id twice).
const PARTICIPATING: &str =
    "SELECT pa.workspace_id FROM tw_participant pa JOIN tw_org_member pm ON pm.id = pa.member_id WHERE pm.user_id = ? \
     UNION SELECT pt.workspace_id FROM tw_participant pt JOIN tw_team_member tm ON tm.team_id = pt.team_id \
     JOIN tw_org_member tmm ON tmm.id = tm.member_id WHERE tmm.user_id = ?";

pub async fn create_workspace(db: &Db, org_id: i64, f: &WorkspaceFields) -> Result<i64, WriteError> {
    let now = now_millis();
    let id = with_pool!(db, p => sqlx::query("INSERT INTO tw_workspace (org_id, name, full_name, description, visibility, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(org_id).bind(&f.name).bind(&f.full_name).bind(&f.description).bind(&f.visibility).bind(now).bind(now).execute(p).await.map(|r| r.last_insert_id_i64()))?;
    Ok(id)
}

pub async fn update_workspace(db: &Db, id: i64, f: &WorkspaceFields) -> Result<(), WriteError> {
    with_pool!(db, p => sqlx::query("UPDATE tw_workspace SET name = ?, full_name = ?, description = ?, visibility = ?, last_updated = ? WHERE id = ?")
        .bind(&f.name).bind(&f.full_name).bind(&f.description).bind(&f.visibility).bind(now_millis()).bind(id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Deletes a workspace: its runs are marked deleted (purged later by cron), its labels and
/// participants removed.
pub async fn delete_workspace(db: &Db, id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE tw_workflow SET deleted = TRUE WHERE workspace_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_label WHERE workspace_id = ?").bind(id).execute(&mut *tx).await?;
        // Nothing may launch in it any more: its actions go with it.
        sqlx::query("DELETE FROM tw_action WHERE workspace_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_workspace WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// A user's roles that bear on one workspace.
#[derive(Debug, Default)]
pub struct Grants {
    pub org_role: Option<String>,
    /// The direct participant role and the roles of the user's teams there.
    pub workspace_roles: Vec<String>,
}

pub async fn roles_in_workspace(db: &Db, user_id: i64, workspace_id: i64) -> sqlx::Result<Grants> {
    let sql = "SELECT m.role, NULL FROM tw_org_member m JOIN tw_workspace w ON w.org_id = m.org_id WHERE w.id = ? AND m.user_id = ? \
               UNION ALL SELECT NULL, pa.role FROM tw_participant pa JOIN tw_org_member pm ON pm.id = pa.member_id \
               WHERE pa.workspace_id = ? AND pm.user_id = ? \
               UNION ALL SELECT NULL, pt.role FROM tw_participant pt JOIN tw_team_member tm ON tm.team_id = pt.team_id \
               JOIN tw_org_member tmm ON tmm.id = tm.member_id WHERE pt.workspace_id = ? AND tmm.user_id = ?";
    let rows: Vec<(Option<String>, Option<String>)> = with_pool!(db, p => sqlx::query_as(sql)
        .bind(workspace_id).bind(user_id).bind(workspace_id).bind(user_id).bind(workspace_id).bind(user_id)
        .fetch_all(p).await)?;
    let mut g = Grants::default();
    for (org_role, ws_role) in rows {
        if org_role.is_some() {
            g.org_role = org_role;
        }
        g.workspace_roles.extend(ws_role);
    }
    Ok(g)
}

/// Every organization workspace a user can enter, with the organization, and the user's
/// effective roles there (`owner` for organization owners).
pub async fn user_workspaces(db: &Db, user_id: i64) -> sqlx::Result<Vec<(OrgRow, Option<WorkspaceRow>, String, Vec<String>)>> {
    let mut out = Vec::new();
    for (org, _, role) in orgs_of_user(db, user_id, false).await? {
        let role = role.unwrap_or_default();
        let workspaces = if role == "owner" {
            workspaces_of_org(db, org.id, None).await?
        } else {
            workspaces_of_org(db, org.id, Some((user_id, role == "member"))).await?
        };
        if workspaces.is_empty() {
            out.push((org, None, role, vec![]));
            continue;
        }
        for w in workspaces {
            let roles = if role == "owner" {
                vec!["owner".to_string()]
            } else {
                let mut r = roles_in_workspace(db, user_id, w.id).await?.workspace_roles;
                r.sort();
                r.dedup();
                r
            };
            out.push((org.clone(), Some(w), role.clone(), roles));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- participants

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipantRow {
    pub participant_id: i64,
    pub workspace_id: i64,
    pub role: String,
    pub member_id: Option<i64>,
    pub org_role: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar: Option<String>,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
}

const PARTICIPANT_SELECT: &str =
    "SELECT pa.id AS participant_id, pa.workspace_id, pa.role, pa.member_id, m.role AS org_role, u.id AS user_id, \
     u.user_name, u.email, u.first_name, u.last_name, u.avatar, pa.team_id, t.name AS team_name \
     FROM tw_participant pa LEFT JOIN tw_org_member m ON m.id = pa.member_id LEFT JOIN tw_user u ON u.id = m.user_id \
     LEFT JOIN tw_team t ON t.id = pa.team_id";

pub async fn participants(
    db: &Db,
    workspace_id: i64,
    search: Option<&str>,
    max: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ParticipantRow>, i64)> {
    let mut cond = Conditions::new("pa.workspace_id = ?", [workspace_id.into()]);
    if let Some(pattern) = search.filter(|s| !s.trim().is_empty()).map(|s| like_pattern(s.trim())) {
        cond.and(
            format!("(u.user_name LIKE ? {LIKE_ESCAPE} OR u.email LIKE ? {LIKE_ESCAPE} OR t.name LIKE ? {LIKE_ESCAPE})"),
            std::iter::repeat_n(pattern.into(), 3),
        );
    }
    with_pool!(db, p => {
        let count = "SELECT COUNT(*) FROM tw_participant pa LEFT JOIN tw_org_member m ON m.id = pa.member_id \
                     LEFT JOIN tw_user u ON u.id = m.user_id LEFT JOIN tw_team t ON t.id = pa.team_id";
        let (mut page, mut count) = page_and_count(&cond, PARTICIPANT_SELECT, "ORDER BY COALESCE(u.user_name, t.name)", count, max, offset);
        let rows: Vec<ParticipantRow> = page.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn participant(db: &Db, workspace_id: i64, participant_id: i64) -> sqlx::Result<Option<ParticipantRow>> {
    let sql = format!("{PARTICIPANT_SELECT} WHERE pa.workspace_id = ? AND pa.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(workspace_id).bind(participant_id).fetch_optional(p).await)
}

/// Adds a member or a team (exactly one of them) as a participant.
pub async fn add_participant(
    db: &Db,
    workspace_id: i64,
    member_id: Option<i64>,
    team_id: Option<i64>,
    role: &str,
) -> Result<i64, WriteError> {
    let id = with_pool!(db, p => sqlx::query("INSERT INTO tw_participant (workspace_id, member_id, team_id, role, date_created) VALUES (?, ?, ?, ?, ?)")
        .bind(workspace_id).bind(member_id).bind(team_id).bind(role).bind(now_millis()).execute(p).await.map(|r| r.last_insert_id_i64()))?;
    Ok(id)
}

pub async fn set_participant_role(db: &Db, participant_id: i64, role: &str) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_participant SET role = ? WHERE id = ?").bind(role).bind(participant_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn remove_participant(db: &Db, participant_id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_participant WHERE id = ?").bind(participant_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Removes a user's own participant entry from a workspace. Returns whether there was one.
pub async fn remove_user_participant(db: &Db, workspace_id: i64, user_id: i64) -> sqlx::Result<bool> {
    let sql = "DELETE FROM tw_participant WHERE workspace_id = ? AND member_id IN (SELECT id FROM tw_org_member WHERE user_id = ?)";
    let n = with_pool!(db, p => sqlx::query(sql).bind(workspace_id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

// ---------------------------------------------------------------- teams

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub members_count: i64,
}

const TEAM_SELECT: &str =
    "SELECT t.id, t.org_id, t.name, t.description, (SELECT COUNT(*) FROM tw_team_member tm WHERE tm.team_id = t.id) AS members_count FROM tw_team t";

pub async fn teams(db: &Db, org_id: i64, search: Option<&str>, max: i64, offset: i64) -> sqlx::Result<(Vec<TeamRow>, i64)> {
    let mut cond = Conditions::new("t.org_id = ?", [org_id.into()]);
    if let Some(pattern) = search.filter(|s| !s.trim().is_empty()).map(|s| like_pattern(s.trim())) {
        cond.and(format!("t.name LIKE ? {LIKE_ESCAPE}"), [pattern.into()]);
    }
    with_pool!(db, p => {
        let (mut page, mut count) = page_and_count(&cond, TEAM_SELECT, "ORDER BY t.name", "SELECT COUNT(*) FROM tw_team t", max, offset);
        let rows: Vec<TeamRow> = page.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn team(db: &Db, org_id: i64, team_id: i64) -> sqlx::Result<Option<TeamRow>> {
    let sql = format!("{TEAM_SELECT} WHERE t.org_id = ? AND t.id = ?");
    with_pool!(db, p => sqlx::query_as(&sql).bind(org_id).bind(team_id).fetch_optional(p).await)
}

pub async fn team_name_taken(db: &Db, org_id: i64, name: &str) -> sqlx::Result<bool> {
    let n: i64 = with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_team WHERE org_id = ? AND name = ?").bind(org_id).bind(name).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn create_team(db: &Db, org_id: i64, name: &str, description: Option<&str>) -> Result<i64, WriteError> {
    let now = now_millis();
    let id = with_pool!(db, p => sqlx::query("INSERT INTO tw_team (org_id, name, description, date_created, last_updated) VALUES (?, ?, ?, ?, ?)")
        .bind(org_id).bind(name).bind(description).bind(now).bind(now).execute(p).await.map(|r| r.last_insert_id_i64()))?;
    Ok(id)
}

pub async fn update_team(db: &Db, team_id: i64, name: &str, description: Option<&str>) -> Result<(), WriteError> {
    with_pool!(db, p => sqlx::query("UPDATE tw_team SET name = ?, description = ?, last_updated = ? WHERE id = ?")
        .bind(name).bind(description).bind(now_millis()).bind(team_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn delete_team(db: &Db, team_id: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_team WHERE id = ?").bind(team_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub async fn add_team_member(db: &Db, team_id: i64, member_id: i64) -> Result<(), WriteError> {
    with_pool!(db, p => sqlx::query("INSERT INTO tw_team_member (team_id, member_id) VALUES (?, ?)").bind(team_id).bind(member_id).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Returns whether the member was in the team.
pub async fn remove_team_member(db: &Db, team_id: i64, member_id: i64) -> sqlx::Result<bool> {
    let n = with_pool!(db, p => sqlx::query("DELETE FROM tw_team_member WHERE team_id = ? AND member_id = ?")
        .bind(team_id).bind(member_id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Workspaces where a team participates, with its role there.
pub async fn team_workspaces(db: &Db, team_id: i64) -> sqlx::Result<Vec<(WorkspaceRow, i64, String)>> {
    let sql = format!(
        "SELECT {WORKSPACE_COLUMNS}, pa.id AS participant_id, pa.role FROM tw_participant pa JOIN tw_workspace w ON w.id = pa.workspace_id \
         WHERE pa.team_id = ? ORDER BY w.name"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        ws: WorkspaceRow,
        participant_id: i64,
        role: String,
    }
    let rows: Vec<Row> = with_pool!(db, p => sqlx::query_as(&sql).bind(team_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.ws, r.participant_id, r.role)).collect())
}

// ---------------------------------------------------------------- custom roles

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub name: String,
    pub description: String,
    pub permissions: String,
}

impl RoleRow {
    pub fn permission_list(&self) -> Vec<String> {
        self.permissions.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
    }
}

pub async fn custom_role(db: &Db, org_id: i64, name: &str) -> sqlx::Result<Option<RoleRow>> {
    with_pool!(db, p => sqlx::query_as("SELECT name, description, permissions FROM tw_role WHERE org_id = ? AND name = ?")
        .bind(org_id).bind(name).fetch_optional(p).await)
}

pub async fn custom_roles(db: &Db, org_id: i64) -> sqlx::Result<Vec<RoleRow>> {
    with_pool!(db, p => sqlx::query_as("SELECT name, description, permissions FROM tw_role WHERE org_id = ? ORDER BY name")
        .bind(org_id).fetch_all(p).await)
}

pub async fn create_role(db: &Db, org_id: i64, r: &RoleRow) -> Result<(), WriteError> {
    let now = now_millis();
    with_pool!(db, p => sqlx::query("INSERT INTO tw_role (org_id, name, description, permissions, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(org_id).bind(&r.name).bind(&r.description).bind(&r.permissions).bind(now).bind(now).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Updates a custom role; renaming it also renames it in the participants that hold it.
pub async fn update_role(db: &Db, org_id: i64, old_name: &str, r: &RoleRow) -> Result<(), WriteError> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        sqlx::query("UPDATE tw_role SET name = ?, description = ?, permissions = ?, last_updated = ? WHERE org_id = ? AND name = ?")
            .bind(&r.name).bind(&r.description).bind(&r.permissions).bind(now_millis()).bind(org_id).bind(old_name).execute(&mut *tx).await?;
        sqlx::query("UPDATE tw_participant SET role = ? WHERE role = ? AND workspace_id IN (SELECT id FROM tw_workspace WHERE org_id = ?)")
            .bind(&r.name).bind(old_name).bind(org_id).execute(&mut *tx).await?;
        tx.commit().await
    })?;
    Ok(())
}

/// Whether any participant of the organization holds the role.
pub async fn role_in_use(db: &Db, org_id: i64, name: &str) -> sqlx::Result<bool> {
    let n: i64 = with_pool!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM tw_participant WHERE role = ? AND workspace_id IN (SELECT id FROM tw_workspace WHERE org_id = ?)")
        .bind(name).bind(org_id).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn delete_role(db: &Db, org_id: i64, name: &str) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("DELETE FROM tw_role WHERE org_id = ? AND name = ?").bind(org_id).bind(name).execute(p).await.map(|_| ()))?;
    Ok(())
}
