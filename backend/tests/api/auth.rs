//! The three credential forms Nextflow sends, and refusals for everything else.

use base64::Engine;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::TestApp;

async fn user_info(app: &TestApp, auth: &str) -> (u16, Value) {
    let r = app.client.get(app.url("/user-info")).header("Authorization", auth).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn nextflow_credential_forms_are_all_accepted(app: &TestApp) {
    let (s, b) = user_info(app, &format!("Bearer {}", app.token)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["user"]["email"], "alice@example.com");
    assert_eq!(b["user"]["userName"], "alice");

    let basic = base64::engine::general_purpose::STANDARD.encode(format!("@token:{}", app.token));
    assert_eq!(user_info(app, &format!("Basic {basic}")).await.0, 200);

    let uid = b["user"]["id"].as_i64().unwrap();
    let now = chrono_now();
    let jwt = tower_backend::auth::jwt::sign(
        &tower_backend::auth::jwt::Claims { sub: uid.to_string(), exp: now + 60, iat: now },
        &app.state.config.jwt_secret,
    );
    assert_eq!(user_info(app, &format!("Bearer {jwt}")).await.0, 200);
}
both!(nextflow_credential_forms_are_all_accepted);

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn missing_wrong_and_expired_credentials_are_refused(app: &TestApp) {
    let r = app.client.get(app.url("/user-info")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("Missing access token"));

    let parsed = tower_backend::auth::token::parse(&app.token).unwrap();
    let forged = tower_backend::auth::token::format(parsed.id, "0000");
    let now = chrono_now();
    let expired = tower_backend::auth::jwt::sign(
        &tower_backend::auth::jwt::Claims { sub: "1".into(), exp: now - 1, iat: now - 100 },
        &app.state.config.jwt_secret,
    );
    let foreign = tower_backend::auth::jwt::sign(
        &tower_backend::auth::jwt::Claims { sub: "1".into(), exp: now + 100, iat: now },
        "some-other-secret-that-is-long-enough-too",
    );
    let basic_wrong_user = base64::engine::general_purpose::STANDARD.encode(format!("alice:{}", app.token));
    for auth in [
        format!("Bearer {forged}"),
        format!("Bearer {expired}"),
        format!("Bearer {foreign}"),
        "Bearer garbage".into(),
        format!("Basic {basic_wrong_user}"),
        "Token abc".into(),
    ] {
        let (s, b) = user_info(app, &auth).await;
        assert_eq!(s, 401, "{auth}: {b}");
        assert_eq!(b, json!({"message": "Invalid or expired access token"}));
    }
}
both!(missing_wrong_and_expired_credentials_are_refused);
