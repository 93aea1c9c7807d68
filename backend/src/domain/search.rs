//! The Seqera search syntax, parsed into plain filters for the store: `GET /workflow?search=`
//! (free text with `*` wildcards plus `key:value` filters, all ANDed), `GET /workflow/{id}/tasks?search=`
//! and the task list's `sortBy`/`sortDir`.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::status::{TaskStatus, WorkflowStatus};

/// The filters of a runs-list search. Every field present must match; `statuses` match any one.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunSearch {
    /// Free text, matched anywhere in run name, project name and session id (a `LIKE` pattern in the store).
    pub text: Option<String>,
    pub statuses: Vec<WorkflowStatus>,
    /// `name` or `name=value`; the run must carry every one.
    pub labels: Vec<String>,
    pub workflow_id: Option<String>,
    pub run_name: Option<String>,
    pub user_name: Option<String>,
    pub project_name: Option<String>,
    pub session_id: Option<String>,
    /// Submitted at or after (epoch ms).
    pub after: Option<i64>,
    /// Submitted strictly before (epoch ms).
    pub before: Option<i64>,
    pub starred: bool,
}

/// One whitespace-separated term: as written (for messages) and with its quotes removed.
struct Term {
    raw: String,
    value: String,
}

/// Splits on whitespace, keeping `"quoted values"` (also after `key:`) together.
fn terms(input: &str) -> Result<Vec<Term>, String> {
    let mut out = Vec::new();
    let mut start = None;
    let mut value = String::new();
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        if c.is_whitespace() && !quoted {
            if let Some(s) = start.take() {
                out.push(Term { raw: input[s..i].to_string(), value: std::mem::take(&mut value) });
            }
            continue;
        }
        start.get_or_insert(i);
        if c == '"' {
            quoted = !quoted;
        } else {
            value.push(c);
        }
    }
    if let Some(s) = start {
        if quoted {
            return Err(format!("Search term '{}' has an unterminated quote", &input[s..]));
        }
        out.push(Term { raw: input[s..].to_string(), value });
    }
    Ok(out)
}

/// The filter keys of a runs-list search, lower-cased (keys match in any case).
const RUN_KEYS: [&str; 10] = ["status", "label", "workflowid", "runname", "username", "projectname", "sessionid", "after", "before", "is"];

/// Parses a runs-list search such as `rna* status:failed label:prod after:2024-05 runName:"my run"`.
/// Unknown `key:value` terms are free text; a known key with a bad value is an error naming the term.
pub fn parse_run_search(input: &str) -> Result<RunSearch, String> {
    let mut s = RunSearch::default();
    let mut text = Vec::new();
    for Term { raw, value: term } in terms(input)? {
        if term.is_empty() {
            continue; // `""`
        }
        let known = term.split_once(':').map(|(k, v)| (k.to_lowercase(), v)).filter(|(k, _)| RUN_KEYS.contains(&k.as_str()));
        let Some((key, value)) = known else {
            text.push(term);
            continue;
        };
        if value.is_empty() {
            return Err(format!("Search term '{raw}' has no value"));
        }
        let v = value.to_string();
        match key.as_str() {
            "status" => s.statuses.push(WorkflowStatus::parse(&value.to_uppercase()).ok_or_else(|| {
                format!("Search term '{raw}': unknown status '{value}' (use submitted, running, succeeded, failed, cancelled or unknown)")
            })?),
            "label" => s.labels.push(v),
            "workflowid" => s.workflow_id = Some(v),
            "runname" => s.run_name = Some(v),
            "username" => s.user_name = Some(v),
            "projectname" => s.project_name = Some(v),
            "sessionid" => s.session_id = Some(v),
            "after" => s.after = Some(parse_date(value, false).ok_or_else(|| bad_date(&raw))?),
            "before" => s.before = Some(parse_date(value, true).ok_or_else(|| bad_date(&raw))?),
            "is" if value.eq_ignore_ascii_case("starred") => s.starred = true,
            _ => return Err(format!("Search term '{raw}' is not supported: the only 'is:' filter is is:starred")),
        }
    }
    s.text = (!text.is_empty()).then(|| text.join(" "));
    Ok(s)
}

fn bad_date(raw: &str) -> String {
    format!("Search term '{raw}' has an invalid date: use YYYY, YYYY-MM, YYYY-MM-DD or an ISO-8601 date-time")
}

/// A date as epoch ms. A date-time is that instant (UTC when it has no zone). A partial date is
/// the start of its period, or with `end` the start of the next one, so `after:2024-05` includes
/// all of May and `before:2024-05` excludes all of it.
fn parse_date(v: &str, end: bool) -> Option<i64> {
    if v.contains('T') {
        return super::time::parse_datetime(v).or_else(|| utc_millis(v.parse::<DateTime>().ok()?));
    }
    let parts: Vec<&str> = v.split('-').collect();
    let widths_ok = parts.iter().zip([4, 2, 2]).all(|(p, w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
    if parts.len() > 3 || !widths_ok {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(1), |p| p.parse::<u32>().ok());
    let (year, month, day) = (i16::try_from(n(0)?).ok()?, n(1)? as i8, n(2)? as i8);
    let start = Date::new(year, month, day).ok()?;
    let date = match (end, parts.len()) {
        (false, _) => start,
        (true, 1) => Date::new(year.checked_add(1)?, 1, 1).ok()?,
        (true, 2) if month == 12 => Date::new(year.checked_add(1)?, 1, 1).ok()?,
        (true, 2) => Date::new(year, month + 1, 1).ok()?,
        (true, _) => start.tomorrow().ok()?,
    };
    utc_millis(date.to_datetime(jiff::civil::Time::midnight()))
}

fn utc_millis(d: DateTime) -> Option<i64> {
    Some(d.to_zoned(TimeZone::UTC).ok()?.timestamp().as_millisecond())
}

/// The filters of a task-list search.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskSearch {
    /// Free text, matched anywhere in name, process, tag and hash (a `LIKE` pattern in the store).
    pub text: Option<String>,
    /// Match any one.
    pub statuses: Vec<TaskStatus>,
}

/// Task search: status words (`failed`, `status:running`, any case) filter by status; the rest is
/// free text over name, process, tag and hash.
pub fn parse_task_search(input: &str) -> TaskSearch {
    let mut s = TaskSearch::default();
    let mut text = Vec::new();
    for term in input.split_whitespace() {
        let word = match term.split_at_checked(7) {
            Some((key, rest)) if key.eq_ignore_ascii_case("status:") => rest,
            _ => term,
        };
        match TaskStatus::parse(&word.to_uppercase()) {
            Some(st) => s.statuses.push(st),
            None => text.push(term),
        }
    }
    s.text = (!text.is_empty()).then(|| text.join(" "));
    s
}

/// Order of a sorted list.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

/// `sortDir`: `asc` or `desc` in any case; absent or empty is ascending.
pub fn parse_sort_dir(s: Option<&str>) -> Result<SortDir, String> {
    match s.unwrap_or("") {
        "" => Ok(SortDir::Asc),
        d if d.eq_ignore_ascii_case("asc") => Ok(SortDir::Asc),
        d if d.eq_ignore_ascii_case("desc") => Ok(SortDir::Desc),
        other => Err(format!("sortDir must be asc or desc (got '{other}')")),
    }
}

/// A task field the task list sorts by: the API's `sortBy`. The store turns it into a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSortField {
    TaskId,
    Name,
    Process,
    Tag,
    Status,
    Hash,
    Exit,
    Submit,
    Start,
    Complete,
    Duration,
    Realtime,
    Cpus,
    Memory,
    Disk,
    Time,
    Pcpu,
    Pmem,
    Rss,
    Vmem,
    PeakRss,
    PeakVmem,
    Rchar,
    Wchar,
    Syscr,
    Syscw,
    ReadBytes,
    WriteBytes,
    VolCtxt,
    InvCtxt,
    Attempt,
    Executor,
    Queue,
    Container,
    NativeId,
    Workdir,
    MachineType,
    CloudZone,
    PriceModel,
}

impl TaskSortField {
    /// The field for a `sortBy` name of the API; `None` for anything else.
    pub fn parse(sort_by: &str) -> Option<Self> {
        use TaskSortField::*;
        Some(match sort_by {
            "taskId" | "id" => TaskId,
            "name" => Name,
            "process" => Process,
            "tag" => Tag,
            "status" => Status,
            "hash" => Hash,
            "exit" | "exitStatus" => Exit,
            "submit" => Submit,
            "start" => Start,
            "complete" => Complete,
            "duration" => Duration,
            // Cost is derived from realtime × cpus; realtime orders it closely enough.
            "realtime" | "cost" => Realtime,
            "cpus" => Cpus,
            "memory" => Memory,
            "disk" => Disk,
            "time" => Time,
            "pcpu" => Pcpu,
            "pmem" => Pmem,
            "rss" => Rss,
            "vmem" => Vmem,
            "peakRss" => PeakRss,
            "peakVmem" => PeakVmem,
            "rchar" => Rchar,
            "wchar" => Wchar,
            "syscr" => Syscr,
            "syscw" => Syscw,
            "readBytes" => ReadBytes,
            "writeBytes" => WriteBytes,
            "volCtxt" => VolCtxt,
            "invCtxt" => InvCtxt,
            "attempt" => Attempt,
            "executor" => Executor,
            "queue" => Queue,
            "container" => Container,
            "nativeId" => NativeId,
            "workdir" => Workdir,
            "machineType" => MachineType,
            "cloudZone" => CloudZone,
            "priceModel" => PriceModel,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> RunSearch {
        parse_run_search(input).unwrap()
    }

    fn err(input: &str) -> String {
        parse_run_search(input).unwrap_err()
    }

    #[test]
    fn an_empty_search_has_no_filters() {
        assert_eq!(run(""), RunSearch::default());
        assert_eq!(run("   \t "), RunSearch::default());
    }

    #[test]
    fn every_key_fills_its_own_filter() {
        let s = run(
            r#"status:running label:prod workflowId:4Bi5 runName:happy_turing userName:alice projectName:nf-core/rnaseq sessionId:abc-123 after:2024-05 before:2024-06 is:starred"#,
        );
        assert_eq!(
            s,
            RunSearch {
                text: None,
                statuses: vec![WorkflowStatus::Running],
                labels: vec!["prod".into()],
                workflow_id: Some("4Bi5".into()),
                run_name: Some("happy_turing".into()),
                user_name: Some("alice".into()),
                project_name: Some("nf-core/rnaseq".into()),
                session_id: Some("abc-123".into()),
                after: Some(1714521600000),
                before: Some(1719792000000),
                starred: true,
            }
        );
    }

    #[test]
    fn username_is_an_alias_of_user_name() {
        assert_eq!(run("username:bob").user_name.as_deref(), Some("bob"));
        assert_eq!(run("userName:bob").user_name.as_deref(), Some("bob"));
    }

    #[test]
    fn keys_and_status_values_match_in_any_case() {
        let s = run("STATUS:Failed Status:SUCCEEDED RUNNAME:x WorkflowID:w IS:STARRED Label:a");
        assert_eq!(s.statuses, vec![WorkflowStatus::Failed, WorkflowStatus::Succeeded]);
        assert_eq!((s.run_name.as_deref(), s.workflow_id.as_deref()), (Some("x"), Some("w")));
        assert_eq!(s.labels, vec!["a"]);
        assert!(s.starred);
    }

    #[test]
    fn every_run_status_is_accepted_and_repeats_are_kept_in_order() {
        let s = run("status:submitted status:running status:succeeded status:failed status:cancelled status:unknown");
        use WorkflowStatus::*;
        assert_eq!(s.statuses, vec![Submitted, Running, Succeeded, Failed, Cancelled, Unknown]);
    }

    #[test]
    fn labels_repeat_and_keep_name_value_pairs() {
        assert_eq!(run("label:prod label:env=dev").labels, vec!["prod", "env=dev"]);
    }

    #[test]
    fn quoted_values_keep_their_spaces() {
        let s = run(r#"runName:"my run" projectName:"a b  c" "free text" rest"#);
        assert_eq!(s.run_name.as_deref(), Some("my run"));
        assert_eq!(s.project_name.as_deref(), Some("a b  c"));
        assert_eq!(s.text.as_deref(), Some("free text rest"));
        assert_eq!(run(r#"label:"x y""#).labels, vec!["x y"]);
    }

    #[test]
    fn values_may_contain_colons() {
        assert_eq!(run("sessionId:a:b").session_id.as_deref(), Some("a:b"));
    }

    #[test]
    fn leftover_terms_join_into_one_free_text_with_single_spaces() {
        let s = run("  rna*   status:failed\tseq  ");
        assert_eq!(s.text.as_deref(), Some("rna* seq"));
        assert_eq!(s.statuses, vec![WorkflowStatus::Failed]);
    }

    #[test]
    fn unknown_keys_and_bare_colons_are_free_text() {
        assert_eq!(run("foo:bar").text.as_deref(), Some("foo:bar"));
        assert_eq!(run("https://github.com/nf-core/rnaseq").text.as_deref(), Some("https://github.com/nf-core/rnaseq"));
        assert_eq!(run(":x y:").text.as_deref(), Some(":x y:"));
        assert_eq!(run(r#""""#), RunSearch::default());
    }

    #[test]
    fn after_is_inclusive_from_the_start_of_the_named_period() {
        assert_eq!(run("after:2024").after, Some(1704067200000)); // 2024-01-01T00:00Z
        assert_eq!(run("after:2024-05").after, Some(1714521600000)); // 2024-05-01T00:00Z
        assert_eq!(run("after:2024-05-06").after, Some(1714953600000)); // 2024-05-06T00:00Z
    }

    #[test]
    fn before_excludes_the_whole_named_period() {
        assert_eq!(run("before:2024").before, Some(1735689600000)); // 2025-01-01T00:00Z
        assert_eq!(run("before:2024-05").before, Some(1717200000000)); // 2024-06-01T00:00Z
        assert_eq!(run("before:2024-12").before, Some(1735689600000)); // 2025-01-01T00:00Z
        assert_eq!(run("before:2024-05-06").before, Some(1715040000000)); // 2024-05-07T00:00Z
        assert_eq!(run("before:2024-02-29").before, Some(1709251200000)); // 2024-03-01T00:00Z
    }

    #[test]
    fn full_date_times_are_exact_instants_and_utc_without_a_zone() {
        for t in ["2024-05-06T10:00:00Z", "2024-05-06T12:00:00+02:00", "2024-05-06T10:00Z", "2024-05-06T10:00:00", "2024-05-06T10:00"] {
            assert_eq!(run(&format!("after:{t}")).after, Some(1714989600000), "after:{t}");
            assert_eq!(run(&format!("before:{t}")).before, Some(1714989600000), "before:{t}");
        }
        assert_eq!(run("after:2024-05-06T10:00:00.250Z").after, Some(1714989600250));
    }

    #[test]
    fn an_unknown_status_is_an_error_naming_the_term() {
        let e = err("status:done");
        assert!(e.contains("'status:done'") && e.contains("unknown status 'done'") && e.contains("cancelled"), "{e}");
    }

    #[test]
    fn a_bad_date_is_an_error_naming_the_term() {
        for bad in
            ["after:2024-13", "before:2024-02-30", "after:yesterday", "after:24", "after:2024-5", "after:+2024", "before:2024-05-06T25:00"]
        {
            let e = err(bad);
            assert!(e.contains(&format!("'{bad}'")) && e.contains("invalid date"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_known_key_without_a_value_is_an_error() {
        for bad in ["status:", "label:", "runName:", "after:", "is:", r#"runName:"""#] {
            assert!(err(bad).contains("has no value"), "{bad}");
        }
        assert_eq!(err("ok status:"), "Search term 'status:' has no value");
    }

    #[test]
    fn is_accepts_only_starred() {
        assert!(run("is:Starred").starred);
        let e = err("is:big");
        assert!(e.contains("'is:big'") && e.contains("is:starred"), "{e}");
    }

    #[test]
    fn an_unterminated_quote_is_an_error_naming_the_term() {
        assert_eq!(err(r#"status:failed runName:"my run"#), r#"Search term 'runName:"my run' has an unterminated quote"#);
        assert!(err(r#"""#).contains("unterminated quote"));
    }

    #[test]
    fn task_search_takes_status_words_in_any_case_and_leaves_the_rest_as_text() {
        let s = parse_task_search("failed STATUS:Running ALIGN (3) Cached");
        assert_eq!(s.statuses, vec![TaskStatus::Failed, TaskStatus::Running, TaskStatus::Cached]);
        assert_eq!(s.text.as_deref(), Some("ALIGN (3)"));
    }

    #[test]
    fn task_search_knows_every_task_status() {
        use TaskStatus::*;
        let s = parse_task_search("new submitted running cached completed failed aborted");
        assert_eq!(s, TaskSearch { text: None, statuses: vec![New, Submitted, Running, Cached, Completed, Failed, Aborted] });
    }

    #[test]
    fn task_search_keeps_non_status_words_and_wildcards_as_text() {
        let s = parse_task_search("status:done sample_* 3f/a1b2c3 failedX");
        assert!(s.statuses.is_empty());
        assert_eq!(s.text.as_deref(), Some("status:done sample_* 3f/a1b2c3 failedX"));
        assert_eq!(parse_task_search(""), TaskSearch::default());
    }

    #[test]
    fn sort_direction_defaults_to_ascending_and_ignores_case() {
        assert_eq!(parse_sort_dir(None), Ok(SortDir::Asc));
        assert_eq!(parse_sort_dir(Some("")), Ok(SortDir::Asc));
        assert_eq!(parse_sort_dir(Some("ASC")), Ok(SortDir::Asc));
        assert_eq!(parse_sort_dir(Some("Desc")), Ok(SortDir::Desc));
        assert_eq!(SortDir::default(), SortDir::Asc);
        assert_eq!(parse_sort_dir(Some("down")), Err("sortDir must be asc or desc (got 'down')".to_string()));
    }
}
