#!/usr/bin/env python3
"""Renders the deployment files as the real tools do, for the features this repository uses, so
.ci/deploy.sh needs neither a container engine nor kubectl:

    render.py kustomize DIR                  like `kustomize build DIR`
    render.py compose FILE [--profile P]     like `docker compose -f FILE config`

kustomize: resources (files and directories), namespace, labels without selectors or templates,
images, configMapGenerator and secretGenerator from env files (behavior create, merge or replace,
with disableNameSuffixHash), patches with a kind/name target and inline JSON6902 add/replace/remove
operations; any other field is refused, so it never renders something different
in silence.
.ci/deploy.sh compares it with `kubectl kustomize` whenever kubectl is installed.
compose: variable interpolation ($$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
${VAR?error}, ${VAR:+alt}, ${VAR+alt}) from the environment, YAML merge keys, and profiles.
"""
import argparse
import base64
import os
import pathlib
import re
import sys

import yaml

SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "images", "configMapGenerator", "secretGenerator", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "CustomResourceDefinition", "IngressClass", "PriorityClass"}


def build(directory):
    directory = pathlib.Path(directory)
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(k) - SUPPORTED
    if unknown:
        sys.exit(f"render.py: {directory}/kustomization.yaml uses {sorted(unknown)}: render it with kustomize")
    objs = []
    for res in k.get("resources", []):
        path = directory / res
        if path.is_dir():
            objs.extend(build(path))
        else:
            objs.extend(o for o in yaml.safe_load_all(path.read_text()) if o)
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for gen in k.get(key, []):
            objs = generate(directory, kind, gen, objs)
    for patch in k.get("patches", []):
        objs = apply_patch(patch, objs)
    for o in objs:
        meta = o.setdefault("metadata", {})
        if "namespace" in k and o["kind"] not in CLUSTER_SCOPED:
            meta["namespace"] = k["namespace"]
        for entry in k.get("labels", []):
            if entry.get("includeSelectors") or entry.get("includeTemplates"):
                sys.exit("render.py: labels with includeSelectors/includeTemplates: render it with kustomize")
            meta.setdefault("labels", {}).update(entry["pairs"])
        spec = o.get("spec", {}).get("template", {}).get("spec", {})
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            for img in k.get("images", []):
                name = c["image"].split("@")[0].rsplit(":", 1)[0] if ":" in c["image"].rsplit("/", 1)[-1] else c["image"]
                if name == img["name"]:
                    c["image"] = f"{img.get('newName', img['name'])}:{img['newTag']}"
    return objs


def apply_patch(patch, objs):
    target = patch.get("target", {})
    if set(patch) != {"target", "patch"} or set(target) - {"kind", "name"}:
        sys.exit(f"render.py: patch {patch}: only a kind/name target with an inline JSON6902 patch: render it with kustomize")
    ops = yaml.safe_load(patch["patch"])
    if not isinstance(ops, list):
        sys.exit("render.py: only JSON6902 patches (a list of operations): render it with kustomize")
    matched = [o for o in objs if o["kind"] == target.get("kind", o["kind"]) and o["metadata"]["name"] == target.get("name", o["metadata"]["name"])]
    if not matched:
        sys.exit(f"render.py: patch target {target} matches nothing")
    for o in matched:
        for op in ops:
            *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
            node = o
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node[part]
            key = int(last) if isinstance(node, list) and last != "-" else last
            if op["op"] == "replace":
                if (isinstance(node, list) and not 0 <= key < len(node)) or (isinstance(node, dict) and key not in node):
                    sys.exit(f"render.py: replace {op['path']}: no such value")
                node[key] = op["value"]
            elif op["op"] == "add":
                if isinstance(node, list):
                    node.insert(len(node) if key == "-" else key, op["value"])
                else:
                    node[key] = op["value"]
            elif op["op"] == "remove":
                del node[key]
            else:
                sys.exit(f"render.py: JSON6902 op {op['op']}: render it with kustomize")
    return objs


def generate(directory, kind, gen, objs):
    if set(gen) - {"name", "behavior", "envs", "options"} or not gen.get("options", {}).get("disableNameSuffixHash"):
        sys.exit(f"render.py: {kind} generator {gen.get('name')}: only envs with disableNameSuffixHash: render it with kustomize")
    data = {}
    for env in gen.get("envs", []):
        for line in (directory / env).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                data[key] = value
    if kind == "Secret":
        data = {key: base64.b64encode(v.encode()).decode() for key, v in data.items()}
    behavior = gen.get("behavior", "create")
    existing = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == gen["name"]]
    if behavior == "create":
        if existing:
            sys.exit(f"render.py: {kind} {gen['name']} exists already")
        new = {"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}, "data": data}
        if kind == "Secret":
            new["type"] = "Opaque"
        return objs + [new]
    if not existing:
        sys.exit(f"render.py: {kind} {gen['name']}: nothing to {behavior}")
    old = existing[0]
    if behavior == "replace":
        new = {"apiVersion": "v1", "kind": kind, "metadata": old["metadata"], "data": data}
        if kind == "Secret":
            new["type"] = old.get("type", "Opaque")
    else:
        new = dict(old)
        merged = dict(old.get("data", {}))
        if kind == "Secret":
            merged.update({key: base64.b64encode(v.encode()).decode() for key, v in old.pop("stringData", {}).items()})
            new.pop("stringData", None)
        merged.update(data)
        new["data"] = merged
    return [new if o is old else o for o in objs]


VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value, env, where):
    if isinstance(value, dict):
        return {k: interpolate(v, env, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def one(m):
        dollar, name, op, arg, bare = m.groups()
        if dollar:
            return "$"
        if bare:
            return env.get(bare, "")
        val = env.get(name)
        unset_or_empty = not val if op and op.startswith(":") else val is None
        arg = interpolate(arg or "", env, where)
        if op in (":-", "-"):
            return arg if unset_or_empty else val
        if op in (":?", "?"):
            if unset_or_empty:
                sys.exit(f"compose: {where}: {name}: {arg or 'required'}")
            return val
        if op in (":+", "+"):
            return "" if unset_or_empty else arg
        return val or ""

    if re.search(r"\$(?![${A-Za-z_])", value):
        sys.exit(f"compose: {where}: a lone $ (write $$ for a literal dollar): {value!r}")
    return VAR.sub(one, value)


def compose_config(path, profiles, env):
    doc = yaml.safe_load(pathlib.Path(path).read_text())
    doc = {k: v for k, v in doc.items() if not k.startswith("x-")}
    doc = interpolate(doc, env, "compose")
    doc["services"] = {name: svc for name, svc in doc["services"].items()
                       if not svc.get("profiles") or set(svc["profiles"]) & set(profiles)}
    return doc


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    k = sub.add_parser("kustomize")
    k.add_argument("dir")
    c = sub.add_parser("compose")
    c.add_argument("file")
    c.add_argument("--profile", action="append", default=[])
    a = p.parse_args()
    if a.what == "kustomize":
        yaml.safe_dump_all(build(a.dir), sys.stdout, sort_keys=True)
    else:
        yaml.safe_dump(compose_config(a.file, a.profile, dict(os.environ)), sys.stdout, sort_keys=True)
