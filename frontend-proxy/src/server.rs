//! The HTTP/1.1 server: accepting connections (plain or TLS), routing, limits and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::backend::BackendConnection;
use crate::config::Config;
use crate::metrics::Kind;
use crate::proxy::{client_ip, is_api_path, Proxy};
use crate::respond::{add_security_headers, method_not_allowed, with_body, Body};
use crate::static_files::WebApp;

/// A client must send a request's complete header within this time (and, with TLS, complete the
/// handshake within it), so slow or idle clients cannot hold connections forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request header (start line included); larger ones are answered 431.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most header fields accepted in one request.
pub const MAX_HEADERS: usize = 100;
/// After the shutdown signal, open connections (e.g. event streams) get this long to finish,
/// unless `TOWER_SHUTDOWN_GRACE_PERIOD` says otherwise.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What every connection shares.
struct Frontend {
    proxy: Proxy,
    web: WebApp,
    header_read_timeout: Duration,
    shutdown_grace: Duration,
}

/// Serves the frontend on `listener` until `shutdown` completes, then stops accepting, lets
/// requests in flight finish (for at most `TOWER_SHUTDOWN_GRACE_PERIOD`, [`SHUTDOWN_GRACE`] by
/// default) and returns.
///
/// Connections are served by one thread per CPU, each with a single-threaded runtime that
/// accepts from the shared listener and runs its connections from start to end (as nginx's
/// workers do): a request never moves between threads.
pub async fn serve(config: Config, listener: TcpListener, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let local_addr = listener.local_addr()?;
    let web = WebApp::new(config.web_dir.as_deref());
    let web_dir = config.web_dir.as_ref().map_or_else(|| "built in".to_owned(), |d| d.display().to_string());
    if !web.is_built().await {
        tracing::warn!(web_dir, "the web app has not been built (no index.html): pages answer 503 until it is");
    }
    crate::metrics::serve(config.metrics_port).await;
    let frontend = Arc::new(Frontend {
        proxy: Proxy::new(config.backend.clone(), config.backend_timeout),
        web,
        header_read_timeout: config.header_read_timeout,
        shutdown_grace: config.shutdown_grace,
    });
    let tls = config.tls.clone().map(TlsAcceptor::from);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    tracing::info!(%local_addr, scheme, workers, backend = %config.backend.authority, web_dir, "tower-frontend listening");

    let listener = listener.into_std()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    for index in 0..workers {
        let (frontend, tls, listener, stop, done) =
            (frontend.clone(), tls.clone(), listener.try_clone()?, stop_rx.clone(), done_tx.clone());
        std::thread::Builder::new().name(format!("tower-frontend-{index}")).spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .and_then(|runtime| runtime.block_on(worker(frontend, tls, listener, stop)));
            let _ = done.send(result);
        })?;
    }
    drop((listener, done_tx));

    // A worker only ends on its own when it cannot run at all: stop the others and report it.
    let early = tokio::select! {
        () = shutdown => None,
        Some(result) = done_rx.recv() => Some(result),
    };
    let _ = stop_tx.send(true);
    while let Some(result) = done_rx.recv().await {
        result?;
    }
    if let Some(result) = early {
        result?;
    }
    tracing::info!("tower-frontend stopped");
    Ok(())
}

/// One worker thread's accept loop, until `stop`; then waits for its connections to finish.
async fn worker(
    frontend: Arc<Frontend>,
    tls: Option<TlsAcceptor>,
    listener: std::net::TcpListener,
    stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let mut stopping = stop;
    let mut connections = JoinSet::new();
    let mut stops = ConnectionStops::default();
    loop {
        tokio::select! {
            _ = stopping.wait_for(|stopping| *stopping) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, client_addr)) => {
                    connections.spawn(accept_connection(frontend.clone(), tls.clone(), stream, client_addr, stops.add()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {} // another worker took it
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }

    drop(listener);
    stops.stop_all();
    let open = connections.len();
    if open > 0 {
        tracing::info!(open, "waiting for open connections to finish");
    }
    let grace = frontend.shutdown_grace;
    let drained = tokio::time::timeout(grace, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(open = connections.len(), "connections still open after {grace:?}, closing them");
        connections.shutdown().await;
    }
    Ok(())
}

/// Completes the TLS handshake when there is one (bounded by the header read timeout, so a client
/// that never finishes it cannot hold the connection), then serves HTTP on the connection.
async fn accept_connection(
    frontend: Arc<Frontend>,
    tls: Option<TlsAcceptor>,
    stream: TcpStream,
    client_addr: SocketAddr,
    stop: Arc<ConnectionStop>,
) {
    let _ = stream.set_nodelay(true);
    let Some(tls) = tls else {
        return serve_connection(frontend, stream, client_addr, false, stop).await;
    };
    match tokio::time::timeout(frontend.header_read_timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => serve_connection(frontend, stream, client_addr, true, stop).await,
        Ok(Err(e)) => tracing::debug!(%client_addr, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%client_addr, "TLS handshake timed out"),
    }
}

async fn serve_connection<S>(frontend: Arc<Frontend>, stream: S, client_addr: SocketAddr, https: bool, stop: Arc<ConnectionStop>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let header_read_timeout = frontend.header_read_timeout;
    let backend = Arc::new(BackendConnection::default());
    let client_ip = client_ip(client_addr);
    let service = service_fn(move |req| {
        let frontend = frontend.clone();
        let backend = backend.clone();
        let client_ip = client_ip.clone();
        async move { Ok::<_, Infallible>(frontend.handle(req, &backend, &client_ip, https).await) }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout).max_header_size(MAX_HEADER_BYTES).max_headers(MAX_HEADERS);
    let mut conn = std::pin::pin!(builder.serve_connection(TokioIo::new(stream), service));

    let stopping = std::future::poll_fn(|cx| stop.poll_stopped(cx));
    let served = async {
        tokio::select! {
            result = conn.as_mut() => result,
            () = stopping => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        }
    };
    if let Err(e) = served.await {
        tracing::debug!(%client_addr, error = %e, "connection ended with an error");
    }
}

impl Frontend {
    async fn handle(
        &self,
        req: Request<Incoming>,
        backend: &Arc<BackendConnection>,
        client_ip: &HeaderValue,
        https: bool,
    ) -> Response<Body> {
        let started = Instant::now();
        let method = req.method().clone();
        let uri = req.uri().clone();
        let path = uri.path();
        let api = is_api_path(path);

        let mut response = if path == "/health" {
            health(&method)
        } else if api {
            self.proxy.forward(backend, req, client_ip, https).await
        } else {
            self.web.respond(&method, path, req.headers()).await
        };
        add_security_headers(response.headers_mut(), api, https);

        let kind = if path == "/health" {
            Kind::Health
        } else if api {
            Kind::Api
        } else {
            Kind::Web
        };
        crate::metrics::request(kind, response.status(), started.elapsed());
        let status = response.status().as_u16();
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if path == "/health" {
            tracing::debug!(%method, path, status, elapsed_ms, "request");
        } else {
            crate::log::access(&method, path, status, elapsed_ms);
        }
        response
    }
}

/// The stop signals of one worker's connections. Each connection polls its own in every wake-up,
/// so it is a flag and a waker kept once rather than a `watch` receiver (whose every poll goes
/// through its `Notify`'s waiter list and clones the waker).
#[derive(Default)]
struct ConnectionStops {
    connections: Vec<Weak<ConnectionStop>>,
    /// The length at which to drop the signals of connections that have ended.
    prune_at: usize,
}

#[derive(Default)]
struct ConnectionStop {
    stopped: AtomicBool,
    /// The connection task's waker, the same in every poll: kept at the first.
    waker: OnceLock<Waker>,
}

impl ConnectionStops {
    /// A stop signal for a new connection.
    fn add(&mut self) -> Arc<ConnectionStop> {
        if self.connections.len() >= self.prune_at {
            self.connections.retain(|stop| stop.strong_count() > 0);
            self.prune_at = (self.connections.len() * 2).max(64);
        }
        let stop = Arc::new(ConnectionStop::default());
        self.connections.push(Arc::downgrade(&stop));
        stop
    }

    /// Signals every open connection to finish its request in flight and close.
    fn stop_all(&mut self) {
        for stop in self.connections.drain(..).filter_map(|stop| stop.upgrade()) {
            stop.stopped.store(true, Ordering::SeqCst);
            if let Some(waker) = stop.waker.get() {
                waker.wake_by_ref();
            }
        }
    }
}

impl ConnectionStop {
    /// Ready once the worker stops. Polled only by its connection's task.
    fn poll_stopped(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.waker.get_or_init(|| cx.waker().clone());
        // After the waker is in place: a stop from then on wakes the task.
        if self.stopped.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The proxy's own liveness: `{"status":"UP"}`. The backend's is at `/api/health`.
fn health(method: &Method) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    let mut response = with_body(StatusCode::OK, "application/json", r#"{"status":"UP"}"#);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutdown signal received");
}
