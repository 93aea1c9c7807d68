//! Reading the audit log, Seqera's `admin` shapes: `GET /admin/audit-logs-v2` (newest first,
//! `nextPageToken` paging, time range; `userId` and `event` filters), `GET
//! /admin/audit-logs-v2/{auditLogId}` and `GET /admin/audit-logs-v2/export-csv`. Root users read
//! every event; organization owners the events of their organizations; nobody else any.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiQuery;
use crate::api::errors::{ListErrors, ReadErrors};
use crate::auth::Caller;
use crate::domain::time::{format_millis, parse_datetime};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self as store, EventRow, Filter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(export_csv)).routes(routes!(describe))
}

/// The most rows one export answers; narrow the time range for more.
const EXPORT_MAX: i64 = 100_000;

/// The organizations whose events the caller reads: `None` for all (root).
async fn readable_orgs(state: &AppState, caller: &Caller) -> ApiResult<Option<Vec<i64>>> {
    if caller.is_root {
        return Ok(None);
    }
    let owned: Vec<i64> = crate::store::org::orgs_of_user(&state.db, caller.user.id, false)
        .await?
        .into_iter()
        .filter(|(_, _, role)| role.as_deref() == Some("owner"))
        .map(|(o, _, _)| o.id)
        .collect();
    if owned.is_empty() {
        return Err(ApiError::forbidden("The audit log is for root users and organization owners"));
    }
    Ok(Some(owned))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditLogV2ResponseDto_Actor)]
pub struct Actor {
    /// `user`, or `system` for a schedule or a webhook delivery (acting for `userId`).
    r#type: String,
    user_id: Option<i64>,
    user_name: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    is_root: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditLogV2ResponseDto_Client)]
pub struct Client {
    ip: Option<String>,
    user_agent: Option<String>,
    access_token_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedId {
    id: i64,
    name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditLogV2ResponseDto_Target)]
pub struct Target {
    /// `AuditImageType`: `credentials`, `workflow`, `action`, …
    r#type: Option<String>,
    id: Option<String>,
    /// `User`, `Organization` or `Workspace`: where the target lives.
    context: &'static str,
    organization: Option<NamedId>,
    workspace: Option<NamedId>,
}

/// `AuditLogV2ResponseDto`, with the outcome: `success` (2xx/3xx) or `failure`, and the status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogV2ResponseDto {
    id: String,
    timestamp: String,
    /// `AuditEventType`, and `user_sign_out`, `credentials_read`, `workflow_cancelled`,
    /// `action_triggered` for what Seqera's list lacks.
    event: String,
    /// The operation (`operationId`) that caused it, or `cron`.
    operation: String,
    outcome: &'static str,
    status: i32,
    actor: Actor,
    client: Client,
    target: Target,
}

fn dto(r: EventRow) -> AuditLogV2ResponseDto {
    let context = if r.workspace_id.is_some() {
        "Workspace"
    } else if r.org_id.is_some() {
        "Organization"
    } else {
        "User"
    };
    AuditLogV2ResponseDto {
        id: r.id.to_string(),
        timestamp: format_millis(r.date_created),
        event: r.event,
        operation: r.operation,
        outcome: if r.status < 400 { "success" } else { "failure" },
        status: r.status,
        actor: Actor {
            r#type: r.actor_type,
            user_id: r.user_id,
            user_name: r.user_name,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            is_root: r.is_root,
        },
        client: Client { ip: r.ip, user_agent: r.user_agent, access_token_id: r.token_id },
        target: Target {
            r#type: r.target_type,
            id: r.target_id,
            context,
            organization: r.org_id.map(|id| NamedId { id, name: r.org_name }),
            workspace: r.workspace_id.map(|id| NamedId { id, name: r.workspace_name }),
        },
    }
}

#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Accepted for compatibility: no pre/post images are kept (`state`).
    attributes: Option<String>,
    /// From the previous page: the events older than its last.
    next_page_token: Option<String>,
    /// At most this many events (default 50, at most 1000).
    max: Option<i64>,
    /// ISO-8601: events at or after this time.
    timestamp_after_or_equal: Option<String>,
    /// ISO-8601: events at or before this time.
    timestamp_before_or_equal: Option<String>,
    /// Only the events of this user.
    user_id: Option<i64>,
    /// Only this event (`user_sign_in`, `credentials_created`, …).
    event: Option<String>,
}

fn time(name: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    v.filter(|s| !s.is_empty())
        .map(|s| parse_datetime(s).ok_or_else(|| ApiError::bad_request(format!("{name}: '{s}' is not an ISO-8601 date-time"))))
        .transpose()
}

fn filter<'a>(q: &'a AuditQuery, orgs: Option<&'a [i64]>) -> ApiResult<Filter<'a>> {
    let _ = &q.attributes;
    if let Some(e) = q.event.as_deref().filter(|e| !crate::domain::audit::events().contains(e)) {
        return Err(ApiError::bad_request(format!("event: '{e}' is not an event of the audit log")));
    }
    let before_id = match q.next_page_token.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(t.parse::<i64>().map_err(|_| ApiError::bad_request("nextPageToken: not a token of this list"))?),
        None => None,
    };
    Ok(Filter {
        orgs,
        user_id: q.user_id,
        event: q.event.as_deref(),
        from: time("timestampAfterOrEqual", q.timestamp_after_or_equal.as_deref())?,
        to: time("timestampBeforeOrEqual", q.timestamp_before_or_equal.as_deref())?,
        before_id,
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListAuditLogV2Response {
    audit_logs: Vec<AuditLogV2ResponseDto>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/admin/audit-logs-v2", tag = "admin", operation_id = "ListAuditLogsV2", security(("BearerAuth" = [])),
    params(AuditQuery), responses((status = 200, body = ListAuditLogV2Response), ListErrors))]
async fn list(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AuditQuery>) -> ApiResult<Json<ListAuditLogV2Response>> {
    let orgs = readable_orgs(&state, &caller).await?;
    let max = q.max.unwrap_or(50);
    if !(1..=1000).contains(&max) {
        return Err(ApiError::bad_request("max must be between 1 and 1000"));
    }
    let f = filter(&q, orgs.as_deref())?;
    let mut rows = store::list(&state.db, &f, max + 1).await?;
    let next_page_token = (rows.len() as i64 > max).then(|| {
        rows.truncate(max as usize);
        rows.last().map(|r| r.id.to_string()).unwrap_or_default()
    });
    Ok(Json(ListAuditLogV2Response { audit_logs: rows.into_iter().map(dto).collect(), next_page_token }))
}

/// The filtered audit log as CSV, newest first (at most 100,000 events: a 400 asks for a narrower
/// range beyond).
#[utoipa::path(get, path = "/admin/audit-logs-v2/export-csv", tag = "admin", operation_id = "ExportAuditLogsV2Csv", security(("BearerAuth" = [])),
    params(AuditQuery), responses((status = 200, content_type = "text/csv", body = String), ListErrors))]
async fn export_csv(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<AuditQuery>) -> ApiResult<Response> {
    let orgs = readable_orgs(&state, &caller).await?;
    let f = filter(&q, orgs.as_deref())?;
    let rows = store::list(&state.db, &f, EXPORT_MAX + 1).await?;
    if rows.len() as i64 > EXPORT_MAX {
        return Err(ApiError::bad_request(format!("More than {EXPORT_MAX} events match: narrow the time range")));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = ["id", "timestamp", "event", "outcome", "status", "actorType", "userId", "userName", "email", "ip", "userAgent"];
    let more = ["accessTokenId", "organizationId", "workspaceId", "targetType", "targetId", "operation"];
    w.write_record(header.iter().chain(more.iter())).map_err(anyhow::Error::from)?;
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows.into_iter().map(dto) {
        let fields = [
            r.id,
            r.timestamp,
            r.event,
            r.outcome.into(),
            r.status.to_string(),
            r.actor.r#type,
            text(r.actor.user_id),
            r.actor.user_name.unwrap_or_default(),
            r.actor.email.unwrap_or_default(),
            r.client.ip.unwrap_or_default(),
            r.client.user_agent.unwrap_or_default(),
            text(r.client.access_token_id),
            text(r.target.organization.map(|o| o.id)),
            text(r.target.workspace.map(|w| w.id)),
            r.target.r#type.unwrap_or_default(),
            r.target.id.unwrap_or_default(),
            r.operation,
        ];
        w.write_record(&fields).map_err(anyhow::Error::from)?;
    }
    let body = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8"), (CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\"")], body).into_response())
}

/// One event of the audit log.
#[utoipa::path(get, path = "/admin/audit-logs-v2/{auditLogId}", tag = "admin", operation_id = "DescribeAuditLogV2", security(("BearerAuth" = [])),
    params(("auditLogId" = i64, Path, description = "Audit log V2 record ID"),
        ("attributes" = Option<String>, Query, description = "Accepted for compatibility: no pre/post images are kept")),
    responses((status = 200, body = AuditLogV2ResponseDto), ReadErrors))]
async fn describe(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<AuditLogV2ResponseDto>> {
    let orgs = readable_orgs(&state, &caller).await?;
    let row = store::find(&state.db, id)
        .await?
        .filter(|r| orgs.as_ref().is_none_or(|o| r.org_id.is_some_and(|id| o.contains(&id))))
        .ok_or_else(|| ApiError::not_found(format!("Audit log {id} not found")))?;
    Ok(Json(dto(row)))
}
