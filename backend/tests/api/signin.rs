//! Sign-in and browser sessions: OIDC against a real OpenID provider (oidc-provider from npm,
//! started by `.ci/services.sh`, address in TOWER_TEST_OIDC_ISSUER), driven through its HTTP
//! redirects and forms like a browser; session cookies, CSRF protection, sign-out and the
//! refresh Nextflow uses.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::both;
use crate::helpers::TestApp;

/// What the test web browser needs: cookie jars per origin, no automatic redirects, and the
/// proxy's mapping of `TOWER_SERVER_URL/api/...` to the backend.
pub struct Browser {
    client: reqwest::Client,
    jars: HashMap<String, BTreeMap<String, String>>,
    backend: String,
    server_url: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub url: String,
    pub location: Option<String>,
    /// The raw `Set-Cookie` headers.
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }
    /// The `Set-Cookie` header for a cookie name.
    pub fn cookie_header(&self, name: &str) -> Option<&str> {
        self.set_cookies.iter().map(String::as_str).find(|c| c.starts_with(&format!("{name}=")))
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            jars: HashMap::new(),
            backend: app.address.clone(),
            server_url: app.state.config.server_url.clone(),
        }
    }

    /// The URL actually requested (the proxy strips `/api`) and the origin whose cookies apply.
    fn route(&self, url: &str) -> (String, String) {
        if let Some(rest) = url.strip_prefix(&format!("{}/api", self.server_url)) {
            return (format!("{}{rest}", self.backend), self.server_url.clone());
        }
        let u = url::Url::parse(url).unwrap();
        (url.to_string(), u.origin().ascii_serialization())
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jars.get(&self.server_url).and_then(|j| j.get(name)).cloned()
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jars.entry(self.server_url.clone()).or_default().insert(name.into(), value.into());
    }

    pub async fn request(&mut self, method: reqwest::Method, url: &str, form: Option<&[(&str, &str)]>, headers: &[(&str, &str)]) -> Resp {
        let (target, origin) = self.route(url);
        let mut req = self.client.request(method, &target);
        if let Some(jar) = self.jars.get(&origin).filter(|j| !j.is_empty()) {
            let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req = req.header("Cookie", cookie);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(f) = form {
            let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(f.iter()).finish();
            req = req.header("Content-Type", "application/x-www-form-urlencoded").body(body);
        }
        let r = req.send().await.unwrap_or_else(|e| panic!("{target}: {e}"));
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| url::Url::parse(url).unwrap().join(l.to_str().unwrap()).unwrap().to_string());
        let set_cookies: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let jar = self.jars.entry(origin).or_default();
        for c in &set_cookies {
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let gone =
                value.is_empty() || attrs.to_lowercase().contains("max-age=0") || attrs.to_lowercase().contains("expires=thu, 01 jan 1970");
            if gone {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        let body = r.text().await.unwrap_or_default();
        Resp { status, url: url.to_string(), location, set_cookies, body }
    }

    pub async fn get(&mut self, url: &str) -> Resp {
        self.request(reqwest::Method::GET, url, None, &[]).await
    }

    /// GETs `url` and follows redirects until a page that is not a redirect, or until the next
    /// location starts with `stop_at` (which is then returned unvisited in `location`).
    pub async fn follow(&mut self, url: &str, stop_at: Option<&str>) -> Resp {
        let mut r = self.get(url).await;
        for _ in 0..20 {
            let Some(next) = r.location.clone().filter(|_| r.is_redirect()) else { return r };
            if stop_at.is_some_and(|s| next.starts_with(s)) {
                return r;
            }
            r = self.get(&next).await;
        }
        panic!("too many redirects from {url}")
    }

    pub fn app_url(&self, path: &str) -> String {
        format!("{}/api{path}", self.server_url)
    }
}

/// The first `<form ... action="...">` of a page, resolved against its URL.
fn form_action(page: &Resp, contains: &str) -> String {
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find("action=\"") {
        let tail = &rest[i + 8..];
        let action = &tail[..tail.find('"').unwrap()];
        if action.contains(contains) {
            return url::Url::parse(&page.url).unwrap().join(action).unwrap().to_string();
        }
        rest = tail;
    }
    panic!("no form posting to *{contains}* on {}: {}", page.url, page.body)
}

pub fn oidc_issuer() -> Option<String> {
    std::env::var("TOWER_TEST_OIDC_ISSUER").ok().filter(|v| !v.is_empty())
}

pub const PROVIDER_PASSWORD: &str = "tower-test-password";

/// Signs in at the provider from an authorization URL: login form, consent form, and returns
/// the callback URL the provider sends the browser back to (not yet visited).
pub async fn sign_in_at_provider(b: &mut Browser, authorize_url: &str, email: &str) -> String {
    let callback = b.app_url("/oauth/callback/oidc");
    let login = b.follow(authorize_url, Some(&callback)).await;
    assert_eq!(login.status, 200, "login page: {login:?}");
    let action = form_action(&login, "/login");
    let wrong = b.request(reqwest::Method::POST, &action, Some(&[("email", email), ("password", "wrong")]), &[]).await;
    assert_eq!(wrong.status, 401, "the provider checks the password");
    let done = b.request(reqwest::Method::POST, &action, Some(&[("email", email), ("password", PROVIDER_PASSWORD)]), &[]).await;
    assert!(done.is_redirect(), "{done:?}");
    let mut page = b.follow(&done.location.clone().unwrap(), Some(&callback)).await;
    if page.status == 200 {
        let confirm = form_action(&page, "/confirm");
        let done = b.request(reqwest::Method::POST, &confirm, Some(&[]), &[]).await;
        assert!(done.is_redirect(), "{done:?}");
        page = b.follow(&done.location.clone().unwrap(), Some(&callback)).await;
    }
    let location = page.location.clone().unwrap_or_else(|| panic!("no redirect to the callback: {page:?}"));
    assert!(location.starts_with(&callback), "{location}");
    location
}

/// Starts a sign-in at the backend: returns the provider's authorization URL.
async fn start_sign_in(b: &mut Browser, query: &str) -> String {
    let r = b.get(&b.app_url(&format!("/oauth/login/oidc{query}"))).await;
    assert_eq!(r.status, 303, "{r:?}");
    let flow = r.cookie_header("TOWER_OIDC_FLOW").expect("flow cookie");
    assert!(flow.contains("HttpOnly") && flow.contains("SameSite=Lax") && flow.contains("Max-Age=600"), "{flow}");
    r.location.unwrap()
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| if k == name { (k.into_owned(), value.to_string()) } else { (k.into_owned(), v.into_owned()) })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap()
}

fn unique_email(prefix: &str, domain: &str) -> String {
    format!("{prefix}.{}@{domain}", tower_backend::domain::ids::random_base62(8).to_lowercase())
}

/// Runs an OIDC test on SQLite and MySQL with the backend configured for the test provider;
/// skipped (with a note) when TOWER_TEST_OIDC_ISSUER is not set.
macro_rules! oidc_test {
    ($name:ident $(, $k:literal = $v:literal)*) => {
        mod $name {
            async fn run(kind: $crate::helpers::Kind) {
                let Some(issuer) = super::oidc_issuer() else {
                    eprintln!("TOWER_TEST_OIDC_ISSUER is not set (bash .ci/services.sh start): OIDC test not run");
                    return;
                };
                let base = [("TOWER_OIDC_ISSUER", issuer.as_str()), ("TOWER_OIDC_CLIENT", "tower"), ("TOWER_OIDC_SECRET", "tower-test-secret")];
                let extra: &[(&str, &str)] = &[$(($k, $v)),*];
                let env: Vec<(&str, &str)> =
                    base.into_iter().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).chain(extra.iter().copied()).collect();
                let app = $crate::helpers::TestApp::spawn_with(kind, &env).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::Kind::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                if !$crate::helpers::mysql_available() {
                    eprintln!("TOWER_TEST_MYSQL_URL is not set: MySQL variant not run");
                    return;
                }
                run($crate::helpers::Kind::MySql).await;
            }
        }
    };
}

/// Like `both!`, with extra settings.
macro_rules! both_with {
    ($name:ident $(, $k:literal = $v:literal)*) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn_with($crate::helpers::Kind::Sqlite, &[$(($k, $v)),*]).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                if !$crate::helpers::mysql_available() {
                    eprintln!("TOWER_TEST_MYSQL_URL is not set: MySQL variant not run");
                    return;
                }
                let app = $crate::helpers::TestApp::spawn_with($crate::helpers::Kind::MySql, &[$(($k, $v)),*]).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    };
}

async fn user_info_with_cookies(b: &mut Browser) -> Resp {
    let url = b.app_url("/user-info");
    b.get(&url).await
}

// ---------------------------------------------------------------------------------------------
// OIDC

async fn oidc_sign_in_creates_the_user_once_and_starts_a_session(app: &TestApp) {
    let (_, info) = app.send(reqwest::Method::GET, "/service-info", None, None).await;
    assert_eq!(info["serviceInfo"]["authTypes"], json!(["token", "email", "oidc"]));
    assert_eq!(info["serviceInfo"]["loginPath"], "/login");

    let email = unique_email("jane.doe", "example.org");
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "?redirect=/runs%3Fsearch%3Dx").await;
    assert!(authorize.starts_with(&oidc_issuer().unwrap()), "{authorize}");
    assert_eq!(param(&authorize, "code_challenge_method"), "S256");
    assert_eq!(param(&authorize, "redirect_uri"), "http://localhost:8000/api/oauth/callback/oidc");
    assert!(param(&authorize, "scope").split(' ').any(|s| s == "email"));
    let callback = sign_in_at_provider(&mut b, &authorize, &email).await;
    let done = b.get(&callback).await;
    assert_eq!(done.status, 303, "{done:?}");
    assert_eq!(done.location.as_deref(), Some("http://localhost:8000/runs?search=x"));
    let jwt = done.cookie_header("JWT").expect("JWT cookie");
    assert!(jwt.contains("HttpOnly") && jwt.contains("SameSite=Lax") && jwt.contains("Secure") && jwt.contains("Max-Age=3600"), "{jwt}");
    let refresh = done.cookie_header("JWT_REFRESH_TOKEN").expect("refresh cookie");
    assert!(refresh.contains("HttpOnly") && refresh.contains("Max-Age=43200"), "{refresh}");
    let xsrf = done.cookie_header("XSRF-TOKEN").expect("XSRF cookie");
    assert!(!xsrf.contains("HttpOnly"), "the web app must read {xsrf}");
    assert!(done.cookie_header("TOWER_OIDC_FLOW").is_some_and(|c| c.contains("Max-Age=0")), "the flow cookie is cleared");

    let me = user_info_with_cookies(&mut b).await;
    assert_eq!(me.status, 200, "{me:?}");
    let user = &me.json()["user"];
    assert_eq!(user["email"], email.as_str());
    assert_eq!(user["firstName"], "Jane");
    let id = user["id"].as_i64().unwrap();

    // Signing in again finds the same account through its (issuer, subject).
    let mut b2 = Browser::new(app);
    let authorize = start_sign_in(&mut b2, "").await;
    let callback = sign_in_at_provider(&mut b2, &authorize, &email).await;
    let done = b2.get(&callback).await;
    assert_eq!(done.location.as_deref(), Some("http://localhost:8000/"));
    assert_eq!(user_info_with_cookies(&mut b2).await.json()["user"]["id"].as_i64(), Some(id));
    assert_eq!(app.count("tw_user", "email", &email).await, 1);
    assert_eq!(app.count("tw_user_identity", "user_id", &id.to_string()).await, 1);
    assert_eq!(app.count("tw_session", "user_id", &id.to_string()).await, 2);
}
oidc_test!(oidc_sign_in_creates_the_user_once_and_starts_a_session);

async fn an_existing_account_is_reached_by_its_verified_email(app: &TestApp) {
    let email = unique_email("known", "example.org");
    let (_, info) = app.send(reqwest::Method::GET, "/user-info", Some(&app.token_for(&email).await), None).await;
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let callback = sign_in_at_provider(&mut b, &authorize, &email.to_uppercase()).await;
    assert_eq!(b.get(&callback).await.status, 303);
    assert_eq!(user_info_with_cookies(&mut b).await.json()["user"]["id"], info["user"]["id"]);
}
oidc_test!(an_existing_account_is_reached_by_its_verified_email);

async fn a_tampered_state_is_rejected(app: &TestApp) {
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let callback = sign_in_at_provider(&mut b, &authorize, &unique_email("mallory", "example.org")).await;
    let tampered = with_param(&callback, "state", &format!("{}x", param(&callback, "state")));
    let r = b.get(&tampered).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.json()["message"].as_str().unwrap().contains("state mismatch"), "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
    // Without the flow cookie (another browser), even the genuine response is refused.
    let mut other = Browser::new(app);
    let r = other.get(&callback).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
    assert_eq!(app.count("tw_session", "method", "oidc").await, 0);
}
oidc_test!(a_tampered_state_is_rejected);

async fn a_replayed_code_is_rejected(app: &TestApp) {
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let flow = b.cookie("TOWER_OIDC_FLOW").unwrap();
    let callback = sign_in_at_provider(&mut b, &authorize, &unique_email("replay", "example.org")).await;
    assert_eq!(b.get(&callback).await.status, 303);
    // An attacker who captured the whole response, flow cookie included, replays it.
    let mut attacker = Browser::new(app);
    attacker.set_cookie("TOWER_OIDC_FLOW", &flow);
    let r = attacker.get(&callback).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.json()["message"].as_str().unwrap().contains("refused"), "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
    assert_eq!(app.count("tw_session", "method", "oidc").await, 1);
}
oidc_test!(a_replayed_code_is_rejected);

async fn an_id_token_with_another_nonce_is_rejected(app: &TestApp) {
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    // The provider signs whatever nonce the authorization request carries: here not ours.
    let forged = with_param(&authorize, "nonce", "a-nonce-from-another-sign-in");
    let callback = sign_in_at_provider(&mut b, &forged, &unique_email("nonce", "example.org")).await;
    let r = b.get(&callback).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.json()["message"].as_str().unwrap().to_lowercase().contains("nonce"), "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
    assert_eq!(app.count("tw_session", "method", "oidc").await, 0);
}
oidc_test!(an_id_token_with_another_nonce_is_rejected);

async fn an_expired_id_token_is_rejected(app: &TestApp) {
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let callback = sign_in_at_provider(&mut b, &authorize, &unique_email("late", "example.org")).await;
    let r = b.get(&callback).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.json()["message"].as_str().unwrap().contains("expired"), "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
}
oidc_test!(an_expired_id_token_is_rejected, "TOWER_OIDC_CLIENT" = "tower-short-lived");

async fn the_allow_list_and_unverified_addresses_keep_people_out(app: &TestApp) {
    for email in [unique_email("outsider", "elsewhere.org"), unique_email("unverified", "allowed.org")] {
        let mut b = Browser::new(app);
        let authorize = start_sign_in(&mut b, "").await;
        let callback = sign_in_at_provider(&mut b, &authorize, &email).await;
        let r = b.get(&callback).await;
        assert_eq!(r.status, 403, "{email}: {r:?}");
        assert!(r.cookie_header("JWT").is_none());
        assert_eq!(app.count("tw_user", "email", &email).await, 0, "no account for {email}");
    }
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let callback = sign_in_at_provider(&mut b, &authorize, &unique_email("insider", "lab.allowed.org")).await;
    assert_eq!(b.get(&callback).await.status, 303);
}
oidc_test!(the_allow_list_and_unverified_addresses_keep_people_out, "TOWER_AUTH_OIDC_ALLOW_LIST" = "*@allowed.org, *@*.allowed.org");

async fn denying_consent_at_the_provider_signs_nobody_in(app: &TestApp) {
    let mut b = Browser::new(app);
    let authorize = start_sign_in(&mut b, "").await;
    let callback = b.app_url("/oauth/callback/oidc");
    let login = b.follow(&authorize, Some(&callback)).await;
    let done = b
        .request(
            reqwest::Method::POST,
            &form_action(&login, "/login"),
            Some(&[("email", "deny@example.org"), ("password", PROVIDER_PASSWORD)]),
            &[],
        )
        .await;
    let consent = b.follow(&done.location.unwrap(), Some(&callback)).await;
    let denied = b.request(reqwest::Method::POST, &form_action(&consent, "/abort"), Some(&[]), &[]).await;
    let back = b.follow(&denied.location.unwrap(), Some(&callback)).await.location.unwrap();
    assert_eq!(param(&back, "error"), "access_denied");
    let r = b.get(&back).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.cookie_header("JWT").is_none());
}
oidc_test!(denying_consent_at_the_provider_signs_nobody_in);

async fn only_the_provider_remains_when_email_sign_in_is_disabled(app: &TestApp) {
    let (_, info) = app.send(reqwest::Method::GET, "/service-info", None, None).await;
    assert_eq!(info["serviceInfo"]["authTypes"], json!(["token", "oidc"]));
    assert_eq!(info["serviceInfo"]["loginPath"], "/api/oauth/login/oidc");
    let mut b = Browser::new(app);
    assert_eq!(b.get(&b.app_url("/oauth/login/oidc?redirect=https://evil.example.org/")).await.status, 400);
}
oidc_test!(only_the_provider_remains_when_email_sign_in_is_disabled, "TOWER_AUTH_DISABLE_EMAIL" = "true");

async fn without_oidc_settings_the_oidc_routes_answer_404(app: &TestApp) {
    let mut b = Browser::new(app);
    assert_eq!(b.get(&b.app_url("/oauth/login/oidc")).await.status, 404);
    assert_eq!(b.get(&b.app_url("/oauth/callback/oidc?code=x&state=y")).await.status, 404);
    let (_, info) = app.send(reqwest::Method::GET, "/service-info", None, None).await;
    assert_eq!(info["serviceInfo"]["authTypes"], json!(["token", "email"]));
}
both!(without_oidc_settings_the_oidc_routes_answer_404);

// ---------------------------------------------------------------------------------------------
// Sessions, CSRF, sign-out, refresh

/// Starts a browser session from the test app's personal token.
async fn browser_session(app: &TestApp) -> Browser {
    let mut b = Browser::new(app);
    let url = b.app_url("/auth/token");
    let (target, _) = b.route(&url);
    let r = b.client.post(&target).json(&json!({"token": app.token})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    for c in r.headers().get_all("set-cookie") {
        let (pair, _) = c.to_str().unwrap().split_once(';').unwrap();
        let (k, v) = pair.split_once('=').unwrap();
        b.set_cookie(k, v);
    }
    b
}

async fn cookie_writes_need_the_xsrf_header_and_bearer_writes_do_not(app: &TestApp) {
    let mut b = browser_session(app).await;
    assert_eq!(user_info_with_cookies(&mut b).await.status, 200, "reads need no header");
    let tokens = b.app_url("/tokens");
    let body = |name: &str| json!({ "name": name }).to_string();
    let (target, _) = b.route(&tokens);
    let cookie = format!("JWT={}; XSRF-TOKEN={}", b.cookie("JWT").unwrap(), b.cookie("XSRF-TOKEN").unwrap());
    let post = |xsrf: Option<String>, name: &str| {
        let mut r = b.client.post(&target).header("Cookie", &cookie).header("Content-Type", "application/json").body(body(name));
        if let Some(x) = xsrf {
            r = r.header("X-XSRF-TOKEN", x);
        }
        r.send()
    };
    let r = post(None, "no-header").await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("X-XSRF-TOKEN"));
    assert_eq!(post(Some("forged".into()), "forged-header").await.unwrap().status().as_u16(), 403);
    assert_eq!(app.count("tw_access_token", "name", "no-header").await + app.count("tw_access_token", "name", "forged-header").await, 0);
    assert_eq!(post(b.cookie("XSRF-TOKEN"), "with-header").await.unwrap().status().as_u16(), 200);
    // A planted XSRF cookie with a matching header does not help: the token is bound to the session.
    let planted = format!("JWT={}; XSRF-TOKEN=planted", b.cookie("JWT").unwrap());
    let r = b
        .client
        .post(&target)
        .header("Cookie", planted)
        .header("X-XSRF-TOKEN", "planted")
        .json(&json!({"name": "planted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Bearer wins over cookies and needs no header.
    let (s, _) = app.post("/tokens", &json!({"name": "bearer-write"})).await;
    assert_eq!(s, 200);
}
both!(cookie_writes_need_the_xsrf_header_and_bearer_writes_do_not);

async fn logout_revokes_the_session_and_clears_the_cookies(app: &TestApp) {
    let mut b = browser_session(app).await;
    let (jwt, refresh) = (b.cookie("JWT").unwrap(), b.cookie("JWT_REFRESH_TOKEN").unwrap());
    let logout = b.app_url("/auth/logout");
    let r = b.request(reqwest::Method::POST, &logout, Some(&[]), &[]).await;
    assert_eq!(r.status, 403, "sign-out by cookie needs the XSRF header too: {r:?}");
    let xsrf = b.cookie("XSRF-TOKEN").unwrap();
    let r = b.request(reqwest::Method::POST, &logout, Some(&[]), &[("X-XSRF-TOKEN", &xsrf)]).await;
    assert_eq!(r.status, 204, "{r:?}");
    for name in ["JWT", "JWT_REFRESH_TOKEN", "XSRF-TOKEN"] {
        assert!(r.cookie_header(name).is_some_and(|c| c.contains("Max-Age=0")), "{name} cleared: {r:?}");
    }
    assert!(b.cookie("JWT").is_none());
    // The old cookies, kept by someone, no longer work anywhere.
    b.set_cookie("JWT", &jwt);
    let r = user_info_with_cookies(&mut b).await;
    assert_eq!(r.status, 401, "{r:?}");
    let r = app.client.get(app.url("/user-info")).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401, "a signed-out session's JWT is refused as Bearer too");
    let r = app
        .client
        .post(app.url("/oauth/access_token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
both!(logout_revokes_the_session_and_clears_the_cookies);

async fn nextflow_refreshes_an_expired_access_token_with_its_refresh_token(app: &TestApp) {
    let b = browser_session(app).await;
    let (jwt, refresh) = (b.cookie("JWT").unwrap(), b.cookie("JWT_REFRESH_TOKEN").unwrap());
    let bearer = |t: &str| app.client.get(app.url("/user-info")).bearer_auth(t.to_string()).send();
    assert_eq!(bearer(&jwt).await.unwrap().status().as_u16(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(bearer(&jwt).await.unwrap().status().as_u16(), 401, "the access token expired");

    // Exactly Nextflow's request: form body, no Authorization, no cookies.
    let r = app
        .client
        .post(app.url("/oauth/access_token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=refresh_token&refresh_token={}", urlencoding::encode(&refresh)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookies: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let value = |name: &str| {
        cookies.iter().find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap().to_string())).unwrap()
    };
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["access_token"].as_str().unwrap(), value("JWT"));
    assert_eq!(body["refresh_token"].as_str().unwrap(), value("JWT_REFRESH_TOKEN"));
    assert_eq!(body["access_token"].as_str().unwrap().matches('.').count(), 2, "Nextflow sends a JWT as Bearer");
    assert_eq!(bearer(&value("JWT")).await.unwrap().status().as_u16(), 200);

    // The old refresh token was rotated away.
    let again = |t: String| {
        app.client.post(app.url("/oauth/access_token")).form(&[("grant_type", "refresh_token".to_string()), ("refresh_token", t)]).send()
    };
    assert_eq!(again(refresh.clone()).await.unwrap().status().as_u16(), 401);
    assert_eq!(
        again(value("JWT_REFRESH_TOKEN")).await.unwrap().status().as_u16(),
        200,
        "a refused stale token within the grace period does not end the session"
    );
}
both_with!(
    nextflow_refreshes_an_expired_access_token_with_its_refresh_token,
    "MICRONAUT_SECURITY_TOKEN_GENERATOR_ACCESS_TOKEN_EXPIRATION" = "2"
);

async fn a_replayed_refresh_token_ends_the_session(app: &TestApp) {
    let b = browser_session(app).await;
    let stolen = b.cookie("JWT_REFRESH_TOKEN").unwrap();
    let refresh =
        |t: &str| app.client.post(app.url("/oauth/access_token")).form(&[("grant_type", "refresh_token"), ("refresh_token", t)]).send();
    let r = refresh(&stolen).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    let (access, current) = (body["access_token"].as_str().unwrap().to_string(), body["refresh_token"].as_str().unwrap().to_string());
    // A minute later, the thief presents the old token.
    tower_backend::with_pool!(app.db(), p => sqlx::query("UPDATE tw_session SET last_refreshed = last_refreshed - 60000").execute(p).await.unwrap().rows_affected());
    assert_eq!(refresh(&stolen).await.unwrap().status().as_u16(), 401);
    assert_eq!(refresh(&current).await.unwrap().status().as_u16(), 401, "the whole session ended");
    assert_eq!(app.client.get(app.url("/user-info")).bearer_auth(&access).send().await.unwrap().status().as_u16(), 401);
}
both!(a_replayed_refresh_token_ends_the_session);

async fn the_web_app_refreshes_with_its_cookie_and_the_xsrf_header(app: &TestApp) {
    let mut b = browser_session(app).await;
    let url = b.app_url("/oauth/access_token");
    let r = b.request(reqwest::Method::POST, &url, None, &[]).await;
    assert_eq!(r.status, 403, "{r:?}");
    let xsrf = b.cookie("XSRF-TOKEN").unwrap();
    let old = b.cookie("JWT_REFRESH_TOKEN").unwrap();
    let r = b.request(reqwest::Method::POST, &url, None, &[("X-XSRF-TOKEN", &xsrf)]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_ne!(b.cookie("JWT_REFRESH_TOKEN").unwrap(), old, "rotated");
    assert_eq!(b.cookie("XSRF-TOKEN").unwrap(), xsrf, "same session, same XSRF token");
    assert_eq!(user_info_with_cookies(&mut b).await.status, 200);
}
both!(the_web_app_refreshes_with_its_cookie_and_the_xsrf_header);

async fn bad_refresh_and_token_sign_in_requests_get_clear_4xx(app: &TestApp) {
    let post =
        |body: &'static str, ct: &'static str| app.client.post(app.url("/oauth/access_token")).header("Content-Type", ct).body(body).send();
    let form = "application/x-www-form-urlencoded";
    for (body, ct, status) in [
        ("", form, 400),
        ("grant_type=password&refresh_token=x", form, 400),
        ("refresh_token=x", form, 400),
        ("grant_type=refresh_token&refresh_token=nope", form, 401),
        ("{\"grant_type\":\"refresh_token\",\"refresh_token\":\"nope\"}", "application/json", 401),
        ("{not json", "application/json", 400),
    ] {
        let r = post(body, ct).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    }
    let (s, b) = app.send(reqwest::Method::POST, "/auth/token", None, Some(&json!({"token": "garbage"}))).await;
    assert_eq!(s, 401, "{b}");
    let (s, _) = app.send(reqwest::Method::POST, "/auth/token", None, Some(&json!({}))).await;
    assert_eq!(s, 400);
    let (s, _) = app.send(reqwest::Method::POST, "/auth/logout", None, None).await;
    assert_eq!(s, 204, "signing out without a session is harmless");
    assert_eq!(app.count("tw_session", "method", "token").await, 0);
}
both!(bad_refresh_and_token_sign_in_requests_get_clear_4xx);
