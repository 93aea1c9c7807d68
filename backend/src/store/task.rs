//! Tasks: the batched, forward-only upsert used by progress requests, and reads.

use std::sync::{Arc, Mutex};

use sqlx::{Database, Encode, Type};

use super::query::{like_pattern, order, page_and_count, task_column, Conditions, LIKE_ESCAPE};
use super::{Db, Dialect};
use crate::domain::progress::{ResourceTotals, StatusCount};
use crate::domain::search::{SortDir, TaskSearch, TaskSortField};
use crate::domain::status::TERMINAL_RANK;
use crate::domain::trace::TaskRecord;
use crate::with_pool;

/// Columns written from a task record, in bind order.
pub const COLUMNS: &[&str] = &[
    "workflow_id",
    "task_id",
    "status",
    "status_rank",
    "hash",
    "name",
    "exit_status",
    "submit",
    "start",
    "complete",
    "process",
    "tag",
    "module",
    "container",
    "attempt",
    "script",
    "scratch",
    "workdir",
    "queue",
    "cpus",
    "memory",
    "disk",
    "time",
    "env",
    "error_action",
    "duration",
    "realtime",
    "pcpu",
    "cpu_model",
    "rchar",
    "wchar",
    "syscr",
    "syscw",
    "read_bytes",
    "write_bytes",
    "pmem",
    "vmem",
    "rss",
    "peak_vmem",
    "peak_rss",
    "vol_ctxt",
    "inv_ctxt",
    "native_id",
    "executor",
    "cloud_zone",
    "machine_type",
    "price_model",
    "num_spot_interruptions",
    "log_stream_id",
    "resource_allocation",
    "gpu_metrics",
    "accelerator",
    "accelerator_type",
    "hostname",
    "date_created",
    "last_updated",
];

/// Tasks written per statement: 100 is what Nextflow sends per request.
pub const BATCH: usize = 100;

/// The multi-row upsert for `rows` tasks. An existing task is only replaced by a record of the
/// same or a later life-cycle rank, and never once terminal. Each statement is built once per
/// process (at most [`BATCH`] sizes per dialect): it is ~20 KB of SQL for a full batch.
pub fn upsert_sql(dialect: Dialect, rows: usize) -> Arc<str> {
    static BUILT: Mutex<Vec<(Dialect, usize, Arc<str>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, sql)) = built.iter().find(|(d, r, _)| *d == dialect && *r == rows) {
        return sql.clone();
    }
    let sql: Arc<str> = build_upsert_sql(dialect, rows).into();
    built.push((dialect, rows, sql.clone()));
    sql
}

fn build_upsert_sql(dialect: Dialect, rows: usize) -> String {
    let placeholders = format!("({})", vec!["?"; COLUMNS.len()].join(", "));
    let values = vec![placeholders; rows].join(", ");
    let updated: Vec<&str> =
        COLUMNS.iter().copied().filter(|c| !matches!(*c, "workflow_id" | "task_id" | "date_created" | "status_rank")).collect();
    let mut sql = format!("INSERT INTO tw_task ({}) VALUES {values}", COLUMNS.join(", "));
    match dialect {
        Dialect::MySql => {
            // MySQL applies assignments left to right, so the rank is compared before it moves.
            let guard = format!("status_rank < {TERMINAL_RANK} AND VALUES(status_rank) >= status_rank");
            let sets: Vec<String> =
                updated.iter().chain(std::iter::once(&"status_rank")).map(|c| format!("{c} = IF({guard}, VALUES({c}), {c})")).collect();
            sql.push_str(&format!(" ON DUPLICATE KEY UPDATE {}", sets.join(", ")));
        }
        Dialect::Sqlite => {
            let sets: Vec<String> = updated.iter().chain(std::iter::once(&"status_rank")).map(|c| format!("{c} = excluded.{c}")).collect();
            sql.push_str(&format!(
                " ON CONFLICT (workflow_id, task_id) DO UPDATE SET {} WHERE tw_task.status_rank < {TERMINAL_RANK} AND excluded.status_rank >= tw_task.status_rank",
                sets.join(", ")
            ));
        }
    }
    sql
}

fn json_text<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default())
}

/// Binds one task's values in [`COLUMNS`] order, by reference (a request's task text is not copied).
pub fn bind_task<'q, DB: Database>(
    q: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    workflow_id: &'q str,
    t: &'q TaskRecord,
    now: i64,
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    i16: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<i32>: Encode<'q, DB> + Type<DB>,
    Option<f64>: Encode<'q, DB> + Type<DB>,
{
    q.bind(workflow_id)
        .bind(t.task_id)
        .bind(t.status.as_str())
        .bind(t.status.rank())
        .bind(t.hash.as_deref())
        .bind(t.name.as_deref())
        .bind(t.exit.map(|e| e.clamp(i32::MIN as i64, i32::MAX as i64) as i32))
        .bind(t.submit)
        .bind(t.start)
        .bind(t.complete)
        .bind(t.process.as_deref())
        .bind(t.tag.as_deref())
        .bind(json_text(&t.module))
        .bind(t.container.as_deref())
        .bind(t.attempt)
        .bind(t.script.as_deref())
        .bind(t.scratch.as_deref())
        .bind(t.workdir.as_deref())
        .bind(t.queue.as_deref())
        .bind(t.cpus)
        .bind(t.memory)
        .bind(t.disk)
        .bind(t.time)
        .bind(t.env.as_deref())
        .bind(t.error_action.as_deref())
        .bind(t.duration)
        .bind(t.realtime)
        .bind(t.pcpu)
        .bind(t.cpu_model.as_deref())
        .bind(t.rchar)
        .bind(t.wchar)
        .bind(t.syscr)
        .bind(t.syscw)
        .bind(t.read_bytes)
        .bind(t.write_bytes)
        .bind(t.pmem)
        .bind(t.vmem)
        .bind(t.rss)
        .bind(t.peak_vmem)
        .bind(t.peak_rss)
        .bind(t.vol_ctxt)
        .bind(t.inv_ctxt)
        .bind(t.native_id.as_deref())
        .bind(t.executor.as_deref())
        .bind(t.cloud_zone.as_deref())
        .bind(t.machine_type.as_deref())
        .bind(t.price_model.as_deref())
        .bind(t.num_spot_interruptions)
        .bind(t.log_stream_id.as_deref())
        .bind(json_text(&t.resource_allocation))
        .bind(json_text(&t.gpu_metrics))
        .bind(t.accelerator)
        .bind(t.accelerator_type.as_deref())
        .bind(t.hostname.as_deref())
        .bind(now)
        .bind(now)
}

/// Keeps one record per task id: the latest in life-cycle order (the last one on a tie),
/// so a batch behaves like the same records sent one by one.
pub fn dedupe(tasks: Vec<TaskRecord>) -> Vec<TaskRecord> {
    let mut out: Vec<TaskRecord> = Vec::with_capacity(tasks.len());
    for t in tasks {
        match out.iter_mut().find(|o| o.task_id == t.task_id) {
            Some(o) if crate::domain::status::task_update_applies(o.status.rank(), t.status.rank()) => *o = t,
            Some(_) => {}
            None => out.push(t),
        }
    }
    out
}

/// A stored task: its record and when the store first and last wrote it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    #[sqlx(flatten)]
    pub task: TaskRecord,
    pub date_created: i64,
    pub last_updated: i64,
}

fn select_columns() -> String {
    COLUMNS.iter().filter(|c| **c != "workflow_id" && **c != "status_rank").copied().collect::<Vec<_>>().join(", ")
}

/// A page of a run's tasks.
pub struct TaskListQuery<'a> {
    pub search: &'a TaskSearch,
    pub sort: TaskSortField,
    pub dir: SortDir,
    pub max: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, workflow_id: &str, q: &TaskListQuery<'_>) -> sqlx::Result<(Vec<TaskRow>, i64)> {
    let mut cond = Conditions::new("workflow_id = ?", [workflow_id.into()]);
    if !q.search.statuses.is_empty() {
        let marks = vec!["?"; q.search.statuses.len()].join(", ");
        cond.and(format!("status IN ({marks})"), q.search.statuses.iter().map(|s| s.as_str().into()));
    }
    if let Some(text) = &q.search.text {
        let like = like_pattern(text);
        cond.and(
            format!("(name LIKE ? {LIKE_ESCAPE} OR process LIKE ? {LIKE_ESCAPE} OR tag LIKE ? {LIKE_ESCAPE} OR hash LIKE ? {LIKE_ESCAPE})"),
            std::iter::repeat_n(like.into(), 4),
        );
    }
    let (column, dir) = (task_column(q.sort), order(q.dir));
    let select = format!("SELECT {} FROM tw_task", select_columns());
    let order_by = format!("ORDER BY {column} {dir}, task_id {dir}");
    with_pool!(db, p => {
        let (mut page, mut count) = page_and_count(&cond, &select, &order_by, "SELECT COUNT(*) FROM tw_task", q.max, q.offset);
        let rows: Vec<TaskRow> = page.build_query_as().fetch_all(p).await?;
        let total: i64 = count.build_query_scalar().fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn get(db: &Db, workflow_id: &str, task_id: i64) -> sqlx::Result<Option<TaskRow>> {
    let sql = format!("SELECT {} FROM tw_task WHERE workflow_id = ? AND task_id = ?", select_columns());
    with_pool!(db, p => sqlx::query_as(&sql).bind(workflow_id).bind(task_id).fetch_optional(p).await)
}

/// Resource sums over terminal tasks, by process (old Tower formulas, see domain::progress).
pub async fn resource_totals(db: &Db, workflow_id: &str) -> sqlx::Result<Vec<ResourceTotals>> {
    let d = db.dialect();
    let sql = format!(
        "SELECT COALESCE(process, ''), {}, {}, {}, {}, {}, {}, {}, {}, {} FROM tw_task \
         WHERE workflow_id = ? AND status_rank = {TERMINAL_RANK} GROUP BY process",
        d.sum_real("COALESCE(cpus, 1)"),
        d.sum_real("COALESCE(cpus, 1) * COALESCE(realtime, 0)"),
        d.sum_real("COALESCE(pcpu, 0) * COALESCE(realtime, 0) / 100"),
        d.sum_real("peak_rss"),
        d.sum_real("memory"),
        d.sum_real("rchar"),
        d.sum_real("wchar"),
        d.sum_real("vol_ctxt"),
        d.sum_real("inv_ctxt"),
    );
    type Row = (String, f64, f64, f64, f64, f64, f64, f64, f64, f64);
    let rows: Vec<Row> = with_pool!(db, p => sqlx::query_as(&sql).bind(workflow_id).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ResourceTotals {
            process: r.0,
            cpus: r.1,
            cpu_time: r.2,
            cpu_load: r.3,
            memory_rss: r.4,
            memory_req: r.5,
            read_bytes: r.6,
            write_bytes: r.7,
            vol_ctx_switch: r.8,
            inv_ctx_switch: r.9,
        })
        .collect())
}

pub async fn status_counts(db: &Db, workflow_id: &str) -> sqlx::Result<Vec<StatusCount>> {
    let sql = "SELECT COALESCE(process, ''), status, COUNT(*) FROM tw_task WHERE workflow_id = ? GROUP BY process, status";
    let rows: Vec<(String, String, i64)> = with_pool!(db, p => sqlx::query_as(sql).bind(workflow_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(process, status, count)| StatusCount { process, status, count }).collect())
}

pub async fn executors(db: &Db, workflow_id: &str) -> sqlx::Result<Vec<String>> {
    let sql = "SELECT DISTINCT executor FROM tw_task WHERE workflow_id = ? AND executor IS NOT NULL ORDER BY executor";
    with_pool!(db, p => sqlx::query_scalar(sql).bind(workflow_id).fetch_all(p).await)
}
