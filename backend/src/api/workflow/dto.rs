//! The response shapes of the run API, as Seqera names them.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::parse_json;
use crate::api::label::LabelDto;
use crate::domain::progress::ProgressData;
use crate::domain::status::WorkflowStatus;
use crate::domain::time::format_millis;
use crate::domain::trace::TaskRecord;
use crate::store::task::TaskRow;
use crate::store::workflow::WorkflowRow;

fn ts(v: Option<i64>) -> Option<String> {
    v.map(format_millis)
}

/// `WorkflowMaxDbDto`: a run as Seqera returns it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WorkflowMaxDbDto)]
pub struct WorkflowDto {
    pub id: String,
    pub owner_id: i64,
    #[schema(format = DateTime)]
    pub submit: Option<String>,
    #[schema(format = DateTime)]
    pub start: Option<String>,
    #[schema(format = DateTime)]
    pub complete: Option<String>,
    #[schema(format = DateTime)]
    pub date_created: Option<String>,
    #[schema(format = DateTime)]
    pub last_updated: Option<String>,
    pub run_name: String,
    pub session_id: String,
    pub profile: Option<String>,
    pub work_dir: Option<String>,
    pub commit_id: Option<String>,
    pub user_name: Option<String>,
    pub script_id: Option<String>,
    pub revision: Option<String>,
    pub command_line: Option<String>,
    pub project_name: Option<String>,
    pub script_name: Option<String>,
    pub launch_id: Option<String>,
    pub status: WorkflowStatus,
    #[schema(value_type = Option<Vec<String>>)]
    pub config_files: Value,
    #[schema(value_type = Option<Object>)]
    pub params: Value,
    pub config_text: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub manifest: Value,
    #[schema(value_type = Option<Object>)]
    pub nextflow: Value,
    #[schema(value_type = Option<Object>)]
    pub stats: Value,
    pub error_message: Option<String>,
    pub error_report: Option<String>,
    pub deleted: bool,
    pub project_dir: Option<String>,
    pub home_dir: Option<String>,
    pub container: Option<String>,
    pub repository: Option<String>,
    pub container_engine: Option<String>,
    pub script_file: Option<String>,
    pub launch_dir: Option<String>,
    pub duration: Option<i64>,
    pub exit_status: Option<i32>,
    pub resume: Option<bool>,
    pub success: Option<bool>,
    pub log_file: Option<String>,
    pub out_file: Option<String>,
    pub operation_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub wave: Value,
    #[schema(value_type = Option<Object>)]
    pub fusion: Value,
    pub requires_attention: bool,
    pub config_profiles: Option<Vec<String>>,
    pub nextflow_config: Option<String>,
    pub tower_config: Option<String>,
    pub pre_run_script: Option<String>,
    pub post_run_script: Option<String>,
    pub syntax_parser: Option<String>,
}

impl From<&WorkflowRow> for WorkflowDto {
    fn from(w: &WorkflowRow) -> Self {
        WorkflowDto {
            id: w.id.clone(),
            owner_id: w.owner_id,
            submit: ts(Some(w.submit)),
            start: ts(w.start),
            complete: ts(w.complete),
            date_created: ts(Some(w.date_created)),
            last_updated: ts(Some(w.last_updated)),
            run_name: w.run_name.clone(),
            session_id: w.session_id.clone(),
            profile: w.profile.clone(),
            work_dir: w.work_dir.clone(),
            commit_id: w.commit_id.clone(),
            user_name: w.user_name.clone(),
            script_id: w.script_id.clone(),
            revision: w.revision.clone(),
            command_line: w.command_line.clone(),
            project_name: w.project_name.clone(),
            script_name: w.script_name.clone(),
            launch_id: w.launch_id.clone(),
            status: w.status(),
            config_files: parse_json(&w.config_files),
            params: parse_json(&w.params),
            config_text: w.config_text.clone(),
            manifest: parse_json(&w.manifest),
            nextflow: parse_json(&w.nextflow),
            stats: parse_json(&w.stats),
            error_message: w.error_message.clone(),
            error_report: w.error_report.clone(),
            deleted: w.deleted,
            project_dir: w.project_dir.clone(),
            home_dir: w.home_dir.clone(),
            container: w.container.clone(),
            repository: w.repository.clone(),
            container_engine: w.container_engine.clone(),
            script_file: w.script_file.clone(),
            launch_dir: w.launch_dir.clone(),
            duration: w.duration,
            exit_status: w.exit_status,
            resume: w.resume,
            success: w.success,
            log_file: w.log_file.clone(),
            out_file: w.out_file.clone(),
            operation_id: w.operation_id.clone(),
            wave: parse_json(&w.wave),
            fusion: parse_json(&w.fusion),
            requires_attention: false,
            config_profiles: w.profile.as_deref().map(|p| p.split(',').map(|s| s.trim().to_string()).collect()),
            nextflow_config: None,
            tower_config: None,
            pre_run_script: None,
            post_run_script: None,
            syntax_parser: None,
        }
    }
}

/// `Task`: every field of a task's trace record, as stored, with what Tower derives from it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Task)]
pub struct TaskDto {
    pub id: i64,
    #[serde(flatten)]
    pub record: TaskRecord,
    /// The same as `exit`, under Seqera's other name for it.
    pub exit_status: Option<i64>,
    /// Estimated cost: CPU-hours at the default rate, for finished tasks.
    pub cost: Option<f64>,
    pub error_message: Option<String>,
    #[schema(format = DateTime)]
    pub date_created: Option<String>,
    #[schema(format = DateTime)]
    pub last_updated: Option<String>,
}

impl From<TaskRow> for TaskDto {
    fn from(t: TaskRow) -> Self {
        TaskDto {
            id: t.task.task_id,
            exit_status: t.task.exit,
            cost: task_cost(&t.task),
            error_message: None,
            date_created: ts(Some(t.date_created)),
            last_updated: ts(Some(t.last_updated)),
            record: t.task,
        }
    }
}

/// Estimated cost of a finished task: CPU-hours at the default rate.
fn task_cost(t: &TaskRecord) -> Option<f64> {
    match (t.status.is_terminal(), t.realtime) {
        (true, Some(rt)) => {
            let cost = crate::domain::progress::COST_PER_CPU_HOUR * rt as f64 * t.cpus.unwrap_or(1) as f64 / 3_600_000.0;
            Some((cost * 10_000.0).round() / 10_000.0)
        }
        _ => None,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComputePlatformDto {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribeWorkflowResponse {
    pub workflow: WorkflowDto,
    pub progress: ProgressData,
    pub labels: Vec<LabelDto>,
    pub platform: Option<ComputePlatformDto>,
    /// The head job of a launched run; null for runs started from the command line.
    pub job_info: Option<JobInfoDto>,
    pub optimized: Option<bool>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub workspace_id: Option<i64>,
    pub workspace_name: Option<String>,
    pub messages: Vec<String>,
    pub sched_run_id: Option<String>,
    pub cost: f64,
    pub cost_currency: String,
    pub cost_is_estimate: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkflowsElement {
    pub workflow: WorkflowDto,
    pub progress: Option<ProgressData>,
    pub labels: Option<Vec<LabelDto>>,
    pub starred: bool,
    pub optimized: Option<bool>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub workspace_id: Option<i64>,
    pub workspace_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub pipeline_info: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkflowsResponse {
    pub workflows: Vec<ListWorkflowsElement>,
    /// Every matching run, with `includeTotalSize=true` only (as Seqera Platform).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_size: Option<i64>,
    pub has_more: bool,
}

#[derive(Serialize, ToSchema)]
pub struct GetProgressResponse {
    pub progress: ProgressData,
}

#[derive(Serialize, ToSchema)]
pub struct DescribeTaskResponse {
    pub task: TaskDto,
}

#[derive(Serialize, ToSchema)]
pub struct ListTasksResponse {
    pub tasks: Vec<DescribeTaskResponse>,
    pub total: i64,
}

/// Per-process resource distributions (`ResourceData` objects or null) sent by Nextflow at completion.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WorkflowMetrics)]
pub struct WorkflowMetricsDto {
    pub id: i64,
    pub process: String,
    #[schema(value_type = Option<Object>)]
    pub cpu: Value,
    #[schema(value_type = Option<Object>)]
    pub mem: Value,
    #[schema(value_type = Option<Object>)]
    pub vmem: Value,
    #[schema(value_type = Option<Object>)]
    pub time: Value,
    #[schema(value_type = Option<Object>)]
    pub reads: Value,
    #[schema(value_type = Option<Object>)]
    pub writes: Value,
    #[schema(value_type = Option<Object>)]
    pub cpu_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub mem_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub time_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_usage: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_peak: Value,
    #[schema(value_type = Option<Object>)]
    pub gpu_mem_avg: Value,
}

#[derive(Serialize, ToSchema)]
pub struct GetWorkflowMetricsResponse {
    pub metrics: Vec<WorkflowMetricsDto>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    pub entries: Vec<String>,
    pub truncated: bool,
    pub pending: bool,
    pub message: String,
    pub downloads: Vec<String>,
    pub rewind_token: Option<String>,
    pub forward_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowLogResponse {
    pub log: LogPage,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteWorkflowsResponse {
    pub failed_workflow_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkflowStarResponse {
    pub workflow_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct RandomWorkflowNameResponse {
    pub name: String,
}

/// `JobInfoDto`: where a launched run's head job is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobInfoDto {
    /// The job id as a number, when it is one (a scheduler's job id, a local process id).
    pub id: Option<i64>,
    /// The job id as the compute environment gave it.
    pub operation_id: Option<String>,
    /// `PENDING` (not submitted yet), `SUBMITTED` (on the compute environment) or `ENDED`.
    pub status: String,
    /// The head job's exit code, when Tower saw the job end.
    pub exit_code: Option<i32>,
    /// What Tower noted about the job (why it failed to submit, how it ended).
    pub message: Option<String>,
}

impl From<crate::store::launch::LaunchRow> for JobInfoDto {
    fn from(l: crate::store::launch::LaunchRow) -> Self {
        let exit_code = l.message.as_deref().and_then(|m| m.split("exit code ").nth(1)).and_then(|c| {
            let digits: String = c.chars().take_while(|ch| ch.is_ascii_digit() || *ch == '-').collect();
            digits.parse().ok()
        });
        JobInfoDto {
            id: l.job_id.as_deref().and_then(|j| j.parse().ok()),
            operation_id: l.job_id,
            status: l.state,
            exit_code,
            message: l.message,
        }
    }
}
