//! Datasets: created, uploaded twice (two versions), checked as CSV/TSV before anything is stored,
//! downloaded as uploaded, hidden, labelled, deleted; and a launch whose parameter is version 1's
//! URL, read by the head job with its own token.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::launch::{launch, local_ce, wait_status};

/// A multipart form with one `file` field, as a browser or `tw datasets add` sends it.
pub(crate) async fn upload(app: &TestApp, id: &str, query: &str, file_name: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    let boundary = "tower-test-boundary-7d1f";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(body);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/datasets/{id}/upload{query}")))
        .bearer_auth(&app.token)
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn download(app: &TestApp, path: &str) -> (u16, String) {
    let resp = reqwest::Client::new().get(app.url(path)).bearer_auth(&app.token).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn datasets_keep_every_version_and_launches_read_them(app: &TestApp) {
    let (s, d) = app.post("/datasets", &json!({"name": "samples", "description": "Sample sheet"})).await;
    assert_eq!(s, 200, "{d}");
    let id = d["dataset"]["id"].as_str().unwrap().to_string();
    assert_eq!((d["dataset"]["version"].as_i64(), d["dataset"]["sourceType"].as_str()), (Some(0), Some("UPLOADED")));
    assert_eq!(app.post("/datasets", &json!({"name": "samples"})).await.0, 409);

    let first = b"sample,fastq\nA,a_1.fq.gz\n";
    let (s, v1) = upload(app, &id, "?header=true", "samples.csv", "text/csv", first).await;
    assert_eq!(s, 200, "{v1}");
    assert_eq!((v1["version"]["version"].as_i64(), v1["version"]["hasHeader"].as_bool()), (Some(1), Some(true)));
    assert_eq!((v1["version"]["fileSize"].as_i64(), v1["version"]["mediaType"].as_str()), (Some(first.len() as i64), Some("text/csv")));
    let (s, v2) = upload(app, &id, "", "samples.csv", "application/octet-stream", b"sample,fastq\nB,b.fq\nC,c.fq\n").await;
    assert_eq!((s, v2["version"]["version"].as_i64()), (200, Some(2)), "{v2}");

    // What is not a CSV/TSV file, or is too big, is refused whole and names why.
    let (s, e) = upload(app, &id, "", "broken.csv", "text/csv", b"sample,fastq\nA,a.fq\nB\n").await;
    assert_eq!((s, e["message"].as_str()), (400, Some("The file is not valid CSV: line 3: 1 fields where the first line has 2")));
    let (s, e) = upload(app, &id, "", "sheet.xlsx", "application/vnd.ms-excel", b"PK\x03\x04").await;
    assert_eq!(s, 400, "{e}");
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (s, e) = upload(app, &id, "", "big.csv", "text/csv", &big).await;
    assert_eq!(s, 413, "{e}");
    let (_, versions) = app.get(&format!("/datasets/{id}/versions")).await;
    let numbers: Vec<i64> = versions["versions"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1], "nothing stored half-way: {versions}");
    let (_, latest) = app.get("/datasets/versions?mimeType=text/csv").await;
    assert_eq!((latest["totalSize"].as_i64(), latest["versions"][0]["version"].as_i64()), (Some(1), Some(2)), "{latest}");

    // Each version downloads as uploaded, under its own name only.
    assert_eq!(download(app, &format!("/datasets/{id}/v/1/n/samples.csv")).await, (200, String::from_utf8(first.to_vec()).unwrap()));
    assert_eq!(download(app, &format!("/datasets/{id}/v/1/n/other.csv")).await.0, 404);
    assert_eq!(download(app, &format!("/datasets/{id}/v/9/n/samples.csv")).await.0, 404);

    // A launch reads version 1 through its URL with the run's own token.
    let ce = local_ce(app).await;
    let url = v1["version"]["url"].as_str().unwrap();
    let params = json!({"input": url, "standin_tasks": 1, "standin_sleep": 0}).to_string();
    let (s, b) = launch(app, json!({"computeEnvId": ce, "pipeline": "nf/datasets", "paramsText": params})).await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    let done = wait_status(app, &run, &["SUCCEEDED", "FAILED"]).await;
    let (_, log) = app.get(&format!("/workflow/{run}/log")).await;
    assert_eq!(done["workflow"]["status"], "SUCCEEDED", "{log}");
    assert!(log.to_string().contains("read input: 2 lines, first: sample,fastq"), "{log}");
    let (_, l) = app.get(&format!("/workflow/{run}/launch")).await;
    let (s, used) = app.get(&format!("/launch/{}/datasets", l["launch"]["id"].as_str().unwrap())).await;
    assert_eq!(s, 200, "{used}");
    let used: Vec<(&str, i64)> =
        used["versions"].as_array().unwrap().iter().map(|v| (v["datasetId"].as_str().unwrap(), v["version"].as_i64().unwrap())).collect();
    assert_eq!(used, [(id.as_str(), 1)], "the launch records the version it read");

    // Rename, labels, hide and show, disable a version, delete.
    assert_eq!(app.put(&format!("/datasets/{id}"), &json!({"name": "samples-2026"})).await.0, 204);
    let (_, l) = app.post("/labels", &json!({"name": "cohort"})).await;
    let label = l["id"].as_i64().unwrap();
    assert_eq!(app.post("/datasets/labels/add", &json!({"datasetIds": [id], "labelIds": [label]})).await.0, 204);
    let (_, meta) = app.get(&format!("/datasets/{id}/metadata")).await;
    assert_eq!((meta["dataset"]["name"].as_str(), meta["dataset"]["labels"][0]["name"].as_str()), (Some("samples-2026"), Some("cohort")));
    assert_eq!(meta["dataset"]["version"], 2);
    assert_eq!(app.post("/datasets/hide", &json!({"datasetIds": [id]})).await.0, 204);
    assert_eq!(app.get("/datasets").await.1["totalSize"], 0);
    assert_eq!(app.get("/datasets?visibility=hidden").await.1["datasets"][0]["id"], id.as_str());
    assert_eq!(app.post("/datasets/show", &json!({"datasetIds": [id]})).await.0, 204);
    assert_eq!(app.post(&format!("/datasets/{id}/versions/1/disable"), &json!({})).await.0, 204);
    assert_eq!(download(app, &format!("/datasets/{id}/v/1/n/samples.csv")).await.0, 404);
    let (s, b) = launch(app, json!({"computeEnvId": ce, "pipeline": "nf/datasets", "paramsText": params})).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (400, Some("dataset_missing")), "a disabled version is not launched with: {b}");
    let (s, b) = app.send(Method::DELETE, "/datasets", Some(&app.token), Some(&json!({"datasetIds": [id, "nope"]}))).await;
    assert_eq!((s, b["success"].clone(), b["failed"].clone()), (200, json!([id]), json!(["nope"])));
    assert_eq!(app.get(&format!("/datasets/{id}/versions")).await.0, 404);
}

crate::both_local!(datasets_keep_every_version_and_launches_read_them);
