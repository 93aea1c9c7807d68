//! Forwarding of `/api/*` to the backend.
//!
//! Bodies are streamed in both directions, so uploads, long downloads and Server-Sent Events
//! pass through without being buffered. Each client connection has its own backend connection
//! (see [`crate::backend`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpStream;

use crate::backend::{self, BackendConnection, ExchangeError, SendError};
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
/// `Expect` too: the proxy answers `100-continue` itself when it reads the body.
static HOP_BY_HOP: [HeaderName; 10] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::EXPECT,
];

/// The API path prefix the proxy strips.
const API_PREFIX: &str = "/api";

/// Whether `path` belongs to the API: `/api` or `/api/...` (not `/apiary`).
pub fn is_api_path(path: &str) -> bool {
    path.strip_prefix(API_PREFIX).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A reverse proxy to one backend.
pub struct Proxy {
    backend: BackendUrl,
    /// `host:port` to connect to.
    address: String,
    host: Option<HeaderValue>,
    /// How long the backend may take to send a response head.
    head_timeout: Duration,
}

impl Proxy {
    pub fn new(backend: BackendUrl, head_timeout: Duration) -> Self {
        let has_port = backend.authority.rsplit_once(':').is_some_and(|(_, port)| !port.ends_with(']'));
        let address = if has_port { backend.authority.clone() } else { format!("{}:80", backend.authority) };
        let host = HeaderValue::from_str(&backend.authority).ok();
        Proxy { backend, address, host, head_timeout }
    }

    /// Forwards an API request (see [`is_api_path`]) on `connection` and returns the backend's
    /// response, or a 502. `client_ip` is the client's address as [`client_ip`] gives it (for
    /// `X-Forwarded-For`), `https` whether it reached the proxy over TLS (`X-Forwarded-Proto`).
    pub async fn forward(
        &self,
        connection: &Arc<BackendConnection>,
        req: Request<Incoming>,
        client_ip: &HeaderValue,
        https: bool,
    ) -> Response<Body> {
        let (mut parts, body) = req.into_parts();
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let rest = path_and_query.strip_prefix(API_PREFIX).unwrap_or(path_and_query);
        let Ok(uri) = self.backend.target_for(rest) else {
            return json_message(StatusCode::BAD_REQUEST, "Invalid request path");
        };
        parts.uri = uri;

        let original_host = parts.headers.get(header::HOST).cloned();
        let headers = &mut parts.headers;
        remove_hop_by_hop(headers);
        add_forwarded_headers(headers, client_ip, original_host, https);
        if let Some(host) = &self.host {
            headers.insert(header::HOST, host.clone());
        }

        match backend::send(connection, &parts, body, self.head_timeout, || self.connect()).await {
            Ok(mut response) => {
                let headers = response.headers_mut();
                remove_hop_by_hop(headers);
                if is_event_stream(headers) {
                    headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
                }
                response
            }
            Err(SendError::Connect(err)) => {
                tracing::warn!(backend = %self.backend.authority, error = %err, "backend not reachable");
                crate::metrics::upstream_error("connect");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend is not reachable")
            }
            Err(SendError::Exchange(err @ ExchangeError::Timeout(_))) => {
                tracing::warn!(backend = %self.backend.authority, error = %err, "backend too slow");
                crate::metrics::upstream_error("timeout");
                json_message(StatusCode::GATEWAY_TIMEOUT, "Tower backend did not answer in time")
            }
            Err(SendError::Exchange(err)) => {
                tracing::warn!(backend = %self.backend.authority, error = %err, "backend request failed");
                crate::metrics::upstream_error("exchange");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend did not answer")
            }
        }
    }

    /// Opens a connection to the backend.
    async fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// Removes hop-by-hop headers, including those the `Connection` header names.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    // Usually there are none: one pass over the few names present beats ten lookups.
    if !headers.keys().any(|name| HOP_BY_HOP.contains(name)) {
        return;
    }
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

/// A client's IP address as a header value (an IPv4 address mapped to IPv6 reads as IPv4); made
/// once per client connection.
pub fn client_ip(client_addr: SocketAddr) -> HeaderValue {
    HeaderValue::try_from(client_addr.ip().to_canonical().to_string()).expect("an IP address is a valid header value")
}

/// Sets `X-Forwarded-For` (appending the client's IP to any earlier hops), `X-Forwarded-Proto`
/// and `X-Forwarded-Host`.
fn add_forwarded_headers(headers: &mut HeaderMap, client_ip: &HeaderValue, original_host: Option<HeaderValue>, https: bool) {
    let earlier: Vec<&str> = headers.get_all(X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).collect();
    let forwarded_for = if earlier.is_empty() {
        Some(client_ip.clone())
    } else {
        HeaderValue::try_from(format!("{}, {}", earlier.join(", "), client_ip.to_str().unwrap_or_default())).ok()
    };
    if let Some(value) = forwarded_for {
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
            &client_ip("[::ffff:192.0.2.1]:5000".parse().unwrap()),
            Some(HeaderValue::from_static("tower.example")),
            false,
        );
        assert_eq!(headers[X_FORWARDED_FOR], "203.0.113.7, 10.0.0.1, 192.0.2.1");
        assert_eq!(headers[X_FORWARDED_PROTO], "http");
        assert_eq!(headers[X_FORWARDED_HOST], "tower.example");
    }
}
