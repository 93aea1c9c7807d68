//! The requests of the Nextflow trace protocol (`POST /trace/create`, `PUT /trace/{id}/begin`,
//! `/progress`, `/heartbeat`, `/complete`) as typed records. Fields are strict where Nextflow
//! is strict and lenient where its own output varies (e.g. `tag`, `nativeId`, `scratch`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::status::TaskStatus;
use super::time::opt_datetime;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceCreateRequest {
    pub session_id: Option<String>,
    pub run_name: Option<String>,
    pub project_name: Option<String>,
    pub repository: Option<String>,
    pub workflow_id: Option<String>,
    #[serde(alias = "launchId")]
    pub launch_id: Option<String>,
    pub instant: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceBeginRequest {
    pub workflow: Option<WorkflowRecord>,
    #[serde(default)]
    pub process_names: Vec<String>,
    #[serde(default)]
    pub tower_launch: bool,
    #[schema(value_type = Option<Object>)]
    pub dag: Option<Value>,
    pub instant: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceProgressRequest {
    pub tasks: Option<Vec<TaskRecord>>,
    pub progress: Option<ProgressSnapshot>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub containers: Vec<Value>,
    pub instant: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceHeartbeatRequest {
    pub progress: Option<ProgressSnapshot>,
    pub instant: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceCompleteRequest {
    pub workflow: Option<WorkflowRecord>,
    #[serde(default)]
    pub metrics: Vec<ProcessMetrics>,
    pub progress: Option<ProgressSnapshot>,
    pub instant: Option<i64>,
}

/// The `workflow` object of begin and complete (Nextflow's `WorkflowMetadata`). Columns we
/// query are typed; nested objects are kept as JSON; unknown keys are kept in `extra`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Workflow)]
pub struct WorkflowRecord {
    pub id: Option<String>,
    pub run_name: Option<String>,
    pub session_id: Option<String>,
    pub project_name: Option<String>,
    pub repository: Option<String>,
    pub script_id: Option<String>,
    pub script_file: Option<String>,
    pub script_name: Option<String>,
    pub commit_id: Option<String>,
    pub revision: Option<String>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub start: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub complete: Option<i64>,
    pub duration: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub container: Option<Value>,
    pub container_engine: Option<String>,
    pub command_line: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub nextflow: Option<Value>,
    pub success: Option<bool>,
    pub project_dir: Option<String>,
    pub launch_dir: Option<String>,
    pub work_dir: Option<String>,
    pub home_dir: Option<String>,
    pub user_name: Option<String>,
    pub exit_status: Option<i32>,
    pub error_message: Option<String>,
    pub error_report: Option<String>,
    pub profile: Option<String>,
    pub resume: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub wave: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub fusion: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub platform: Option<Value>,
    pub config_files: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub stats: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub manifest: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
    pub config_text: Option<String>,
    pub operation_id: Option<String>,
    pub log_file: Option<String>,
    pub out_file: Option<String>,
    pub launch_id: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: Map<String, Value>,
}

impl WorkflowRecord {
    /// The per-process container map is written as text, like Nextflow's `mapToString`.
    pub fn container_text(&self) -> Option<String> {
        match &self.container {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        }
    }

    /// The fields the begin request must carry (as the old Tower required them).
    pub fn missing_begin_fields(&self) -> Vec<&'static str> {
        let checks: [(&'static str, &Option<String>); 6] = [
            ("runName", &self.run_name),
            ("sessionId", &self.session_id),
            ("workDir", &self.work_dir),
            ("userName", &self.user_name),
            ("commandLine", &self.command_line),
            ("projectName", &self.project_name),
        ];
        let mut missing: Vec<&'static str> =
            checks.iter().filter(|(_, v)| v.as_deref().is_none_or(str::is_empty)).map(|(k, _)| *k).collect();
        if self.start.is_none() {
            missing.push("start");
        }
        missing
    }
}

// The one declaration of a task's fields: the trace parser reads it, the store writes and reads
// it (the column names are the fields' own, but for `exit`), the API returns it inside `Task`.
/// One task record of a progress request (Nextflow's `TraceRecord`, camel-cased).
#[derive(Debug, Clone, Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TraceTaskRecord)]
pub struct TaskRecord {
    pub task_id: i64,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    pub hash: Option<String>,
    pub name: Option<String>,
    #[sqlx(rename = "exit_status")]
    pub exit: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submit: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub start: Option<i64>,
    #[serde(default, with = "opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub complete: Option<i64>,
    pub process: Option<String>,
    /// Nextflow sends non-string tags as they are; the protocol turns them into null.
    #[serde(default, deserialize_with = "string_or_null")]
    pub tag: Option<String>,
    // Answered as `[]` when Nextflow sent none.
    #[serde(default, deserialize_with = "module_list", serialize_with = "list_or_empty")]
    #[sqlx(json(nullable))]
    pub module: Option<Vec<String>>,
    pub container: Option<String>,
    pub attempt: Option<i32>,
    pub script: Option<String>,
    #[serde(default, deserialize_with = "scalar_as_string")]
    pub scratch: Option<String>,
    pub workdir: Option<String>,
    pub queue: Option<String>,
    pub cpus: Option<i32>,
    pub memory: Option<i64>,
    pub disk: Option<i64>,
    pub time: Option<i64>,
    pub env: Option<String>,
    pub error_action: Option<String>,
    pub duration: Option<i64>,
    pub realtime: Option<i64>,
    pub pcpu: Option<f64>,
    pub cpu_model: Option<String>,
    pub rchar: Option<i64>,
    pub wchar: Option<i64>,
    pub syscr: Option<i64>,
    pub syscw: Option<i64>,
    pub read_bytes: Option<i64>,
    pub write_bytes: Option<i64>,
    pub pmem: Option<f64>,
    pub vmem: Option<i64>,
    pub rss: Option<i64>,
    pub peak_vmem: Option<i64>,
    pub peak_rss: Option<i64>,
    pub vol_ctxt: Option<i64>,
    pub inv_ctxt: Option<i64>,
    #[serde(default, deserialize_with = "scalar_as_string")]
    pub native_id: Option<String>,
    pub executor: Option<String>,
    pub cloud_zone: Option<String>,
    pub machine_type: Option<String>,
    pub price_model: Option<String>,
    pub num_spot_interruptions: Option<i32>,
    pub log_stream_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    #[sqlx(json(nullable))]
    pub resource_allocation: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    #[sqlx(json(nullable))]
    pub gpu_metrics: Option<Map<String, Value>>,
    pub accelerator: Option<i32>,
    pub accelerator_type: Option<String>,
    pub hostname: Option<String>,
}

// The one counter type: flattened into the run's and each process's progress.
/// Task counters and load of a run or of one of its processes, as Nextflow counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = TraceProgressCounters)]
pub struct ProgressCounters {
    pub pending: i64,
    pub submitted: i64,
    pub running: i64,
    pub succeeded: i64,
    pub cached: i64,
    pub failed: i64,
    pub aborted: i64,
    pub ignored: i64,
    pub retries: i64,
    pub stored: i64,
    pub load_cpus: i64,
    pub load_memory: i64,
    pub peak_running: i64,
    pub peak_cpus: i64,
    pub peak_memory: i64,
}

/// Nextflow's aggregate progress (`WorkflowProgress`), sent with progress, heartbeat and complete.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TraceProgressData)]
pub struct ProgressSnapshot {
    #[serde(flatten)]
    pub counters: ProgressCounters,
    #[serde(default)]
    pub num_spot_interruptions: i64,
    #[serde(default)]
    pub processes: Vec<ProcessProgress>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TraceProgressDetail)]
pub struct ProcessProgress {
    #[serde(default)]
    pub index: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(flatten)]
    pub counters: ProgressCounters,
    #[serde(default)]
    pub terminated: bool,
}

/// Per-process resource distributions sent at completion (`metrics[]`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TraceProcessMetrics)]
pub struct ProcessMetrics {
    pub process: String,
    #[schema(value_type = Option<Object>)]
    pub cpu: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub mem: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub vmem: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub time: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub reads: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub writes: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub cpu_usage: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub mem_usage: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub time_usage: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub gpu_usage: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_peak: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_avg: Option<Value>,
}

fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn scalar_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(serde::de::Error::custom(format!("expected a string or number, got {other}"))),
    }
}

/// `module` is a list of strings; very old clients sent one string.
fn module_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(Some(vec![])),
        Value::String(s) => Ok(Some(vec![s])),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(serde::de::Error::custom(format!("module entries must be strings, got {other}"))),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(serde::de::Error::custom(format!("module must be a list of strings, got {other}"))),
    }
}

fn list_or_empty<S: serde::Serializer>(v: &Option<Vec<String>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_deref().unwrap_or_default().serialize(s)
}

/// Longest text each stored field takes (characters), matching the column sizes. Nextflow
/// already cuts its strings to these sizes or less; other clients get a 400 naming the field.
const LONG_TEXT: usize = 16_000;

fn check(errors: &mut Vec<String>, path: String, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        let n = v.chars().count();
        if n > max {
            errors.push(format!("{path} is {n} characters long, more than the {max} allowed"));
        }
    }
}

impl WorkflowRecord {
    /// Field length problems, each naming the field.
    pub fn length_errors(&self) -> Vec<String> {
        let mut e = Vec::new();
        let fields: [(&str, Option<&str>, usize); 21] = [
            ("runName", self.run_name.as_deref(), 80),
            ("sessionId", self.session_id.as_deref(), 36),
            ("projectName", self.project_name.as_deref(), 200),
            ("repository", self.repository.as_deref(), 1000),
            ("userName", self.user_name.as_deref(), 40),
            ("workDir", self.work_dir.as_deref(), 1000),
            ("launchDir", self.launch_dir.as_deref(), 1000),
            ("projectDir", self.project_dir.as_deref(), 1000),
            ("homeDir", self.home_dir.as_deref(), 1000),
            ("scriptFile", self.script_file.as_deref(), 1000),
            ("scriptName", self.script_name.as_deref(), 100),
            ("scriptId", self.script_id.as_deref(), 40),
            ("commitId", self.commit_id.as_deref(), 40),
            ("revision", self.revision.as_deref(), 100),
            ("profile", self.profile.as_deref(), 100),
            ("containerEngine", self.container_engine.as_deref(), 20),
            ("logFile", self.log_file.as_deref(), 255),
            ("outFile", self.out_file.as_deref(), 255),
            ("operationId", self.operation_id.as_deref(), 110),
            ("errorMessage", self.error_message.as_deref(), LONG_TEXT),
            ("commandLine", self.command_line.as_deref(), LONG_TEXT),
        ];
        for (name, value, max) in fields {
            check(&mut e, format!("workflow.{name}"), value, max);
        }
        check(&mut e, "workflow.container".into(), self.container_text().as_deref(), LONG_TEXT);
        e
    }
}

impl TaskRecord {
    pub fn length_errors(&self, index: usize) -> Vec<String> {
        let mut e = Vec::new();
        let module = self.module.as_ref().map(|m| serde_json::to_string(m).unwrap_or_default());
        let fields: [(&str, Option<&str>, usize); 21] = [
            ("hash", self.hash.as_deref(), 34),
            ("name", self.name.as_deref(), 255),
            ("process", self.process.as_deref(), 255),
            ("tag", self.tag.as_deref(), 255),
            ("queue", self.queue.as_deref(), 255),
            ("errorAction", self.error_action.as_deref(), 10),
            ("cpuModel", self.cpu_model.as_deref(), 255),
            ("nativeId", self.native_id.as_deref(), 255),
            ("executor", self.executor.as_deref(), 25),
            ("cloudZone", self.cloud_zone.as_deref(), 25),
            ("machineType", self.machine_type.as_deref(), 25),
            ("priceModel", self.price_model.as_deref(), 15),
            ("logStreamId", self.log_stream_id.as_deref(), 255),
            ("acceleratorType", self.accelerator_type.as_deref(), 255),
            ("hostname", self.hostname.as_deref(), 255),
            ("script", self.script.as_deref(), LONG_TEXT),
            ("env", self.env.as_deref(), LONG_TEXT),
            ("workdir", self.workdir.as_deref(), LONG_TEXT),
            ("container", self.container.as_deref(), LONG_TEXT),
            ("scratch", self.scratch.as_deref(), LONG_TEXT),
            ("module", module.as_deref(), LONG_TEXT),
        ];
        for (name, value, max) in fields {
            check(&mut e, format!("tasks[{index}].{name}"), value, max);
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_record_tolerates_what_nextflow_varies() {
        let t: TaskRecord = serde_json::from_str(
            r#"{"taskId":3,"status":"COMPLETED","tag":{"id":1},"nativeId":4242,"scratch":true,"module":[],"submit":"2019-05-06T10:04Z","pcpu":1.0E2}"#,
        )
        .unwrap();
        assert_eq!(t.tag, None);
        assert_eq!(t.native_id.as_deref(), Some("4242"));
        assert_eq!(t.scratch.as_deref(), Some("true"));
        assert_eq!(t.pcpu, Some(100.0));
        assert_eq!(t.submit, Some(1557137040000));
    }

    #[test]
    fn a_task_record_rejects_wrong_types_with_a_clear_message() {
        let e = serde_json::from_str::<TaskRecord>(r#"{"taskId":"x","status":"RUNNING"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type"), "{e}");
        let e = serde_json::from_str::<TaskRecord>(r#"{"taskId":1,"status":"DONE"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `DONE`"), "{e}");
        let e = serde_json::from_str::<TaskRecord>(r#"{"status":"NEW"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `taskId`"), "{e}");
    }

    #[test]
    fn unknown_workflow_fields_are_kept() {
        let w: WorkflowRecord = serde_json::from_str(r#"{"runName":"x","outputDir":"/out","stubRun":false}"#).unwrap();
        assert_eq!(w.extra.get("outputDir"), Some(&Value::String("/out".into())));
        assert_eq!(w.extra.len(), 2);
    }

    #[test]
    fn progress_keeps_nextflow_s_flat_shape_through_the_shared_counters() {
        let sent = serde_json::json!({"pending": 1, "running": 2, "succeeded": 3, "peakCpus": 4, "numSpotInterruptions": 5,
            "processes": [{"index": 0, "name": "ALIGN", "failed": 6, "terminated": true}]});
        let p: ProgressSnapshot = serde_json::from_value(sent).unwrap();
        assert_eq!((p.counters.pending, p.counters.running, p.counters.peak_cpus, p.num_spot_interruptions), (1, 2, 4, 5));
        assert_eq!((p.processes[0].counters.failed, p.processes[0].counters.pending), (6, 0));
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!((back["succeeded"].as_i64(), back["cached"].as_i64()), (Some(3), Some(0)));
        assert_eq!(back["processes"][0]["failed"], 6);
        assert!(back.get("counters").is_none() && back["processes"][0].get("counters").is_none());
    }

    #[test]
    fn a_task_answers_an_empty_module_list_when_none_was_sent() {
        let t: TaskRecord =
            serde_json::from_value(serde_json::json!({"taskId": 1, "status": "NEW", "submit": "2024-05-06T10:04Z"})).unwrap();
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["module"], serde_json::json!([]));
        assert_eq!(v["submit"], "2024-05-06T10:04:00Z");
        assert_eq!(v["taskId"], 1);
    }
}
