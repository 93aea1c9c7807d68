//! Forwarding of `/api/*` to the backend.
//!
//! Bodies are streamed in both directions (the request's `Incoming` body becomes the outgoing
//! request body, the backend's `Incoming` body becomes the response body), so uploads, long
//! downloads and Server-Sent Events pass through without being buffered.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::config::BackendUrl;
use crate::respond::{json_message, Body};

/// How long to wait for a TCP connection to the backend.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// Tells buffering proxies in front of us (nginx, ingress controllers) to pass events through at once.
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Headers that describe one hop, not the message (RFC 9110 section 7.6.1), never forwarded.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The API path prefix the proxy strips.
const API_PREFIX: &str = "/api";

/// Whether `path` belongs to the API: `/api` or `/api/...` (not `/apiary`).
pub fn is_api_path(path: &str) -> bool {
    path.strip_prefix(API_PREFIX).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A reverse proxy to one backend, with a pool of keep-alive connections.
#[derive(Clone)]
pub struct Proxy {
    backend: BackendUrl,
    client: Client<HttpConnector, Incoming>,
}

impl Proxy {
    pub fn new(backend: BackendUrl) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(connector);
        Proxy { backend, client }
    }

    /// Forwards an API request (see [`is_api_path`]) and returns the backend's response, or a 502.
    /// `https` says whether the client reached the proxy over TLS (for `X-Forwarded-Proto`).
    pub async fn forward(&self, mut req: Request<Incoming>, client_addr: SocketAddr, https: bool) -> Response<Body> {
        let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let stripped = match path_and_query.strip_prefix(API_PREFIX) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            Some(rest) => format!("/{rest}"), // "/api" or "/api?query"
            None => path_and_query.to_owned(),
        };
        let uri = match self.backend.uri_for(&stripped) {
            Ok(uri) => uri,
            Err(_) => return json_message(StatusCode::BAD_REQUEST, "Invalid request path"),
        };
        *req.uri_mut() = uri;
        *req.version_mut() = hyper::Version::HTTP_11;

        let original_host = req.headers().get(header::HOST).cloned();
        let headers = req.headers_mut();
        remove_hop_by_hop(headers);
        add_forwarded_headers(headers, client_addr, original_host, https);
        if let Ok(host) = HeaderValue::from_str(&self.backend.authority) {
            headers.insert(header::HOST, host);
        }

        match self.client.request(req).await {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                remove_hop_by_hop(&mut parts.headers);
                if is_event_stream(&parts.headers) {
                    parts.headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
                }
                Response::from_parts(parts, body.boxed_unsync())
            }
            Err(err) if err.is_connect() => {
                tracing::warn!(backend = %self.backend.authority, error = %error_chain(&err), "backend not reachable");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend is not reachable")
            }
            Err(err) => {
                tracing::warn!(backend = %self.backend.authority, error = %error_chain(&err), "backend request failed");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend did not answer")
            }
        }
    }
}

/// Removes hop-by-hop headers, including those the `Connection` header names.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
}

/// Sets `X-Forwarded-For` (appending the client's IP to any earlier hops), `X-Forwarded-Proto`
/// and `X-Forwarded-Host`.
fn add_forwarded_headers(headers: &mut HeaderMap, client_addr: SocketAddr, original_host: Option<HeaderValue>, https: bool) {
    let client_ip = client_addr.ip().to_canonical().to_string();
    let earlier: Vec<&str> = headers.get_all(X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).collect();
    let forwarded_for = if earlier.is_empty() { client_ip } else { format!("{}, {client_ip}", earlier.join(", ")) };
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert(X_FORWARDED_FOR, value);
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(if https { "https" } else { "http" }));
    match original_host {
        Some(host) => headers.insert(X_FORWARDED_HOST, host),
        None => headers.remove(X_FORWARDED_HOST),
    };
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().starts_with("text/event-stream"))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths() {
        assert!(is_api_path("/api"));
        assert!(is_api_path("/api/"));
        assert!(is_api_path("/api/workflow/abc"));
        assert!(!is_api_path("/apiary"));
        assert!(!is_api_path("/"));
        assert!(!is_api_path("/runs/api"));
    }

    #[test]
    fn hop_by_hop_headers_are_removed() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-secret"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert("x-secret", HeaderValue::from_static("1"));
        headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert("proxy-authorization", HeaderValue::from_static("Basic eA=="));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        remove_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1, "{headers:?}");
        assert!(headers.contains_key(header::AUTHORIZATION));
    }

    #[test]
    fn forwarded_for_appends_the_client() {
        let mut headers = HeaderMap::new();
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("203.0.113.7"));
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("10.0.0.1"));
        headers.insert(X_FORWARDED_HOST, HeaderValue::from_static("spoofed"));
        add_forwarded_headers(
            &mut headers,
            "[::ffff:192.0.2.1]:5000".parse().unwrap(),
            Some(HeaderValue::from_static("tower.example")),
            false,
        );
        assert_eq!(headers[X_FORWARDED_FOR], "203.0.113.7, 10.0.0.1, 192.0.2.1");
        assert_eq!(headers[X_FORWARDED_PROTO], "http");
        assert_eq!(headers[X_FORWARDED_HOST], "tower.example");
    }
}
