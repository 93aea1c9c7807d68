//! Prometheus metrics of the proxy: requests by kind and status, their latency to the response
//! head, and upstream errors, rendered at `GET /metrics` on `TOWER_FRONTEND_METRICS_PORT`, apart
//! from the public port. In the all-in-one `tower` the backend's recorder is installed first: the
//! proxy's metrics go there and the proxy serves none of its own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::respond::{full, plain, Body};

const SECONDS_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// What a request was, as a label.
#[derive(Clone, Copy)]
pub enum Kind {
    Api,
    Web,
    Health,
}

/// Counts a request and records its latency to the response head. The handles of each kind and
/// status are looked up in the recorder once per worker thread, not on every request.
pub fn request(kind: Kind, status: StatusCode, elapsed: Duration) {
    thread_local! {
        static HANDLES: RefCell<HashMap<(u8, u16), (Counter, Histogram)>> = RefCell::default();
    }
    HANDLES.with_borrow_mut(|handles| {
        let (count, latency) = handles.entry((kind as u8, status.as_u16())).or_insert_with(|| {
            let kind = match kind {
                Kind::Api => "api",
                Kind::Web => "web",
                Kind::Health => "health",
            };
            (
                metrics::counter!("tower_frontend_requests_total", "kind" => kind, "status" => status.as_str().to_owned()),
                metrics::histogram!("tower_frontend_request_duration_seconds", "kind" => kind),
            )
        });
        count.increment(1);
        latency.record(elapsed.as_secs_f64());
    });
}

/// Counts a request the backend did not answer: `connect` (not reachable) or `exchange`.
pub fn upstream_error(reason: &'static str) {
    metrics::counter!("tower_frontend_upstream_errors_total", "reason" => reason).increment(1);
}

fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| tracing::debug!(error = %e, "another metrics recorder is installed: the proxy serves no /metrics"))
                .ok()
        })
        .as_ref()
}

/// Serves `/metrics` on `port` (0: any free port) when this process's recorder is the proxy's.
/// A port that cannot be bound is an error line, not a reason to stop proxying.
pub async fn serve(port: u16) {
    let Some(handle) = recorder() else { return };
    let listener = match TcpListener::bind(("0.0.0.0", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(port, error = %e, "cannot listen for metrics (TOWER_FRONTEND_METRICS_PORT): serving without /metrics");
            return;
        }
    };
    tracing::info!(local_addr = ?listener.local_addr().ok(), "metrics on /metrics");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service =
                service_fn(
                    move |req: Request<hyper::body::Incoming>| async move { Ok::<_, std::convert::Infallible>(render(handle, &req)) },
                );
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
}

fn render(handle: &PrometheusHandle, req: &Request<hyper::body::Incoming>) -> Response<Body> {
    if req.uri().path() != "/metrics" || req.method() != Method::GET {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    handle.run_upkeep();
    let mut response = Response::new(full(handle.render()));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}
