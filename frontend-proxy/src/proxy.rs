//! Forwarding of `/api/*` to the backend.
//!
//! Bodies are streamed in both directions (the request's `Incoming` body becomes the outgoing
//! request body, the backend's `Incoming` body becomes the response body), so uploads, long
//! downloads and Server-Sent Events pass through without being buffered.
//!
//! Each client connection has its own backend connection, opened at its first API request and
//! kept while the client keeps its connection: HTTP/1.1 serves one request at a time per
//! connection, so the two are used in step. The backend connection's I/O is driven by the task
//! of the client connection ([`BackendConnection::poll_io`]), so a request crosses no pool and
//! no hand-off between tasks or threads. A backend connection that was closed meanwhile is
//! replaced before the request is sent.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self as client, Connection, SendRequest};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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

/// A reverse proxy to one backend.
pub struct Proxy {
    backend: BackendUrl,
    /// `host:port` to connect to.
    address: String,
    host: Option<HeaderValue>,
}

/// The backend connection of one client connection (see the module documentation).
#[derive(Default)]
pub struct BackendConnection {
    sender: Mutex<Option<SendRequest<Incoming>>>,
    io: Mutex<Option<Pin<Box<BackendIo>>>>,
}

/// The I/O half of a backend connection.
type BackendIo = Connection<TokioIo<TcpStream>, Incoming>;

impl BackendConnection {
    /// Drives the backend connection's I/O; never ready. The client connection's task polls this
    /// before its HTTP connection, in every wake-up.
    pub fn poll_io(&self, cx: &mut Context<'_>) -> Poll<Infallible> {
        let mut io = self.io.lock().expect("backend connection lock");
        if let Some(Poll::Ready(result)) = io.as_mut().map(|conn| conn.as_mut().poll(cx)) {
            if let Err(err) = result {
                tracing::debug!(error = %error_chain(&err), "backend connection ended with an error");
            }
            *io = None;
        }
        Poll::Pending
    }

    fn take_sender(&self) -> Option<SendRequest<Incoming>> {
        self.sender.lock().expect("backend connection lock").take()
    }

    fn keep_sender(&self, sender: SendRequest<Incoming>) {
        *self.sender.lock().expect("backend connection lock") = Some(sender);
    }
}

/// Why a request could not be forwarded.
enum ForwardError {
    Connect(std::io::Error),
    Request(hyper::Error),
}

impl Proxy {
    pub fn new(backend: BackendUrl) -> Self {
        let has_port = backend.authority.rsplit_once(':').is_some_and(|(_, port)| !port.ends_with(']'));
        let address = if has_port { backend.authority.clone() } else { format!("{}:80", backend.authority) };
        let host = HeaderValue::from_str(&backend.authority).ok();
        Proxy { backend, address, host }
    }

    /// Forwards an API request (see [`is_api_path`]) on `connection` and returns the backend's
    /// response, or a 502. `client_ip` is the client's address as [`client_ip`] gives it (for
    /// `X-Forwarded-For`), `https` whether it reached the proxy over TLS (`X-Forwarded-Proto`).
    pub async fn forward(
        &self,
        connection: &BackendConnection,
        mut req: Request<Incoming>,
        client_ip: &HeaderValue,
        https: bool,
    ) -> Response<Body> {
        let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let rest = path_and_query.strip_prefix(API_PREFIX).unwrap_or(path_and_query);
        let Ok(uri) = self.backend.target_for(rest) else {
            return json_message(StatusCode::BAD_REQUEST, "Invalid request path");
        };
        *req.uri_mut() = uri;
        *req.version_mut() = hyper::Version::HTTP_11;

        let original_host = req.headers().get(header::HOST).cloned();
        let headers = req.headers_mut();
        remove_hop_by_hop(headers);
        add_forwarded_headers(headers, client_ip, original_host, https);
        if let Some(host) = &self.host {
            headers.insert(header::HOST, host.clone());
        }

        match self.send(connection, req).await {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                remove_hop_by_hop(&mut parts.headers);
                if is_event_stream(&parts.headers) {
                    parts.headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
                }
                Response::from_parts(parts, body.boxed_unsync())
            }
            Err(ForwardError::Connect(err)) => {
                tracing::warn!(backend = %self.backend.authority, error = %err, "backend not reachable");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend is not reachable")
            }
            Err(ForwardError::Request(err)) => {
                tracing::warn!(backend = %self.backend.authority, error = %error_chain(&err), "backend request failed");
                json_message(StatusCode::BAD_GATEWAY, "Tower backend did not answer")
            }
        }
    }

    /// Sends `req` on the client connection's backend connection, opening one when there is none
    /// or it was closed. A request the backend connection could not take (it closed just then) is
    /// sent again on a new connection: it never reached the backend, so this is safe for any method.
    async fn send(&self, connection: &BackendConnection, req: Request<Incoming>) -> Result<Response<Incoming>, ForwardError> {
        let (mut sender, reused) = match connection.take_sender() {
            Some(sender) if !sender.is_closed() => (sender, true),
            _ => (self.connect(connection).await?, false),
        };
        let response = match sender.ready().await {
            Ok(()) => sender.try_send_request(req).await,
            Err(_) if reused => {
                sender = self.connect(connection).await?;
                sender.try_send_request(req).await
            }
            Err(err) => return Err(ForwardError::Request(err)),
        };
        let response = match response {
            Ok(response) => response,
            Err(mut err) if reused => match err.take_message() {
                Some(req) => {
                    sender = self.connect(connection).await?;
                    sender.send_request(req).await.map_err(ForwardError::Request)?
                }
                None => return Err(ForwardError::Request(err.into_error())),
            },
            Err(err) => return Err(ForwardError::Request(err.into_error())),
        };
        connection.keep_sender(sender);
        Ok(response)
    }

    /// Opens a backend connection for `connection`, replacing any earlier one.
    async fn connect(&self, connection: &BackendConnection) -> Result<SendRequest<Incoming>, ForwardError> {
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => return Err(ForwardError::Connect(err)),
            Err(_) => return Err(ForwardError::Connect(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))),
        };
        let _ = stream.set_nodelay(true);
        let (sender, io) = client::handshake(TokioIo::new(stream)).await.map_err(ForwardError::Request)?;
        *connection.io.lock().expect("backend connection lock") = Some(Box::pin(io));
        // The task polls the new connection's I/O in its next wake-up (see `poll_io`): make one.
        tokio::task::yield_now().await;
        Ok(sender)
    }
}

/// Removes hop-by-hop headers, including those the `Connection` header names.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    // Usually there are none: one pass over the few names present beats nine lookups.
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
            &client_ip("[::ffff:192.0.2.1]:5000".parse().unwrap()),
            Some(HeaderValue::from_static("tower.example")),
            false,
        );
        assert_eq!(headers[X_FORWARDED_FOR], "203.0.113.7, 10.0.0.1, 192.0.2.1");
        assert_eq!(headers[X_FORWARDED_PROTO], "http");
        assert_eq!(headers[X_FORWARDED_HOST], "tower.example");
    }
}
