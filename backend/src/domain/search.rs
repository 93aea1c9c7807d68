//! The Seqera search syntax: `GET /workflow?search=` (free text with `*` wildcards plus
//! `key:value` filters, all ANDed) and `GET /workflow/{id}/tasks?search=`.

use chrono::{Datelike, NaiveDate, TimeZone, Utc};

use super::status::{TaskStatus, WorkflowStatus};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunSearch {
    pub text: Option<String>,
    pub statuses: Vec<WorkflowStatus>,
    pub labels: Vec<String>,
    pub workflow_id: Option<String>,
    pub run_name: Option<String>,
    pub user_name: Option<String>,
    pub project_name: Option<String>,
    pub session_id: Option<String>,
    /// Submitted at or after (epoch ms).
    pub after: Option<i64>,
    /// Submitted before (epoch ms).
    pub before: Option<i64>,
    pub starred: bool,
}

/// Splits on whitespace, keeping `"quoted values"` (also after `key:`) together.
fn terms(input: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("Unterminated quote in search '{input}'"));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

pub fn parse_run_search(input: &str) -> Result<RunSearch, String> {
    let mut s = RunSearch::default();
    let mut text = Vec::new();
    for term in terms(input)? {
        let Some((key, value)) = term.split_once(':') else {
            text.push(term);
            continue;
        };
        let key_lc = key.to_lowercase();
        let known = ["status", "label", "workflowid", "runname", "username", "projectname", "sessionid", "after", "before", "is"];
        if !known.contains(&key_lc.as_str()) {
            text.push(term.clone());
            continue;
        }
        if value.is_empty() {
            return Err(format!("Search term '{term}' has no value"));
        }
        let v = value.to_string();
        match key_lc.as_str() {
            "status" => s.statuses.push(
                WorkflowStatus::parse(&value.to_uppercase())
                    .ok_or_else(|| format!("Unknown status '{value}': use submitted, running, succeeded, failed, cancelled or unknown"))?,
            ),
            "label" => s.labels.push(v),
            "workflowid" => s.workflow_id = Some(v),
            "runname" => s.run_name = Some(v),
            "username" => s.user_name = Some(v),
            "projectname" => s.project_name = Some(v),
            "sessionid" => s.session_id = Some(v),
            "after" => s.after = Some(parse_date(value, false).ok_or_else(|| bad_date(&term))?),
            "before" => s.before = Some(parse_date(value, true).ok_or_else(|| bad_date(&term))?),
            "is" if value.eq_ignore_ascii_case("starred") => s.starred = true,
            _ => return Err(format!("Unknown search term '{term}': only is:starred is supported")),
        }
    }
    s.text = (!text.is_empty()).then(|| text.join(" "));
    Ok(s)
}

fn bad_date(term: &str) -> String {
    format!("Invalid date in '{term}': use YYYY, YYYY-MM, YYYY-MM-DD or an ISO-8601 date-time")
}

/// A (partial) date as epoch ms: the start of the period, or with `end` the start of the next
/// one, so `after:2024-05` includes all of May and `before:2024-05` excludes it.
fn parse_date(v: &str, end: bool) -> Option<i64> {
    if v.len() > 10 {
        return super::time::parse_datetime(v);
    }
    let parts: Vec<&str> = v.split('-').collect();
    let nums: Vec<u32> = parts.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let year = *nums.first()? as i32;
    let date = match nums.len() {
        1 => NaiveDate::from_ymd_opt(year, 1, 1).map(|d| if end { d.with_year(year + 1) } else { Some(d) })??,
        2 => {
            let d = NaiveDate::from_ymd_opt(year, nums[1], 1)?;
            if end {
                if nums[1] == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, nums[1] + 1, 1)?
                }
            } else {
                d
            }
        }
        3 => {
            let d = NaiveDate::from_ymd_opt(year, nums[1], nums[2])?;
            if end {
                d.succ_opt()?
            } else {
                d
            }
        }
        _ => return None,
    };
    Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?).timestamp_millis())
}

/// The escape character of our `LIKE` patterns: plain on both MySQL and SQLite, unlike `\`.
pub const LIKE_ESCAPE: &str = "ESCAPE '!'";

/// Free text as an SQL `LIKE` pattern (used with [`LIKE_ESCAPE`]): `*` is any text; without `*`
/// the text matches anywhere.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.replace('!', "!!").replace('%', "!%").replace('_', "!_");
    if escaped.contains('*') {
        escaped.replace('*', "%")
    } else {
        format!("%{escaped}%")
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskSearch {
    pub text: Option<String>,
    pub statuses: Vec<TaskStatus>,
}

/// Task search: status words (`failed`, `status:running`) filter by status; the rest is free text
/// over name, process, tag and hash.
pub fn parse_task_search(input: &str) -> TaskSearch {
    let mut s = TaskSearch::default();
    let mut text = Vec::new();
    for term in input.split_whitespace() {
        let word = term.strip_prefix("status:").unwrap_or(term);
        match serde_json::from_value::<TaskStatus>(serde_json::Value::String(word.to_uppercase())) {
            Ok(st) => s.statuses.push(st),
            Err(_) => text.push(term),
        }
    }
    s.text = (!text.is_empty()).then(|| text.join(" "));
    s
}

/// The `tw_task` column for a `sortBy` field name of the API.
pub fn task_sort_column(sort_by: &str) -> Option<&'static str> {
    Some(match sort_by {
        "taskId" | "id" => "task_id",
        "name" => "name",
        "process" => "process",
        "tag" => "tag",
        "status" => "status",
        "hash" => "hash",
        "exit" | "exitStatus" => "exit_status",
        "submit" => "submit",
        "start" => "start",
        "complete" => "complete",
        "duration" => "duration",
        "realtime" | "cost" => "realtime",
        "cpus" => "cpus",
        "memory" => "memory",
        "disk" => "disk",
        "time" => "time",
        "pcpu" => "pcpu",
        "pmem" => "pmem",
        "rss" => "rss",
        "vmem" => "vmem",
        "peakRss" => "peak_rss",
        "peakVmem" => "peak_vmem",
        "rchar" => "rchar",
        "wchar" => "wchar",
        "syscr" => "syscr",
        "syscw" => "syscw",
        "readBytes" => "read_bytes",
        "writeBytes" => "write_bytes",
        "volCtxt" => "vol_ctxt",
        "invCtxt" => "inv_ctxt",
        "attempt" => "attempt",
        "executor" => "executor",
        "queue" => "queue",
        "container" => "container",
        "nativeId" => "native_id",
        "workdir" => "workdir",
        "machineType" => "machine_type",
        "cloudZone" => "cloud_zone",
        "priceModel" => "price_model",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_filters_free_text_and_quotes_are_recognised() {
        let s = parse_run_search(r#"rna* status:RUNNING Status:failed label:prod label:env=dev runName:"my run" username:alice projectName:nf-core/rnaseq sessionId:abc workflowId:4Bi5 is:starred seq"#).unwrap();
        assert_eq!(s.text.as_deref(), Some("rna* seq"));
        assert_eq!(s.statuses, vec![WorkflowStatus::Running, WorkflowStatus::Failed]);
        assert_eq!(s.labels, vec!["prod", "env=dev"]);
        assert_eq!(s.run_name.as_deref(), Some("my run"));
        assert_eq!(s.user_name.as_deref(), Some("alice"));
        assert_eq!(s.project_name.as_deref(), Some("nf-core/rnaseq"));
        assert_eq!((s.session_id.as_deref(), s.workflow_id.as_deref()), (Some("abc"), Some("4Bi5")));
        assert!(s.starred);
        assert_eq!(parse_run_search("foo:bar").unwrap().text.as_deref(), Some("foo:bar"));
        assert_eq!(parse_run_search("").unwrap(), RunSearch::default());
    }

    #[test]
    fn partial_dates_cover_the_whole_period() {
        let s = parse_run_search("after:2024-05 before:2024-05").unwrap();
        assert_eq!(s.after, Some(1714521600000)); // 2024-05-01T00:00Z
        assert_eq!(s.before, Some(1717200000000)); // 2024-06-01T00:00Z
        assert_eq!(parse_run_search("before:2024-05-06").unwrap().before, Some(1715040000000));
        assert_eq!(parse_run_search("after:2024").unwrap().after, Some(1704067200000));
        assert_eq!(parse_run_search("before:2024-12").unwrap().before, Some(1735689600000));
        assert_eq!(parse_run_search("after:2024-05-06T10:00:00Z").unwrap().after, Some(1714989600000));
    }

    #[test]
    fn bad_terms_are_refused_with_a_message_naming_them() {
        assert!(parse_run_search("status:done").unwrap_err().contains("Unknown status 'done'"));
        assert!(parse_run_search("after:2024-13").unwrap_err().contains("after:2024-13"));
        assert!(parse_run_search("status:").unwrap_err().contains("no value"));
        assert!(parse_run_search("is:big").unwrap_err().contains("is:big"));
        assert!(parse_run_search("runName:\"x").unwrap_err().contains("Unterminated"));
    }

    #[test]
    fn wildcards_become_like_patterns_and_specials_are_escaped() {
        assert_eq!(like_pattern("rna"), "%rna%");
        assert_eq!(like_pattern("rna*seq"), "rna%seq");
        assert_eq!(like_pattern("50%_a!b"), "%50!%!_a!!b%");
    }

    #[test]
    fn task_search_splits_status_words_from_text() {
        let s = parse_task_search("failed status:running ALIGN (3)");
        assert_eq!(s.statuses, vec![TaskStatus::Failed, TaskStatus::Running]);
        assert_eq!(s.text.as_deref(), Some("ALIGN (3)"));
        assert_eq!(task_sort_column("peakRss"), Some("peak_rss"));
        assert_eq!(task_sort_column("drop table"), None);
    }
}
