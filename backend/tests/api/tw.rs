//! What the `tw` CLI does, request by request (`../shared/reference/tw-cli.md`): `tw launch` of a
//! repository URL and of a saved pipeline at a version, `tw pipelines add/list/view/versions`,
//! `tw runs relaunch`, `tw datasets add/list/view/url/download/hide/show/delete` and `tw actions
//! add/list/view/update/delete`, each reading the fields `tw` reads from the answers it gets.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::launch::{local_ce, wait_status};

async fn ok(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let (s, b) = app.send(method.clone(), path, Some(&app.token), body.as_ref()).await;
    assert!((200..300).contains(&s), "{method} {path}: {s} {b}");
    b
}

/// `tw launch`'s compute environment: the primary one of `GET /compute-envs?status=AVAILABLE`,
/// then its config for the launch's defaults.
async fn primary_ce(app: &TestApp) -> (String, Value) {
    let list = ok(app, Method::GET, "/compute-envs?status=AVAILABLE", None).await;
    let primary = list["computeEnvs"].as_array().unwrap().iter().find(|c| c["primary"] == true).expect("a primary compute environment");
    let id = primary["id"].as_str().unwrap().to_string();
    let ce = ok(app, Method::GET, &format!("/compute-envs/{id}"), None).await;
    (id, ce["computeEnv"]["config"].clone())
}

async fn tw_sequences_get_what_tw_reads(app: &TestApp) {
    let ce = local_ce(app).await;
    ok(app, Method::POST, &format!("/compute-envs/{ce}/primary"), None).await;
    let quick = "{\"standin_tasks\": 1, \"standin_sleep\": 0}";

    // tw launch https://github.com/nextflow-io/hello --labels demo --wait SUCCEEDED
    let (ce_id, config) = primary_ce(app).await;
    assert_eq!(ce_id, ce);
    let found = ok(app, Method::GET, "/labels?max=100&offset=0&search=demo&type=simple", None).await;
    assert_eq!(found["totalSize"], 0);
    let label = ok(app, Method::POST, "/labels", Some(json!({"name": "demo"}))).await["id"].as_i64().unwrap();
    let body = json!({"launch": {"computeEnvId": ce_id, "pipeline": "https://github.com/nextflow-io/hello", "workDir": config["workDir"],
        "preRunScript": config["preRunScript"], "paramsText": quick, "labelIds": [label]}});
    let run = ok(app, Method::POST, "/workflow/launch", Some(body)).await["workflowId"].as_str().unwrap().to_string();
    wait_status(app, &run, &["SUCCEEDED"]).await;

    // tw pipelines add -n hello --version-name first https://github.com/nextflow-io/hello --params-file ...
    let add = json!({"name": "hello", "description": "Says hello", "version": {"name": "first"},
        "launch": {"computeEnvId": ce_id, "pipeline": "https://github.com/nextflow-io/hello", "workDir": config["workDir"],
        "revision": "main", "paramsText": quick, "configProfiles": [], "pullLatest": false, "stubRun": false}});
    let p = ok(app, Method::POST, "/pipelines", Some(add)).await;
    let id = p["pipeline"]["pipelineId"].as_i64().unwrap();
    ok(app, Method::POST, "/pipelines/labels/apply", Some(json!({"pipelineIds": [id], "labelIds": [label]}))).await;
    // tw pipelines update -n hello --params-file (a new draft, the default) and versions manage.
    let settings = ok(app, Method::GET, &format!("/pipelines/{id}/launch"), None).await;
    let edit = json!({"launch": {"computeEnvId": ce_id, "pipeline": settings["launch"]["pipeline"], "paramsText": "{\"standin_tasks\": 2, \"standin_sleep\": 0}"}});
    let updated =
        ok(app, Method::POST, &format!("/pipelines/{id}/versions/{}", settings["launch"]["id"].as_str().unwrap()), Some(edit)).await;
    let draft = updated["pipeline"]["version"]["id"].as_str().unwrap().to_string();
    ok(app, Method::PUT, &format!("/pipelines/{id}/versions/{draft}/manage"), Some(json!({"name": "second", "isDefault": true}))).await;

    // tw pipelines list / view / versions list.
    let list = ok(app, Method::GET, "/pipelines?attributes=labels&max=100&offset=0&search=hello&visibility=all", None).await;
    assert_eq!(list["totalSize"], 1);
    let listed = &list["pipelines"][0];
    assert_eq!((listed["pipelineId"].as_i64(), listed["name"].as_str()), (Some(id), Some("hello")));
    assert_eq!(
        (listed["repository"].as_str(), listed["visibility"].as_str()),
        (Some("https://github.com/nextflow-io/hello"), Some("PRIVATE"))
    );
    assert_eq!(listed["labels"][0]["name"], "demo");
    let view = ok(app, Method::GET, &format!("/pipelines/{id}"), None).await;
    assert_eq!(view["pipeline"]["description"], "Says hello");
    assert_eq!(
        (view["pipeline"]["version"]["name"].as_str(), view["pipeline"]["version"]["isDefault"].as_bool()),
        (Some("second"), Some(true))
    );
    let launch_view = ok(app, Method::GET, &format!("/pipelines/{id}/launch"), None).await;
    assert_eq!(launch_view["launch"]["computeEnv"]["name"], "here");
    let versions = ok(app, Method::GET, &format!("/pipelines/{id}/versions?max=100&offset=0&isPublished=true"), None).await;
    let by_name: Vec<(&str, bool, &str)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"]["name"].as_str().unwrap(),
                v["version"]["isDefault"].as_bool().unwrap(),
                v["version"]["creatorUserName"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_name.iter().map(|v| (v.0, v.1)).collect::<Vec<_>>(), [("second", true), ("first", false)]);
    assert!(versions["versions"][0]["version"]["hash"].as_str().is_some_and(|h| h.len() == 64) && !by_name[0].2.is_empty());

    // tw launch hello --version-name first: the saved pipeline by exact name, its version, then
    // the launch built from its settings.
    let found = ok(app, Method::GET, "/pipelines?max=50&offset=0&search=hello&visibility=all", None).await;
    let pid = found["pipelines"].as_array().unwrap().iter().find(|p| p["name"] == "hello").unwrap()["pipelineId"].as_i64().unwrap();
    let versions = ok(app, Method::GET, &format!("/pipelines/{pid}/versions?search=first"), None).await;
    let first = versions["versions"][0]["version"]["id"].as_str().unwrap().to_string();
    let l = ok(app, Method::GET, &format!("/pipelines/{pid}/launch?sourceWorkspaceId=&versionId={first}"), None).await["launch"].clone();
    let body = json!({"launch": {"id": l["id"], "computeEnvId": l["computeEnv"]["id"], "pipeline": l["pipeline"], "workDir": l["workDir"],
        "revision": l["revision"], "paramsText": l["paramsText"], "configProfiles": l["configProfiles"], "pullLatest": l["pullLatest"],
        "stubRun": l["stubRun"], "launchContainer": null}});
    let from_version =
        ok(app, Method::POST, "/workflow/launch?sourceWorkspaceId=", Some(body)).await["workflowId"].as_str().unwrap().to_string();
    let done = wait_status(app, &from_version, &["SUCCEEDED"]).await;
    assert_eq!(done["progress"]["workflowProgress"]["succeeded"], 1, "version 'first' runs one task: {done}");
    let recorded = ok(app, Method::GET, &format!("/workflow/{from_version}/launch"), None).await;
    assert_eq!(recorded["launch"]["pipelineVersionId"], first.as_str());

    // tw runs relaunch -i <run>: the launch of the run, resumed with its session.
    ok(app, Method::GET, &format!("/workflow/{run}"), None).await;
    let previous = ok(app, Method::GET, &format!("/workflow/{run}/launch"), None).await["launch"].clone();
    assert_eq!(previous["resumeCommitId"].as_str().map(str::len), Some(40), "resume is possible: {previous}");
    let session = previous["sessionId"].as_str().unwrap().to_string();
    let body = json!({"launch": {"id": previous["id"], "sessionId": session, "computeEnvId": previous["computeEnv"]["id"],
        "pipeline": previous["pipeline"], "workDir": previous["workDir"], "revision": previous["revision"], "paramsText": previous["paramsText"],
        "preRunScript": previous["preRunScript"], "resume": true, "runName": "relaunched", "dateCreated": "2026-01-01T00:00:00Z"}});
    let again = ok(app, Method::POST, "/workflow/launch", Some(body)).await["workflowId"].as_str().unwrap().to_string();
    wait_status(app, &again, &["SUCCEEDED"]).await;
    let log = ok(app, Method::GET, &format!("/workflow/{again}/log"), None).await;
    assert!(log.to_string().contains(&format!("Resuming session {session}")), "{log}");
}

crate::both_local!(tw_sequences_get_what_tw_reads);

async fn tw_dataset_commands_get_what_tw_reads(app: &TestApp) {
    // tw datasets add -n samples samples.csv --header -d "Sample sheet"
    let d = ok(app, Method::POST, "/datasets", Some(json!({"name": "samples", "description": "Sample sheet"}))).await;
    let id = d["dataset"]["id"].as_str().unwrap().to_string();
    assert_eq!(d["dataset"]["name"], "samples");
    let (s, v) = crate::datasets::upload(app, &id, "?header=true", "samples.csv", "text/csv", b"sample,fastq\nA,a.fq\n").await;
    assert_eq!(s, 200, "{v}");
    // tw datasets list (name lookups use visibility=all) and view.
    let list = ok(app, Method::GET, "/datasets?max=100&offset=0&search=samples&visibility=all&attributes=labels", None).await;
    assert_eq!(list["totalSize"], 1);
    let listed = &list["datasets"][0];
    assert_eq!(
        (listed["id"].as_str(), listed["name"].as_str(), listed["hidden"].as_bool()),
        (Some(id.as_str()), Some("samples"), Some(false))
    );
    assert!(listed["dateCreated"].is_string() && listed["labels"].is_array());
    let view = ok(app, Method::GET, &format!("/datasets/{id}/metadata"), None).await;
    for key in ["id", "name", "description", "mediaType", "dateCreated", "lastUpdated"] {
        assert!(!view["dataset"][key].is_null(), "tw prints {key}: {view}");
    }
    // tw datasets url / versions, then download of what the url names.
    let versions = ok(app, Method::GET, &format!("/datasets/{id}/versions"), None).await;
    let v1 = &versions["versions"][0];
    assert_eq!((v1["version"].as_i64(), v1["hasHeader"].as_bool(), v1["mediaType"].as_str()), (Some(1), Some(true), Some("text/csv")));
    let url = v1["url"].as_str().unwrap();
    let path = &url[url.find("/datasets/").unwrap()..];
    assert_eq!(crate::datasets::download(app, path).await, (200, "sample,fastq\nA,a.fq\n".to_string()));
    // tw datasets hide / show / delete.
    ok(app, Method::POST, "/datasets/hide", Some(json!({"datasetIds": [id]}))).await;
    let hidden = ok(app, Method::GET, "/datasets?visibility=all", None).await;
    assert_eq!(hidden["datasets"][0]["hidden"], true);
    ok(app, Method::POST, "/datasets/show", Some(json!({"datasetIds": [id]}))).await;
    ok(app, Method::DELETE, &format!("/datasets/{id}"), None).await;
    assert_eq!(app.get(&format!("/datasets/{id}/metadata")).await.0, 404);
}
crate::both!(tw_dataset_commands_get_what_tw_reads);

async fn tw_action_commands_get_what_tw_reads(app: &TestApp) {
    // tw actions add tower -n nightly --pipeline ... (the primary compute environment).
    let ce = local_ce(app).await;
    ok(app, Method::POST, &format!("/compute-envs/{ce}/primary"), None).await;
    let (ce_id, config) = primary_ce(app).await;
    let body = json!({"name": "nightly", "source": "tower", "launch": {"computeEnvId": ce_id, "pipeline": "https://github.com/nextflow-io/hello",
        "workDir": config["workDir"], "paramsText": "{\"standin_tasks\": 1, \"standin_sleep\": 0}"}});
    let id = ok(app, Method::POST, "/actions", Some(body)).await["actionId"].as_str().unwrap().to_string();
    // ... --labels ci: found or created, then applied.
    let label = ok(app, Method::POST, "/labels", Some(json!({"name": "ci"}))).await["id"].as_i64().unwrap();
    ok(app, Method::POST, "/actions/labels/apply", Some(json!({"actionIds": [id], "labelIds": [label]}))).await;
    // tw actions list -l
    let list = ok(app, Method::GET, "/actions?attributes=labels", None).await;
    let listed = &list["actions"][0];
    assert_eq!(
        (listed["id"].as_str(), listed["name"].as_str(), listed["status"].as_str()),
        (Some(id.as_str()), Some("nightly"), Some("ACTIVE"))
    );
    assert_eq!((listed["source"].as_str(), listed["labels"][0]["name"].as_str()), (Some("tower"), Some("ci")));
    assert!(listed["endpoint"].as_str().unwrap().ends_with(&format!("/actions/{id}/launch")));
    // tw actions view -n nightly: the list for the name, then the action.
    let view = ok(app, Method::GET, &format!("/actions/{id}"), None).await;
    for key in ["id", "name", "status", "source", "hookUrl", "dateCreated"] {
        assert!(!view["action"][key].is_null(), "tw prints {key}: {view}");
    }
    assert_eq!(view["action"]["launch"]["pipeline"], "https://github.com/nextflow-io/hello");
    // tw actions update -n nightly --new-name nightly-2 --status paused
    assert_eq!(app.get("/actions/validate?name=nightly-2").await.0, 204);
    ok(app, Method::PUT, &format!("/actions/{id}"), Some(json!({"name": "nightly-2", "launch": view["action"]["launch"]}))).await;
    ok(app, Method::POST, &format!("/actions/{id}/pause"), Some(json!({}))).await;
    let view = ok(app, Method::GET, &format!("/actions/{id}"), None).await;
    assert_eq!((view["action"]["name"].as_str(), view["action"]["status"].as_str()), (Some("nightly-2"), Some("PAUSED")));
    // Launched from the endpoint tw printed, once resumed.
    ok(app, Method::POST, &format!("/actions/{id}/pause"), None).await;
    let run = ok(app, Method::POST, &format!("/actions/{id}/launch"), Some(json!({"params": {}}))).await;
    let done = wait_status(app, run["workflowId"].as_str().unwrap(), &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["workflow"]["status"], "SUCCEEDED", "{done}");
    // tw actions delete
    ok(app, Method::DELETE, &format!("/actions/{id}"), None).await;
    assert_eq!(ok(app, Method::GET, "/actions", None).await["actions"], json!([]));
}

crate::both_local!(tw_action_commands_get_what_tw_reads);
