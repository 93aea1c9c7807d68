//! Actions: a stored launch that something else starts. The rules of their three sources:
//! `tower` (a call with a token, parameters in the body), `github` (a push delivery signed with
//! the action's secret, to the branch it launches) and `cron` (a schedule in a time zone).

use hmac::{Hmac, Mac};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const ACTIVE: &str = "ACTIVE";
pub const PAUSED: &str = "PAUSED";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Tower,
    Github,
    Cron,
}

impl Source {
    pub fn parse(s: &str) -> Result<Source, String> {
        match s {
            "tower" => Ok(Source::Tower),
            "github" => Ok(Source::Github),
            "cron" => Ok(Source::Cron),
            "bucket" => Err("source 'bucket' is not served here: use tower, github or cron".into()),
            other => Err(format!("source must be tower, github or cron (got '{other}')")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Tower => "tower",
            Source::Github => "github",
            Source::Cron => "cron",
        }
    }

    /// `EventType` of `GET /actions/types`: (source, display, description).
    pub const TYPES: [(&'static str, &'static str, &'static str); 3] = [
        ("github", "GitHub webhook", "Launches the pipeline on a push to its branch, as GitHub delivers it to the action's hook URL"),
        ("tower", "Tower launch hook", "Launches the pipeline when its endpoint is called with an access token (CI systems, scripts)"),
        ("cron", "Schedule", "Launches the pipeline at the times of a cron expression, in a time zone"),
    ];
}

/// Named schedules, as `preset` or `@name`.
const PRESETS: [(&str, &str); 5] =
    [("hourly", "0 * * * *"), ("daily", "0 0 * * *"), ("weekly", "0 0 * * 0"), ("monthly", "0 0 1 * *"), ("yearly", "0 0 1 1 *")];

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A cron schedule: five fields (minute hour day-of-month month day-of-week, as crontab reads
/// them) in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The five fields as given (or the preset's).
    pub expression: String,
    pub timezone: String,
    tz: TimeZone,
    inner: jiff_cron::Schedule,
}

/// Reads a schedule from an expression or a preset, and an IANA time zone (UTC when none).
pub fn schedule(expression: Option<&str>, preset: Option<&str>, timezone: Option<&str>) -> Result<Schedule, String> {
    let preset = preset.map(str::trim).filter(|p| !p.is_empty());
    let given = expression.map(str::trim).filter(|e| !e.is_empty());
    let expression = match (given, preset) {
        (Some(e), _) => match e.strip_prefix('@') {
            Some(name) => preset_expression(name)?,
            None => e.to_string(),
        },
        (None, Some(p)) => preset_expression(p)?,
        (None, None) => return Err("cron.expression is required (five fields: minute hour day-of-month month day-of-week)".into()),
    };
    let timezone = timezone.map(str::trim).filter(|t| !t.is_empty()).unwrap_or("UTC").to_string();
    let tz = TimeZone::get(&timezone).map_err(|_| format!("cron.timezone: '{timezone}' is not a known time zone (e.g. Europe/Madrid)"))?;
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "cron.expression '{expression}' has {} fields; use five: minute hour day-of-month month day-of-week",
            fields.len()
        ));
    }
    let dow = day_names(fields[4]).map_err(|e| format!("cron.expression '{expression}': {e}"))?;
    let seconds_first = format!("0 {} {} {} {} {dow}", fields[0], fields[1], fields[2], fields[3]);
    let inner: jiff_cron::Schedule =
        seconds_first.parse().map_err(|e: jiff_cron::error::Error| format!("cron.expression '{expression}' is not valid: {e}"))?;
    let schedule = Schedule { expression: fields.join(" "), timezone, tz, inner };
    if schedule.next_after(Timestamp::now().as_millisecond()).is_none() {
        return Err(format!("cron.expression '{expression}' never fires"));
    }
    Ok(schedule)
}

fn preset_expression(name: &str) -> Result<String, String> {
    let name = name.to_ascii_lowercase();
    let name = name.as_str();
    let name = if name == "midnight" {
        "daily"
    } else if name == "annually" {
        "yearly"
    } else {
        name
    };
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, e)| e.to_string()).ok_or_else(|| {
        format!("cron.preset must be one of {} (got '{name}')", PRESETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))
    })
}

/// Crontab numbers its days 0-7 from Sunday (0 and 7 both Sunday); the parser counts 1-7. Days
/// given as numbers become names, which both read alike; names and `*`, `?` pass as they are.
fn day_names(field: &str) -> Result<String, String> {
    if !field.chars().any(|c| c.is_ascii_digit()) {
        return Ok(field.to_string());
    }
    let day = |s: &str| -> Result<usize, String> {
        match s.parse::<usize>() {
            Ok(n) if n <= 7 => Ok(n % 7),
            _ => Err(format!("day of week '{s}' must be 0-7 or a name")),
        }
    };
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<usize>().ok().filter(|s| *s > 0).ok_or_else(|| format!("step '{s}' must be a positive number"))?),
            None => (item, 1),
        };
        let (from, to) = match range {
            "*" | "?" => (0, 6),
            r => match r.split_once('-') {
                // 7 closes a range as Sunday, after Saturday.
                Some((a, b)) => (day(a)?, if b == "7" { 7 } else { day(b)? }),
                None if step > 1 => (day(r)?, 6),
                None => (day(r)?, day(r)?),
            },
        };
        if from > to {
            return Err(format!("day range '{range}' runs backwards"));
        }
        for d in (from..=to).step_by(step) {
            days[d % 7] = true;
        }
    }
    Ok(DAYS.iter().zip(days).filter(|(_, on)| *on).map(|(d, _)| *d).collect::<Vec<_>>().join(","))
}

impl Schedule {
    /// The first fire time strictly after `millis`.
    pub fn next_after(&self, millis: i64) -> Option<i64> {
        let after = Timestamp::from_millisecond(millis).ok()?.to_zoned(self.tz.clone());
        self.inner.after(after).next().map(|z| z.timestamp().as_millisecond())
    }

    /// The next `n` fire times after `millis`.
    pub fn upcoming(&self, millis: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut at = millis;
        while out.len() < n {
            match self.next_after(at) {
                Some(t) => {
                    out.push(t);
                    at = t;
                }
                None => break,
            }
        }
        out
    }
}

/// Whether `X-Hub-Signature-256` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with `secret`;
/// compared in constant time.
pub fn signature_ok(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Some(expected) = from_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// What a GitHub push delivery says, as far as an action reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    pub git_ref: String,
    pub commit_id: String,
    pub commit_message: Option<String>,
    pub pusher_name: Option<String>,
    pub pusher_email: Option<String>,
    /// The repository's URLs (`html_url`, `clone_url`) and its default branch.
    pub repository_urls: Vec<String>,
    pub default_branch: Option<String>,
}

/// Reads a push delivery's JSON body.
pub fn push(body: &[u8]) -> Result<Push, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the delivery is not JSON: {e}"))?;
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let git_ref = text("/ref").ok_or("the delivery has no 'ref': not a push")?;
    let commit_id = text("/after").ok_or("the delivery has no 'after' commit: not a push")?;
    Ok(Push {
        git_ref,
        commit_id,
        commit_message: text("/head_commit/message"),
        pusher_name: text("/pusher/name"),
        pusher_email: text("/pusher/email"),
        repository_urls: ["/repository/html_url", "/repository/clone_url"].iter().filter_map(|p| text(p)).collect(),
        default_branch: text("/repository/default_branch"),
    })
}

/// Repository URLs compared as Git reads them: no `.git`, no trailing `/`, any case.
fn same_repository(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').trim_end_matches(".git").to_ascii_lowercase();
    norm(a) == norm(b)
}

impl Push {
    /// Why this push does not launch `pipeline` at `revision` (its default branch when none), if
    /// it does not: another repository, another branch, or a deleted branch.
    pub fn mismatch(&self, pipeline: &str, revision: Option<&str>) -> Option<String> {
        if !self.repository_urls.iter().any(|u| same_repository(u, pipeline)) {
            return Some(format!("the push is to {}, not to {pipeline}", self.repository_urls.first().map_or("another repository", |s| s)));
        }
        let Some(branch) = revision.or(self.default_branch.as_deref()) else {
            return Some("the action names no branch and the delivery no default branch".into());
        };
        if self.git_ref != format!("refs/heads/{branch}") {
            return Some(format!("the push is to {}, not to branch {branch}", self.git_ref));
        }
        if self.commit_id.bytes().all(|b| b == b'0') {
            return Some("the push deleted the branch".into());
        }
        None
    }
}

/// The id of the launch an action makes for one cause (a delivery's body, a scheduled time):
/// the same cause gives the same id, so it launches once however often it arrives.
pub fn launch_id(action_id: &str, cause: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(action_id.as_bytes());
    h.update([0]);
    h.update(cause);
    h.finalize().iter().take(11).map(|b| format!("{b:02x}")).collect()
}

/// The action's `paramsText` with `overrides` set over it, as JSON.
pub fn merge_params(params_text: Option<&str>, overrides: &Map<String, Value>) -> Result<String, String> {
    let mut params = match super::launch::params_json(params_text)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in overrides {
        params.insert(k.clone(), v.clone());
    }
    serde_json::to_string(&Value::Object(params)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn crontab_fields_fire_when_crontab_would() {
        let s = schedule(Some("*/15 9-17 * * 1-5"), None, Some("Europe/Madrid")).unwrap();
        // Friday 2026-12-04 17:50 in Madrid (UTC+1): next is Monday 09:00 there.
        let next = s.next_after(at("2026-12-04T16:50:00Z")).unwrap();
        assert_eq!(next, at("2026-12-07T08:00:00Z"));
        let every = schedule(Some("* * * * *"), None, None).unwrap();
        assert_eq!(every.upcoming(at("2026-12-07T10:00:30Z"), 2), vec![at("2026-12-07T10:01:00Z"), at("2026-12-07T10:02:00Z")]);
        assert_eq!(every.next_after(at("2026-12-07T10:01:00Z")), Some(at("2026-12-07T10:02:00Z")), "strictly after");
    }

    #[test]
    fn days_of_week_count_from_sunday_as_crontab_does() {
        assert_eq!(day_names("0").unwrap(), "SUN");
        assert_eq!(day_names("7").unwrap(), "SUN");
        assert_eq!(day_names("1-5").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(day_names("5-7").unwrap(), "SUN,FRI,SAT");
        assert_eq!(day_names("*/2").unwrap(), "SUN,TUE,THU,SAT");
        assert_eq!(day_names("MON-FRI").unwrap(), "MON-FRI");
        assert!(day_names("8").is_err());
        assert!(day_names("5-1").is_err());
        // Sunday 2026-12-06.
        let sunday = schedule(Some("0 12 * * 0"), None, None).unwrap();
        assert_eq!(sunday.next_after(at("2026-12-05T00:00:00Z")), Some(at("2026-12-06T12:00:00Z")));
    }

    #[test]
    fn presets_and_bad_schedules() {
        assert_eq!(schedule(None, Some("daily"), None).unwrap().expression, "0 0 * * *");
        assert_eq!(schedule(Some("@hourly"), None, None).unwrap().expression, "0 * * * *");
        for (e, tz, says) in [
            (Some("* * * *"), None, "has 4 fields"),
            (Some("0 * * * * *"), None, "has 6 fields"),
            (Some("61 * * * *"), None, "is not valid"),
            (Some("* * * * *"), Some("Mars/Olympus"), "not a known time zone"),
            (None, None, "is required"),
            (Some("@often"), None, "must be one of"),
            (Some("0 0 30 2 *"), None, "never fires"),
        ] {
            let err = schedule(e, None, tz).unwrap_err();
            assert!(err.contains(says), "{e:?}: {err}");
        }
    }

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"{}");
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert!(signature_ok(b"s3cret", b"{}", Some(&format!("sha256={hex}"))));
        assert!(!signature_ok(b"other", b"{}", Some(&format!("sha256={hex}"))));
        assert!(!signature_ok(b"s3cret", b"{ }", Some(&format!("sha256={hex}"))));
        assert!(!signature_ok(b"s3cret", b"{}", Some(&format!("sha1={hex}"))));
        assert!(!signature_ok(b"s3cret", b"{}", Some("sha256=zz")));
        assert!(!signature_ok(b"s3cret", b"{}", None));
    }

    #[test]
    fn a_push_launches_only_its_repository_and_branch() {
        let body = br#"{"ref":"refs/heads/main","after":"abc123","head_commit":{"message":"fix"},"pusher":{"name":"ann","email":"a@x"},
            "repository":{"html_url":"https://github.com/acme/rnaseq","clone_url":"https://github.com/acme/rnaseq.git","default_branch":"main"}}"#;
        let p = push(body).unwrap();
        assert_eq!(p.commit_message.as_deref(), Some("fix"));
        assert_eq!(p.mismatch("https://github.com/Acme/rnaseq.git", None), None);
        assert_eq!(p.mismatch("https://github.com/acme/rnaseq", Some("main")), None);
        assert!(p.mismatch("https://github.com/acme/rnaseq", Some("dev")).unwrap().contains("not to branch dev"));
        assert!(p.mismatch("https://github.com/acme/other", None).unwrap().contains("not to https://github.com/acme/other"));
        let deleted = Push { commit_id: "0000000".into(), ..p };
        assert!(deleted.mismatch("https://github.com/acme/rnaseq", None).unwrap().contains("deleted"));
        assert!(push(br#"{"zen":"Keep it logically awesome."}"#).unwrap_err().contains("not a push"));
    }

    #[test]
    fn one_cause_one_launch_id() {
        assert_eq!(launch_id("a1", b"body"), launch_id("a1", b"body"));
        assert_ne!(launch_id("a1", b"body"), launch_id("a2", b"body"));
        assert_ne!(launch_id("a1", b"body"), launch_id("a1", b"body2"));
        assert_eq!(launch_id("a1", b"x").len(), 22);
    }

    #[test]
    fn overrides_win_over_the_stored_params() {
        let mut o = Map::new();
        o.insert("reads".into(), Value::from("s3://new"));
        let merged = merge_params(Some("reads: s3://old\nouts: out"), &o).unwrap();
        let v: Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(v, serde_json::json!({"reads": "s3://new", "outs": "out"}));
        assert!(merge_params(Some("{not json"), &o).is_err());
    }
}
