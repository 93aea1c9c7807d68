#!/usr/bin/env bash
# Fault tests of ingestion (docs/reliability.md has the figures), over the real binaries, a MariaDB
# and a Redis of their own (they are killed here), two backend replicas behind a TCP balancer (a
# Kubernetes Service's part, .ci/faults/balance.py) and the frontend proxy. The clients are the
# Nextflow stand-in (backend/tests/standin/nextflow), which retries as Nextflow does; each scenario
# runs RUNS of them at once, TASKS tasks each, through the proxy, and then checks in the database
# that every run succeeded exactly once with every task stored as completed.
#
#   bash .ci/faults/ingest.sh [target/debug]
#
# replica-kill: one of the two backends is killed with SIGKILL during ingestion (and restarted).
# mariadb-kill: MariaDB is killed with SIGKILL during ingestion and restarted 6 s later (crash
#   recovery), longer than TOWER_DB_ACQUIRE_TIMEOUT, so the clients get 503 and send again.
# redis-freeze: Redis is frozen (SIGSTOP) during ingestion, the API must answer within its
#   timeouts meanwhile; then Redis is killed and restarted, and a live event stream on one replica
#   must again see a run reported to the other (events cross replicas through Redis).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

BIN="$(cd "${1:-target/debug}" && pwd)"
RUNS="${TOWER_FAULTS_RUNS:-6}"
TASKS="${TOWER_FAULTS_TASKS:-60}"
API_LIMIT_MS=5000

work=$(mktemp -d /tmp/tower-faults-ingest.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [[ -f $work/mysql.pid ]] && kill -9 "$(cat "$work/mysql.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAULTS: $*" >&2; for f in "$work"/*.log; do echo "--- $f"; tail -5 "$f"; done >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- MariaDB and Redis of its own -----------------------------------------------------------------
mysql_port=$(free_port)
mariadb-install-db --no-defaults --user=root --datadir="$work/mysql" --auth-root-authentication-method=normal \
  --skip-test-db >"$work/mysql-install.log" 2>&1 || fail "mariadb-install-db failed"
start_mysql() {
  setsid -f mariadbd --no-defaults --user=root --datadir="$work/mysql" --bind-address=127.0.0.1 --port="$mysql_port" \
    --socket="$work/mysql.sock" --pid-file="$work/mysql.pid" --skip-log-bin --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci </dev/null >>"$work/mysql.log" 2>&1
  for _ in $(seq 120); do
    mariadb-admin --no-defaults -uroot --socket="$work/mysql.sock" --connect-timeout=1 ping >/dev/null 2>&1 && return
    sleep 0.5
  done
  fail "MariaDB did not start"
}
sql() { mariadb --no-defaults -uroot --socket="$work/mysql.sock" -N tower -e "$1"; }
start_mysql
mariadb --no-defaults -uroot --socket="$work/mysql.sock" -e \
  "CREATE DATABASE tower; CREATE USER 'tower'@'127.0.0.1' IDENTIFIED BY 'tower'; GRANT ALL ON tower.* TO 'tower'@'127.0.0.1'"
redis_port=$(free_port)
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >>"$work/redis.log" 2>&1 &
  redis=$!; pids+=("$redis"); disown "$redis"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  fail "Redis did not start"
}
start_redis

export TOWER_DB_URL="mysql://tower:tower@127.0.0.1:$mysql_port/tower" TOWER_REDIS_URL="redis://127.0.0.1:$redis_port"
export TOWER_SERVER_URL=http://localhost:8000 TOWER_JWT_SECRET=fault-tests-secret-long-enough-for-tower-jwt
export TOWER_CRYPTO_SECRETKEY=fault-tests-crypto-key TOWER_LOG_LEVEL=info TOWER_METRICS_PORT=0 TOWER_DB_ACQUIRE_TIMEOUT=3s
"$BIN/tower-cron" migrate >"$work/migrate.log" 2>&1 || fail "migration failed"
token=$("$BIN/tower-backend" token create --email faults@example.com --name faults)

# --- two backends, the balancer, the proxy ----------------------------------------------------------
ports=("$(free_port)" "$(free_port)")
backend_pid=("" "")
start_backend() {
  TOWER_BACKEND_SERVER_PORT=${ports[$1]} "$BIN/tower-backend" >>"$work/backend$1.log" 2>&1 &
  backend_pid[$1]=$!; pids+=("${backend_pid[$1]}"); disown "${backend_pid[$1]}"
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:${ports[$1]}/health" >/dev/null && return; sleep 0.1; done
  fail "backend $1 did not start"
}
start_backend 0
start_backend 1
lb_port=$(free_port)
python3 .ci/faults/balance.py --port "$lb_port" "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" >"$work/balance.log" 2>&1 &
pids+=($!); disown $!
web_port=$(free_port)
TOWER_FRONTEND_PORT=$web_port TOWER_FRONTEND_METRICS_PORT=0 TOWER_BACKEND_URL="http://127.0.0.1:$lb_port" \
  "$BIN/tower-frontend" >"$work/frontend.log" 2>&1 &
pids+=($!); disown $!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$web_port/api/service-info" >/dev/null && break; sleep 0.1; done
api="http://127.0.0.1:$web_port/api"

# --- the clients ------------------------------------------------------------------------------------
standin=backend/tests/standin/nextflow
clients=()
answered_5xx() { grep -cE 'status=5[0-9][0-9]' "$work/frontend.log" || true; }
start_runs() { # name prefix
  errors_before=$(answered_5xx)
  clients=()
  for i in $(seq "$RUNS"); do
    TOWER_ACCESS_TOKEN=$token python3 "$standin" run faults -name "$1_$i" -with-tower "$api" \
      --standin_tasks "$TASKS" --standin_sleep 0.03 >"$work/$1_$i.log" 2>&1 &
    clients+=($!)
  done
}
wait_runs() { # name prefix
  local c
  for c in "${clients[@]}"; do wait "$c" || fail "$1: a client ended with an error (see its log)"; done
  # Exactly one run per client, succeeded, with every task stored once as completed.
  local runs ok
  runs=$(sql "SELECT COUNT(*) FROM tw_workflow WHERE run_name LIKE '$1\\_%'")
  ok=$(sql "SELECT COUNT(*) FROM tw_workflow w WHERE w.run_name LIKE '$1\\_%' AND w.status = 'SUCCEEDED'
            AND (SELECT COUNT(*) FROM tw_task t WHERE t.workflow_id = w.id AND t.status = 'COMPLETED') = $TASKS
            AND (SELECT COUNT(*) FROM tw_task t WHERE t.workflow_id = w.id) = $TASKS")
  echo "$1: $runs runs stored, $ok of $RUNS succeeded with all $TASKS tasks completed;" \
    "the clients got $(($(answered_5xx) - errors_before)) answers 502/503/504 meanwhile and sent those requests again"
  ((runs == RUNS && ok == RUNS)) || fail "$1: expected $RUNS runs with $TASKS completed tasks each"
}
wait_tasks() { # wait until this many task records exist
  for _ in $(seq 300); do (($(sql "SELECT COUNT(*) FROM tw_task") >= $1)) && return; sleep 0.05; done
  fail "ingestion did not get going"
}

# --- replica-kill -----------------------------------------------------------------------------------
start_runs replica
wait_tasks $((RUNS * TASKS / 3))
kill -9 "${backend_pid[0]}"
echo "replica-kill: backend 0 killed at $(sql "SELECT COUNT(*) FROM tw_task") task records"
sleep 2
start_backend 0
wait_runs replica
echo "replica-kill: passed"

# --- mariadb-kill -----------------------------------------------------------------------------------
before=$(sql "SELECT COUNT(*) FROM tw_task")
start_runs mariadb
wait_tasks $((before + RUNS * TASKS / 3))
kill -9 "$(cat "$work/mysql.pid")"
killed=$(ms)
# Down for longer than TOWER_DB_ACQUIRE_TIMEOUT (3 s here), so requests get 503 and are sent again.
sleep 6
start_mysql
echo "mariadb-kill: MariaDB killed, back after $(($(ms) - killed)) ms (crash recovery included)"
wait_runs mariadb
echo "mariadb-kill: passed"

# --- redis-freeze -----------------------------------------------------------------------------------
before=$(sql "SELECT COUNT(*) FROM tw_task")
start_runs redis
wait_tasks $((before + RUNS * TASKS / 4))
kill -STOP "$redis"
worst=0
for _ in 1 2 3 4 5; do
  t0=$(ms)
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -H "Authorization: Bearer $token" "$api/workflow?max=5")
  took=$(($(ms) - t0))
  [[ $code == 200 ]] || fail "redis-freeze: GET /workflow answered $code while Redis was frozen"
  ((took > worst)) && worst=$took
  sleep 1
done
echo "redis-freeze: while Redis was frozen the API answered within ${worst} ms (limit ${API_LIMIT_MS} ms)"
((worst <= API_LIMIT_MS)) || fail "redis-freeze: the API took ${worst} ms"
kill -9 "$redis"
while kill -0 "$redis" 2>/dev/null; do sleep 0.1; done
sleep 1
start_redis
wait_runs redis
# Live events across replicas once Redis is back: a stream on backend 0, a run reported to backend 1.
curl -sN -m 60 -H "Authorization: Bearer $token" "http://127.0.0.1:${ports[0]}/live" >"$work/live.txt" 2>/dev/null &
pids+=($!); disown $!
sleep 1
resumed=""
back=$(ms)
for attempt in $(seq 20); do
  TOWER_ACCESS_TOKEN=$token python3 "$standin" run faults -name "after_redis_$attempt" -with-tower "http://127.0.0.1:${ports[1]}" \
    --standin_tasks 1 --standin_sleep 0 >"$work/after_redis.log" 2>&1 || fail "the run after Redis came back failed"
  id=$(sql "SELECT id FROM tw_workflow WHERE run_name = 'after_redis_$attempt'")
  sleep 0.5
  if grep -q "$id" "$work/live.txt"; then resumed=$attempt; break; fi
done
[[ -n $resumed ]] || fail "redis-freeze: no live event crossed the replicas after Redis came back"
echo "redis-freeze: live events cross replicas again $(($(ms) - back)) ms after Redis was back (run $resumed)"
echo "redis-freeze: passed"
