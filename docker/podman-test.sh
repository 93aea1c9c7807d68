#!/usr/bin/env bash
# Opt-in proof that the deployment runs: builds the three Tower images from binaries compiled on this
# Debian 12 host, starts docker/compose.yml with podman (podman-compose), replays a captured Nextflow
# run through the frontend's /api with a token made inside the backend container, and checks the run
# through the API and the web app through the proxy. No image registry is needed: the Debian base
# image is made with debootstrap, the database (MariaDB) and Redis images are built FROM it.
#
#   docker/podman-test.sh [BIN_DIR]      BIN_DIR: target/release, else target/debug
#   docker/podman-test.sh 2>&1 | tee docs/podman-test-output.txt
#
# The images then go the way docs/deployment.md tells operators to vendor them: pushed to a local
# registry (Debian's docker-registry on 127.0.0.1) as the publisher's, copied into a "mirror" there by
# skopeo sync with docker/registry-sync.yaml, and the stack runs with REGISTRY pointing at the mirror.
#
# Environment: TOWER_TEST_PORT (published port, default 18600), TOWER_TEST_REGISTRY_PORT (default
# 15000), KEEP=1 (leave the stack running),
# TOWER_TEST_ENV_FILE (default docker/test/seqera.tower.env: a Seqera-shaped tower.env, unchanged).
# The web app is inside tower-frontend (built with npm on PATH): the images get no web directory.
# Runs as root on Debian 12; installs podman, runc, debootstrap (apt) and podman-compose (PyPI, in a
# venv under ~/.cache/tower-deploy) when missing. Takes 3-6 minutes, most of it the first time.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tower-deploy
port=${TOWER_TEST_PORT:-18600}
env_file=${TOWER_TEST_ENV_FILE:-docker/test/seqera.tower.env}
project=tower-podman-test
registry=localhost/tower
version=v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
start=$SECONDS

step() { printf '\n== [%3ss] %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
quiet() { local log; log=$(mktemp); if ! "$@" >"$log" 2>&1; then tail -n 40 "$log" >&2; rm -f "$log"; fail "$*"; fi; rm -f "$log"; }

# --- tools --------------------------------------------------------------------------------------
step "tools"
[ "$(id -u)" = 0 ] || fail "run as root (podman networking and debootstrap need it here)"
missing=()
for tool in podman runc debootstrap skopeo docker-registry; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  quiet apt-get update
  DEBIAN_FRONTEND=noninteractive quiet apt-get install -y --no-install-recommends podman runc debootstrap \
    skopeo docker-registry containernetworking-plugins iptables ca-certificates
fi
# Compose services find each other by name (db, redis, backend): with the CNI network backend that
# takes the dnsname plugin, which a podman installed without its recommended packages lacks.
if [ "$(CONTAINERS_CONF="$repo/docker/test/containers.conf" podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null)" = cni ] \
  && [ ! -x /usr/lib/cni/dnsname ]; then
  echo "installing the CNI dnsname plugin (container names in DNS)"
  quiet apt-get update
  DEBIAN_FRONTEND=noninteractive quiet apt-get install -y --no-install-recommends \
    golang-github-containernetworking-plugin-dnsname dnsmasq-base
fi
if [ ! -x "$cache/venv/bin/podman-compose" ]; then
  quiet python3 -m venv "$cache/venv"
  quiet "$cache/venv/bin/pip" install --quiet podman-compose==1.6.0
fi
compose_cmd=("$cache/venv/bin/podman-compose" --project-name "$project" -f docker/compose.yml)
# Our own podman settings, without touching /etc/containers: runc, cgroupfs (no systemd here).
export CONTAINERS_CONF="$repo/docker/test/containers.conf"
podman --version
"$cache/venv/bin/podman-compose" --version 2>/dev/null | grep -i podman-compose | head -n1
skopeo --version

container() { podman ps -a --filter "label=io.podman.compose.project=$project" --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n1; }
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "--- logs of the failed run ---"
    for svc in db redis cron backend frontend; do
      c=$(container "$svc"); [ -n "$c" ] && { echo "--- $svc"; podman logs --tail 30 "$c" 2>&1; }
    done
  fi
  if [ "${KEEP:-0}" = 1 ] && [ $rc -eq 0 ]; then
    echo "KEEP=1: the stack is still running on http://127.0.0.1:$port ('${compose_cmd[*]} down -v' stops it)"
  else
    "${compose_cmd[@]}" down -v >/dev/null 2>&1 || true
  fi
  if [ -n "${stage:-}" ]; then rm -rf "${repo:?}/$stage"; fi
  if [ -n "${registry_pid:-}" ]; then kill "$registry_pid" 2>/dev/null || true; fi
  if [ -n "${regdir:-}" ]; then rm -rf "$regdir"; fi
}
trap cleanup EXIT

# --- inputs -------------------------------------------------------------------------------------
step "binaries"
bin_dir=${1:-}
if [ -z "$bin_dir" ]; then
  for d in target/release target/debug; do
    if [ -x "$d/tower-backend" ] && [ -x "$d/tower-cron" ] && [ -x "$d/tower-frontend" ]; then bin_dir=$d; break; fi
  done
fi
[ -n "$bin_dir" ] || fail "no binaries: run 'cargo build --release' first, or pass a directory holding tower-backend, tower-cron and tower-frontend"
grep -q 'web app built in' <<<"$("$bin_dir/tower-frontend" --version)" || fail "$bin_dir/tower-frontend was built without the web app (no npm on PATH when it was compiled)"
# Stripped copies: debug binaries are hundreds of MB of symbols the images do not need.
stage=docker/.stage
rm -rf "$stage" && mkdir -p "$stage/bin"
for b in tower-backend tower-cron tower-frontend; do
  [ -x "$bin_dir/$b" ] || fail "$bin_dir/$b is missing"
  strip -o "$stage/bin/$b" "$bin_dir/$b"
done
echo "binaries from $bin_dir ($(du -sh "$stage/bin" | cut -f1) stripped), the web app inside tower-frontend"

# --- base images --------------------------------------------------------------------------------
step "base image debian:bookworm-slim (debootstrap, no registry)"
if podman image exists debian:bookworm-slim; then
  echo "already present"
else
  rootfs="$cache/rootfs"
  rm -rf "$rootfs"
  quiet nice -n 19 debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  # As in the official image: apt keeps no package caches in image layers.
  printf '%s\n' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' > "$rootfs/etc/apt/apt.conf.d/docker-clean"
  tar -C "$rootfs" -c . | podman import -q - debian:bookworm-slim
  rm -rf "$rootfs"
fi
step "database and cache images FROM that base"
build() { quiet nice -n 19 podman build --format docker "$@" .; }
podman image exists localhost/tower-test/mariadb:10.11 || build -f docker/test/mariadb.Dockerfile -t localhost/tower-test/mariadb:10.11
podman image exists localhost/tower-test/redis:7 || build -f docker/test/redis.Dockerfile -t localhost/tower-test/redis:7
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep tower-test

# --- Tower images -------------------------------------------------------------------------------
step "Tower images $registry/tower-{backend,cron,frontend}:$version (BINARIES=prebuilt)"
# --no-cache: buildah reuses a cached LABEL layer even when the COMMIT build argument changed.
for svc in backend cron frontend; do
  build --no-cache -f "docker/$svc.Dockerfile" -t "$registry/tower-$svc:$version" \
    --build-arg BINARIES=prebuilt --build-arg BIN_DIR="$stage/bin" \
    --build-arg VERSION="$version" --build-arg COMMIT="$commit" --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
for svc in backend cron frontend; do
  image="$registry/tower-$svc:$version"
  labels=$(podman image inspect "$image" --format '{{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.revision"}}')
  user=$(podman image inspect "$image" --format '{{.User}}')
  health=$(podman image inspect "$image" --format '{{if .HealthCheck}}{{join .HealthCheck.Test " "}}{{end}}')
  size=$(podman image inspect "$image" --format '{{.Size}}')
  echo "$image: labels version/revision '$labels', user $user, $((size / 1000000)) MB, healthcheck: $health"
  [ "$labels" = "$version $commit" ] || fail "$image: OCI labels are '$labels'"
  [ "$user" = "10001:10001" ] || fail "$image runs as '$user'"
  [ -n "$health" ] || fail "$image has no HEALTHCHECK"
done
podman run --rm "$registry/tower-backend:$version" --version 2>/dev/null

# --- vendoring ----------------------------------------------------------------------------------
step "vendoring: publish to a registry, skopeo sync with docker/registry-sync.yaml into a mirror"
reg=127.0.0.1:${TOWER_TEST_REGISTRY_PORT:-15000}
regdir=$(mktemp -d)
cat > "$regdir/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $regdir/data
http:
  addr: $reg
EOF
# Plain-http registry on loopback: podman must be told it is insecure.
cat > "$regdir/registries.conf" <<EOF
unqualified-search-registries = []
[[registry]]
location = "$reg"
insecure = true
EOF
export CONTAINERS_REGISTRIES_CONF="$regdir/registries.conf"
docker-registry serve "$regdir/config.yml" > "$regdir/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('http://$reg/v2/')" 2>/dev/null && break; sleep 0.2; done
for svc in backend cron frontend; do
  quiet podman push --tls-verify=false "$registry/tower-$svc:$version" "docker://$reg/tower/tower-$svc:$version"
done
echo "published $reg/tower/tower-{backend,cron,frontend}:$version"
# docker/registry-sync.yaml as it is, its source registry replaced by the local one. skopeo before
# 1.15 has no images-by-semver: then the file's documented images-by-tag-regex alternative.
"$cache/venv/bin/python" - docker/registry-sync.yaml "$reg" "$(skopeo --version | grep -o '[0-9][0-9.]*' | head -n1)" \
  > "$regdir/sync.yaml" <<'PY'
import sys, yaml
reg, skopeo = sys.argv[2], tuple(int(x) for x in sys.argv[3].split(".")[:2])
(src, spec), = yaml.safe_load(open(sys.argv[1])).items()
if skopeo < (1, 15):
    spec["images-by-tag-regex"] = {name: r"^v[0-9]+\.[0-9]+\.[0-9]+$" for name in spec.pop("images-by-semver")}
spec["tls-verify"] = False
yaml.safe_dump({reg: spec}, sys.stdout)
PY
sed 's/^/  sync.yaml: /' "$regdir/sync.yaml"
quiet skopeo sync --src yaml --dest docker --dest-tls-verify=false "$regdir/sync.yaml" "$reg/mirror"
for svc in backend cron frontend; do
  tags=$(skopeo list-tags --tls-verify=false "docker://$reg/mirror/tower-$svc" | tr -d ' \n')
  echo "$reg/mirror/tower-$svc: $tags"
  case $tags in *"\"$version\""*) ;; *) fail "the mirror has no tower-$svc:$version" ;; esac
  podman rmi -f "$reg/mirror/tower-$svc:$version" >/dev/null 2>&1 || true
done
registry=$reg/mirror

# --- the stack ----------------------------------------------------------------------------------
export REGISTRY=$registry TOWER_VERSION=$version TOWER_PORT=$port TOWER_COMMIT=$commit
export MYSQL_IMAGE=localhost/tower-test/mariadb:10.11 REDIS_IMAGE=localhost/tower-test/redis:7
# compose.yml resolves TOWER_ENV_FILE against its own directory.
export TOWER_ENV_FILE="$repo/$env_file"

"${compose_cmd[@]}" down -v >/dev/null 2>&1 || true
if python3 -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$port"; then
  fail "port $port is taken by another process: set TOWER_TEST_PORT"
fi

# podman before 4.6 has no health events, so podman-compose cannot wait for service_healthy, and
# without systemd nothing runs the healthchecks on a timer. Start the services in the order the
# compose file declares (db, redis -> cron -> backend -> frontend), each once the ones it depends on
# pass their own healthcheck (run here with `podman healthcheck run`).
wait_healthy() {
  local svc=$1 limit=$2 c t=$SECONDS
  c=$(container "$svc"); [ -n "$c" ] || fail "no container for $svc"
  until podman healthcheck run "$c" >/dev/null 2>&1; do
    [ "$(podman inspect "$c" --format '{{.State.Running}}')" = true ] || { podman logs --tail 20 "$c"; fail "$svc stopped"; }
    [ $((SECONDS - t)) -lt "$limit" ] || fail "$svc not healthy after ${limit}s"
    sleep 1
  done
  echo "$svc healthy after $((SECONDS - t))s"
}
up() { quiet "${compose_cmd[@]}" up -d --no-build "$@"; }

step "compose: db and redis"
up db redis
wait_healthy db 120
wait_healthy redis 30
step "compose: cron (migrates at start; healthy once migrated)"
up cron
wait_healthy cron 120
# Read whole before grep: under pipefail, `grep -m1` leaving early would fail the writer (SIGPIPE).
cron_log=$(podman logs "$(container cron)" 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
grep -m1 -i "migrations done" <<<"$cron_log" || fail "cron logged no 'migrations done'"
step "compose: backend"
up backend
wait_healthy backend 60
step "compose: frontend on 127.0.0.1:$port"
up frontend
wait_healthy frontend 30
podman ps --filter "label=io.podman.compose.project=$project" --format '{{.Names}}\t{{.Status}}\t{{.Ports}}'

step "the stack runs the images pulled from the mirror"
for svc in cron backend frontend; do
  image=$(podman inspect "$(container "$svc")" --format '{{.ImageName}}')
  labels=$(podman image inspect "$image" --format '{{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.revision"}}')
  echo "$svc: $image ($labels)"
  [ "$image" = "$registry/tower-$svc:$version" ] && [ "$labels" = "$version $commit" ] || fail "$svc does not run $registry/tower-$svc:$version with its labels"
done

step "container hardening"
for svc in cron backend frontend; do
  c=$(container "$svc")
  uid=$(podman exec "$c" id -u)
  [ "$uid" = 10001 ] || fail "$svc runs as uid $uid"
  if podman exec "$c" bash -c 'echo x > /usr/local/bin/probe' 2>/dev/null; then fail "$svc: root file system is writable"; fi
  podman exec "$c" bash -c 'echo x > /tmp/probe && rm /tmp/probe' || fail "$svc: /tmp is not writable"
  echo "$svc: uid $uid, read-only root file system, writable /tmp"
done
published=$(podman ps --filter "label=io.podman.compose.project=$project" --format '{{.Ports}}' | grep -c -- '->' || true)
[ "$published" = 1 ] || fail "expected one published port, found $published"
echo "one published port: $port -> frontend:80"
c=$(container frontend)
# CapEff of the proxy (PID 1): NET_BIND_SERVICE (bit 10, 0x400) and nothing else.
caps=$(podman exec "$c" sh -c 'grep CapEff /proc/1/status' | awk '{print $2}')
[ "$((16#$caps))" = "$((0x400))" ] || fail "frontend has capabilities $caps, expected only NET_BIND_SERVICE (0000000000000400)"
podman exec "$c" sh -c 'grep -qi ":0050 .* 0A " /proc/net/tcp /proc/net/tcp6' || fail "frontend does not listen on port 80"
echo "frontend: listens on 80 as uid 10001 with only NET_BIND_SERVICE ($caps)"

step "token created inside the backend container"
# Once (2026-12-02) the CLI found no route to db:3306 for its whole 30 s while the running
# backend was serving from the same container and MariaDB logged no attempt: a podman network
# hiccup on a loaded machine. One more try, with what the container's resolver says about db.
if ! token=$(podman exec "$(container backend)" tower-backend token create --email x@example.com --name t); then
  echo "token create failed; db resolves to: $(podman exec "$(container backend)" getent hosts db || echo nothing). Trying again."
  token=$(podman exec "$(container backend)" tower-backend token create --email x@example.com --name t)
fi
[ -n "$token" ] || fail "no token printed"
echo "token: ${token:0:8}... (${#token} characters)"

step "replay a captured Nextflow run through http://127.0.0.1:$port/api and check it"
python3 docker/test/replay.py --api "http://127.0.0.1:$port/api" --token "$token" --web "http://127.0.0.1:$port"

step "restart: the run survives a restart of every Tower container"
for svc in cron backend frontend; do quiet podman restart "$(container "$svc")"; done
wait_healthy cron 60
wait_healthy backend 60
wait_healthy frontend 30
count=$(python3 - "http://127.0.0.1:$port/api/workflow" "$token" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
print(len(json.load(urllib.request.urlopen(req, timeout=30))["workflows"]))
PY
)
[ "$count" = 1 ] || fail "expected 1 run after the restart, found $count"
echo "GET /api/workflow after the restart: $count run"

step "PASSED in $((SECONDS - start))s"
