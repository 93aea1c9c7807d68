#!/usr/bin/env python3
"""Replays a captured Nextflow run through a running Tower (normally the frontend's /api) the way
Nextflow sends it, then checks the result through the API and that the web app is served.

    replay.py --api http://127.0.0.1:8000/api --token TOKEN [--web http://127.0.0.1:8000] [RUN_DIR]

The captured (2019) payloads are mapped onto today's requests as backend/tests/api/helpers.rs
does: create, begin, one progress per task file with the progress snapshot Nextflow computes, then
complete. Standard library only; exits non-zero with a message on the first failed check.
"""
import argparse
import json
import pathlib
import re
import sys
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent


class Api:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, auth=True):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("User-Agent", "Nextflow/25.04.0 (replay.py)")
        if auth:
            req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text


def expect(cond, what):
    if not cond:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def snapshot(tasks):
    """The progress Nextflow reports for the task states seen so far."""
    keys = {"NEW": "pending", "SUBMITTED": "submitted", "RUNNING": "running",
            "COMPLETED": "succeeded", "FAILED": "failed", "CACHED": "cached"}
    per, total = {}, {}
    for t in tasks.values():
        k = keys.get(t["status"], "aborted")
        p = per.setdefault(t.get("process") or "", {})
        p[k] = p.get(k, 0) + 1
        total[k] = total.get(k, 0) + 1
    processes = [
        {"index": i + 1, "name": name, "pending": c.get("pending", 0), "submitted": c.get("submitted", 0),
         "running": c.get("running", 0), "succeeded": c.get("succeeded", 0), "failed": c.get("failed", 0),
         "cached": 0, "aborted": 0, "stored": 0, "ignored": 0, "retries": 0, "terminated": False,
         "loadCpus": 0, "loadMemory": 0, "peakRunning": 1, "peakCpus": 1, "peakMemory": 0}
        for i, (name, c) in enumerate(sorted(per.items()))
    ]
    g = lambda k: total.get(k, 0)  # noqa: E731
    return {"aborted": 0, "cached": 0, "failed": g("failed"), "ignored": 0, "loadCpus": g("running"),
            "loadMemory": 0, "peakCpus": 1, "peakMemory": 0, "peakRunning": 1, "pending": g("pending"),
            "processes": processes, "retries": 0, "running": g("running"), "submitted": g("submitted"),
            "succeeded": g("succeeded")}


def replay(api, run_dir):
    files = [json.loads(f.read_text()) for f in sorted(run_dir.glob("*.json"))]
    first = files[0]["workflow"]
    create = {"sessionId": first["sessionId"], "projectName": first["projectName"],
              "repository": first["repository"], "runName": first["runName"], "workflowId": None,
              "instant": 1557137060000}
    s, b = api.call("POST", "/trace/create", create)
    expect(s == 200 and isinstance(b, dict) and b.get("workflowId"), f"POST /trace/create -> {s} {b}")
    wid = b["workflowId"]
    tasks = {}
    for f in files:
        if "workflow" in f:
            wf = dict(f["workflow"], id=wid)
            if wf.get("complete") is None:
                body = {"workflow": wf, "processNames": f.get("processNames", []), "towerLaunch": False, "instant": 1}
                s, b = api.call("PUT", f"/trace/{wid}/begin", body)
                expect(s == 200 and b.get("status") == "OK", f"PUT /trace/{wid}/begin -> {s}")
            else:
                body = {"workflow": wf, "metrics": f.get("metrics", []), "progress": snapshot(tasks), "instant": 2}
                s, b = api.call("PUT", f"/trace/{wid}/complete", body)
                expect(s == 200, f"PUT /trace/{wid}/complete -> {s}")
        else:
            for t in f["tasks"]:
                tasks[t["taskId"]] = t
            body = {"tasks": f["tasks"], "progress": snapshot(tasks), "containers": [], "instant": 3}
            s, b = api.call("PUT", f"/trace/{wid}/progress", body)
            expect(s == 200, f"PUT /trace/{wid}/progress ({len(f['tasks'])} task) -> {s}")
    return wid, files, tasks


def check_run(api, wid, files, tasks):
    s, d = api.call("GET", f"/workflow/{wid}")
    expect(s == 200, f"GET /workflow/{wid} -> {s}")
    w = d["workflow"]
    last = files[-1]["workflow"]
    expect(w["id"] == wid, f"workflow id {w['id']}")
    expect(w["status"] == "SUCCEEDED", f"status {w['status']}")
    for key in ("runName", "sessionId", "projectName", "commitId"):
        expect(w.get(key) == last.get(key), f"{key} = {w.get(key)!r}")
    wp = d["progress"]["workflowProgress"]
    expect(wp["succeeded"] == len(tasks), f"progress: {wp['succeeded']} tasks succeeded")
    s, t = api.call("GET", f"/workflow/{wid}/tasks")
    expect(s == 200, f"GET /workflow/{wid}/tasks -> {s}")
    stored = sorted((x["task"]["taskId"], x["task"]["status"]) for x in t["tasks"])
    expect(stored == sorted((k, v["status"]) for k, v in tasks.items()), f"tasks {stored}")
    s, lst = api.call("GET", "/workflow")
    expect(s == 200 and any(x["workflow"]["id"] == wid for x in lst["workflows"]), "the run is in GET /workflow")
    s, _ = api.call("GET", f"/workflow/{wid}", auth=False)
    expect(s == 401, f"without a token GET /workflow/{wid} -> {s}")


def check_web(web):
    def get(path):
        with urllib.request.urlopen(web.rstrip("/") + path, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode("utf-8", "replace")

    s, ctype, html = get("/")
    expect(s == 200 and "text/html" in ctype and "<html" in html.lower(), f"GET / -> {s} {ctype}")
    s, _, route = get("/workflows/some-client-route")
    expect(s == 200 and route == html, "a client route answers the same index.html")
    assets = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', html)
    expect(assets, f"index.html references its assets {assets}")
    for a in assets:
        s, ctype, _ = get(a)
        expect(s == 200, f"GET {a} -> {s} {ctype}")
    s, _, body = get("/api/service-info")
    expect(s == 200 and "serviceInfo" in body, "GET /api/service-info through the proxy")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--api", required=True, help="API base URL, e.g. http://127.0.0.1:8000/api")
    p.add_argument("--token", required=True, help="personal access token")
    p.add_argument("--web", help="web app base URL to check, e.g. http://127.0.0.1:8000")
    p.add_argument("run_dir", nargs="?", default=str(HERE.parent.parent / "fixtures" / "trace" / "workflow_success"))
    a = p.parse_args()
    api = Api(a.api, a.token)
    wid, files, tasks = replay(api, pathlib.Path(a.run_dir))
    check_run(api, wid, files, tasks)
    if a.web:
        check_web(a.web)
    print(f"replayed run {wid}: stored and served through {a.api}")


if __name__ == "__main__":
    main()
