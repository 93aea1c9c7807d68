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

/// Prometheus metrics on their own port, not the API's: requests by route template and status
/// with latency histograms, task records ingested, live subscribers, the connection pool.
async fn metrics_are_served_apart_from_the_api(app: &TestApp) {
    crate::helpers::replay(app, "workflow_success", &app.token).await;
    let (status, _) = app.get("/workflow/no-such-run").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/metrics").await;
    assert_eq!(status, 404, "not on the API port");
    let live = app.client.get(app.url("/live")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let scrape = || async { app.client.get(format!("{}/metrics", app.metrics_address)).send().await.unwrap().text().await.unwrap() };
    let subscribed =
        |m: &str| m.lines().find_map(|l| l.strip_prefix("tower_live_subscribers ")).is_some_and(|v| v.parse::<f64>().unwrap() >= 1.0);
    let mut metrics = scrape().await;
    for _ in 0..50 {
        if subscribed(&metrics) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        metrics = scrape().await;
    }
    assert!(subscribed(&metrics), "the open event stream counts as a live subscriber:\n{metrics}");
    for line in [
        r#"tower_http_requests_total{method="GET",route="/workflow/{workflowId}",status="404"} "#,
        r#"tower_http_request_duration_seconds_bucket{method="PUT",route="/trace/{workflowId}/progress",status="200",le="0.25"} "#,
        r#"tower_http_requests_total{method="GET",route="unmatched",status="404"} "#,
        "tower_trace_task_records_total ",
        "tower_trace_runs_created_total ",
        r#"tower_db_pool_connections{state="in_use"} "#,
        "tower_db_pool_max_connections 8",
    ] {
        assert!(metrics.contains(line), "no {line} in:\n{metrics}");
    }
    drop(live);
}
both!(metrics_are_served_apart_from_the_api);

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
