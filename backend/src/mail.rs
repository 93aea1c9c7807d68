//! The mail Tower sends, rendered from the templates in `backend/templates/mail` (plain text and
//! HTML for each) into outbox rows. Rendering happens when the event happens, so the outbox holds
//! exactly what will be sent.

use crate::domain::status::WorkflowStatus;
use crate::domain::time::format_millis;
use crate::store::mail::NewMail;

const SIGN_IN_TEXT: &str = include_str!("../templates/mail/sign_in_link.txt");
const SIGN_IN_HTML: &str = include_str!("../templates/mail/sign_in_link.html");
const RUN_TEXT: &str = include_str!("../templates/mail/run_completed.txt");
const RUN_HTML: &str = include_str!("../templates/mail/run_completed.html");

/// Fills `{{name}}` placeholders, and keeps `{{#name}}...{{/name}}` sections only when `name`
/// has a non-empty value. Values are HTML-escaped when `html`.
fn render(template: &str, values: &[(&str, String)], html: bool) -> String {
    let value = |name: &str| values.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut out = template.to_string();
    for (name, _) in values {
        let (open, close) = (format!("{{{{#{name}}}}}"), format!("{{{{/{name}}}}}"));
        while let (Some(a), Some(b)) = (out.find(&open), out.find(&close)) {
            if b < a {
                break;
            }
            let inner = out[a + open.len()..b].trim_start_matches('\n').to_string();
            let keep = if value(name).is_empty() { String::new() } else { inner };
            out.replace_range(a..b + close.len(), &keep);
        }
    }
    for (name, v) in values {
        let v = if html { escape_html(v) } else { v.clone() };
        out = out.replace(&format!("{{{{{name}}}}}"), &v);
    }
    out
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The host part of Message-IDs: the public server's host name.
fn id_host(server_url: &str) -> String {
    url::Url::parse(server_url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| "tower.localhost".into())
}

/// `90` -> `1m 30s`, `3_700_000` ms -> `1h 1m 40s`.
pub fn human_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

/// The sign-in link mail.
pub fn sign_in_link(server_url: &str, recipient: &str, link: &str, valid_for_ms: i64, unique: &str) -> NewMail {
    let values = [("server_url", server_url.to_string()), ("link", link.to_string()), ("valid_for", human_duration(valid_for_ms))];
    NewMail {
        message_id: format!("sign-in.{unique}@{}", id_host(server_url)),
        kind: "sign_in_link",
        recipient: recipient.to_string(),
        subject: "Sign in to Tower".into(),
        body_text: render(SIGN_IN_TEXT, &values, false),
        body_html: Some(render(SIGN_IN_HTML, &values, true)),
    }
}

/// What the completion mail says about a run.
#[derive(Debug, Clone)]
pub struct RunSummary<'a> {
    pub workflow_id: &'a str,
    pub workspace_id: Option<i64>,
    pub run_name: &'a str,
    pub project_name: Option<&'a str>,
    pub status: WorkflowStatus,
    pub start: Option<i64>,
    pub complete: Option<i64>,
    pub duration: Option<i64>,
    pub succeeded: i64,
    pub cached: i64,
    pub failed: i64,
    pub ignored: i64,
    pub error_message: Option<&'a str>,
}

/// The mail a run's owner gets when it ends. Its Message-ID is derived from the run and the
/// status, so a retried completion request does not mail twice.
pub fn run_completed(server_url: &str, recipient: &str, run: &RunSummary<'_>) -> NewMail {
    let link = match run.workspace_id {
        Some(ws) => format!("{server_url}/watch/{}?workspaceId={ws}", run.workflow_id),
        None => format!("{server_url}/watch/{}", run.workflow_id),
    };
    let (word, colour) = match run.status {
        WorkflowStatus::Succeeded => ("succeeded", "#067647"),
        WorkflowStatus::Failed => ("failed", "#b42318"),
        WorkflowStatus::Cancelled => ("was cancelled", "#475467"),
        _ => ("ended", "#475467"),
    };
    let time = |t: Option<i64>| t.map(format_millis).unwrap_or_else(|| "-".into());
    let duration = run.duration.or_else(|| Some(run.complete? - run.start?));
    let values = [
        ("server_url", server_url.to_string()),
        ("link", link),
        ("run_name", run.run_name.to_string()),
        ("status", run.status.as_str().to_string()),
        ("status_word", word.to_string()),
        ("status_colour", colour.to_string()),
        ("project_name", run.project_name.unwrap_or("-").to_string()),
        ("start", time(run.start)),
        ("complete", time(run.complete)),
        ("duration", duration.map(human_duration).unwrap_or_else(|| "-".into())),
        ("succeeded", run.succeeded.to_string()),
        ("cached", run.cached.to_string()),
        ("failed", run.failed.to_string()),
        ("ignored", run.ignored.to_string()),
        ("error", run.error_message.unwrap_or_default().trim().to_string()),
    ];
    NewMail {
        message_id: format!("run.{}.{}@{}", run.workflow_id, run.status.as_str().to_lowercase(), id_host(server_url)),
        kind: "run_completed",
        recipient: recipient.to_string(),
        subject: format!("Run {} {word}", run.run_name),
        body_text: render(RUN_TEXT, &values, false),
        body_html: Some(render(RUN_HTML, &values, true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_run() -> RunSummary<'static> {
        RunSummary {
            workflow_id: "4Bi5xBK6E2Nbhj",
            workspace_id: None,
            run_name: "happy_turing",
            project_name: Some("nf-core/rnaseq"),
            status: WorkflowStatus::Failed,
            start: Some(1_700_000_000_000),
            complete: Some(1_700_000_090_000),
            duration: None,
            succeeded: 7,
            cached: 1,
            failed: 2,
            ignored: 0,
            error_message: Some("Process `ALIGN (<b>x</b>)` terminated with an error exit status (1)"),
        }
    }

    #[test]
    fn a_failed_run_mail_names_the_run_status_counts_error_and_link() {
        let m = run_completed("https://tower.example.com", "ann@example.com", &failed_run());
        assert_eq!(m.subject, "Run happy_turing failed");
        assert_eq!(m.message_id, "run.4Bi5xBK6E2Nbhj.failed@tower.example.com");
        for part in [&m.body_text, m.body_html.as_ref().unwrap()] {
            assert!(part.contains("happy_turing") && part.contains("FAILED") && part.contains("1m 30s"), "{part}");
            assert!(part.contains("7 succeeded, 1 cached, 2 failed"), "{part}");
            assert!(part.contains("https://tower.example.com/watch/4Bi5xBK6E2Nbhj"), "{part}");
            assert!(!part.contains("{{"), "every placeholder is filled: {part}");
        }
        assert!(m.body_text.contains("Error:\nProcess `ALIGN (<b>x</b>)`"));
        assert!(m.body_html.as_ref().unwrap().contains("ALIGN (&lt;b&gt;x&lt;/b&gt;)"), "HTML is escaped");
    }

    #[test]
    fn a_successful_run_mail_has_no_error_section() {
        let run = RunSummary { status: WorkflowStatus::Succeeded, error_message: None, workspace_id: Some(12), ..failed_run() };
        let m = run_completed("http://localhost:8000", "ann@example.com", &run);
        assert_eq!(m.subject, "Run happy_turing succeeded");
        assert!(!m.body_text.contains("Error") && !m.body_html.as_ref().unwrap().contains("Error"));
        assert!(m.body_text.contains("http://localhost:8000/watch/4Bi5xBK6E2Nbhj?workspaceId=12"));
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(90_000), "1m 30s");
        assert_eq!(human_duration(3_700_000), "1h 1m 40s");
        assert_eq!(human_duration(1_800_000), "30m");
        assert_eq!(human_duration(90_000_000), "1d 1h");
    }
}
