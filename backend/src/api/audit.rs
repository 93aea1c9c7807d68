//! Recording the audit log: a middleware around every route that, for the operations
//! `domain::audit` names, writes who (the caller the request authenticated as, or the user a
//! sign-in signed in), when, from where (client IP, user agent), what (event, target) and how it
//! ended (the HTTP status) once the handler has answered. Failures count too: a refused sign-in
//! or a forbidden change is an event. Writing it never changes the answer: an error is logged.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::audit::{self as rules, ActorSlot, Id, Note};
use crate::domain::time::now_millis;
use crate::store::{self, Db};

/// The largest answer read for a created target's id (answers of creates are small).
const ANSWER_LIMIT: usize = 1 << 20;

#[derive(Clone)]
pub struct Recorder {
    db: Db,
    /// `(METHOD, route)` → operation id, from the OpenAPI document.
    operations: Arc<HashMap<(String, String), String>>,
}

impl Recorder {
    pub fn new(db: Db, doc: &utoipa::openapi::OpenApi) -> Recorder {
        let mut operations = HashMap::new();
        let json = serde_json::to_value(doc).unwrap_or_default();
        for (path, item) in json["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if let Some(id) = op["operationId"].as_str() {
                    operations.insert((method.to_uppercase(), path.clone()), id.to_string());
                }
            }
        }
        Recorder { db, operations: Arc::new(operations) }
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub async fn record(State(r): State<Recorder>, mut req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let operation = route.as_ref().and_then(|route| r.operations.get(&(req.method().to_string(), route.clone())).cloned());
    let Some((operation, audited)) = operation.and_then(|op| rules::audited(&op).map(|a| (op, a))) else {
        return next.run(req).await;
    };
    let slot = ActorSlot::default();
    req.extensions_mut().insert(slot.clone());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let headers = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let ip = rules::client_ip(text("x-forwarded-for").as_deref(), peer);
    let user_agent = text(USER_AGENT.as_str());
    let params = rules::path_params(route.as_deref().unwrap_or_default(), req.uri().path());
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let query = req.uri().query().map(str::to_string);
    let workspace_id = param("workspaceId").or_else(|| query_param(query.as_deref(), "workspaceId")).and_then(|w| w.parse::<i64>().ok());
    let org_id = param("orgId").or_else(|| query_param(query.as_deref(), "orgId")).and_then(|o| o.parse::<i64>().ok());

    let mut response = next.run(req).await;
    let status = response.status();
    let note = response.extensions().get::<Note>().cloned().unwrap_or_default();
    let target_id = match (note.target_id.clone(), audited.id) {
        (Some(id), _) => Some(id),
        (None, Id::Path(name)) => param(name),
        (None, Id::Answer(pointer)) if status.is_success() => {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, ANSWER_LIMIT).await.unwrap_or_default();
            let id = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| match v.pointer(pointer) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
            response = Response::from_parts(parts, Body::from(bytes));
            id
        }
        _ => None,
    };
    let actor = slot.get();
    // A new organization is its own context.
    let org_id = org_id.or_else(|| target_id.as_deref().filter(|_| audited.target == "organization").and_then(|t| t.parse().ok()));
    let event = store::audit::NewEvent {
        event: audited.event,
        operation: &operation,
        status: status.as_u16(),
        actor_type: if note.system { "system" } else { "user" },
        user_id: note.user_id.or(actor.map(|a| a.user_id)),
        is_root: actor.is_some_and(|a| a.is_root),
        token_id: actor.and_then(|a| a.token_id),
        ip: ip.as_deref(),
        user_agent: user_agent.as_deref(),
        org_id,
        workspace_id,
        target_type: Some(audited.target),
        target_id: target_id.as_deref(),
    };
    if let Err(e) = store::audit::record(&r.db, &event, now_millis()).await {
        tracing::warn!(error = %e, event = audited.event, "cannot write an audit log event; the request is answered all the same");
    }
    response
}
