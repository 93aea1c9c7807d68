//! Workflow runs: creation, the trace life cycle (begin, progress, heartbeat, complete) and reads.
//! Each trace request is one transaction: tasks, progress and status change together or not at all.

use sqlx::{Database, Encode, Type};

use super::mail::NewMail;
use super::query::{like_pattern, page_and_count, Conditions, LIKE_ESCAPE};
use super::task;
use super::{BeginWrite, Db};
use crate::domain::status::WorkflowStatus;
use crate::domain::trace::{ProcessMetrics, ProgressSnapshot, TaskRecord, WorkflowRecord};
use crate::with_pool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowRow {
    pub id: String,
    pub owner_id: i64,
    pub workspace_id: Option<i64>,
    pub session_id: String,
    pub run_name: String,
    pub project_name: Option<String>,
    pub repository: Option<String>,
    pub status: String,
    pub submit: i64,
    pub start: Option<i64>,
    pub complete: Option<i64>,
    pub duration: Option<i64>,
    pub success: Option<bool>,
    pub exit_status: Option<i32>,
    pub error_message: Option<String>,
    pub error_report: Option<String>,
    pub command_line: Option<String>,
    pub user_name: Option<String>,
    pub work_dir: Option<String>,
    pub launch_dir: Option<String>,
    pub project_dir: Option<String>,
    pub home_dir: Option<String>,
    pub script_file: Option<String>,
    pub script_name: Option<String>,
    pub script_id: Option<String>,
    pub commit_id: Option<String>,
    pub revision: Option<String>,
    pub profile: Option<String>,
    pub container: Option<String>,
    pub container_engine: Option<String>,
    pub resume: Option<bool>,
    pub log_file: Option<String>,
    pub out_file: Option<String>,
    pub operation_id: Option<String>,
    pub launch_id: Option<String>,
    pub sched_run_id: Option<String>,
    pub config_text: Option<String>,
    pub config_files: Option<String>,
    pub params: Option<String>,
    pub manifest: Option<String>,
    pub nextflow: Option<String>,
    pub stats: Option<String>,
    pub platform: Option<String>,
    pub wave: Option<String>,
    pub fusion: Option<String>,
    pub extra: Option<String>,
    pub process_names: Option<String>,
    pub progress: Option<String>,
    pub tower_launch: bool,
    pub deleted: bool,
    pub date_created: i64,
    pub last_updated: i64,
}

impl WorkflowRow {
    pub fn status(&self) -> WorkflowStatus {
        WorkflowStatus::parse(&self.status).unwrap_or(WorkflowStatus::Unknown)
    }
    pub fn progress_snapshot(&self) -> Option<ProgressSnapshot> {
        self.progress.as_deref().and_then(|p| serde_json::from_str(p).ok())
    }
    pub fn process_name_list(&self) -> Vec<String> {
        self.process_names.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default()
    }
}

const SELECT: &str = "SELECT id, owner_id, workspace_id, session_id, run_name, project_name, repository, status, submit, start, \
     complete, duration, success, exit_status, error_message, error_report, command_line, user_name, work_dir, launch_dir, \
     project_dir, home_dir, script_file, script_name, script_id, commit_id, revision, profile, container, container_engine, \
     resume, log_file, out_file, operation_id, launch_id, sched_run_id, config_text, config_files, params, manifest, nextflow, \
     stats, platform, wave, fusion, extra, process_names, progress, tower_launch, deleted, date_created, last_updated FROM tw_workflow";

pub struct NewWorkflow<'a> {
    pub id: &'a str,
    pub owner_id: i64,
    pub workspace_id: Option<i64>,
    pub session_id: &'a str,
    pub run_name: &'a str,
    pub project_name: Option<&'a str>,
    pub repository: Option<&'a str>,
    pub launch_id: Option<&'a str>,
    pub now: i64,
}

pub async fn create(db: &Db, w: &NewWorkflow<'_>) -> sqlx::Result<()> {
    let sql = "INSERT INTO tw_workflow (id, owner_id, workspace_id, session_id, run_name, project_name, repository, launch_id, \
               status, submit, date_created, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    with_pool!(db, p => sqlx::query(sql)
        .bind(w.id).bind(w.owner_id).bind(w.workspace_id).bind(w.session_id).bind(w.run_name)
        .bind(w.project_name).bind(w.repository).bind(w.launch_id)
        .bind(WorkflowStatus::Submitted.as_str()).bind(w.now).bind(w.now).bind(w.now)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A run this owner already created for the same session and run name and that has not begun:
/// a retried create gets the same workflow id instead of a duplicate run.
pub async fn find_unbegun(
    db: &Db,
    owner_id: i64,
    workspace_id: Option<i64>,
    session_id: &str,
    run_name: &str,
) -> sqlx::Result<Option<String>> {
    let sql = "SELECT id FROM tw_workflow WHERE session_id = ? AND run_name = ? AND owner_id = ? \
               AND (workspace_id = ? OR (workspace_id IS NULL AND ? IS NULL)) AND status = 'SUBMITTED' AND start IS NULL AND deleted = FALSE \
               ORDER BY date_created DESC LIMIT 1";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(session_id).bind(run_name).bind(owner_id).bind(workspace_id).bind(workspace_id).fetch_optional(p).await)
}

/// Who a run belongs to: all that authorizing a trace request needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunOwner {
    pub id: String,
    pub owner_id: i64,
    pub workspace_id: Option<i64>,
}

pub async fn owner(db: &Db, id: &str) -> sqlx::Result<Option<RunOwner>> {
    let sql = "SELECT id, owner_id, workspace_id FROM tw_workflow WHERE id = ? AND deleted = FALSE";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)
}

pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<WorkflowRow>> {
    let sql = format!("{SELECT} WHERE id = ? AND deleted = FALSE");
    with_pool!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

fn json<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default())
}

/// Columns set from a begin/complete `workflow` record. Absent values keep what is stored
/// (begin carries no `stats`, complete no `platform`).
const RECORD_COLUMNS: &[&str] = &[
    "run_name",
    "session_id",
    "project_name",
    "repository",
    "start",
    "complete",
    "duration",
    "success",
    "exit_status",
    "error_message",
    "error_report",
    "command_line",
    "user_name",
    "work_dir",
    "launch_dir",
    "project_dir",
    "home_dir",
    "script_file",
    "script_name",
    "script_id",
    "commit_id",
    "revision",
    "profile",
    "container",
    "container_engine",
    "resume",
    "log_file",
    "out_file",
    "operation_id",
    "config_text",
    "config_files",
    "params",
    "manifest",
    "nextflow",
    "stats",
    "platform",
    "wave",
    "fusion",
    "extra",
];

fn record_assignments() -> String {
    RECORD_COLUMNS.iter().map(|c| format!("{c} = COALESCE(?, {c})")).collect::<Vec<_>>().join(", ")
}

fn bind_record<'q, DB: Database>(
    q: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    r: &WorkflowRecord,
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<i32>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
{
    let extra = if r.extra.is_empty() { None } else { Some(serde_json::Value::Object(r.extra.clone()).to_string()) };
    q.bind(r.run_name.clone())
        .bind(r.session_id.clone())
        .bind(r.project_name.clone())
        .bind(r.repository.clone())
        .bind(r.start)
        .bind(r.complete)
        .bind(r.duration)
        .bind(r.success)
        .bind(r.exit_status)
        .bind(r.error_message.clone())
        .bind(r.error_report.clone())
        .bind(r.command_line.clone())
        .bind(r.user_name.clone())
        .bind(r.work_dir.clone())
        .bind(r.launch_dir.clone())
        .bind(r.project_dir.clone())
        .bind(r.home_dir.clone())
        .bind(r.script_file.clone())
        .bind(r.script_name.clone())
        .bind(r.script_id.clone())
        .bind(r.commit_id.clone())
        .bind(r.revision.clone())
        .bind(r.profile.clone())
        .bind(r.container_text())
        .bind(r.container_engine.clone())
        .bind(r.resume)
        .bind(r.log_file.clone())
        .bind(r.out_file.clone())
        .bind(r.operation_id.clone())
        .bind(r.config_text.clone())
        .bind(json(&r.config_files))
        .bind(json(&r.params))
        .bind(json(&r.manifest))
        .bind(json(&r.nextflow))
        .bind(json(&r.stats))
        .bind(json(&r.platform))
        .bind(json(&r.wave))
        .bind(json(&r.fusion))
        .bind(extra)
}

/// SQL that moves a run back to RUNNING when a trace request shows it is alive.
const ALIVE_STATUS: &str = "status = CASE WHEN status IN ('SUBMITTED', 'UNKNOWN') THEN 'RUNNING' ELSE status END";
/// SQL that drops the completion time the watchdog gives an UNKNOWN run it gave up on, when the
/// run turns out to be alive. It must come before [`ALIVE_STATUS`]: MySQL evaluates assignments
/// left to right, each seeing the ones before.
const REVIVE: &str = "complete = CASE WHEN status = 'UNKNOWN' THEN NULL ELSE complete END, \
                      duration = CASE WHEN status = 'UNKNOWN' THEN NULL ELSE duration END";
const NOT_FINAL: &str = "status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')";

pub async fn begin(db: &Db, id: &str, r: &WorkflowRecord, process_names: &[String], tower_launch: bool, now: i64) -> sqlx::Result<()> {
    let sql = format!(
        "UPDATE tw_workflow SET {}, process_names = ?, tower_launch = ?, {ALIVE_STATUS}, last_updated = ? WHERE id = ? AND {NOT_FINAL}",
        record_assignments()
    );
    let names = serde_json::to_string(process_names).unwrap_or_default();
    with_pool!(db, p => {
        let q = bind_record(sqlx::query(&sql), r);
        q.bind(names).bind(tower_launch).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Stores a batch of task records and the run's progress in one transaction.
pub async fn progress(db: &Db, id: &str, tasks: Vec<TaskRecord>, snapshot: &ProgressSnapshot, now: i64) -> sqlx::Result<()> {
    let tasks = task::dedupe(tasks);
    let dialect = db.dialect();
    let snapshot = serde_json::to_string(snapshot).unwrap_or_default();
    let update = format!("UPDATE tw_workflow SET progress = ?, {REVIVE}, {ALIVE_STATUS}, last_updated = ? WHERE id = ?");
    super::retry_on_conflict(|| async {
        with_pool!(db, p => {
            let mut tx = p.begin_write().await?;
            // The run's own row first: the task rows' locks are then held for the upsert only.
            sqlx::query(&update).bind(&snapshot).bind(now).bind(id).execute(&mut *tx).await?;
            for chunk in tasks.chunks(task::BATCH) {
                let sql = task::upsert_sql(dialect, chunk.len());
                let mut q = sqlx::query(&sql);
                for t in chunk {
                    q = task::bind_task(q, id, t, now);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    })
    .await
}

pub async fn heartbeat(db: &Db, id: &str, snapshot: Option<&ProgressSnapshot>, now: i64) -> sqlx::Result<()> {
    let sql = format!("UPDATE tw_workflow SET progress = COALESCE(?, progress), {REVIVE}, {ALIVE_STATUS}, last_updated = ? WHERE id = ?");
    let snapshot = snapshot.map(|s| serde_json::to_string(s).unwrap_or_default());
    with_pool!(db, p => sqlx::query(&sql).bind(snapshot).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores the final run record, its status, progress and per-process metrics, and the owner's
/// notification mail when there is one, in one transaction. Metrics are replaced as a whole, so a
/// retried request leaves the same rows; the mail's message id makes a retry mail nothing more.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    db: &Db,
    id: &str,
    r: &WorkflowRecord,
    status: WorkflowStatus,
    metrics: &[ProcessMetrics],
    snapshot: Option<&ProgressSnapshot>,
    mail: Option<&NewMail>,
    now: i64,
) -> sqlx::Result<()> {
    let insert_mail = super::mail::insert_sql(db.dialect());
    let sql = format!(
        "UPDATE tw_workflow SET {}, status = ?, progress = COALESCE(?, progress), last_updated = ? WHERE id = ?",
        record_assignments()
    );
    let snapshot = snapshot.map(|s| serde_json::to_string(s).unwrap_or_default());
    let insert = "INSERT INTO tw_workflow_metrics (workflow_id, process, cpu, mem, vmem, time, io_reads, io_writes, cpu_usage, mem_usage, \
                  time_usage, gpu_usage, gpu_mem_peak, gpu_mem_avg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        bind_record(sqlx::query(&sql), r).bind(status.as_str()).bind(snapshot).bind(now).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM tw_workflow_metrics WHERE workflow_id = ?").bind(id).execute(&mut *tx).await?;
        for m in metrics {
            sqlx::query(insert)
                .bind(id).bind(&m.process)
                .bind(json(&m.cpu)).bind(json(&m.mem)).bind(json(&m.vmem)).bind(json(&m.time))
                .bind(json(&m.reads)).bind(json(&m.writes)).bind(json(&m.cpu_usage)).bind(json(&m.mem_usage))
                .bind(json(&m.time_usage)).bind(json(&m.gpu_usage)).bind(json(&m.gpu_mem_peak)).bind(json(&m.gpu_mem_avg))
                .execute(&mut *tx).await?;
        }
        if let Some(m) = mail {
            super::mail::bind_mail(sqlx::query(insert_mail), m, now).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

pub async fn set_sched_run_id(db: &Db, id: &str, sched_run_id: Option<&str>, now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => sqlx::query("UPDATE tw_workflow SET sched_run_id = ?, last_updated = ? WHERE id = ?")
        .bind(sched_run_id).bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MetricsRow {
    pub id: i64,
    pub process: String,
    pub cpu: Option<String>,
    pub mem: Option<String>,
    pub vmem: Option<String>,
    pub time: Option<String>,
    pub io_reads: Option<String>,
    pub io_writes: Option<String>,
    pub cpu_usage: Option<String>,
    pub mem_usage: Option<String>,
    pub time_usage: Option<String>,
    pub gpu_usage: Option<String>,
    pub gpu_mem_peak: Option<String>,
    pub gpu_mem_avg: Option<String>,
}

pub async fn metrics(db: &Db, id: &str) -> sqlx::Result<Vec<MetricsRow>> {
    let sql = "SELECT id, process, cpu, mem, vmem, time, io_reads, io_writes, cpu_usage, mem_usage, time_usage, gpu_usage, gpu_mem_peak, \
               gpu_mem_avg FROM tw_workflow_metrics WHERE workflow_id = ? ORDER BY id";
    with_pool!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)
}

/// What the runs list shows: whose runs, which of them, which page.
pub struct RunListQuery<'a> {
    pub owner_id: i64,
    pub workspace_id: Option<i64>,
    pub search: &'a crate::domain::search::RunSearch,
    /// The caller, for `is:starred`.
    pub viewer_id: i64,
    pub max: i64,
    pub offset: i64,
    /// Whether to count every matching run too (a cost that grows with them).
    pub count: bool,
}

/// A page of runs: the rows, the total matching when counted, and whether more follow.
pub struct RunPage {
    pub rows: Vec<WorkflowRow>,
    pub total: Option<i64>,
    pub has_more: bool,
}

/// Newest first; deleted runs never appear.
pub async fn list(db: &Db, q: &RunListQuery<'_>) -> sqlx::Result<RunPage> {
    let s = q.search;
    let mut cond = Conditions::new("w.deleted = FALSE", []);
    match q.workspace_id {
        Some(ws) => cond.and("w.workspace_id = ?", [ws.into()]),
        None => cond.and("w.owner_id = ? AND w.workspace_id IS NULL", [q.owner_id.into()]),
    };
    if !s.statuses.is_empty() {
        cond.and(format!("w.status IN ({})", vec!["?"; s.statuses.len()].join(", ")), s.statuses.iter().map(|st| st.as_str().into()));
    }
    for label in &s.labels {
        let label_is =
            "EXISTS (SELECT 1 FROM tw_workflow_label wl JOIN tw_label l ON l.id = wl.label_id WHERE wl.workflow_id = w.id AND l.name = ?";
        match label.split_once('=') {
            Some((name, value)) => cond.and(format!("{label_is} AND l.value = ?)"), [name.into(), value.into()]),
            None => cond.and(format!("{label_is})"), [label.as_str().into()]),
        };
    }
    let exact =
        [("w.id", &s.workflow_id), ("w.run_name", &s.run_name), ("w.project_name", &s.project_name), ("w.session_id", &s.session_id)];
    for (col, v) in exact {
        if let Some(v) = v {
            cond.and(format!("{col} = ?"), [v.as_str().into()]);
        }
    }
    if let Some(u) = &s.user_name {
        // The Nextflow user of the run or the Tower user who owns it.
        cond.and(
            "(w.user_name = ? OR EXISTS (SELECT 1 FROM tw_user u WHERE u.id = w.owner_id AND u.user_name = ?))",
            [u.as_str().into(), u.as_str().into()],
        );
    }
    if let Some(after) = s.after {
        cond.and("w.submit >= ?", [after.into()]);
    }
    if let Some(before) = s.before {
        cond.and("w.submit < ?", [before.into()]);
    }
    if s.starred {
        cond.and("EXISTS (SELECT 1 FROM tw_workflow_star st WHERE st.workflow_id = w.id AND st.user_id = ?)", [q.viewer_id.into()]);
    }
    // Free text last: the cheap equality filters above then spare most rows the LIKEs.
    if let Some(text) = &s.text {
        // LIKE is already case-insensitive on both dialects (utf8mb4_unicode_ci; SQLite for
        // ASCII), and without LOWER() the database compares instead of calling a function per row.
        cond.and(
            format!("(w.run_name LIKE ? {LIKE_ESCAPE} OR w.project_name LIKE ? {LIKE_ESCAPE} OR w.session_id LIKE ? {LIKE_ESCAPE})"),
            std::iter::repeat_n(like_pattern(text).into(), 3),
        );
    }
    // In a personal workspace the workspace indexes (which lack the owner) are never right, but
    // MariaDB may still pick one to read rows in date order and then check each row's owner.
    let from = match (db.dialect(), q.workspace_id) {
        (super::Dialect::MySql, None) => "tw_workflow w IGNORE INDEX (ix_workflow_workspace_list, ix_workflow_workspace_status_list)",
        _ => "tw_workflow w",
    };
    with_pool!(db, p => {
        // The page's ids first: the list indexes hold every column the usual filters name, so
        // this reads index entries only; then the page's rows by primary key.
        // One id more than the page: whether more follow, without counting them all.
        let (select, count) = (format!("SELECT w.id FROM {from}"), format!("SELECT COUNT(*) FROM {from}"));
        let (mut page, mut count) = page_and_count(&cond, &select, "ORDER BY w.date_created DESC, w.id DESC", &count, q.max + 1, q.offset);
        let (mut ids, total): (Vec<String>, Option<i64>) = if q.count {
            // The page and the total on two connections at once.
            let (ids, total) = tokio::try_join!(page.build_query_scalar().fetch_all(p), count.build_query_scalar().fetch_one(p))?;
            (ids, Some(total))
        } else {
            (page.build_query_scalar().fetch_all(p).await?, None)
        };
        let has_more = ids.len() as i64 > q.max;
        ids.truncate(q.max as usize);
        Ok(RunPage { rows: get_many(db, &ids).await?, total, has_more })
    })
}

/// Runs by id, in the order of `ids`.
pub async fn get_many(db: &Db, ids: &[String]) -> sqlx::Result<Vec<WorkflowRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("{SELECT} WHERE id IN ({})", vec!["?"; ids.len()].join(", "));
    let mut rows: Vec<WorkflowRow> = with_pool!(db, p => {
        let mut q = sqlx::query_as(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await
    })?;
    rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    Ok(rows)
}

/// Marks runs deleted; they disappear from every read at once and are purged later.
pub async fn soft_delete(db: &Db, ids: &[String], now: i64) -> sqlx::Result<()> {
    with_pool!(db, p => {
        let mut tx = p.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE tw_workflow SET deleted = TRUE, last_updated = ? WHERE id = ?").bind(now).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

/// Ends a run as CANCELLED unless it has already ended.
pub async fn cancel(db: &Db, id: &str, now: i64) -> sqlx::Result<()> {
    let sql = format!(
        "UPDATE tw_workflow SET status = 'CANCELLED', complete = COALESCE(complete, ?), duration = COALESCE(duration, ? - COALESCE(start, submit)), \
         last_updated = ? WHERE id = ? AND {NOT_FINAL}"
    );
    with_pool!(db, p => sqlx::query(&sql).bind(now).bind(now).bind(now).bind(id).execute(p).await.map(|_| ()))
}

/// Whether a run with this name already exists in this session.
pub async fn run_name_taken(db: &Db, run_name: &str, session_id: &str) -> sqlx::Result<bool> {
    let n: i64 = with_pool!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_workflow WHERE run_name = ? AND session_id = ? AND deleted = FALSE")
        .bind(run_name).bind(session_id).fetch_one(p).await)?;
    Ok(n > 0)
}

/// A run's live state, for catching a viewer up.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunChange {
    pub id: String,
    pub owner_id: i64,
    pub workspace_id: Option<i64>,
    pub status: String,
    pub progress: Option<String>,
    pub last_updated: i64,
    pub deleted: bool,
}

/// Runs of a workspace (or the personal runs of `owner`, or of everybody when `owner` is `None`)
/// changed since `since`, newest first; deleted ones included, so viewers learn they went.
pub async fn changed_since(db: &Db, workspace_id: Option<i64>, owner: Option<i64>, since: i64, limit: i64) -> sqlx::Result<Vec<RunChange>> {
    const COLUMNS: &str = "id, owner_id, workspace_id, status, progress, last_updated, deleted";
    with_pool!(db, p => match (workspace_id, owner) {
        (Some(ws), _) => sqlx::query_as(&format!("SELECT {COLUMNS} FROM tw_workflow WHERE workspace_id = ? AND last_updated >= ? ORDER BY last_updated DESC LIMIT ?"))
            .bind(ws).bind(since).bind(limit).fetch_all(p).await,
        (None, Some(o)) => sqlx::query_as(&format!("SELECT {COLUMNS} FROM tw_workflow WHERE workspace_id IS NULL AND owner_id = ? AND last_updated >= ? ORDER BY last_updated DESC LIMIT ?"))
            .bind(o).bind(since).bind(limit).fetch_all(p).await,
        (None, None) => sqlx::query_as(&format!("SELECT {COLUMNS} FROM tw_workflow WHERE workspace_id IS NULL AND last_updated >= ? ORDER BY last_updated DESC LIMIT ?"))
            .bind(since).bind(limit).fetch_all(p).await,
    })
}
