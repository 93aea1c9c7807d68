//! Configuration of the frontend proxy, read from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `TOWER_FRONTEND_PORT` | `8000` | TCP port to listen on (all interfaces); containers set `80` |
//! | `TOWER_BACKEND_URL` | `http://127.0.0.1:8080` | where `/api/*` is forwarded; `http://host[:port][/base-path]` |
//! | `TOWER_FRONTEND_WEB_DIR` | `frontend-proxy/web/dist` | directory of the built single-page app (holds `index.html`) |
//! | `TOWER_FRONTEND_TLS_CERT` | — | PEM file of the certificate chain; with the key, the proxy serves HTTPS |
//! | `TOWER_FRONTEND_TLS_KEY` | — | PEM file of the private key (PKCS#8, PKCS#1 or SEC1); both or neither |
//! | `TOWER_LOG_APPENDER` | `STDOUT` | `STDOUT` for plain log lines, `JSON` for one JSON object per line |
//! | `TOWER_LOG_LEVEL` | `info` | log level; `RUST_LOG` overrides it with a full filter |
//!
//! A variable set to the empty string counts as unset. Relative web directories are resolved
//! against the working directory. The web directory may be missing at startup: until the web app
//! is built, non-API paths answer 503 with a page that says so. The TLS files are read and checked
//! here, at startup, so a bad certificate or key stops the process with one line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::Uri;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The port used when `TOWER_FRONTEND_PORT` is not set.
pub const DEFAULT_PORT: u16 = 8000;
/// The Prometheus metrics port used when `TOWER_FRONTEND_METRICS_PORT` is not set.
pub const DEFAULT_METRICS_PORT: u16 = 9091;
/// How long the backend may take to send a response head, unless `TOWER_FRONTEND_BACKEND_TIMEOUT` says.
pub const DEFAULT_BACKEND_TIMEOUT: Duration = Duration::from_secs(60);
/// The backend used when `TOWER_BACKEND_URL` is not set.
pub const DEFAULT_BACKEND_URL: &str = "http://127.0.0.1:8080";
/// Validated configuration of the proxy.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port to listen on (used by the binary; [`crate::serve`] takes a bound listener).
    pub port: u16,
    /// `TOWER_FRONTEND_METRICS_PORT`: Prometheus `/metrics`, apart from the public port (0: any).
    pub metrics_port: u16,
    /// Backend base URL: scheme `http`, an authority, and a path prefix without trailing slash
    /// (empty for none).
    pub backend: BackendUrl,
    /// Directory of the built single-page app (`TOWER_FRONTEND_WEB_DIR`); without it, the app
    /// built into the binary.
    pub web_dir: Option<PathBuf>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log level (`TOWER_LOG_LEVEL`), if set.
    pub log_level: Option<String>,
    /// HTTPS settings, when `TOWER_FRONTEND_TLS_CERT` and `TOWER_FRONTEND_TLS_KEY` are set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a client may take to send a request's header (and, with TLS, the handshake).
    /// Not an environment setting: [`crate::HEADER_READ_TIMEOUT`], shortened by tests.
    pub header_read_timeout: Duration,
    /// `TOWER_FRONTEND_BACKEND_TIMEOUT`: how long the backend may take to send a response's
    /// head (an event stream, once its head came, may then last as long as it likes).
    pub backend_timeout: Duration,
    /// `TOWER_SHUTDOWN_GRACE_PERIOD`: after SIGTERM, how long open connections may still take.
    pub shutdown_grace: Duration,
}

/// Format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Plain,
    Json,
}

/// The backend's base URL, split into the parts the proxy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUrl {
    /// `host[:port]`, sent as the `Host` header of forwarded requests.
    pub authority: String,
    /// Path prefix prepended to forwarded paths: empty, or starting with `/` and not ending with one.
    pub base_path: String,
}

impl BackendUrl {
    /// Parses `http://host[:port][/base-path]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("'{url}' is not a URL ({e})"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => return Err(format!("'{url}': https is not supported, use http:// (the backend is on the internal network)")),
            _ => return Err(format!("'{url}' must start with http://")),
        }
        let authority = uri.authority().ok_or_else(|| format!("'{url}' has no host"))?;
        if authority.host().is_empty() {
            return Err(format!("'{url}' has no host"));
        }
        if authority.as_str().contains('@') {
            return Err(format!("'{url}' must not contain credentials"));
        }
        if uri.query().is_some() {
            return Err(format!("'{url}' must not have a query string"));
        }
        Ok(BackendUrl { authority: authority.as_str().to_owned(), base_path: uri.path().trim_end_matches('/').to_owned() })
    }

    /// The request target (origin form) on the backend for `rest`, what follows `/api` in the
    /// client's request: empty, `/path...` or `?query`.
    pub fn target_for(&self, rest: &str) -> Result<Uri, hyper::http::uri::InvalidUri> {
        let mut target = String::with_capacity(self.base_path.len() + 1 + rest.len());
        target.push_str(&self.base_path);
        if !rest.starts_with('/') {
            target.push('/');
        }
        target.push_str(rest);
        Uri::try_from(target)
    }
}

/// A configuration variable with a bad value. Displays as `VAR: what is wrong`.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn new(var: &'static str, reason: impl Into<String>) -> Self {
        ConfigError { var, reason: reason.into() }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable name to its value), so tests need not
    /// touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let port = match get("TOWER_FRONTEND_PORT") {
            None => DEFAULT_PORT,
            Some(v) => match v.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(ConfigError::new("TOWER_FRONTEND_PORT", format!("expected a port number from 1 to 65535, got '{v}'"))),
            },
        };

        let metrics_port = match get("TOWER_FRONTEND_METRICS_PORT") {
            None => DEFAULT_METRICS_PORT,
            Some(v) => v.parse::<u16>().map_err(|_| {
                ConfigError::new("TOWER_FRONTEND_METRICS_PORT", format!("expected a port number from 0 to 65535, got '{v}'"))
            })?,
        };

        let backend_timeout = duration(&get, "TOWER_FRONTEND_BACKEND_TIMEOUT", DEFAULT_BACKEND_TIMEOUT)?;
        let shutdown_grace = duration(&get, "TOWER_SHUTDOWN_GRACE_PERIOD", crate::SHUTDOWN_GRACE)?;

        let backend_url = get("TOWER_BACKEND_URL").unwrap_or_else(|| DEFAULT_BACKEND_URL.to_owned());
        let backend = BackendUrl::parse(&backend_url).map_err(|reason| ConfigError::new("TOWER_BACKEND_URL", reason))?;

        let web_dir = get("TOWER_FRONTEND_WEB_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
        if let Some(dir) = web_dir.as_ref().filter(|d| d.exists() && !d.is_dir()) {
            return Err(ConfigError::new("TOWER_FRONTEND_WEB_DIR", format!("'{}' is not a directory", dir.display())));
        }

        let log_format = match get("TOWER_LOG_APPENDER").map(|s| s.to_uppercase()).as_deref() {
            None | Some("STDOUT") => LogFormat::Plain,
            Some("JSON") => LogFormat::Json,
            Some(other) => return Err(ConfigError::new("TOWER_LOG_APPENDER", format!("expected STDOUT or JSON, got '{other}'"))),
        };

        let tls = match (get("TOWER_FRONTEND_TLS_CERT"), get("TOWER_FRONTEND_TLS_KEY")) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(Arc::new(tls_server_config(&cert, &key)?)),
            (Some(_), None) => return Err(ConfigError::new("TOWER_FRONTEND_TLS_KEY", "must be set with TOWER_FRONTEND_TLS_CERT")),
            (None, Some(_)) => return Err(ConfigError::new("TOWER_FRONTEND_TLS_CERT", "must be set with TOWER_FRONTEND_TLS_KEY")),
        };

        Ok(Config {
            port,
            metrics_port,
            backend,
            web_dir,
            log_format,
            log_level: get("TOWER_LOG_LEVEL"),
            tls,
            header_read_timeout: crate::HEADER_READ_TIMEOUT,
            backend_timeout,
            shutdown_grace,
        })
    }
}

/// A duration as the backend reads them: `90` (seconds), `500ms`, `30s` or `2m`; at least 1 ms.
fn duration(get: &impl Fn(&str) -> Option<String>, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
    let Some(raw) = get(var) else { return Ok(default) };
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (digits, unit) = raw.split_at(split);
    let ms_per_unit = match unit {
        "" | "s" => Some(1000),
        "ms" => Some(1),
        "m" => Some(60_000),
        _ => None,
    };
    digits
        .parse::<u64>()
        .ok()
        .zip(ms_per_unit)
        .and_then(|(n, ms)| n.checked_mul(ms))
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| ConfigError::new(var, format!("expected a duration such as 60, 60s, 500ms or 2m, got '{raw}'")))
}

/// Reads the PEM certificate chain and private key and builds the TLS server settings: rustls
/// with the ring provider, TLS 1.2 and 1.3, HTTP/1.1 announced by ALPN.
fn tls_server_config(cert_path: &str, key_path: &str) -> Result<rustls::ServerConfig, ConfigError> {
    const CERT: &str = "TOWER_FRONTEND_TLS_CERT";
    const KEY: &str = "TOWER_FRONTEND_TLS_KEY";
    let cert_pem = std::fs::read(cert_path).map_err(|e| ConfigError::new(CERT, format!("cannot read '{cert_path}': {e}")))?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError::new(CERT, format!("'{cert_path}' is not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(ConfigError::new(CERT, format!("'{cert_path}' holds no PEM certificate")));
    }
    let key_pem = std::fs::read(key_path).map_err(|e| ConfigError::new(KEY, format!("cannot read '{key_path}': {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| ConfigError::new(KEY, format!("'{key_path}' holds no PEM private key: {e}")))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::new(CERT, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ConfigError::new(KEY, format!("does not fit the certificate in '{cert_path}': {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8000);
        assert_eq!(c.backend, BackendUrl { authority: "127.0.0.1:8080".into(), base_path: String::new() });
        assert_eq!(c.web_dir, None);
        assert_eq!(c.log_format, LogFormat::Plain);
        assert!(c.tls.is_none());
    }

    #[test]
    fn unreadable_or_wrong_tls_files_name_the_variable() {
        let missing = config(&[("TOWER_FRONTEND_TLS_CERT", "/nonexistent/cert.pem"), ("TOWER_FRONTEND_TLS_KEY", "/nonexistent/key.pem")]);
        let err = missing.expect_err("missing files").to_string();
        assert!(err.starts_with("TOWER_FRONTEND_TLS_CERT: cannot read '/nonexistent/cert.pem'"), "{err}");
        // Cargo.toml exists but holds no certificate.
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let err = config(&[("TOWER_FRONTEND_TLS_CERT", manifest), ("TOWER_FRONTEND_TLS_KEY", manifest)]).expect_err("not PEM").to_string();
        assert!(err.starts_with("TOWER_FRONTEND_TLS_CERT: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn durations() {
        let c = config(&[("TOWER_FRONTEND_BACKEND_TIMEOUT", "90"), ("TOWER_SHUTDOWN_GRACE_PERIOD", "500ms")]).unwrap();
        assert_eq!((c.backend_timeout, c.shutdown_grace), (Duration::from_secs(90), Duration::from_millis(500)));
        assert_eq!(config(&[("TOWER_FRONTEND_BACKEND_TIMEOUT", "2m")]).unwrap().backend_timeout, Duration::from_secs(120));
        assert_eq!(config(&[]).unwrap().backend_timeout, Duration::from_secs(60));
        for bad in ["0", "-5", "5h", "1.5s", "5 s", "+5"] {
            let err = config(&[("TOWER_FRONTEND_BACKEND_TIMEOUT", bad)]).expect_err(bad).to_string();
            assert!(err.starts_with("TOWER_FRONTEND_BACKEND_TIMEOUT: "), "{err}");
        }
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = config(&[("TOWER_FRONTEND_PORT", ""), ("TOWER_BACKEND_URL", " ")]).unwrap();
        assert_eq!(c.port, 8000);
        assert_eq!(c.backend.authority, "127.0.0.1:8080");
    }

    #[test]
    fn backend_url_with_base_path() {
        let c = config(&[("TOWER_BACKEND_URL", "http://backend:8080/tower/"), ("TOWER_FRONTEND_PORT", "80")]).unwrap();
        assert_eq!(c.port, 80);
        assert_eq!(c.backend.base_path, "/tower");
        assert_eq!(c.backend.target_for("/workflow/x?workspaceId=1").unwrap().to_string(), "/tower/workflow/x?workspaceId=1");
        assert_eq!(c.backend.target_for("?q=1").unwrap().to_string(), "/tower/?q=1");
        assert_eq!(c.backend.target_for("").unwrap().to_string(), "/tower/");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value, expected) in [
            ("TOWER_FRONTEND_PORT", "eighty", "TOWER_FRONTEND_PORT: expected a port number"),
            ("TOWER_FRONTEND_PORT", "0", "TOWER_FRONTEND_PORT: expected a port number"),
            ("TOWER_FRONTEND_PORT", "70000", "TOWER_FRONTEND_PORT: expected a port number"),
            ("TOWER_BACKEND_URL", "backend:8080", "TOWER_BACKEND_URL: 'backend:8080' must start with http://"),
            ("TOWER_BACKEND_URL", "https://backend", "TOWER_BACKEND_URL: 'https://backend': https is not supported"),
            ("TOWER_BACKEND_URL", "http://backend/?x=1", "TOWER_BACKEND_URL: 'http://backend/?x=1' must not have a query string"),
            ("TOWER_BACKEND_URL", "http://", "TOWER_BACKEND_URL: 'http://' is not a URL"),
            ("TOWER_FRONTEND_WEB_DIR", "Cargo.toml", "TOWER_FRONTEND_WEB_DIR: 'Cargo.toml' is not a directory"),
            ("TOWER_LOG_APPENDER", "xml", "TOWER_LOG_APPENDER: expected STDOUT or JSON"),
            ("TOWER_FRONTEND_TLS_CERT", "cert.pem", "TOWER_FRONTEND_TLS_KEY: must be set with TOWER_FRONTEND_TLS_CERT"),
            ("TOWER_FRONTEND_TLS_KEY", "key.pem", "TOWER_FRONTEND_TLS_CERT: must be set with TOWER_FRONTEND_TLS_KEY"),
        ] {
            let err = config(&[(var, value)]).expect_err(value).to_string();
            assert!(err.starts_with(expected), "{var}={value}: got '{err}'");
            assert!(!err.contains('\n'));
        }
    }
}
