//! The run monitoring API: list and search, stars, labels, delete, cancel, logs, tasks paging
//! and sorting, names; and that another user's runs stay invisible through all of it.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::TestApp;
use crate::trace::{progress_body, started_run, task};

async fn complete(app: &TestApp, id: &str, success: bool) {
    let body = json!({"workflow": {"id": id, "complete": "2024-01-01T11:00:00Z", "success": success}, "metrics": [], "progress": {}});
    assert_eq!(app.put(&format!("/trace/{id}/complete"), &body).await.0, 200);
}

fn ids(list: &Value) -> Vec<String> {
    list["workflows"].as_array().unwrap().iter().map(|w| w["workflow"]["id"].as_str().unwrap().to_string()).collect()
}

async fn the_runs_list_pages_newest_first_searches_and_hides_deleted_runs(app: &TestApp) {
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(started_run(app, &app.token).await);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    complete(app, &made[0], true).await;
    complete(app, &made[1], false).await;

    let (s, all) = app.get("/workflow?max=2&offset=0&includeTotalSize=true").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["totalSize"], 5);
    assert_eq!(all["hasMore"], true);
    // Counted only when asked, as Seqera Platform: a page's cost does not grow with the runs.
    let (_, uncounted) = app.get("/workflow?max=2&offset=2").await;
    assert_eq!((uncounted.get("totalSize"), uncounted["hasMore"].as_bool()), (None, Some(true)), "{uncounted}");
    assert_eq!(ids(&all), vec![made[4].clone(), made[3].clone()], "newest first");
    let (_, page3) = app.get("/workflow?max=2&offset=4").await;
    assert_eq!(ids(&page3), vec![made[0].clone()]);
    assert_eq!(page3["hasMore"], false);
    let w = &page3["workflows"][0];
    for key in ["id", "status", "projectName", "runName", "userName", "submit"] {
        assert!(!w["workflow"][key].is_null(), "tw prints {key}");
    }

    let (_, ok) = app.get("/workflow?search=status:succeeded").await;
    assert_eq!(ids(&ok), vec![made[0].clone()]);
    let (_, bad) = app.get("/workflow?search=status:failed%20status:succeeded&includeTotalSize=true").await;
    assert_eq!(bad["totalSize"], 2, "statuses are ORed");
    let (_, running) = app.get("/workflow?search=status:running%20tiny_*&includeTotalSize=true").await;
    assert_eq!(running["totalSize"], 3);
    let (_, none) = app.get("/workflow?search=nothing-like-this&includeTotalSize=true").await;
    assert_eq!(none["totalSize"], 0);
    let (_, by_project) = app.get("/workflow?search=nf/TEST&includeTotalSize=true").await;
    assert_eq!(by_project["totalSize"], 5, "free text is case-insensitive on the project name");
    let (_, exact) = app.get(&format!("/workflow?search=workflowId:{}", made[2])).await;
    assert_eq!(ids(&exact), vec![made[2].clone()]);
    let (_, after) = app.get("/workflow?search=after:2000-01&includeTotalSize=true").await;
    assert_eq!(after["totalSize"], 5);
    let (_, before) = app.get("/workflow?search=before:2000&includeTotalSize=true").await;
    assert_eq!(before["totalSize"], 0);
    let (s, b) = app.get("/workflow?search=status:sleeping").await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("sleeping"));
    assert_eq!(app.get("/workflow?attributes=everything").await.0, 400);
    assert_eq!(app.get("/workflow?max=0").await.0, 400);

    // Stars
    let star = format!("/workflow/{}/star", made[3]);
    assert_eq!(app.get(&star).await.0, 404);
    assert_eq!(app.post(&star, &json!({})).await, (200, json!({"workflowId": made[3]})));
    assert_eq!(app.get(&star).await.0, 200);
    let (_, starred) = app.get("/workflow?search=is:starred").await;
    assert_eq!(ids(&starred), vec![made[3].clone()]);
    assert_eq!(starred["workflows"][0]["starred"], true);
    assert_eq!(app.send(Method::DELETE, &star, Some(&app.token), None).await.0, 200);
    assert_eq!(app.get(&star).await.0, 404);

    // Deleting: an active run needs force; deleted runs vanish everywhere.
    let (s, b) = app.send(Method::DELETE, &format!("/workflow/{}", made[4]), Some(&app.token), None).await;
    assert_eq!(s, 409, "{b}");
    assert!(b["message"].as_str().unwrap().contains("force=true"));
    assert_eq!(app.send(Method::DELETE, &format!("/workflow/{}?force=true", made[4]), Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(Method::DELETE, &format!("/workflow/{}", made[0]), Some(&app.token), None).await.0, 204);
    assert_eq!(app.get(&format!("/workflow/{}", made[4])).await.0, 404);
    let (s, b) = app.post("/workflow/delete", &json!({"workflowIds": [made[1], made[2], "NoSuchRun"]})).await;
    assert_eq!(s, 200);
    assert_eq!(b["failedWorkflowIds"], json!([made[2], "NoSuchRun"]), "the running one and the unknown one");
    let (_, left) = app.get("/workflow").await;
    assert_eq!(ids(&left), vec![made[3].clone(), made[2].clone()]);
    // Nextflow can no longer report to a deleted run.
    assert_eq!(app.put(&format!("/trace/{}/heartbeat", made[4]), &json!({})).await.0, 404);
}
both!(the_runs_list_pages_newest_first_searches_and_hides_deleted_runs);

async fn labels_are_created_once_attached_to_runs_and_searchable(app: &TestApp) {
    let a = started_run(app, &app.token).await;
    let b = started_run(app, &app.token).await;
    let (s, prod) = app.post("/labels", &json!({"name": "prod"})).await;
    assert_eq!(s, 200, "{prod}");
    let (_, again) = app.post("/labels", &json!({"name": "prod"})).await;
    assert_eq!(again["id"], prod["id"], "same name returns the existing label");
    let (_, env) = app.post("/labels", &json!({"name": "env", "value": "dev", "resource": true})).await;
    for bad in [
        json!({"name": "x"}),
        json!({"name": "bad name"}),
        json!({"name": "a--b"}),
        json!({"name": "v", "value": "x1", "resource": false}),
        json!({"name": "rr", "resource": true}),
    ] {
        assert_eq!(app.post("/labels", &bad).await.0, 400, "{bad}");
    }
    let (_, listed) = app.get("/labels?search=pro").await;
    assert_eq!(listed["totalSize"], 1);
    let (_, resources) = app.get("/labels?type=resource").await;
    assert_eq!(resources["labels"][0]["value"], "dev");

    let (pid, eid) = (prod["id"].as_i64().unwrap(), env["id"].as_i64().unwrap());
    assert_eq!(app.post("/workflow/labels/add", &json!({"workflowIds": [a, b], "labelIds": [pid]})).await.0, 204);
    assert_eq!(app.post("/workflow/labels/apply", &json!({"workflowIds": [b], "labelIds": [eid]})).await.0, 204);
    let (_, d) = app.get(&format!("/workflow/{a}")).await;
    assert_eq!(d["labels"][0]["name"], "prod");
    let (_, d) = app.get(&format!("/workflow/{b}")).await;
    assert_eq!(d["labels"].as_array().unwrap().len(), 1);
    assert_eq!(d["labels"][0]["name"], "env");

    let (_, l) = app.get("/workflow?search=label:prod&attributes=labels").await;
    assert_eq!(ids(&l), vec![a.clone()]);
    assert_eq!(l["workflows"][0]["labels"][0]["name"], "prod");
    let (_, l) = app.get("/workflow?search=label:env=dev").await;
    assert_eq!(ids(&l), vec![b.clone()]);
    assert_eq!(app.post("/workflow/labels/remove", &json!({"workflowIds": [a], "labelIds": [pid]})).await.0, 204);
    let (_, l) = app.get("/workflow?search=label:prod&includeTotalSize=true").await;
    assert_eq!(l["totalSize"], 0);

    // All or nothing: an unknown label or run changes nothing.
    assert_eq!(app.post("/workflow/labels/add", &json!({"workflowIds": [a], "labelIds": [pid, 999999]})).await.0, 404);
    assert_eq!(app.post("/workflow/labels/add", &json!({"workflowIds": [a, "NoSuchRun"], "labelIds": [pid]})).await.0, 404);
    let (_, d) = app.get(&format!("/workflow/{a}")).await;
    assert_eq!(d["labels"], json!([]));

    let (s, u) = app.send(Method::PUT, &format!("/labels/{pid}"), Some(&app.token), Some(&json!({"name": "production"}))).await;
    assert_eq!((s, u["name"].as_str()), (200, Some("production")));
    assert_eq!(app.send(Method::DELETE, &format!("/labels/{eid}"), Some(&app.token), None).await.0, 204);
    let (_, d) = app.get(&format!("/workflow/{b}")).await;
    assert_eq!(d["labels"], json!([]), "deleting a label detaches it");

    // Another user's labels do not exist for bob.
    let bob = app.token_for("bob@example.com").await;
    assert_eq!(app.send(Method::DELETE, &format!("/labels/{pid}"), Some(&bob), None).await.0, 404);
    let (_, bobs) = app.send(Method::GET, "/labels", Some(&bob), None).await;
    assert_eq!(bobs["totalSize"], 0);
}
both!(labels_are_created_once_attached_to_runs_and_searchable);

async fn tasks_page_search_and_sort_on_any_column(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let tasks: Vec<Value> = (1..=30)
        .map(|i| {
            let mut t = task(i, if i % 3 == 0 { "FAILED" } else { "COMPLETED" });
            t["realtime"] = json!((31 - i) * 1000);
            t["process"] = json!(if i <= 10 { "ALIGN" } else { "QC" });
            t["name"] = json!(format!("{} ({i})", t["process"].as_str().unwrap()));
            t["peakRss"] = json!(i * 1_000_000);
            t
        })
        .collect();
    assert_eq!(app.put(&format!("/trace/{id}/progress"), &progress_body(tasks)).await.0, 200);
    let page = |q: &str| {
        let path = format!("/workflow/{id}/tasks?{q}");
        async move {
            let (s, b) = app.get(&path).await;
            assert_eq!(s, 200, "{path}: {b}");
            let ids: Vec<i64> = b["tasks"].as_array().unwrap().iter().map(|t| t["task"]["taskId"].as_i64().unwrap()).collect();
            (ids, b["total"].as_i64().unwrap())
        }
    };
    assert_eq!(page("max=5&offset=10").await, (vec![11, 12, 13, 14, 15], 30));
    assert_eq!(page("max=3&sortBy=realtime&sortDir=asc").await.0, vec![30, 29, 28]);
    assert_eq!(page("max=3&sortBy=peakRss&sortDir=desc").await.0, vec![30, 29, 28]);
    assert_eq!(page("max=2&sortBy=name&sortDir=asc").await.0, vec![1, 10]);
    assert_eq!(page("search=failed&max=100").await.1, 10);
    assert_eq!(page("search=align%20failed&max=100").await, (vec![3, 6, 9], 3));
    assert_eq!(page("search=QC%20(2*&max=100").await.1, 10, "wildcards in task names");
    for bad in ["sortBy=secret", "sortDir=sideways", "max=5000", "offset=-1"] {
        assert_eq!(app.get(&format!("/workflow/{id}/tasks?{bad}")).await.0, 400, "{bad}");
    }
    let (_, one) = app.get(&format!("/workflow/{id}/task/3")).await;
    assert_eq!(one["task"]["status"], "FAILED");
    assert!(one["task"]["cost"].as_f64().unwrap() > 0.0);
    assert_eq!(app.get(&format!("/workflow/{id}/task/999")).await.0, 404);
}
both!(tasks_page_search_and_sort_on_any_column);

async fn logs_launch_cancel_and_names_answer_as_clients_expect(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    assert_eq!(app.put(&format!("/trace/{id}/progress"), &progress_body(vec![task(1, "RUNNING")])).await.0, 200);
    let (s, log) = app.get(&format!("/workflow/{id}/log")).await;
    assert_eq!(s, 200);
    assert_eq!(log["log"]["entries"], json!([]));
    assert!(log["log"]["message"].as_str().unwrap().contains("does not send its log"));
    assert_eq!(app.get(&format!("/workflow/{id}/log/1")).await.0, 200);
    assert_eq!(app.get(&format!("/workflow/{id}/log/77")).await.0, 404);
    let r = app.client.get(app.url(&format!("/workflow/{id}/download?fileName=nf-{id}.log"))).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("nf-{id}.log")));
    assert_eq!(r.text().await.unwrap(), "");
    assert_eq!(app.get(&format!("/workflow/{id}/download/1?fileName=.command.out")).await.0, 200);
    assert_eq!(app.get(&format!("/workflow/{id}/download")).await.0, 400);

    assert_eq!(app.get(&format!("/workflow/{id}/launch")).await, (200, json!({"launch": null})));
    let (s, b) = app.post(&format!("/workflow/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("command line"), "{b}");

    let (s, n) = app.get("/workflow/random-name").await;
    assert_eq!(s, 200);
    let name = n["name"].as_str().unwrap().to_string();
    assert!(name.contains('_'));
    assert_eq!(app.get(&format!("/workflow/validate?runName={name}")).await.0, 204);
    assert_eq!(app.get("/workflow/validate?runName=bad%20name").await.0, 400);
    let (_, d) = app.get(&format!("/workflow/{id}")).await;
    let (run, session) = (d["workflow"]["runName"].as_str().unwrap(), d["workflow"]["sessionId"].as_str().unwrap());
    assert_eq!(app.get(&format!("/workflow/validate?runName={run}&sessionId={session}")).await.0, 409);
}
both!(logs_launch_cancel_and_names_answer_as_clients_expect);

async fn every_run_endpoint_hides_another_users_run(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let bob = app.token_for("bob@example.com").await;
    let paths = [
        (Method::GET, format!("/workflow/{id}")),
        (Method::GET, format!("/workflow/{id}/progress")),
        (Method::GET, format!("/workflow/{id}/metrics")),
        (Method::GET, format!("/workflow/{id}/tasks")),
        (Method::GET, format!("/workflow/{id}/task/1")),
        (Method::GET, format!("/workflow/{id}/launch")),
        (Method::GET, format!("/workflow/{id}/log")),
        (Method::GET, format!("/workflow/{id}/download?fileName=x")),
        (Method::GET, format!("/workflow/{id}/star")),
        (Method::POST, format!("/workflow/{id}/star")),
        (Method::DELETE, format!("/workflow/{id}/star")),
        (Method::POST, format!("/workflow/{id}/cancel")),
        (Method::DELETE, format!("/workflow/{id}?force=true")),
        (Method::PATCH, format!("/workflow/{id}")),
    ];
    for (m, p) in paths {
        let (s, b) = app.send(m.clone(), &p, Some(&bob), Some(&json!({}))).await;
        assert_eq!(s, 404, "{m} {p}: {b}");
    }
    let (_, list) = app.send(Method::GET, "/workflow?includeTotalSize=true", Some(&bob), None).await;
    assert_eq!(list["totalSize"], 0);
    let (_, b) = app.send(Method::POST, "/workflow/delete", Some(&bob), Some(&json!({"workflowIds": [id]}))).await;
    assert_eq!(b["failedWorkflowIds"], json!([id]));
    assert_eq!(app.get(&format!("/workflow/{id}")).await.0, 200, "still there for its owner");
}
both!(every_run_endpoint_hides_another_users_run);
