//! A run's tasks: the sortable, searchable page and one task.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::dto::{DescribeTaskResponse, ListTasksResponse};
use super::{find_task, RUN, TASK};
use crate::api::errors::ReadErrors;
use crate::api::extract::{ApiQuery, WorkspaceParam};
use crate::api::run_access::authorize_run;
use crate::auth::permissions::{self as perm};
use crate::auth::Caller;
use crate::domain::search::{self, TaskSortField};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{self};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tasks)).routes(routes!(task))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct TasksQuery {
    workspace_id: Option<i64>,
    /// Page size, 1 to 1000 (default 50).
    max: Option<i64>,
    offset: Option<i64>,
    /// Free text over name, process, tag and hash (`*` wildcards); status words filter by status.
    search: Option<String>,
    /// A task field such as `taskId`, `name`, `status`, `realtime`, `peakRss`.
    sort_by: Option<String>,
    /// `asc` or `desc`.
    sort_dir: Option<String>,
}

/// A page of the run's tasks.
#[utoipa::path(get, path = "/workflow/{workflowId}/tasks", tag = "workflows", operation_id = "ListWorkflowTasks", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), TasksQuery),
    responses((status = 200, body = ListTasksResponse), ReadErrors))]
async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> ApiResult<Json<ListTasksResponse>> {
    let w = authorize_run(&state, &caller, &id, q.workspace_id, perm::WORKFLOW_READ).await?;
    let (max, offset) = crate::api::paging(q.max, q.offset, 50)?;
    let sort_by = q.sort_by.as_deref().filter(|s| !s.is_empty()).unwrap_or("taskId");
    let sort = TaskSortField::parse(sort_by).ok_or_else(|| ApiError::bad_request(format!("Cannot sort tasks by '{sort_by}'")))?;
    let dir = search::parse_sort_dir(q.sort_dir.as_deref()).map_err(ApiError::BadRequest)?;
    let search = search::parse_task_search(q.search.as_deref().unwrap_or(""));
    let query = store::task::TaskListQuery { search: &search, sort, dir, max, offset };
    let (rows, total) = store::task::list(&state.db, &w.id, &query).await?;
    Ok(Json(ListTasksResponse { tasks: rows.into_iter().map(|t| DescribeTaskResponse { task: t.into() }).collect(), total }))
}

/// One task with every trace field.
#[utoipa::path(get, path = "/workflow/{workflowId}/task/{taskId}", tag = "workflows", operation_id = "DescribeWorkflowTask", security(("BearerAuth" = [])),
    params(("workflowId" = String, Path, description = RUN), ("taskId" = i64, Path, description = TASK), WorkspaceParam),
    responses((status = 200, body = DescribeTaskResponse), ReadErrors))]
async fn task(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(String, String)>,
    ApiQuery(ws): ApiQuery<WorkspaceParam>,
) -> ApiResult<Json<DescribeTaskResponse>> {
    let t = find_task(&state, &caller, &id, &task_id, ws.workspace_id).await?;
    Ok(Json(DescribeTaskResponse { task: t.into() }))
}
