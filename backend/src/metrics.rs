//! Prometheus metrics: the process records through the `metrics` facade; the exporter's recorder
//! keeps the values and renders them at `GET /metrics` on a listener of its own
//! (`TOWER_METRICS_PORT`), never on the API port. What each service records is in
//! docs/operations.md; names start with `tower_`, durations are histograms in seconds.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::store::Db;

/// Latency buckets, seconds: from a cached read to a slow launch.
const SECONDS_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The process's recorder, installed on first use. `None` when another recorder was installed
/// first (the metrics then go there, e.g. the all-in-one's, and nothing is served from here).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| tracing::debug!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// Binds the metrics listener on `port` (0: any free port). A port that cannot be bound is an
/// error line, not a reason to stop serving the API.
pub async fn bind(port: u16) -> Option<TcpListener> {
    let addr = format!("0.0.0.0:{port}");
    match TcpListener::bind(&addr).await {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot listen for metrics (TOWER_METRICS_PORT): serving without /metrics");
            None
        }
    }
}

/// `GET /metrics` (and nothing else) on `listener`, until the process ends.
pub fn serve(listener: TcpListener, db: Db) {
    let router = router(Arc::new(OnceLock::from(db)));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
}

/// `GET /metrics`; the connection pool's gauges are read at each scrape once `db` is set.
pub fn router(db: Arc<OnceLock<Db>>) -> Router {
    Router::new().route("/metrics", get(render)).with_state(db)
}

async fn render(State(db): State<Arc<OnceLock<Db>>>) -> Response {
    let Some(handle) = recorder() else {
        return (StatusCode::NOT_FOUND, "metrics are recorded by another part of this process\n").into_response();
    };
    if let Some(db) = db.get() {
        record_pool(db);
    }
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

/// The connection pool now: connections in use and idle, and its maximum.
fn record_pool(db: &Db) {
    let (size, idle, max) = db.pool_state();
    metrics::gauge!("tower_db_pool_connections", "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("tower_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("tower_db_pool_max_connections").set(f64::from(max));
}

/// Middleware: counts each API request and its latency (to the response head, so an event
/// stream counts its start) by method, route template and status.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let labels = [("method", method), ("route", route), ("status", response.status().as_u16().to_string())];
    metrics::counter!("tower_http_requests_total", &labels).increment(1);
    metrics::histogram!("tower_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Decrements a gauge when dropped: held by whatever the gauge counts (e.g. a live subscriber).
pub struct GaugeGuard(metrics::Gauge);

impl GaugeGuard {
    pub fn increment(gauge: metrics::Gauge) -> Self {
        gauge.increment(1.0);
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
