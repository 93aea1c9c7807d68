//! Public service information and health.

use crate::both;
use crate::helpers::TestApp;

async fn service_info_is_public_and_satisfies_tw(app: &TestApp) {
    let r = app.client.get(app.url("/service-info")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let b: serde_json::Value = r.json().await.unwrap();
    let info = &b["serviceInfo"];
    let v: Vec<u32> = info["apiVersion"].as_str().unwrap().split('.').map(|p| p.parse().unwrap()).collect();
    assert!(v >= vec![1, 198, 0], "tw needs apiVersion >= 1.198.0");
    assert_eq!(info["serverUrl"], "http://localhost:8000");
    assert!(info["authTypes"].is_array());
    assert!(info["version"].is_string() && info["commitId"].is_string() && info["loginPath"].is_string());

    let h = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(h.status().as_u16(), 200);
    let (s, b) = app.get("/no/such/thing").await;
    assert_eq!(s, 404);
    assert!(b["message"].is_string());
}
both!(service_info_is_public_and_satisfies_tw);
