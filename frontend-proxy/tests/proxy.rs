//! The proxy on real sockets: a small axum backend that echoes what it receives and streams
//! events on demand, the proxy on an ephemeral port in front of it, and a web directory in a
//! temporary folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;
use tower_frontend::{Config, CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY};

// ---------------------------------------------------------------- test backend

/// Lets a test hold the event stream between its first and its last event.
#[derive(Default)]
struct StreamControl {
    release: Notify,
    last_sent: AtomicBool,
}

async fn start_backend() -> (SocketAddr, Arc<StreamControl>) {
    let control = Arc::new(StreamControl::default());
    let app = Router::new().route("/events", get(events)).fallback(echo).with_state(control.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, control)
}

/// Answers with what the backend received.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Json<Value> {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "host": header("host"),
        "xForwardedFor": header("x-forwarded-for"),
        "xForwardedProto": header("x-forwarded-proto"),
        "xForwardedHost": header("x-forwarded-host"),
        "authorization": header("authorization"),
        "proxyAuthorization": header("proxy-authorization"),
        "te": header("te"),
        "body": String::from_utf8_lossy(&body),
    }))
}

/// Server-Sent Events: the first event at once, the last one only after the test releases it.
async fn events(State(control): State<Arc<StreamControl>>) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        tx.send(Bytes::from_static(b"data: first\n\n")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        tx.send(Bytes::from_static(b"data: second\n\n")).await.unwrap();
        tokio::time::timeout(Duration::from_secs(20), control.release.notified()).await.expect("the test never released the stream");
        control.last_sent.store(true, Ordering::SeqCst);
        tx.send(Bytes::from_static(b"data: last\n\n")).await.unwrap();
    });
    ([("content-type", "text/event-stream"), ("cache-control", "no-cache")], Body::new(ChannelBody(rx))).into_response()
}

/// A response body fed by a channel, so the backend decides when each chunk leaves.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

// ---------------------------------------------------------------- web directory

/// A temporary folder holding `web/` (a built web app) and `secret.txt` next to it.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("tower-frontend-test-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn web(&self) -> PathBuf {
        self.0.join("web")
    }

    fn with_web_app() -> Self {
        let dir = Self::new();
        let web = dir.web();
        std::fs::create_dir_all(web.join("assets")).unwrap();
        std::fs::write(web.join("index.html"), INDEX_HTML).unwrap();
        std::fs::write(web.join("assets/app-123.js"), "console.log('tower')").unwrap();
        std::fs::write(web.join("assets/app-123.css"), "body{margin:0}").unwrap();
        std::fs::write(web.join("assets/app-123.css.gz"), b"\x1f\x8bfake-gzip").unwrap();
        std::fs::write(web.join("assets/logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
        std::fs::write(web.join("favicon.ico"), [0u8, 0, 1, 0]).unwrap();
        std::fs::write(dir.0.join("secret.txt"), "top secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.0.join("secret.txt"), web.join("link.txt")).unwrap();
        dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const INDEX_HTML: &str = "<!doctype html><title>Tower</title><div id=\"root\"></div>";

// ---------------------------------------------------------------- proxy under test

struct Proxy {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Proxy {
    async fn start(backend_url: &str, web_dir: &Path) -> Self {
        Self::start_with(backend_url, web_dir, &[], |_| {}).await
    }

    /// Starts the proxy with more variables and a last change to its configuration.
    async fn start_with(backend_url: &str, web_dir: &Path, more: &[(&str, String)], change: impl FnOnce(&mut Config)) -> Self {
        let mut vars = vec![
            ("TOWER_BACKEND_URL", backend_url.to_owned()),
            ("TOWER_FRONTEND_WEB_DIR", web_dir.display().to_string()),
            ("TOWER_FRONTEND_METRICS_PORT", "0".to_owned()),
        ];
        vars.extend(more.iter().cloned());
        let mut config = Config::from_lookup(|name| vars.iter().rfind(|(k, _)| *k == name).map(|(_, v)| v.clone())).unwrap();
        change(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(tower_frontend::serve(config, listener, async move {
            let _ = stopped.await;
        }));
        Proxy { addr, stop: Some(stop), task }
    }

    async fn with_backend(web_dir: &Path) -> (Self, Arc<StreamControl>) {
        let (backend, control) = start_backend().await;
        (Self::start(&format!("http://{backend}"), web_dir).await, control)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(self.url(path)).await.unwrap()
    }

    /// Sends raw bytes (for requests a client library would normalize) and returns the answer.
    async fn raw(&self, request: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn health_answers_up() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let response = proxy.get("/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"status":"UP"}"#);
}

#[tokio::test]
async fn api_prefix_is_stripped_and_query_kept() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;

    let response = proxy.get("/api/workflow/abc?workspaceId=1&search=a%20b").await;
    assert_eq!(response.status(), 200);
    let echo: Value = response.json().await.unwrap();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["path"], "/workflow/abc");
    assert_eq!(echo["query"], "workspaceId=1&search=a%20b");

    let echo: Value = proxy.get("/api").await.json().await.unwrap();
    assert_eq!(echo["path"], "/");
    let echo: Value = proxy.get("/api?x=1").await.json().await.unwrap();
    assert_eq!((echo["path"].as_str(), echo["query"].as_str()), (Some("/"), Some("x=1")));

    // Only the /api segment is the API: /apiary is a page of the web app.
    assert_eq!(proxy.get("/apiary").await.status(), 503);
}

#[tokio::test]
async fn post_body_and_forwarded_headers_reach_the_backend() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    // The echo reports the Host the backend saw: the backend's own authority, not the proxy's.
    let echo: Value = proxy.get("/api/anything").await.json().await.unwrap();
    let backend_authority = echo["host"].as_str().unwrap().to_owned();
    assert!(backend_authority.starts_with("127.0.0.1:"), "{backend_authority}");
    assert_ne!(backend_authority, proxy.addr.to_string());

    let payload = r#"{"workflow":{"id":"4Bi5xBK6E2Nbhj"}}"#;
    let response = reqwest::Client::new()
        .post(proxy.url("/api/trace/4Bi5xBK6E2Nbhj/progress?workspaceId=7"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer token-1")
        .header("proxy-authorization", "Basic c2VjcmV0")
        .header("te", "trailers")
        .header("x-forwarded-for", "203.0.113.9")
        .body(payload)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let echo: Value = response.json().await.unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/trace/4Bi5xBK6E2Nbhj/progress");
    assert_eq!(echo["query"], "workspaceId=7");
    assert_eq!(echo["body"], payload);
    assert_eq!(echo["authorization"], "Bearer token-1");
    assert_eq!(echo["host"], backend_authority.as_str());
    assert_eq!(echo["xForwardedFor"], "203.0.113.9, 127.0.0.1");
    assert_eq!(echo["xForwardedProto"], "http");
    assert_eq!(echo["xForwardedHost"], proxy.addr.to_string());
    assert_eq!(echo["proxyAuthorization"], Value::Null, "hop-by-hop headers must not be forwarded");
    assert_eq!(echo["te"], Value::Null, "hop-by-hop headers must not be forwarded");
}

#[tokio::test]
async fn event_stream_is_not_buffered() {
    let (proxy, control) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let mut response =
        tokio::time::timeout(Duration::from_secs(5), proxy.get("/api/events")).await.expect("headers arrive before the stream ends");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    assert_eq!(header(&response, "x-accel-buffering"), "no");

    let mut received = String::new();
    while !received.contains("data: second\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), response.chunk()).await.expect("events arrive while the stream is open");
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap().expect("stream ended early")));
    }
    assert_eq!(received, "data: first\n\ndata: second\n\n");
    assert!(!control.last_sent.load(Ordering::SeqCst), "the backend has not sent its last event yet");

    control.release.notify_one();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(5), response.chunk()).await.unwrap().unwrap() {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(received, "data: first\n\ndata: second\n\ndata: last\n\n");
}

#[tokio::test]
async fn unreachable_backend_gives_502_json_and_the_app_still_loads() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap(); // bound, then released
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{closed}"), &dir.web()).await;
    for path in ["/api/workflow/abc", "/api", "/api/user-info"] {
        let response = proxy.get(path).await;
        assert_eq!(response.status(), 502, "{path}");
        assert_eq!(header(&response, "content-type"), "application/json");
        assert_eq!(response.text().await.unwrap(), r#"{"message":"Tower backend is not reachable"}"#);
    }
    // The app needs no backend to load: it shows its own error when its API calls get the 502.
    for path in ["/", "/runs/abc", "/assets/app-123.js"] {
        assert_eq!(proxy.get(path).await.status(), 200, "{path}");
    }
}

/// `/metrics` on its own port (not on the public one): requests by kind and status with their
/// latency histogram, and the requests the backend did not answer.
#[tokio::test]
async fn metrics_on_their_own_port() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let metrics_port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let dir = TempDir::with_web_app();
    let proxy =
        Proxy::start_with(&format!("http://{closed}"), &dir.web(), &[("TOWER_FRONTEND_METRICS_PORT", metrics_port.to_string())], |_| {})
            .await;
    assert_eq!(proxy.get("/api/workflow").await.status(), 502);
    assert_eq!(proxy.get("/runs").await.status(), 200);
    assert_eq!(proxy.get("/metrics").await.status(), 200, "a client route of the web app, not the metrics");
    let mut text = String::new();
    for _ in 0..50 {
        match reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await {
            Ok(r) => {
                assert_eq!(header(&r, "content-type"), "text/plain; version=0.0.4");
                text = r.text().await.unwrap();
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    for line in [
        r#"tower_frontend_requests_total{kind="api",status="502"} "#,
        r#"tower_frontend_requests_total{kind="web",status="200"} "#,
        r#"tower_frontend_request_duration_seconds_bucket{kind="web",le="0.001"} "#,
        r#"tower_frontend_upstream_errors_total{reason="connect"} "#,
    ] {
        assert!(text.contains(line), "no {line} in:\n{text}");
    }
    assert_eq!(reqwest::get(format!("http://127.0.0.1:{metrics_port}/other")).await.unwrap().status(), 404);
}

/// Accepts connections on an ephemeral port, counting them, and hands each to `serve` with its
/// number (from 1).
async fn counting_server<F, Fut>(serve: F) -> (SocketAddr, Arc<AtomicU64>)
where
    F: Fn(tokio::net::TcpStream, u64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(stream, counter.fetch_add(1, Ordering::SeqCst) + 1));
        }
    });
    (addr, accepted)
}

/// A backend that answers one request per connection and then closes it without saying so (no
/// `Connection: close`), as a backend does when its idle timeout ends a kept-alive connection just
/// as the proxy reuses it.
async fn one_request_per_connection_backend() -> (SocketAddr, Arc<AtomicU64>) {
    counting_server(|mut stream, n| async move {
        if read_request(&mut stream, &mut Vec::new()).await.is_none() {
            return;
        }
        let body = format!("connection {n}");
        let response = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        stream.write_all(response.as_bytes()).await.unwrap();
    })
    .await
}

#[tokio::test]
async fn a_backend_connection_closed_meanwhile_is_replaced() {
    let (backend, accepted) = one_request_per_connection_backend().await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    // One kept-alive client connection; every request finds its backend connection closed (at
    // once, or only after the request was handed to it) and is sent on a new one.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for n in 1..=5 {
        let response = client.get(proxy.url("/api/anything")).send().await.unwrap();
        assert_eq!(response.status(), 200, "request {n}");
        assert_eq!(response.text().await.unwrap(), format!("connection {n}"));
        // Half of the time, the proxy sees the close before the next request.
        if n % 2 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn each_client_connection_keeps_its_backend_connection() {
    let (backend, _) = start_backend().await;
    // A TCP relay in front of the echo backend that counts the proxy's connections.
    let (counting_addr, accepted) = counting_server(move |mut inbound, _| async move {
        let mut outbound = tokio::net::TcpStream::connect(backend).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
    })
    .await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{counting_addr}"), &dir.web()).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for n in 0..10 {
        let echoed: Value = client.put(proxy.url("/api/echo")).body(format!("request {n}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(echoed["body"], format!("request {n}"));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "ten requests on one client connection use one backend connection");
    // A request that is not idempotent never goes on a kept connection, which the backend may be
    // closing as it is sent (and it could not be sent again): each POST opens its own.
    for n in 0..3 {
        let echoed: Value = client.post(proxy.url("/api/echo")).body(format!("post {n}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(echoed["body"], format!("post {n}"));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    let echoed: Value = client.get(proxy.url("/api/echo")).send().await.unwrap().json().await.unwrap();
    assert_eq!(echoed["method"], "GET");
    assert_eq!(accepted.load(Ordering::SeqCst), 4, "the connection of the last POST is kept for what follows");
}

/// Reads one request (head and body, `Content-Length` or chunked) from `stream`; `None` at the end.
async fn read_request(stream: &mut tokio::net::TcpStream, received: &mut Vec<u8>) -> Option<String> {
    let mut buf = [0u8; 4096];
    let complete = |received: &[u8]| {
        let head_end = received.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let head = String::from_utf8_lossy(&received[..head_end]).to_lowercase();
        if head.contains("transfer-encoding: chunked") {
            let end = received[head_end..].windows(5).position(|w| w == b"0\r\n\r\n")?;
            Some(head_end + end + 5)
        } else {
            let length = head.lines().find_map(|l| l.strip_prefix("content-length: ")).map_or(0, |v| v.trim().parse().unwrap());
            (received.len() >= head_end + length).then_some(head_end + length)
        }
    };
    loop {
        if let Some(end) = complete(received) {
            let request: Vec<u8> = received.drain(..end).collect();
            return Some(String::from_utf8_lossy(&request).into_owned());
        }
        let read = stream.read(&mut buf).await.unwrap_or(0);
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&buf[..read]);
    }
}

/// A backend that answers the requests it receives, on whichever connection, with `answers` in
/// turn, closing the connection after an answer marked so; it counts its connections.
async fn scripted_backend(answers: &'static [(&'static str, bool)]) -> (SocketAddr, Arc<AtomicU64>) {
    let answers = Arc::new(std::sync::Mutex::new(answers.iter().copied()));
    counting_server(move |mut stream, _| {
        let answers = answers.clone();
        async move {
            let mut received = Vec::new();
            while read_request(&mut stream, &mut received).await.is_some() {
                let (answer, close) = answers.lock().unwrap().next().expect("no more answers scripted");
                stream.write_all(answer.as_bytes()).await.unwrap();
                if close {
                    return;
                }
            }
        }
    })
    .await
}

#[tokio::test]
async fn chunked_close_delimited_interim_and_bodiless_answers_are_passed_on() {
    let (backend, accepted) = scripted_backend(&[
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false), // answer to a HEAD
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast", false),
    ])
    .await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    let url = proxy.url("/api/x");

    let chunked = client.get(&url).send().await.unwrap();
    assert_eq!(chunked.status(), 200);
    assert_eq!(chunked.text().await.unwrap(), "hello, world");
    let head = client.head(&url).send().await.unwrap();
    assert_eq!((head.status().as_u16(), header(&head, "content-length")), (200, "5"));
    assert_eq!(head.bytes().await.unwrap().len(), 0);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 204, "the interim 100 is skipped");
    assert_eq!(client.get(&url).send().await.unwrap().text().await.unwrap(), "until the end");
    assert_eq!(client.get(&url).send().await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(client.get(&url).send().await.unwrap().text().await.unwrap(), "last");
    // The first four answers came on one kept connection; one that ends with the connection,
    // and one with `Connection: close`, are each followed by a new connection.
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_chunked_request_body_is_forwarded() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let answer = proxy
        .raw("POST /api/upload HTTP/1.1\r\nHost: tower\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n")
        .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""body":"abcdefg""#), "{answer}");
}

#[tokio::test]
async fn large_bodies_stream_both_ways_on_a_kept_connection() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for n in 0..3 {
        // 1.5 MB up (with Content-Length) and a bit more down: both take many reads and writes.
        let payload = format!("{n}").repeat(3 << 19);
        let echoed: Value = client.post(proxy.url("/api/upload")).body(payload.clone()).send().await.unwrap().json().await.unwrap();
        assert_eq!(echoed["body"].as_str().map(str::len), Some(payload.len()), "request {n}");
        assert!(echoed["body"] == payload.as_str(), "request {n}: the body arrived changed");
    }
}

#[tokio::test]
async fn an_answer_given_before_the_body_was_read_reaches_the_client() {
    // A backend that refuses uploads from their header and closes without reading the body.
    let closed = Arc::new(Notify::new());
    let backend_closed = closed.clone();
    let (backend, _) = counting_server(move |mut stream, _| {
        let closed = backend_closed.clone();
        async move {
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            while !received.windows(4).any(|w| w == b"\r\n\r\n") {
                let read = stream.read(&mut buf).await.unwrap();
                received.extend_from_slice(&buf[..read]);
            }
            let answer =
                "HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"message\":\"Too big\"}";
            stream.write_all(answer.as_bytes()).await.unwrap();
            drop(stream);
            closed.notify_one();
        }
    })
    .await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    // Half of the body, then the rest once the backend has closed: the proxy's write of it fails.
    let mut client = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let half = vec![b'x'; 64 * 1024];
    let head = format!("POST /api/upload HTTP/1.1\r\nHost: tower\r\nContent-Length: {}\r\n\r\n", 2 * half.len());
    client.write_all(head.as_bytes()).await.unwrap();
    client.write_all(&half).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), closed.notified()).await.expect("the backend answers");
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Fails when the proxy's write of the first half already failed: it has answered and closed.
    let _ = client.write_all(&half).await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.ends_with(br#"{"message":"Too big"}"#) {
        let read = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf)).await.expect("an answer").unwrap();
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.ends_with(r#"{"message":"Too big"}"#), "{answer}");
}

#[tokio::test]
async fn a_malformed_or_cut_short_answer_is_an_error() {
    let (backend, _) =
        scripted_backend(&[("SMTP ready\r\n\r\n", true), ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true)]).await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    let response = proxy.get("/api/x").await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.text().await.unwrap(), r#"{"message":"Tower backend did not answer"}"#);
    // The backend's head promised more than came: the client must not get a complete answer.
    let outcome = match reqwest::get(proxy.url("/api/x")).await {
        Ok(response) => response.text().await.map(drop),
        Err(err) => Err(err),
    };
    assert!(outcome.is_err(), "a body cut short must not look complete");
}

/// Framing the proxy will not guess at: a signed or spaced length, two lengths, a signed chunk
/// size, a flood of interim answers. Each is a 502, never a body taken one way or another.
#[tokio::test]
async fn ambiguous_framing_and_interim_floods_are_refused() {
    const FLOOD: &str = "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n\
        HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n\
        HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let (backend, _) = scripted_backend(&[
        ("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", true),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", true),
        (FLOOD, true),
    ])
    .await;
    let dir = TempDir::with_web_app();
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    for case in ["signed length", "two lengths", "a list", "ten interim answers"] {
        let response = proxy.get("/api/x").await;
        assert_eq!(response.status(), 502, "{case}");
        assert_eq!(response.text().await.unwrap(), r#"{"message":"Tower backend did not answer"}"#, "{case}");
    }
    let (backend, _) = scripted_backend(&[("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+2\r\nok\r\n0\r\n\r\n", true)]).await;
    let proxy = Proxy::start(&format!("http://{backend}"), &dir.web()).await;
    let outcome = match reqwest::get(proxy.url("/api/x")).await {
        Ok(response) => response.text().await.map(drop),
        Err(err) => Err(err),
    };
    assert!(outcome.is_err(), "a signed chunk size must not give a complete answer");
}

/// A backend that takes longer than `TOWER_FRONTEND_BACKEND_TIMEOUT` to send a head gets a 504;
/// an event stream whose head came in time may go on for longer.
#[tokio::test]
async fn a_backend_too_slow_to_answer_gets_504_but_streams_go_on() {
    let (silent, _) = counting_server(|mut stream, _| async move {
        let mut received = Vec::new();
        let _ = read_request(&mut stream, &mut received).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let dir = TempDir::with_web_app();
    let timeout = [("TOWER_FRONTEND_BACKEND_TIMEOUT", "300ms".to_owned())];
    let proxy = Proxy::start_with(&format!("http://{silent}"), &dir.web(), &timeout, |_| {}).await;
    let started = std::time::Instant::now();
    let response = proxy.get("/api/slow").await;
    assert_eq!(response.status(), 504);
    assert_eq!(response.text().await.unwrap(), r#"{"message":"Tower backend did not answer in time"}"#);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    let (backend, control) = start_backend().await;
    let proxy = Proxy::start_with(&format!("http://{backend}"), &dir.web(), &timeout, |_| {}).await;
    let mut response = proxy.get("/api/events").await;
    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    control.release.notify_one();
    let mut received = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(5), response.chunk()).await.unwrap().unwrap() {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(received, "data: first\n\ndata: second\n\ndata: last\n\n");
}

#[tokio::test]
async fn client_routes_fall_back_to_index_html() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    for path in ["/", "/runs/abc", "/orgs/acme/workspaces/x/watch/4Bi5xBK6E2Nbhj", "/assets", "/index.html"] {
        let response = proxy.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8", "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(response.text().await.unwrap(), INDEX_HTML, "{path}");
    }
    // A missing file (it has an extension) is not a route.
    assert_eq!(proxy.get("/assets/app-999.js").await.status(), 404);
    assert_eq!(proxy.get("/robots.txt").await.status(), 404);
}

#[tokio::test]
async fn files_have_content_types_and_cache_headers() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;

    let js = proxy.get("/assets/app-123.js").await;
    assert_eq!(js.status(), 200);
    assert_eq!(header(&js, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&js, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(js.text().await.unwrap(), "console.log('tower')");

    let svg = proxy.get("/assets/logo.svg").await;
    assert_eq!(header(&svg, "content-type"), "image/svg+xml");
    let ico = proxy.get("/favicon.ico").await;
    assert_eq!((ico.status().as_u16(), header(&ico, "content-type"), header(&ico, "cache-control")), (200, "image/x-icon", "no-cache"));

    let index = proxy.get("/").await;
    assert_eq!(header(&index, "cache-control"), "no-cache");
    let etag = header(&index, "etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    let revalidated = reqwest::Client::new().get(proxy.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(header(&revalidated, "etag"), etag);
}

#[tokio::test]
async fn precompressed_assets_are_served_when_accepted() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    let client = reqwest::Client::new();

    let gz = client.get(proxy.url("/assets/app-123.css")).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    assert_eq!(header(&gz, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&gz, "vary"), "Accept-Encoding");
    assert_eq!(gz.bytes().await.unwrap().as_ref(), b"\x1f\x8bfake-gzip");

    let plain = client.get(proxy.url("/assets/app-123.css")).header("accept-encoding", "identity").send().await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(header(&plain, "vary"), "Accept-Encoding");
    assert_eq!(plain.text().await.unwrap(), "body{margin:0}");
}

#[tokio::test]
async fn paths_outside_the_web_dir_are_404() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    for target in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2E%2E/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/../etc/passwd",
    ] {
        let answer = proxy.raw(&format!("GET {target} HTTP/1.1\r\nHost: tower\r\nConnection: close\r\n\r\n")).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{target}: {answer}");
        assert!(!answer.contains("top secret"), "{target}");
        assert!(!answer.contains("root:"), "{target}");
    }
    #[cfg(unix)]
    assert_eq!(proxy.get("/link.txt").await.status(), 404, "a symbolic link leading outside is not followed");
}

#[tokio::test]
async fn missing_web_app_gives_503_page() {
    let dir = TempDir::new(); // exists, but no index.html
    for web_dir in [dir.0.clone(), dir.0.join("absent")] {
        let (proxy, _) = Proxy::with_backend(&web_dir).await;
        for path in ["/", "/runs/abc", "/assets/app-123.js"] {
            let response = proxy.get(path).await;
            assert_eq!(response.status(), 503, "{path}");
            assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
            assert!(response.text().await.unwrap().contains("has not been built"));
        }
        // The API works regardless.
        assert_eq!(proxy.get("/api/workflow").await.status(), 200);
    }

    // Building the app later needs no restart.
    let (proxy, _) = Proxy::with_backend(&dir.0).await;
    assert_eq!(proxy.get("/").await.status(), 503);
    std::fs::write(dir.0.join("index.html"), INDEX_HTML).unwrap();
    assert_eq!(proxy.get("/").await.status(), 200);
}

/// Without `TOWER_FRONTEND_WEB_DIR` (here set empty) the app built into the binary is served: the
/// page, each asset it loads (precompressed and plain, the same bytes), client routes.
#[tokio::test]
async fn the_web_app_built_in_is_served_without_a_web_dir() {
    let (proxy, _) = Proxy::with_backend(Path::new("")).await;
    let index = proxy.get("/runs/abc").await;
    if index.status() == 503 {
        // Built without npm: the page says how to get the app. CI always builds with npm.
        assert!(std::env::var_os("CI").is_none(), "CI builds with npm, so the web app must be built in");
        assert!(index.text().await.unwrap().contains("built without the web app"));
        return;
    }
    assert_eq!(index.status(), 200);
    assert_eq!(header(&index, "cache-control"), "no-cache");
    let html = index.text().await.unwrap();
    assert!(html.contains("<div id=\"root\">"), "{html}");
    let client = reqwest::Client::new();
    let assets: Vec<&str> = html.split('"').filter(|s| s.starts_with("/assets/")).collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{html}");
    for asset in assets {
        let gzip = client.get(proxy.url(asset)).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(gzip.status(), 200, "{asset}");
        assert_eq!(header(&gzip, "cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{asset}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip.bytes().await.unwrap().as_ref()), &mut unzipped).unwrap();
        let plain = client.get(proxy.url(asset)).header("accept-encoding", "identity").send().await.unwrap();
        assert_eq!(header(&plain, "content-encoding"), "");
        assert_eq!(plain.bytes().await.unwrap().as_ref(), unzipped.as_slice(), "{asset}");
        let br = client.get(proxy.url(asset)).header("accept-encoding", "br").send().await.unwrap();
        assert_eq!(header(&br, "content-encoding"), "br", "{asset}");
    }
    assert_eq!(proxy.get("/assets/absent.js").await.status(), 404);
    assert_eq!(proxy.get("/../Cargo.toml").await.status(), 404);
}

#[tokio::test]
async fn a_new_deployment_is_served_within_two_seconds() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    let before = proxy.get("/runs/abc").await;
    let etag = header(&before, "etag").to_owned();
    assert_eq!(before.text().await.unwrap(), INDEX_HTML);

    let deployed = format!("{INDEX_HTML}<!-- build 2 -->");
    std::fs::write(dir.web().join("index.html"), &deployed).unwrap();
    std::fs::write(dir.web().join("assets/app-456.js"), "console.log('tower 2')").unwrap();
    // The first request after a second looks again; the ones after it see the new files.
    let deadline = std::time::Instant::now() + tower_frontend::static_files::FRESH_FOR * 2 + Duration::from_millis(500);
    loop {
        let response = proxy.get("/runs/abc").await;
        if header(&response, "etag") != etag.as_str() {
            assert_eq!(response.text().await.unwrap(), deployed);
            break;
        }
        assert_eq!(response.text().await.unwrap(), INDEX_HTML, "old or new, never something else");
        assert!(std::time::Instant::now() < deadline, "the new index.html was not served in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(proxy.get("/assets/app-456.js").await.text().await.unwrap(), "console.log('tower 2')");
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    for (path, api) in [("/", false), ("/assets/app-123.js", false), ("/missing.png", false), ("/health", false), ("/api/workflow", true)] {
        let response = proxy.get(path).await;
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&response, "referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
        let csp = if api { "" } else { CONTENT_SECURITY_POLICY };
        assert_eq!(header(&response, "content-security-policy"), csp, "{path}");
    }
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn only_get_and_head_for_pages() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    let client = reqwest::Client::new();
    let post = client.post(proxy.url("/runs/abc")).body("x").send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(header(&post, "allow"), "GET, HEAD");
    let head = client.head(proxy.url("/assets/app-123.js")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-length"), "20");
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn slow_or_idle_clients_are_disconnected_after_the_header_timeout() {
    let timeout = Duration::from_millis(500);
    let (backend, _) = start_backend().await;
    let proxy =
        Proxy::start_with(&format!("http://{backend}"), Path::new("/nonexistent/web"), &[], |c| c.header_read_timeout = timeout).await;

    // Slowloris: a header that never ends, one byte at a time, keeps no connection open.
    let mut slow = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    slow.write_all(b"GET /api/workflow HTTP/1.1\r\nHost: tower\r\n").await.unwrap();
    let trickle = async {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow.write_all(b"X").await.is_err() {
                break;
            }
        }
    };
    let started = std::time::Instant::now();
    trickle.await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await.expect("the proxy closes a slow connection");
    assert!(started.elapsed() < Duration::from_secs(5));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A connection that sends nothing, or goes quiet after a request, is closed too.
    let mut idle = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(timeout * 4, idle.read_to_end(&mut rest)).await.expect("an idle connection is closed").unwrap();
    let mut kept_alive = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    kept_alive.write_all(b"GET /health HTTP/1.1\r\nHost: tower\r\n\r\n").await.unwrap();
    let mut after = Vec::new();
    tokio::time::timeout(timeout * 4, kept_alive.read_to_end(&mut after)).await.expect("an idle keep-alive connection is closed").unwrap();
    assert!(String::from_utf8_lossy(&after).starts_with("HTTP/1.1 200"));

    // Meanwhile the proxy serves everybody else.
    assert_eq!(proxy.get("/health").await.status(), 200);
}

#[tokio::test]
async fn oversized_request_header_is_rejected() {
    let (proxy, _) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let huge = "a".repeat(tower_frontend::MAX_HEADER_BYTES + 1024);
    let answer = proxy.raw(&format!("GET /api/workflow HTTP/1.1\r\nHost: tower\r\nX-Big: {huge}\r\nConnection: close\r\n\r\n")).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(200)]);
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight() {
    let (mut proxy, control) = Proxy::with_backend(Path::new("/nonexistent/web")).await;
    let mut response = proxy.get("/api/events").await;
    let first = response.chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b"data: first"));

    proxy.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!proxy.task.is_finished(), "the open event stream keeps the server running");
    assert!(tokio::net::TcpStream::connect(proxy.addr).await.is_err(), "no new connections after the shutdown signal");

    control.release.notify_one();
    let mut rest = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert!(String::from_utf8_lossy(&rest).ends_with("data: last\n\n"));
    let result = tokio::time::timeout(Duration::from_secs(5), &mut proxy.task).await.expect("serve returns once the stream is done");
    result.unwrap().unwrap();
}

/// `TOWER_SHUTDOWN_GRACE_PERIOD` bounds the wait: a stream still open when it is over is cut.
#[tokio::test]
async fn shutdown_cuts_what_is_still_open_after_the_grace_period() {
    let (backend, _control) = start_backend().await;
    let grace = [("TOWER_SHUTDOWN_GRACE_PERIOD", "400ms".to_owned())];
    let mut proxy = Proxy::start_with(&format!("http://{backend}"), Path::new("/nonexistent/web"), &grace, |_| {}).await;
    let mut response = proxy.get("/api/events").await;
    assert!(response.chunk().await.unwrap().unwrap().starts_with(b"data: first"));
    let stopped = std::time::Instant::now();
    proxy.stop.take().unwrap().send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut proxy.task).await.expect("serve returns after the grace period");
    result.unwrap().unwrap();
    let waited = stopped.elapsed();
    assert!(waited >= Duration::from_millis(350) && waited < Duration::from_secs(3), "{waited:?}");
    let mut rest = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        rest.extend_from_slice(&chunk);
    }
    assert!(!String::from_utf8_lossy(&rest).contains("data: last"), "the stream was cut, not finished");
}

// ---------------------------------------------------------------- HTTPS

/// A self-signed certificate for `localhost`, written as PEM files into `dir`.
fn self_signed_certificate(dir: &TempDir) -> (String, PathBuf, PathBuf) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    (certified.cert.pem(), cert, key)
}

async fn start_https(dir: &TempDir, change: impl FnOnce(&mut Config)) -> (Proxy, reqwest::Client) {
    let (cert_pem, cert, key) = self_signed_certificate(dir);
    let (backend, _) = start_backend().await;
    let tls = [("TOWER_FRONTEND_TLS_CERT", cert.display().to_string()), ("TOWER_FRONTEND_TLS_KEY", key.display().to_string())];
    let proxy = Proxy::start_with(&format!("http://{backend}"), &dir.web(), &tls, change).await;
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", proxy.addr)
        .build()
        .unwrap();
    (proxy, client)
}

#[tokio::test]
async fn https_with_a_certificate_from_files_and_hsts() {
    let dir = TempDir::with_web_app();
    let (proxy, client) = start_https(&dir, |_| {}).await;
    let url = |path: &str| format!("https://localhost:{}{path}", proxy.addr.port());

    let page = client.get(url("/runs/abc")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "strict-transport-security"), STRICT_TRANSPORT_SECURITY);
    assert_eq!(header(&page, "content-security-policy"), CONTENT_SECURITY_POLICY);
    assert_eq!(page.text().await.unwrap(), INDEX_HTML);

    let api = client.post(url("/api/trace/x/heartbeat")).body("{}").send().await.unwrap();
    assert_eq!(header(&api, "strict-transport-security"), STRICT_TRANSPORT_SECURITY);
    let echo: Value = api.json().await.unwrap();
    assert_eq!(echo["path"], "/trace/x/heartbeat");
    assert_eq!(echo["xForwardedProto"], "https");
    assert_eq!(echo["xForwardedHost"], format!("localhost:{}", proxy.addr.port()));

    // Plain HTTP on the HTTPS port gets no page.
    assert!(reqwest::get(proxy.url("/")).await.is_err());
    // A client that does not trust the certificate cannot connect.
    let untrusting =
        reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false).resolve("localhost", proxy.addr).build().unwrap();
    assert!(untrusting.get(url("/")).send().await.is_err());
}

#[tokio::test]
async fn plain_http_has_no_hsts() {
    let dir = TempDir::with_web_app();
    let (proxy, _) = Proxy::with_backend(&dir.web()).await;
    for path in ["/", "/api/workflow"] {
        assert_eq!(header(&proxy.get(path).await, "strict-transport-security"), "", "{path}");
    }
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_dropped() {
    let dir = TempDir::with_web_app();
    let (proxy, client) = start_https(&dir, |c| c.header_read_timeout = Duration::from_millis(500)).await;
    let mut stalled = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    stalled.write_all(&[0x16, 0x03, 0x01]).await.unwrap(); // the start of a ClientHello, and no more
    let mut answer = Vec::new();
    let _ =
        tokio::time::timeout(Duration::from_secs(3), stalled.read_to_end(&mut answer)).await.expect("the proxy drops a stalled handshake");
    let status = client.get(format!("https://localhost:{}/health", proxy.addr.port())).send().await.unwrap().status();
    assert_eq!(status, 200);
}
