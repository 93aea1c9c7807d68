//! A private Git server for tests: git's own smart HTTP server (`git http-backend`, run as CGI
//! for each request) behind HTTP Basic authentication, on an ephemeral port of 127.0.0.1.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use tokio::io::AsyncWriteExt;

struct Server {
    root: PathBuf,
    authorization: String,
    refused: AtomicUsize,
}

/// A running server: its base URL and how many requests it refused.
pub struct GitServer {
    pub url: String,
    server: Arc<Server>,
    task: tokio::task::JoinHandle<()>,
}

impl GitServer {
    /// Serves the bare repositories under `root` to `user` with `password` only.
    pub async fn start(root: PathBuf, user: &str, password: &str) -> GitServer {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let server = Arc::new(Server { root, authorization: format!("Basic {basic}"), refused: AtomicUsize::new(0) });
        let app = axum::Router::new().fallback(cgi).with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        GitServer { url, server, task }
    }

    pub fn refused(&self) -> usize {
        self.server.refused.load(Ordering::SeqCst)
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn cgi(State(s): State<Arc<Server>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if header("authorization") != s.authorization {
        s.refused.fetch_add(1, Ordering::SeqCst);
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("WWW-Authenticate", "Basic realm=\"git\"")
            .body(Body::empty())
            .unwrap();
    }
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("http-backend")
        .env("GIT_PROJECT_ROOT", &s.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", uri.path())
        .env("QUERY_STRING", uri.query().unwrap_or_default())
        .env("REQUEST_METHOD", method.as_str())
        .env("CONTENT_TYPE", header("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
        .env("GIT_PROTOCOL", header("git-protocol"))
        .env("REMOTE_USER", "ci")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = tokio::spawn(async move { stdin.write_all(&body).await });
    let out = child.wait_with_output().await.unwrap();
    let _ = writer.await;
    // CGI output: header lines, a blank line, the body.
    let (head, body) = match out.stdout.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => (&out.stdout[..i], &out.stdout[i + 4..]),
        None => {
            let i = out.stdout.windows(2).position(|w| w == b"\n\n").expect("CGI headers");
            (&out.stdout[..i], &out.stdout[i + 2..])
        }
    };
    let mut response = Response::builder();
    for line in String::from_utf8_lossy(head).lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        if name.eq_ignore_ascii_case("status") {
            let code: u16 = value.trim().split(' ').next().unwrap().parse().unwrap();
            response = response.status(code);
        } else {
            response = response.header(name.trim(), value.trim());
        }
    }
    response.body(Body::from(body.to_vec())).unwrap()
}
