#!/usr/bin/env python3
"""Checks what schemas cannot: that the deployment files keep the promises of docs/deployment.md.

    check_deploy.py --repo . --compose COMPOSE.yml --k8s RENDERED.yml --registry R --version vX.Y.Z

COMPOSE.yml is docker/compose.yml as `render.py compose` renders it (like `docker compose config`),
with REGISTRY=R and TOWER_VERSION=vX.Y.Z; RENDERED.yml is docker/k8s rendered through an overlay that
sets the same REGISTRY and tag. Prints one line per failed promise and exits 1 if there is any.
"""
import argparse
import base64
import pathlib
import re
import sys

import yaml

TOWER = ("cron", "backend", "frontend")
SEMVER = re.compile(r"^v\d+\.\d+\.\d+$")
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)
    return cond


def config_variables(repo):
    """Environment variables the services read: the quoted names in their config modules."""
    names = {}
    for crate, src in (("backend", "backend/src"), ("frontend", "frontend-proxy/src")):
        files = sorted(repo.glob(f"{src}/config.rs")) + sorted(repo.glob(f"{src}/config/**/*.rs"))
        check(files, f"no configuration module in {src} (config.rs or config/): update check_deploy.py")
        for f in files:
            for n in re.findall(r'"((?:TOWER|MICRONAUT|AUTH)_[A-Z0-9_]+)"', f.read_text()):
                names.setdefault(n, crate)
    return names


def check_tower_env(repo, variables):
    path = repo / "docker/tower.env"
    seen, mentioned = set(), set()
    for i, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        m = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", stripped)
        if m:
            mentioned.add(m.group(1))
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        check(sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"docker/tower.env:{i}: not VARIABLE=value: {line!r}")
        check(not value.startswith(("'", '"')), f"docker/tower.env:{i}: {key}: no quotes (the backend test reads values verbatim)")
        check(key not in seen, f"docker/tower.env:{i}: {key} twice")
        seen.add(key)
    for name, crate in sorted(variables.items()):
        if crate == "backend":
            check(name in mentioned, f"docker/tower.env does not document {name} (read by backend/src/config.rs)")


def check_docs(repo, variables):
    docs = (repo / "docs/deployment.md").read_text()
    for name in sorted(variables):
        check(f"`{name}`" in docs, f"docs/deployment.md does not document `{name}`")
    readme = (repo / "README.md").read_text()
    check("docs/deployment.md" in readme, "README.md does not point to docs/deployment.md")


def check_dockerfiles(repo):
    for svc in ("backend", "cron", "frontend"):
        name = f"docker/{svc}.Dockerfile"
        text = (repo / name).read_text()
        check((repo / f"{name}.dockerignore").is_file(), f"{name}.dockerignore is missing")
        for needle, why in (
            ("ARG BINARIES=build", "the source build is the default"),
            (" AS build\n", "a builder stage"),
            ("FROM scratch AS prebuilt", "a prebuilt-binaries stage"),
            ("FROM ${BINARIES} AS binaries", "BINARIES selects the stage"),
            ("USER 10001:10001", "a non-root user"),
            ("HEALTHCHECK ", "a healthcheck"),
            ('org.opencontainers.image.version="${VERSION}"', "the version label"),
            ('org.opencontainers.image.revision="${COMMIT}"', "the commit label"),
            (f'ENTRYPOINT ["tower-{svc}"]', "the service binary as entrypoint"),
        ):
            check(needle in text, f"{name}: lacks {why} ({needle.strip()!r})")


def check_build_stage(repo):
    """The source build cannot be run here (no Rust image), so check statically that its stage
    copies every workspace member and every file the crates embed at compile time."""
    members = re.search(r"members\s*=\s*\[([^\]]*)\]", (repo / "Cargo.toml").read_text()).group(1)
    members = re.findall(r'"([^"]+)"', members)
    for svc in ("backend", "cron", "frontend"):
        name = f"docker/{svc}.Dockerfile"
        text = (repo / name).read_text()
        stage = text[text.index(" AS build\n"):text.index("FROM scratch AS prebuilt")]
        copied = []
        for line in stage.splitlines():
            m = re.match(r"COPY (?!--from)(.+) \S+$", line)
            if m:
                for src in m.group(1).split():
                    check((repo / src).exists(), f"{name}: build stage copies {src}, which does not exist")
                    copied.append((repo / src).resolve())
        for member in members:
            check((repo / member).resolve() in copied, f"{name}: build stage does not copy workspace member {member}")
        for member in members:
            for rs in (repo / member).glob("src/**/*.rs"):
                for macro, rel in re.findall(r'(include_str|include_bytes|embed_migrations)!\("([^"]+)"\)', rs.read_text()):
                    base = (repo / member) if macro == "embed_migrations" else rs.parent
                    target = (base / rel).resolve()
                    check(any(target == c or c in target.parents for c in copied),
                          f"{name}: {rs.relative_to(repo)} embeds {rel}, which the build stage does not copy")


def check_compose(doc, registry, version):
    services = doc.get("services", {})
    for svc in ("db", "redis") + TOWER:
        if not check(svc in services, f"compose: no service {svc}"):
            return
    for svc in TOWER:
        s = services[svc]
        check(s.get("image") == f"{registry}/tower-{svc}:{version}", f"compose: {svc} image {s.get('image')!r} ignores REGISTRY/TOWER_VERSION")
        check(s.get("read_only") is True, f"compose: {svc} root file system is not read-only")
        check("ALL" in (s.get("cap_drop") or []), f"compose: {svc} keeps capabilities")
        if svc == "frontend":
            check(s.get("cap_add") == ["NET_BIND_SERVICE"], "compose: the frontend needs exactly NET_BIND_SERVICE for port 80")
            check(str(s.get("ports", [""])[0]).endswith(":80"), "compose: the frontend listens on 80 in its container")
        else:
            check(not s.get("cap_add") and "no-new-privileges:true" in (s.get("security_opt") or []), f"compose: {svc} may gain privileges")
        check("tower-healthcheck" in str(s.get("healthcheck", {}).get("test")), f"compose: {svc} has no healthcheck")
        check(s.get("build", {}).get("dockerfile") == f"docker/{svc}.Dockerfile", f"compose: {svc} does not build docker/{svc}.Dockerfile")
    dep = lambda a, b: (services[a].get("depends_on") or {}).get(b, {}).get("condition")  # noqa: E731
    check(dep("cron", "db") == "service_healthy", "compose: cron must wait for a healthy db (it migrates at start)")
    check(dep("backend", "cron") == "service_healthy", "compose: backend must wait for a healthy cron (migrations done)")
    check(dep("frontend", "backend") == "service_healthy", "compose: frontend must wait for a healthy backend")
    published = {k: v.get("ports") for k, v in services.items() if v.get("ports")}
    check(list(published) == ["frontend"] and len(published["frontend"]) == 1, f"compose: only the frontend publishes one port, got {published}")
    for svc in ("cron", "backend"):
        check(bool(services[svc].get("env_file")), f"compose: {svc} does not read tower.env")
    check("env_file" not in services["frontend"], "compose: the frontend needs no tower.env (secrets)")


def check_mail_profile(doc):
    mail = doc.get("services", {}).get("mail")
    check(mail is not None and "mail" in (mail.get("profiles") or []), "compose: no SMTP catcher in the 'mail' profile")


def pod_specs(objs):
    for o in objs:
        if o["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield o, o["spec"]["template"]["spec"]


def check_k8s(objs, registry, version):
    by_kind = {}
    for o in objs:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    deployments = by_kind.get("Deployment", {})
    for name in ("tower-backend", "tower-cron", "tower-frontend"):
        check(name in deployments, f"k8s: no Deployment {name}")
    if problems:
        return
    for o in objs:
        if o["kind"] != "Namespace":
            check(o["metadata"].get("namespace") == "tower", f"k8s: {o['kind']}/{o['metadata']['name']} is not in the tower namespace")
    for o, spec in pod_specs(objs):
        name = f"{o['kind']}/{o['metadata']['name']}"
        psc = spec.get("securityContext", {})
        check(psc.get("runAsNonRoot") is True, f"k8s: {name} pods may run as root")
        check(spec.get("automountServiceAccountToken") is False, f"k8s: {name} mounts a service account token")
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec.get("initContainers", []) + spec["containers"]:
            cname = f"{name} container {c['name']}"
            image = c["image"]
            check(image.startswith(registry + "/tower-") and SEMVER.match(image.rsplit(":", 1)[-1]) and image.endswith(":" + version),
                  f"k8s: {cname} image {image} is not {registry}/tower-*:{version}")
            sc = c.get("securityContext", {})
            check(sc.get("readOnlyRootFilesystem") is True, f"k8s: {cname} root file system is writable")
            check("ALL" in sc.get("capabilities", {}).get("drop", []), f"k8s: {cname} keeps capabilities")
            if c["name"] == "frontend":
                # Port 80 as a non-root user: the binary's file capability, which no_new_privs would void.
                check(sc.get("capabilities", {}).get("add") == ["NET_BIND_SERVICE"], f"k8s: {cname} needs exactly NET_BIND_SERVICE")
                check(80 in [p.get("containerPort") for p in c.get("ports", [])], f"k8s: {cname} does not listen on 80")
            else:
                check(sc.get("allowPrivilegeEscalation") is False, f"k8s: {cname} allows privilege escalation")
                check(not sc.get("capabilities", {}).get("add"), f"k8s: {cname} adds capabilities")
            res = c.get("resources", {})
            check(res.get("requests", {}).get("memory") and res.get("requests", {}).get("cpu"), f"k8s: {cname} has no cpu/memory requests")
            check(res.get("limits", {}).get("memory"), f"k8s: {cname} has no memory limit")
            for ref in c.get("envFrom", []):
                if "configMapRef" in ref:
                    check(ref["configMapRef"]["name"] in by_kind.get("ConfigMap", {}), f"k8s: {cname} reads a missing ConfigMap")
                if "secretRef" in ref:
                    check(ref["secretRef"]["name"] in by_kind.get("Secret", {}), f"k8s: {cname} reads a missing Secret")
        for c in spec["containers"]:
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            check(tmp and "emptyDir" in volumes.get(tmp[0]["name"], {}), f"k8s: {name} container {c['name']} has no emptyDir at /tmp")
            for probe in ("readinessProbe", "livenessProbe"):
                check(c.get(probe, {}).get("httpGet", {}).get("path") == "/health", f"k8s: {name} container {c['name']} {probe} is not GET /health")

    backend, cron = deployments["tower-backend"]["spec"], deployments["tower-cron"]["spec"]
    check(backend["replicas"] == 3, "k8s: the backend runs 3 replicas")
    check(backend["strategy"].get("rollingUpdate", {}).get("maxUnavailable") == 0, "k8s: backend rollouts keep every replica until the new one is ready")
    check(cron["replicas"] == 1, "k8s: exactly one cron")
    check(cron["strategy"]["type"] == "Recreate", "k8s: cron is replaced, never doubled (Recreate)")
    inits = cron["template"]["spec"].get("initContainers", [])
    check(any(c.get("args") == ["migrate"] for c in inits), "k8s: cron has no `tower-cron migrate` init container")
    waits = backend["template"]["spec"].get("initContainers", [])
    check(any("tower-cron" in " ".join(c.get("command", [])) for c in waits), "k8s: backend pods do not wait for cron")

    def pods_of(selector):
        return [d for d in deployments.values()
                if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())]

    for name, svc in by_kind.get("Service", {}).items():
        pods = pods_of(svc["spec"]["selector"])
        if check(pods, f"k8s: Service {name} selects no pods"):
            port_names = {p.get("name") for c in pods[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
            for p in svc["spec"]["ports"]:
                t = p["targetPort"]
                check(isinstance(t, int) or t in port_names, f"k8s: Service {name} targets unknown port {t}")
    pdbs = by_kind.get("PodDisruptionBudget", {})
    check(any(pods_of(p["spec"]["selector"]["matchLabels"]) == [deployments["tower-backend"]] for p in pdbs.values()),
          "k8s: no PodDisruptionBudget for the backend")
    services = by_kind.get("Service", {})
    for name, ing in by_kind.get("Ingress", {}).items():
        check(bool(ing["spec"].get("tls")), f"k8s: Ingress {name} has no TLS")
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                target = path["backend"]["service"]
                svc = services.get(target["name"])
                if check(svc is not None, f"k8s: Ingress {name} routes to missing Service {target['name']}"):
                    check(target["port"].get("name") in {p["name"] for p in svc["spec"]["ports"]} or "number" in target["port"],
                          f"k8s: Ingress {name} routes to an unknown port of {target['name']}")
    check(by_kind.get("Ingress"), "k8s: no Ingress")
    secret = by_kind.get("Secret", {}).get("tower-secrets", {})
    jwt = base64.b64decode(secret.get("data", {}).get("TOWER_JWT_SECRET", "")).decode()
    check(len(jwt) >= 35, "k8s: the example TOWER_JWT_SECRET is shorter than 35 characters")


def check_registry_sync(repo):
    doc = yaml.safe_load((repo / "docker/registry-sync.yaml").read_text())
    check(isinstance(doc, dict) and len(doc) == 1, "registry-sync.yaml: one source registry")
    for registry, spec in doc.items():
        semver = spec.get("images-by-semver", {})
        for svc in TOWER:
            names = [k for k in semver if k.rsplit("/", 1)[-1] == f"tower-{svc}"]
            check(names, f"registry-sync.yaml: tower-{svc} is not synced by semver")
            for n in names:
                check(re.fullmatch(r"[<>=!~^ ]*v?\d+\.\d+\.\d+", str(semver[n]).strip()), f"registry-sync.yaml: {n}: {semver[n]!r} is not a semver constraint")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repo", default=".")
    p.add_argument("--compose", required=True)
    p.add_argument("--compose-mail", required=True, help="the compose config rendered with --profile mail")
    p.add_argument("--k8s", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--version", required=True)
    a = p.parse_args()
    repo = pathlib.Path(a.repo)
    variables = config_variables(repo)
    check(len(variables) > 10, f"found only {len(variables)} configuration variables in the config modules")
    check_tower_env(repo, variables)
    check_docs(repo, variables)
    check_dockerfiles(repo)
    check_build_stage(repo)
    check_compose(yaml.safe_load(open(a.compose)), a.registry, a.version)
    check_mail_profile(yaml.safe_load(open(a.compose_mail)))
    check_k8s([o for o in yaml.safe_load_all(open(a.k8s)) if o], a.registry, a.version)
    check_registry_sync(repo)
    for line in problems:
        print("FAIL:", line)
    if problems:
        sys.exit(1)
    print(f"deployment checks: {len(variables)} configuration variables documented; compose, Dockerfiles, "
          f"Kubernetes objects and registry-sync.yaml keep their promises")


if __name__ == "__main__":
    main()
