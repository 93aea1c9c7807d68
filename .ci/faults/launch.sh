#!/usr/bin/env bash
# Fault test of launching (docs/reliability.md has the figures): a burst of launches on the local
# platform while the backend that takes them, and then cron, are killed with SIGKILL and restarted.
# Every launch the database holds must run its head job exactly once and end SUCCEEDED; every
# launch a client got an answer for must be among them. Then a scheduled action fires once a
# minute across a killed cron. The head job runs the Nextflow stand-in
# through a wrapper that counts its executions per run.
#
#   bash .ci/faults/launch.sh [target/debug]     # needs `eval "$(bash .ci/services.sh start)"` first
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BIN="$(cd "${1:-target/debug}" && pwd)"
: "${TOWER_TEST_MYSQL_URL:?start the services first: eval \"\$(bash .ci/services.sh start)\"}"
LAUNCHES="${TOWER_FAULTS_LAUNCHES:-20}"

work=$(mktemp -d /tmp/tower-faults-launch.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  pkill -9 -f "$work/" 2>/dev/null || true
  if [[ -n "${db:-}" ]]; then mysql_admin -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAULTS: $*" >&2; for f in "$work"/*.log; do echo "--- $f"; tail -8 "$f"; done >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ms() { echo $(($(date +%s%N) / 1000000)); }

url="${TOWER_TEST_MYSQL_URL#mysql://}"
creds="${url%%@*}"; hostport="${url#*@}"; hostport="${hostport%%/*}"
mysql_admin() { mysql --protocol=tcp -h "${hostport%%:*}" -P "${hostport##*:}" -u "${creds%%:*}" -p"${creds#*:}" "$@"; }
db="tower_faults_launch_$RANDOM$RANDOM"
mysql_admin -e "CREATE DATABASE $db"
sql() { mysql_admin -N "$db" -e "$1"; }

port=$(free_port)
export TOWER_DB_URL="mysql://$creds@$hostport/$db" TOWER_SERVER_URL=http://localhost:8000
export TOWER_JWT_SECRET=fault-tests-secret-long-enough-for-tower-jwt TOWER_CRYPTO_SECRETKEY=fault-tests-crypto-key
export TOWER_ENABLE_LOCAL_PLATFORM=true TOWER_LAUNCH_API_URL="http://127.0.0.1:$port" TOWER_METRICS_PORT=0
export TOWER_CRON_SERVER_PORT=0 TOWER_CRON_WATCHDOG_INTERVAL=2s TOWER_LOG_LEVEL=info
"$BIN/tower-cron" migrate >"$work/migrate.log" 2>&1 || fail "migration failed"
token=$("$BIN/tower-backend" token create --email faults@example.com --name faults)

# `nextflow` on the head job's PATH: counts each execution, then runs the stand-in.
mkdir -p "$work/bin" "$work/runs"
cat >"$work/bin/nextflow" <<WRAPPER
#!/bin/sh
echo "\$TOWER_WORKFLOW_ID" >> "$work/executions"
exec python3 "$PWD/backend/tests/standin/nextflow" "\$@"
WRAPPER
chmod +x "$work/bin/nextflow"

start_backend() {
  TOWER_BACKEND_SERVER_PORT=$port "$BIN/tower-backend" >>"$work/backend.log" 2>&1 &
  backend=$!; pids+=("$backend"); disown "$backend"
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.05; done
  fail "the backend did not start"
}
start_cron() { "$BIN/tower-cron" >>"$work/cron.log" 2>&1 & cron=$!; pids+=("$cron"); disown "$cron"; }
start_backend
start_cron
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
ce=$(api -X POST "http://127.0.0.1:$port/compute-envs" -d "{\"computeEnv\": {\"name\": \"here\", \"platform\": \"local-platform\",
  \"config\": {\"workDir\": \"$work/runs\", \"preRunScript\": \"export PATH=$work/bin:\$PATH\"}}}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["computeEnvId"])')
for _ in $(seq 100); do
  [[ $(api "http://127.0.0.1:$port/compute-envs/$ce" | python3 -c 'import json,sys; print(json.load(sys.stdin)["computeEnv"]["status"])') == AVAILABLE ]] && break
  sleep 0.2
done

# The burst: every launch at once, each client once (no retry: a launch whose answer is lost
# may or may not be stored, and counts only if it is).
python3 - "$port" "$token" "$ce" "$LAUNCHES" >"$work/accepted" 2>"$work/burst.log" <<'PY' &
import json, sys, threading, urllib.request
port, token, ce, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = threading.Lock()  # one whole line per answer: print() from threads can interleave
def one(i):
    body = {"launch": {"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "runName": f"burst_{i}",
                       "paramsText": "standin_tasks: 2\nstandin_sleep: 0.1"}}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/workflow/launch", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            line, stream = json.load(r)["workflowId"], sys.stdout
    except Exception as e:
        line, stream = f"launch {i}: {e}", sys.stderr
    with out:
        stream.write(line + "\n")
        stream.flush()
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
PY
burst=$!
# Killed while it submits: some head jobs started, others not yet.
for _ in $(seq 1000); do (($(sql "SELECT COUNT(*) FROM tw_launch WHERE state <> 'PENDING'") >= 2)) && break; sleep 0.01; done
kill -9 "$backend"
killed=$(ms)
echo "launch-kill: backend killed with $(sql "SELECT COUNT(*) FROM tw_launch") launches stored, $(sql "SELECT COUNT(*) FROM tw_launch WHERE state = 'PENDING'") not yet submitted"
wait "$burst" || true
start_backend
sleep 1
kill -9 "$cron"
echo "launch-kill: cron killed with $(sql "SELECT COUNT(*) FROM tw_launch WHERE state = 'PENDING'") launches not yet submitted"
start_cron

stored=$(sql "SELECT COUNT(*) FROM tw_launch")
for _ in $(seq 1200); do
  (($(sql "SELECT COUNT(*) FROM tw_launch WHERE state = 'PENDING'") == 0)) && break
  sleep 0.1
done
submitted_ms=$(($(ms) - killed))
for _ in $(seq 1200); do
  (($(sql "SELECT COUNT(*) FROM tw_workflow WHERE status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'UNKNOWN')") == 0)) && break
  sleep 0.1
done
accepted=$(wc -l <"$work/accepted")
succeeded=$(sql "SELECT COUNT(*) FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE w.status = 'SUCCEEDED'")
executions=$(wc -l <"$work/executions")
distinct=$(sort -u "$work/executions" | wc -l)
echo "launch-kill: $accepted of $LAUNCHES launches answered, $stored stored; every stored launch submitted ${submitted_ms} ms after the kill;" \
  "$succeeded succeeded; $executions head job executions for $distinct runs"
((succeeded == stored)) || fail "$((stored - succeeded)) stored launches did not succeed"
((executions == stored && distinct == stored)) || fail "$executions executions of $distinct runs for $stored launches: not exactly once"
while read -r id; do
  (($(sql "SELECT COUNT(*) FROM tw_launch WHERE workflow_id = '$id'") == 1)) || fail "answered launch $id is not stored"
done <"$work/accepted"

# A scheduled action due every minute: its first fire, then its cron killed with SIGKILL and two
# crons started in its place. Each minute fires once, and each fire runs once.
body='{"name": "each-minute", "source": "cron", "cron": {"expression": "* * * * *"}, "launch": {"computeEnvId": "'$ce'",
  "pipeline": "https://github.com/nextflow-io/hello", "paramsText": "standin_tasks: 1\nstandin_sleep: 0"}}'
action=$(api -X POST "http://127.0.0.1:$port/actions" -d "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["actionId"])')
fires() { sql "SELECT COUNT(*) FROM tw_launch WHERE action_id = '$action'"; }
for _ in $(seq 750); do (($(fires) >= 1)) && break; sleep 0.1; done
(($(fires) == 1)) || fail "the scheduled action did not fire within a minute"
kill -9 "$cron"
start_cron
start_cron
for _ in $(seq 900); do (($(fires) >= 2)) && break; sleep 0.1; done
sleep 10 # several more passes of both crons
(($(fires) == 2)) || fail "$(fires) fires of the scheduled action in two minutes, across a cron restart: not once a minute"
gap=$(sql "SELECT MAX(date_created) - MIN(date_created) FROM tw_launch WHERE action_id = '$action'")
((gap >= 45000 && gap <= 75000)) || fail "the scheduled action fired ${gap} ms apart, not a minute"
for _ in $(seq 300); do
  (($(sql "SELECT COUNT(*) FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE l.action_id = '$action' AND w.status = 'SUCCEEDED'") == 2)) && break
  sleep 0.1
done
ran=$(sql "SELECT COUNT(*) FROM tw_launch l JOIN tw_workflow w ON w.id = l.workflow_id WHERE l.action_id = '$action' AND w.status = 'SUCCEEDED'")
((ran == 2)) || fail "$ran of the 2 scheduled runs succeeded"
echo "cron-action: an every-minute action fired twice, ${gap} ms apart, across a killed cron and two new ones; both runs succeeded"
echo "launch-kill: passed"
