//! Serving the built single-page app, from the binary (see `embedded`) or from a web directory.
//!
//! - an existing file is served as is, with its content type; a precompressed sibling
//!   (`app.js.br`, `app.js.gz`) is preferred when the client accepts that encoding;
//! - a path without a file extension that names no file is a client-side route: `index.html`;
//! - hashed files under `/assets/` are cached for a year, everything else is revalidated with an
//!   `ETag` on each use (`Cache-Control: no-cache`), so a new deployment is picked up at once;
//! - no path can leave the web directory: `..` segments, encoded slashes and symbolic links
//!   pointing outside are answered 404;
//! - while the directory holds no `index.html` (the web app has not been built), every path
//!   answers 503 with a page that says so. This is checked on each request until the app is
//!   there, so building the app needs no restart. A binary built without the app (no npm at
//!   build time) answers the same way.
//!
//! Files are served from memory: what a path resolves to, and the bytes and `ETag` of each file
//! with its precompressed siblings, are kept for [`FRESH_FOR`] and then looked up again (a file
//! is read again only when its length or modification time changed; one request looks, the
//! others meanwhile use what is in memory), so a request costs no file system work and a new
//! deployment is still seen within a second or two. The web directory is the app's build output
//! (a few megabytes); paths are remembered up to [`MAX_REMEMBERED_PATHS`], so arbitrary
//! client-route URLs cannot grow memory without bound.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};

use crate::embedded;
use crate::respond::{empty, full, method_not_allowed, plain, with_body, Body};

const INDEX: &str = "index.html";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
/// How long a resolved path and a file read into memory are used before being looked up again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Most URL paths whose resolution is remembered at once; beyond it the memory starts afresh.
pub const MAX_REMEMBERED_PATHS: usize = 4096;

/// Where the web app is served from.
#[derive(Debug)]
pub enum WebApp {
    /// Built into the binary (the default).
    Embedded,
    /// A directory on disk (`TOWER_FRONTEND_WEB_DIR`), e.g. the output of `vite build --watch`.
    Dir(WebDir),
}

impl WebApp {
    pub fn new(dir: Option<&Path>) -> Self {
        dir.map_or(WebApp::Embedded, |dir| WebApp::Dir(WebDir::new(dir)))
    }

    /// Whether there is an app to serve.
    pub async fn is_built(&self) -> bool {
        match self {
            WebApp::Embedded => embedded::is_built(),
            WebApp::Dir(dir) => dir.is_built().await,
        }
    }

    /// Answers a non-API request for `path` (the URL path, still percent-encoded).
    pub async fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response<Body> {
        match self {
            WebApp::Embedded => respond_embedded(method, path, headers),
            WebApp::Dir(dir) => dir.respond(method, path, headers).await,
        }
    }
}

fn respond_embedded(method: &Method, path: &str, headers: &HeaderMap) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed();
    }
    if !embedded::is_built() {
        return not_built(NOT_EMBEDDED);
    }
    let Some(segments) = safe_segments(path) else {
        return not_found();
    };
    let found = match embedded::file(&segments.join("/")) {
        Some(file) if !segments.is_empty() => Some((file, cache_control(&segments, false))),
        _ if segments.last().is_none_or(|last| !last.contains('.')) => embedded::file(INDEX).map(|f| (f, REVALIDATE)),
        _ => None,
    };
    match found {
        Some((file, cache_control)) => file.respond(cache_control, headers),
        None => not_found(),
    }
}

/// Hashed files under `/assets/` never change; everything else is revalidated on each use.
fn cache_control(segments: &[String], is_index: bool) -> &'static str {
    if segments.first().is_some_and(|s| s == "assets") && !is_index {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// The directory of the built web app.
#[derive(Debug)]
pub struct WebDir {
    root: PathBuf,
    /// URL path -> what it resolves to, and when that was looked up.
    routes: Mutex<HashMap<String, (Instant, Route)>>,
    /// File path -> its contents, and when they were read. Bounded by the files in the directory.
    files: Mutex<HashMap<PathBuf, (Instant, Arc<StaticFile>)>>,
}

/// What a URL path of the web app resolves to.
#[derive(Debug, Clone)]
enum Route {
    File { path: PathBuf, cache_control: &'static str },
    NotFound,
}

/// A file of the web app in memory, with its precompressed siblings.
#[derive(Debug)]
pub(crate) struct StaticFile {
    pub content_type: &'static str,
    /// Preferred first: br, gzip, then the file as it is.
    pub variants: Vec<Variant>,
}

#[derive(Debug)]
pub(crate) struct Variant {
    pub encoding: Option<&'static str>,
    pub bytes: Bytes,
    pub etag: HeaderValue,
}

impl WebDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WebDir { root: root.into(), routes: Mutex::default(), files: Mutex::default() }
    }

    /// Whether the web app has been built (the directory holds `index.html`).
    pub async fn is_built(&self) -> bool {
        tokio::fs::metadata(self.root.join(INDEX)).await.is_ok_and(|m| m.is_file())
    }

    /// Answers a non-API request for `path` (the URL path, still percent-encoded).
    pub async fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response<Body> {
        if method != Method::GET && method != Method::HEAD {
            return method_not_allowed();
        }
        let route = match lookup(&self.routes, path) {
            Lookup::Fresh(route) => route,
            Lookup::Stale(_) | Lookup::Missing => {
                // Not remembered while unbuilt, so the app appears as soon as it is built.
                if !self.is_built().await {
                    return not_built(NOT_BUILT);
                }
                let route = self.resolve(path).await;
                let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
                if routes.len() >= MAX_REMEMBERED_PATHS {
                    routes.clear();
                }
                routes.insert(path.to_owned(), (Instant::now(), route.clone()));
                route
            }
        };
        let Route::File { path: file, cache_control } = route else {
            return not_found();
        };
        let contents = match lookup(&self.files, &file) {
            Lookup::Fresh(contents) => contents,
            stale_or_missing => match StaticFile::load(&file, stale_or_missing.into_stale()).await {
                Ok(contents) => {
                    self.files.lock().unwrap_or_else(|e| e.into_inner()).insert(file, (Instant::now(), contents.clone()));
                    contents
                }
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "cannot read file of the web app");
                    return not_found();
                }
            },
        };
        contents.respond(cache_control, headers)
    }

    /// Looks up which file answers `path`.
    async fn resolve(&self, path: &str) -> Route {
        let Some(segments) = safe_segments(path) else {
            return Route::NotFound;
        };
        let index = self.root.join(INDEX);
        let file = match segments.last() {
            None => index.clone(),
            Some(last) => {
                let candidate = segments.iter().fold(self.root.clone(), |p, s| p.join(s));
                match tokio::fs::metadata(&candidate).await {
                    Ok(m) if m.is_file() => {
                        if !self.contains(&candidate).await {
                            return Route::NotFound;
                        }
                        candidate
                    }
                    Ok(m) if m.is_dir() => index.clone(),
                    _ if !last.contains('.') => index.clone(),
                    _ => return Route::NotFound,
                }
            }
        };
        Route::File { cache_control: cache_control(&segments, file == index), path: file }
    }

    /// Whether `file`, after resolving symbolic links, lies inside the web directory.
    async fn contains(&self, file: &Path) -> bool {
        match (tokio::fs::canonicalize(&self.root).await, tokio::fs::canonicalize(file).await) {
            (Ok(root), Ok(file)) => file.starts_with(root),
            _ => false,
        }
    }
}

/// What a memory ([`WebDir`]'s routes or files) holds for a key.
enum Lookup<V> {
    /// Looked up less than [`FRESH_FOR`] ago.
    Fresh(V),
    /// Looked up earlier: the caller looks it up again. Meanwhile the entry counts as fresh, so
    /// concurrent requests use it rather than all doing the same work.
    Stale(V),
    Missing,
}

impl<V> Lookup<V> {
    fn into_stale(self) -> Option<V> {
        match self {
            Lookup::Stale(value) => Some(value),
            _ => None,
        }
    }
}

fn lookup<K, Q, V>(map: &Mutex<HashMap<K, (Instant, V)>>, key: &Q) -> Lookup<V>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
    V: Clone,
{
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    match map.get_mut(key) {
        Some((at, value)) if at.elapsed() < FRESH_FOR => Lookup::Fresh(value.clone()),
        Some((at, value)) => {
            *at = Instant::now();
            Lookup::Stale(value.clone())
        }
        None => Lookup::Missing,
    }
}

/// The decoded, non-empty segments of a URL path, or `None` when one could escape the directory
/// or is not valid UTF-8.
fn safe_segments(path: &str) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let segment = String::from_utf8(percent_decode(raw)?).ok()?;
        if segment == "." || segment == ".." || segment.contains(['/', '\\', '\0']) {
            return None;
        }
        segments.push(segment);
    }
    Some(segments)
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

impl StaticFile {
    /// `file` and its precompressed siblings (`.br`, `.gz`) in memory, each with an `ETag` from
    /// its length and modification time. What was read `before` is kept when no `ETag` changed.
    async fn load(file: &Path, before: Option<Arc<StaticFile>>) -> std::io::Result<Arc<Self>> {
        let found = Self::find_variants(file).await?;
        if let Some(before) = before {
            let same = found.len() == before.variants.len()
                && found.iter().zip(&before.variants).all(|((encoding, _, etag), v)| *encoding == v.encoding && *etag == v.etag);
            if same {
                return Ok(before);
            }
        }
        let mut variants = Vec::with_capacity(found.len());
        for (encoding, path, etag) in found {
            variants.push(Variant { encoding, bytes: tokio::fs::read(&path).await?.into(), etag });
        }
        Ok(Arc::new(StaticFile { content_type: content_type(file), variants }))
    }

    /// The variants of `file` that exist, preferred first, with their paths and `ETag`s.
    async fn find_variants(file: &Path) -> std::io::Result<Vec<(Option<&'static str>, PathBuf, HeaderValue)>> {
        let mut found = Vec::new();
        for (encoding, suffix) in [(Some("br"), ".br"), (Some("gzip"), ".gz"), (None, "")] {
            let path = PathBuf::from(format!("{}{suffix}", file.display()));
            let metadata = match tokio::fs::metadata(&path).await {
                Ok(m) if m.is_file() => m,
                _ if encoding.is_some() => continue,
                Ok(_) => return Err(std::io::Error::other("not a file")),
                Err(e) => return Err(e),
            };
            let modified = metadata.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            let etag = format!("\"{:x}-{:x}{}\"", metadata.len(), modified, encoding.map_or(String::new(), |e| format!("-{e}")));
            found.push((encoding, path, HeaderValue::from_str(&etag).map_err(std::io::Error::other)?));
        }
        Ok(found)
    }

    /// The response to a request with `request_headers`: the first variant the client accepts,
    /// or 304 when its `ETag` matches.
    pub fn respond(&self, cache_control: &'static str, request_headers: &HeaderMap) -> Response<Body> {
        let accepted = accepted_encodings(request_headers);
        let variant =
            self.variants.iter().find(|v| v.encoding.is_none_or(|e| accepted.contains(&e))).expect("the file as it is is always a variant");

        let mut response = if etag_matches(request_headers, variant.etag.to_str().unwrap_or_default()) {
            let mut r = Response::new(empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(full(variant.bytes.clone()));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
            r
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        headers.insert(header::ETAG, variant.etag.clone());
        if let Some(encoding) = variant.encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        if self.variants.len() > 1 {
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        response
    }
}

/// The content codings of `Accept-Encoding` that are not refused with `q=0`.
fn accepted_encodings(headers: &HeaderMap) -> Vec<&'static str> {
    let mut accepted = Vec::new();
    for value in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("").to_ascii_lowercase();
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            let known = match coding.as_str() {
                "br" => "br",
                "gzip" | "x-gzip" => "gzip",
                _ => continue,
            };
            if !refused {
                accepted.push(known);
            }
        }
    }
    accepted
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// The content type of a file of the web app, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("txt") => "text/plain; charset=utf-8",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn not_found() -> Response<Body> {
    plain(StatusCode::NOT_FOUND, "Not Found\n")
}

/// Why there is no app to serve, and what to do: the body of the "not built" page.
const NOT_BUILT: &str = "its web directory (<code>TOWER_FRONTEND_WEB_DIR</code>) holds no <code>index.html</code>.</p>
<p>Build the web app in <code>frontend-proxy/web</code>, or point <code>TOWER_FRONTEND_WEB_DIR</code>
at a directory holding a built copy. No restart is needed.";

const NOT_EMBEDDED: &str = "this binary was built without the web app: npm was not found when it was compiled.</p>
<p>Install Node.js and npm (Debian: <code>apt install nodejs npm</code>) and build again, or point
<code>TOWER_FRONTEND_WEB_DIR</code> at a directory holding a built copy of <code>frontend-proxy/web</code>.";

fn not_built(why: &str) -> Response<Body> {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Tower: web app not built</title></head>\n<body>\n\
         <h1>The Tower web app has not been built</h1>\n<p>The frontend proxy is running and forwards <code>/api/</code> to the \
         Tower backend, but {why}</p>\n</body>\n</html>\n"
    );
    let mut response = with_body(StatusCode::SERVICE_UNAVAILABLE, "text/html; charset=utf-8", page);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_reject_traversal() {
        assert_eq!(safe_segments("/"), Some(vec![]));
        assert_eq!(safe_segments("/assets//app-1.js"), Some(vec!["assets".into(), "app-1.js".into()]));
        assert_eq!(safe_segments("/runs/a%20b"), Some(vec!["runs".into(), "a b".into()]));
        for bad in ["/../etc/passwd", "/assets/%2e%2e/x", "/a/%2E%2E", "/a%2fb", "/a%5cb", "/a%00", "/./x", "/%zz", "/%4", "/%ff"] {
            assert_eq!(safe_segments(bad), None, "{bad}");
        }
    }

    #[test]
    fn accept_encoding() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br;q=0"));
        assert_eq!(accepted_encodings(&headers), vec!["gzip"]);
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br;q=1.0, gzip;q=0.5"));
        assert_eq!(accepted_encodings(&headers), vec!["br", "gzip"]);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("assets/app-1.JS")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("assets/app-1.js.map")), "application/json");
        assert_eq!(content_type(Path::new("f.woff2")), "font/woff2");
        assert_eq!(content_type(Path::new("README")), "application/octet-stream");
    }
}
