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

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = tower_backend::api::openapi_yaml();
    assert!(
        committed == generated,
        "openapi/openapi.yaml is stale: regenerate it with `cargo run -q --bin tower-backend -- openapi > openapi/openapi.yaml`"
    );
}

async fn the_openapi_document_and_the_api_reference_are_served(app: &TestApp) {
    let r = app.client.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["paths"]["/trace/{workflowId}/progress"]["put"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["BearerAuth"]["scheme"], "bearer");
    let yaml = app.client.get(app.url("/openapi.yaml")).send().await.unwrap().text().await.unwrap();
    assert!(yaml.starts_with("openapi: 3"));
    let ui = app.client.get(app.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    let html = ui.text().await.unwrap();
    assert!(html.contains("swagger-ui") && !html.contains("https://"), "served from the binary, nothing from a CDN");
}
both!(the_openapi_document_and_the_api_reference_are_served);
