//! Serving the built single-page app from the web directory.
//!
//! - an existing file is served as is, with its content type; a precompressed sibling
//!   (`app.js.br`, `app.js.gz`) is preferred when the client accepts that encoding;
//! - a path without a file extension that names no file is a client-side route: `index.html`;
//! - hashed files under `/assets/` are cached for a year, everything else is revalidated with an
//!   `ETag` on each use (`Cache-Control: no-cache`), so a new deployment is picked up at once;
//! - no path can leave the web directory: `..` segments, encoded slashes and symbolic links
//!   pointing outside are answered 404;
//! - while the directory holds no `index.html` (the web app has not been built), every path
//!   answers 503 with a page that says so. This is checked per request, so building the app
//!   needs no restart.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};

use crate::respond::{empty, full, method_not_allowed, plain, with_body, Body};

const INDEX: &str = "index.html";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The directory of the built web app.
#[derive(Debug, Clone)]
pub struct WebDir {
    root: PathBuf,
}

impl WebDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WebDir { root: root.into() }
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
        if !self.is_built().await {
            return not_built();
        }
        let Some(segments) = safe_segments(path) else {
            return not_found();
        };
        let index = self.root.join(INDEX);
        let file = match segments.last() {
            None => index.clone(),
            Some(last) => {
                let candidate = segments.iter().fold(self.root.clone(), |p, s| p.join(s));
                match tokio::fs::metadata(&candidate).await {
                    Ok(m) if m.is_file() => {
                        if !self.contains(&candidate).await {
                            return not_found();
                        }
                        candidate
                    }
                    Ok(m) if m.is_dir() => index.clone(),
                    _ if !last.contains('.') => index.clone(),
                    _ => return not_found(),
                }
            }
        };
        let cache_control = if segments.first().is_some_and(|s| s == "assets") && file != index { IMMUTABLE } else { REVALIDATE };
        serve_file(&file, cache_control, headers).await.unwrap_or_else(|e| {
            tracing::warn!(file = %file.display(), error = %e, "cannot read file of the web app");
            not_found()
        })
    }

    /// Whether `file`, after resolving symbolic links, lies inside the web directory.
    async fn contains(&self, file: &Path) -> bool {
        match (tokio::fs::canonicalize(&self.root).await, tokio::fs::canonicalize(file).await) {
            (Ok(root), Ok(file)) => file.starts_with(root),
            _ => false,
        }
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

async fn is_file(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file())
}

/// Serves `file`, or its precompressed sibling when the client accepts it, with an `ETag`.
async fn serve_file(file: &Path, cache_control: &'static str, request_headers: &HeaderMap) -> std::io::Result<Response<Body>> {
    let accepted = accepted_encodings(request_headers);
    let mut has_variants = false;
    let mut chosen: Option<(PathBuf, &'static str)> = None;
    for encoding in ["br", "gzip"] {
        let sibling = PathBuf::from(format!("{}.{}", file.display(), if encoding == "br" { "br" } else { "gz" }));
        if is_file(&sibling).await {
            has_variants = true;
            if chosen.is_none() && accepted.contains(&encoding) {
                chosen = Some((sibling, encoding));
            }
        }
    }
    let (path, encoding) = match &chosen {
        Some((path, encoding)) => (path.as_path(), Some(*encoding)),
        None => (file, None),
    };

    let metadata = tokio::fs::metadata(path).await?;
    let modified = metadata.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let etag = format!("\"{:x}-{:x}{}\"", metadata.len(), modified, encoding.map_or(String::new(), |e| format!("-{e}")));

    let mut response = if etag_matches(request_headers, &etag) {
        let mut r = Response::new(empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(full(tokio::fs::read(path).await?));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(file)));
        r
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if has_variants {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    Ok(response)
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

const NOT_BUILT_PAGE: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>Tower: web app not built</title></head>
<body>
<h1>The Tower web app has not been built</h1>
<p>The frontend proxy is running and forwards <code>/api/</code> to the Tower backend,
but its web directory (<code>TOWER_FRONTEND_WEB_DIR</code>) holds no <code>index.html</code>.</p>
<p>Build the web app in <code>frontend-proxy/web</code>, or point <code>TOWER_FRONTEND_WEB_DIR</code>
at a directory holding a built copy. No restart is needed.</p>
</body>
</html>
";

fn not_built() -> Response<Body> {
    let mut response = with_body(StatusCode::SERVICE_UNAVAILABLE, "text/html; charset=utf-8", NOT_BUILT_PAGE);
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
