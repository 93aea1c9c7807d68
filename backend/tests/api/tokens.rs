//! The access token API and the token's life: shown once, stored as a hash, lastUsed tracked.

use serde_json::json;

use crate::both;
use crate::helpers::TestApp;

async fn tokens_are_created_shown_once_listed_and_revoked(app: &TestApp) {
    let (s, b) = app.post("/tokens", &json!({"name": "my-laptop"})).await;
    assert_eq!(s, 200, "{b}");
    let key = b["accessKey"].as_str().unwrap().to_string();
    let id = b["token"]["id"].as_i64().unwrap();
    assert_eq!(b["token"]["name"], "my-laptop");
    assert!(b["token"]["dateCreated"].is_string());

    // Only a hash is stored.
    let hash: String = tower_backend::with_pool!(app.db(), p => sqlx::query_scalar("SELECT secret_hash FROM tw_access_token WHERE id = ?").bind(id).fetch_one(p).await.unwrap());
    let secret = tower_backend::auth::token::parse(&key).unwrap().secret;
    assert_ne!(hash, secret);
    assert!(!key.contains(&hash));
    assert_eq!(hash, tower_backend::auth::token::hash_secret(&secret));

    let (s, list) = app.get("/tokens").await;
    assert_eq!(s, 200);
    let entry = list["tokens"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(entry.as_object().unwrap().keys().filter(|k| k.contains("secret") || *k == "accessKey").count(), 0);
    assert!(entry["lastUsed"].is_null());

    // Use it: lastUsed appears (written in the background, at most once per few minutes).
    assert_eq!(app.send(reqwest::Method::GET, "/user-info", Some(&key), None).await.0, 200);
    let mut used = false;
    for _ in 0..50 {
        let (_, list) = app.get("/tokens").await;
        if list["tokens"].as_array().unwrap().iter().any(|t| t["id"] == id && t["lastUsed"].is_string()) {
            used = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(used, "lastUsed recorded");

    let (s, b) = app.post("/tokens", &json!({"name": "my-laptop"})).await;
    assert_eq!(s, 409, "{b}");
    assert!(b["message"].as_str().unwrap().contains("already exists"));
    for bad in [json!({"name": ""}), json!({"name": "x".repeat(51)}), json!({"name": "has space"}), json!({})] {
        assert_eq!(app.post("/tokens", &bad).await.0, 400, "{bad}");
    }

    // Another user cannot delete it.
    let bob = app.token_for("bob@example.com").await;
    assert_eq!(app.send(reqwest::Method::DELETE, &format!("/tokens/{id}"), Some(&bob), None).await.0, 404);
    assert_eq!(app.send(reqwest::Method::DELETE, &format!("/tokens/{id}"), Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(reqwest::Method::GET, "/user-info", Some(&key), None).await.0, 401, "revoked");
    assert_eq!(app.send(reqwest::Method::DELETE, "/tokens/abc", Some(&app.token), None).await.0, 404);

    app.post("/tokens", &json!({"name": "second"})).await;
    assert_eq!(app.send(reqwest::Method::DELETE, "/tokens/delete-all", Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(reqwest::Method::GET, "/tokens", Some(&app.token), None).await.0, 401, "every token revoked");
    assert_eq!(app.send(reqwest::Method::GET, "/user-info", Some(&bob), None).await.0, 200, "other users keep theirs");
}
both!(tokens_are_created_shown_once_listed_and_revoked);
