//! Pipeline versions: the first one published and default, edits making drafts (in place while a
//! draft), publishing, the default moving with what a pipeline launches, a run recorded as of
//! its version (whose name then stays), and the errors of each operation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::launch::{launch, local_ce, wait_status};

fn names(list: &Value) -> Vec<(Option<String>, bool)> {
    list["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["version"]["name"].as_str().map(str::to_string), p["version"]["isDefault"].as_bool().unwrap()))
        .collect()
}

async fn versions(app: &TestApp, id: i64, query: &str) -> Value {
    let (s, b) = app.get(&format!("/pipelines/{id}/versions{query}")).await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn params_of(app: &TestApp, id: i64, version: Option<&str>) -> (String, String) {
    let q = version.map(|v| format!("?versionId={v}")).unwrap_or_default();
    let (s, b) = app.get(&format!("/pipelines/{id}/launch{q}")).await;
    assert_eq!(s, 200, "{b}");
    (b["launch"]["paramsText"].as_str().unwrap_or_default().to_string(), b["launch"]["id"].as_str().unwrap().to_string())
}

async fn pipeline_versions_publish_drafts_and_follow_the_default(app: &TestApp) {
    let ce = local_ce(app).await;
    let launch_with = |params: &str| json!({"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "paramsText": params});
    let first = "{\"standin_tasks\": 1, \"standin_sleep\": 0}";
    let (s, p) = app.post("/pipelines", &json!({"name": "versioned", "launch": launch_with(first), "version": {"name": "1.0"}})).await;
    assert_eq!(s, 200, "{p}");
    let id = p["pipeline"]["pipelineId"].as_i64().unwrap();
    let v1 = p["pipeline"]["version"]["id"].as_str().unwrap().to_string();
    assert_eq!((p["pipeline"]["version"]["name"].as_str(), p["pipeline"]["version"]["isDefault"].as_bool()), (Some("1.0"), Some(true)));
    assert_eq!(p["pipeline"]["version"]["hash"].as_str().unwrap().len(), 64);

    // An edit of the published default makes a draft, which becomes the default; a second edit
    // changes that draft; a new description alone makes no version.
    let (s, b) = app.put(&format!("/pipelines/{id}"), &json!({"launch": launch_with("{\"a\": 1}")})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(names(&versions(app, id, "").await), [(None, true), (Some("1.0".into()), false)]);
    let draft = b["pipeline"]["version"]["id"].as_str().unwrap().to_string();
    let hash = b["pipeline"]["version"]["hash"].as_str().unwrap().to_string();
    let (_, b) = app.put(&format!("/pipelines/{id}"), &json!({"launch": launch_with("{\"a\": 2}")})).await;
    assert_eq!(b["pipeline"]["version"]["id"], draft, "a draft is edited in place: {b}");
    assert_ne!(b["pipeline"]["version"]["hash"], hash.as_str());
    let (_, b) = app.put(&format!("/pipelines/{id}"), &json!({"description": "now described"})).await;
    assert_eq!(b["pipeline"]["description"], "now described");
    assert_eq!(versions(app, id, "").await["totalSize"], 2);
    assert_eq!(params_of(app, id, None).await, ("{\"a\": 2}".to_string(), draft.clone()));
    assert_eq!(names(&versions(app, id, "?isPublished=false").await), [(None, true)]);
    assert_eq!(names(&versions(app, id, "?isPublished=true&search=1.").await), [(Some("1.0".into()), false)]);

    // Names: checked, unique in the pipeline.
    let validate = |name: &str| format!("/pipelines/{id}/versions/validate?name={name}");
    assert_eq!(app.get(&validate("1.0")).await.0, 409);
    assert_eq!(app.get(&validate("")).await.0, 400);
    assert_eq!(app.get(&validate("2.0")).await.0, 204);
    let manage = |v: &str| format!("/pipelines/{id}/versions/{v}/manage");
    let (s, b) = app.put(&manage(&draft), &json!({"name": "1.0"})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (409, "This pipeline already has a version named '1.0'"));
    assert_eq!(app.put(&manage(&draft), &json!({"name": "2.0"})).await.0, 204);
    assert_eq!(names(&versions(app, id, "?isPublished=true").await), [(Some("2.0".into()), true), (Some("1.0".into()), false)]);

    // The default moves back, and so does what the pipeline launches; it cannot be unset.
    assert_eq!(app.put(&manage(&v1), &json!({"isDefault": true})).await.0, 204);
    assert_eq!(params_of(app, id, None).await, (first.to_string(), v1.clone()));
    let (_, p) = app.get(&format!("/pipelines/{id}")).await;
    assert_eq!(p["pipeline"]["version"]["name"], "1.0");
    let (s, b) = app.put(&manage(&v1), &json!({"isDefault": false})).await;
    assert_eq!(s, 409, "{b}");

    // An edit of a published version that is not the default: a new draft, the default stays.
    let (s, _) = app.post(&format!("/pipelines/{id}/versions/{draft}"), &json!({"launch": launch_with("{\"b\": 3}")})).await;
    assert_eq!(s, 200);
    let all = versions(app, id, "?isPublished=false").await;
    let newest = all["versions"][0]["version"]["id"].as_str().unwrap().to_string();
    assert_eq!(params_of(app, id, Some(&newest)).await.0, "{\"b\": 3}");
    assert_eq!(params_of(app, id, Some(&draft)).await.0, "{\"a\": 2}", "a published version keeps what it runs");
    assert_eq!(params_of(app, id, None).await.0, first);

    // A run launched from a version is recorded as of it, and the version's name stays.
    let (_, settings) = app.get(&format!("/pipelines/{id}/launch")).await;
    let (s, b) = launch(app, settings["launch"].clone()).await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    wait_status(app, &run, &["SUCCEEDED"]).await;
    let (s, b) = app.put(&manage(&v1), &json!({"name": "1.0-renamed"})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (409, "The version '1.0' cannot be renamed: runs were launched from it"));
    assert_eq!(app.put(&manage(&newest), &json!({"name": "3.0"})).await.0, 204, "a draft is published whatever ran");

    // Unknown versions, and versions of a deleted pipeline.
    assert_eq!(app.get(&format!("/pipelines/{id}/launch?versionId=nope")).await.0, 404);
    assert_eq!(app.put(&manage("nope"), &json!({"isDefault": true})).await.0, 404);
    assert_eq!(app.send(Method::DELETE, &format!("/pipelines/{id}"), Some(&app.token), None).await.0, 204);
    assert_eq!(app.get(&format!("/pipelines/{id}/versions")).await.0, 404);
}

crate::both_local!(pipeline_versions_publish_drafts_and_follow_the_default);
