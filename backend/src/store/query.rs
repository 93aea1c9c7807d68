//! Pieces of dynamic statements: `WHERE` conditions written once and pushed into each statement
//! that uses them (a page and its count) through `sqlx::QueryBuilder`, free text as `LIKE`
//! patterns, and the columns and directions lists are sorted by.

use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::domain::search::{SortDir, TaskSortField};

/// The escape clause of our `LIKE` patterns. `!` rather than `\`: a backslash would have to be
/// written `'\\'` on MySQL (which unescapes string literals) but `'\'` on SQLite.
pub const LIKE_ESCAPE: &str = "ESCAPE '!'";

/// Free text as an SQL `LIKE` pattern (used with [`LIKE_ESCAPE`]): `%`, `_` and `!` match
/// themselves, `*` is any text, and text without `*` matches anywhere.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('!', "!!").replace('%', "!%").replace('_', "!_");
    if escaped.contains('*') {
        escaped.replace('*', "%")
    } else {
        format!("%{escaped}%")
    }
}

/// A value bound to a condition.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// Conditions joined by `AND`, each an SQL fragment whose `?` take its values in order.
#[derive(Debug, Default)]
pub struct Conditions {
    parts: Vec<(String, Vec<Arg>)>,
}

impl Conditions {
    pub fn new(sql: impl Into<String>, args: impl IntoIterator<Item = Arg>) -> Self {
        let mut c = Conditions::default();
        c.and(sql, args);
        c
    }

    pub fn and(&mut self, sql: impl Into<String>, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        let sql = sql.into();
        let args: Vec<Arg> = args.into_iter().collect();
        assert_eq!(sql.matches('?').count(), args.len(), "one value per placeholder in `{sql}`");
        self.parts.push((sql, args));
        self
    }

    /// Pushes the conditions into a statement, binding their values.
    pub fn push_to<'a, DB>(&'a self, qb: &mut QueryBuilder<'a, DB>)
    where
        DB: Database,
        i64: Encode<'a, DB> + Type<DB>,
        Option<i64>: Encode<'a, DB> + Type<DB>,
        bool: Encode<'a, DB> + Type<DB>,
        &'a str: Encode<'a, DB> + Type<DB>,
    {
        for (i, (sql, args)) in self.parts.iter().enumerate() {
            if i > 0 {
                qb.push(" AND ");
            }
            let mut pieces = sql.split('?');
            qb.push(pieces.next().unwrap_or_default());
            for (arg, piece) in args.iter().zip(pieces) {
                match arg {
                    Arg::Int(v) => qb.push_bind(*v),
                    Arg::OptInt(v) => qb.push_bind(*v),
                    Arg::Text(v) => qb.push_bind(v.as_str()),
                    Arg::Bool(v) => qb.push_bind(*v),
                };
                qb.push(piece);
            }
        }
    }
}

/// The two statements of a paged list: `{select} WHERE … {tail} LIMIT max OFFSET offset` and
/// `{count} WHERE …` (the total), over the same conditions.
pub fn page_and_count<'a, DB>(
    cond: &'a Conditions,
    select: &str,
    tail: &str,
    count: &str,
    max: i64,
    offset: i64,
) -> (QueryBuilder<'a, DB>, QueryBuilder<'a, DB>)
where
    DB: Database,
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
    bool: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
{
    let mut page = QueryBuilder::new(format!("{select} WHERE "));
    cond.push_to(&mut page);
    page.push(format!(" {tail} LIMIT ")).push_bind(max).push(" OFFSET ").push_bind(offset);
    let mut total = QueryBuilder::new(format!("{count} WHERE "));
    cond.push_to(&mut total);
    (page, total)
}

pub fn order(dir: SortDir) -> &'static str {
    match dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    }
}

/// The `tw_task` column a task list is sorted by.
pub fn task_column(field: TaskSortField) -> &'static str {
    use TaskSortField::*;
    match field {
        TaskId => "task_id",
        Name => "name",
        Process => "process",
        Tag => "tag",
        Status => "status",
        Hash => "hash",
        Exit => "exit_status",
        Submit => "submit",
        Start => "start",
        Complete => "complete",
        Duration => "duration",
        Realtime => "realtime",
        Cpus => "cpus",
        Memory => "memory",
        Disk => "disk",
        Time => "time",
        Pcpu => "pcpu",
        Pmem => "pmem",
        Rss => "rss",
        Vmem => "vmem",
        PeakRss => "peak_rss",
        PeakVmem => "peak_vmem",
        Rchar => "rchar",
        Wchar => "wchar",
        Syscr => "syscr",
        Syscw => "syscw",
        ReadBytes => "read_bytes",
        WriteBytes => "write_bytes",
        VolCtxt => "vol_ctxt",
        InvCtxt => "inv_ctxt",
        Attempt => "attempt",
        Executor => "executor",
        Queue => "queue",
        Container => "container",
        NativeId => "native_id",
        Workdir => "workdir",
        MachineType => "machine_type",
        CloudZone => "cloud_zone",
        PriceModel => "price_model",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task_sort_column(field: &str) -> Option<&'static str> {
        TaskSortField::parse(field).map(task_column)
    }

    #[test]
    fn conditions_bind_each_placeholder_in_order() {
        let mut c = Conditions::new("a = ?", [Arg::Int(1)]);
        c.and("(b LIKE ? OR c = ?)", [Arg::from("x%"), Arg::from(true)]).and("d IS NULL", []);
        let mut qb: QueryBuilder<sqlx::Sqlite> = QueryBuilder::new("SELECT 1 WHERE ");
        c.push_to(&mut qb);
        assert_eq!(qb.sql(), "SELECT 1 WHERE a = ? AND (b LIKE ? OR c = ?) AND d IS NULL");
    }

    #[test]
    fn a_page_and_its_count_share_the_conditions() {
        let c = Conditions::new("a = ?", [Arg::Int(1)]);
        let (page, count): (QueryBuilder<sqlx::Sqlite>, _) =
            page_and_count(&c, "SELECT x FROM t", "ORDER BY x", "SELECT COUNT(*) FROM t", 50, 0);
        assert_eq!(page.sql(), "SELECT x FROM t WHERE a = ? ORDER BY x LIMIT ? OFFSET ?");
        assert_eq!(count.sql(), "SELECT COUNT(*) FROM t WHERE a = ?");
    }

    #[test]
    #[should_panic(expected = "one value per placeholder")]
    fn a_condition_without_its_values_is_a_bug() {
        Conditions::new("a = ? AND b = ?", [Arg::Int(1)]);
    }

    #[test]
    fn text_without_a_wildcard_matches_anywhere() {
        assert_eq!(like_pattern("rna"), "%rna%");
        assert_eq!(like_pattern("my run"), "%my run%");
    }

    #[test]
    fn stars_are_the_only_wildcards() {
        assert_eq!(like_pattern("rna*"), "rna%");
        assert_eq!(like_pattern("*seq"), "%seq");
        assert_eq!(like_pattern("rna*seq"), "rna%seq");
        assert_eq!(like_pattern("*"), "%");
    }

    #[test]
    fn like_specials_in_text_match_themselves() {
        assert_eq!(like_pattern("50%"), "%50!%%");
        assert_eq!(like_pattern("a_b"), "%a!_b%");
        assert_eq!(like_pattern("a!b"), "%a!!b%");
        assert_eq!(like_pattern(r"a\b"), r"%a\b%");
        assert_eq!(like_pattern("a_*%"), "a!_%!%");
    }

    #[test]
    fn task_sort_fields_map_to_task_columns() {
        let expected = [
            ("taskId", "task_id"),
            ("name", "name"),
            ("process", "process"),
            ("tag", "tag"),
            ("status", "status"),
            ("hash", "hash"),
            ("exit", "exit_status"),
            ("submit", "submit"),
            ("start", "start"),
            ("complete", "complete"),
            ("duration", "duration"),
            ("realtime", "realtime"),
            ("cpus", "cpus"),
            ("memory", "memory"),
            ("pcpu", "pcpu"),
            ("pmem", "pmem"),
            ("peakRss", "peak_rss"),
            ("peakVmem", "peak_vmem"),
            ("rss", "rss"),
            ("vmem", "vmem"),
            ("rchar", "rchar"),
            ("wchar", "wchar"),
            ("readBytes", "read_bytes"),
            ("writeBytes", "write_bytes"),
            ("volCtxt", "vol_ctxt"),
            ("invCtxt", "inv_ctxt"),
            ("attempt", "attempt"),
            ("executor", "executor"),
            ("queue", "queue"),
            ("container", "container"),
            ("nativeId", "native_id"),
            ("workdir", "workdir"),
            ("cost", "realtime"),
            ("machineType", "machine_type"),
            ("cloudZone", "cloud_zone"),
            ("time", "time"),
            ("disk", "disk"),
        ];
        for (field, column) in expected {
            assert_eq!(task_sort_column(field), Some(column), "{field}");
        }
    }

    #[test]
    fn unknown_sort_fields_are_refused_so_nothing_else_reaches_sql() {
        for bad in ["", "drop table", "peak_rss", "PeakRss", "name; --"] {
            assert_eq!(task_sort_column(bad), None, "{bad}");
        }
    }
}
