//! Response body type, small response builders, and the security headers.

use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};

/// Every response body: a file read into memory, or the backend's streamed body.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The error of a response body: only the backend's can fail.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A response with a body and a content type.
pub fn with_body(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `{"message": "..."}`, the error shape of the Tower API.
pub fn json_message(status: StatusCode, message: &str) -> Response<Body> {
    with_body(status, "application/json", serde_json::json!({ "message": message }).to_string())
}

pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    with_body(status, "text/plain; charset=utf-8", text)
}

pub fn method_not_allowed() -> Response<Body> {
    let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

/// The content security policy of the web app: everything from this origin, nothing inline
/// except styles, no framing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/// Browsers that once reached the proxy over HTTPS use only HTTPS for a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the security headers to a response. `api` responses (JSON, SSE from the backend) get no
/// content security policy: it only means something for documents. HSTS only over HTTPS: browsers
/// ignore it on plain HTTP, and a proxy behind a TLS-terminating ingress leaves it to the ingress.
pub fn add_security_headers(headers: &mut HeaderMap, api: bool, https: bool) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !api {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
}
