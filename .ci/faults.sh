#!/usr/bin/env bash
# Fault tests over the real binaries, MariaDB and SMTP server (docs/reliability.md has the figures).
#
#   bash .ci/faults.sh [target/debug]     # needs `eval "$(bash .ci/services.sh start)"` first
#
# cron-kill: `tower-cron` is killed with SIGKILL while it sends the outbox through an SMTP server
# that takes a second per message (and stores each message before it answers, so the message in
# flight at the kill is delivered but never marked sent). A new `tower-cron` is started at once.
# Checks: every mail is delivered, at most one duplicate per kill, and sending resumes within
# 15 s of the restart.
#
# smtp-down: the SMTP server is down for TOWER_FAULTS_SMTP_DOWN seconds (default 60) while mail
# waits: cron retries with backoff, its /metrics shows the outbox depth and the failures, and
# every mail goes out once the server is back, exactly once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="${1:-target/debug}"
: "${TOWER_TEST_MYSQL_URL:?start the services first: eval \"\$(bash .ci/services.sh start)\"}"
MAILS="${TOWER_FAULTS_MAILS:-20}"
KILLS="${TOWER_FAULTS_KILLS:-2}"
RESUME_LIMIT=15

work=$(mktemp -d /tmp/tower-faults.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [[ -n "${db:-}" ]]; then mysql_admin -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAULTS: $*" >&2; exit 1; }

# mysql://user:pass@host:port/db -> client arguments
url="${TOWER_TEST_MYSQL_URL#mysql://}"
creds="${url%%@*}"; hostport="${url#*@}"; hostport="${hostport%%/*}"
mysql_admin() { mysql --protocol=tcp -h "${hostport%%:*}" -P "${hostport##*:}" -u "${creds%%:*}" -p"${creds#*:}" "$@"; }

db="tower_faults_$RANDOM$RANDOM"
mysql_admin -e "CREATE DATABASE $db"
export TOWER_DB_URL="mysql://$creds@$hostport/$db"
export TOWER_SERVER_URL=http://localhost:8000 TOWER_CONTACT_EMAIL=tower@example.com
export TOWER_CRON_SERVER_PORT=0 TOWER_CRON_MAIL_INTERVAL=1s TOWER_LOG_LEVEL=info
"$BIN/tower-cron" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; fail "migration failed"; }

# The SMTP server: every recipient here starts with "slow", so each message waits a second.
python3 .ci/smtp/server.py --dir "$work/mail" --port 0 --port-file "$work/smtp.port" --slow-seconds 1 >"$work/smtp.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/smtp.port" ]] && break; sleep 0.1; done
[[ -s "$work/smtp.port" ]] || fail "the SMTP server did not start"
TOWER_SMTP_PORT=$(cat "$work/smtp.port")
export TOWER_SMTP_HOST=127.0.0.1 TOWER_SMTP_PORT TOWER_SMTP_AUTH=false

# queue_mails TAG N RECIPIENT: N mails due now, message ids <TAG>-<i>@tower.test, to <RECIPIENT><i>@example.com.
queue_mails() {
  local now values
  now=$(($(date +%s) * 1000))
  values=$(for i in $(seq "$2"); do
    printf "%s('%s-%d@tower.test', 'sign_in_link', '%s%d@example.com', 'Mail %d', 'Body %d', %d, 0, %d)" \
      "$([[ $i == 1 ]] || echo ,)" "$1" "$i" "$3" "$i" "$i" "$i" "$now" "$now"
  done)
  mysql_admin "$db" -e "INSERT INTO tw_mail (message_id, kind, recipient, subject, body_text, date_created, attempts, next_attempt) VALUES $values"
}
# The outbox: $MAILS mails, due now.
queue_mails fault "$MAILS" slow

delivered() { find "$work/mail" -name '*.eml' 2>/dev/null | wc -l; }
distinct() { cat "$work"/mail/*.eml 2>/dev/null | grep -i '^Message-ID:' | sort -u | wc -l; }
start_cron() { "$BIN/tower-cron" >>"$work/cron.log" 2>&1 & cron=$!; pids+=("$cron"); }

start_cron
worst_resume=0
for k in $(seq "$KILLS"); do
  # Let it deliver a few, then kill it in the middle of a message.
  target=$(($(delivered) + 3))
  for _ in $(seq 300); do (($(delivered) >= target)) && break; sleep 0.1; done
  (($(delivered) >= target)) || { tail -20 "$work/cron.log"; fail "cron sent nothing before kill $k"; }
  sleep 0.5
  kill -9 "$cron"
  wait "$cron" 2>/dev/null || true
  before=$(delivered)
  restarted=$(date +%s%N)
  start_cron
  for _ in $(seq 600); do (($(delivered) > before)) && break; sleep 0.05; done
  (($(delivered) > before)) || { tail -20 "$work/cron.log"; fail "sending did not resume after kill $k"; }
  resume_ms=$((($(date +%s%N) - restarted) / 1000000))
  echo "kill $k: sending resumed ${resume_ms} ms after the restart"
  ((resume_ms > worst_resume)) && worst_resume=$resume_ms
done

# Everything out and marked sent (the message in flight at a kill is sent again once its lease,
# TOWER_CRON_MAIL_LEASE, has passed).
unsent() { mysql_admin -N "$db" -e "SELECT COUNT(*) FROM tw_mail WHERE sent IS NULL"; }
for _ in $(seq 240); do (($(unsent) == 0)) && break; sleep 0.5; done
total=$(delivered); unique=$(distinct)
echo "cron-kill: $MAILS mails, $KILLS kills: $total messages received, $unique distinct, $((total - unique)) duplicates; slowest resume ${worst_resume} ms"
((unique == MAILS)) || { tail -30 "$work/cron.log"; fail "only $unique of $MAILS mails were delivered"; }
((total - unique <= KILLS)) || fail "$((total - unique)) duplicates for $KILLS kills (at most one per kill)"
((worst_resume <= RESUME_LIMIT * 1000)) || fail "sending resumed only after ${worst_resume} ms (limit ${RESUME_LIMIT} s)"
(($(unsent) == 0)) || fail "$(unsent) mails are not marked sent"
echo "cron-kill: passed"

# --- smtp-down ------------------------------------------------------------------------------------
DOWN="${TOWER_FAULTS_SMTP_DOWN:-60}"
kill -9 "$cron" 2>/dev/null || true
wait "$cron" 2>/dev/null || true
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
smtp_port=$(free_port)
metrics_port=$(free_port)
export TOWER_SMTP_PORT=$smtp_port TOWER_CRON_SERVER_PORT=$metrics_port
rm -rf "$work/mail"
DOWN_MAILS=5
queue_mails down "$DOWN_MAILS" user
metric() { curl -sf "http://127.0.0.1:$metrics_port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
start_cron
sleep "$DOWN"
pending=$(metric tower_mail_outbox_pending); failures=$(metric tower_mail_failures_total)
echo "smtp-down: after ${DOWN} s without SMTP: outbox depth ${pending:-none}, ${failures:-no} failed attempts (metrics)"
[[ ${pending%.*} == "$DOWN_MAILS" ]] || fail "the outbox depth metric says '${pending}', not $DOWN_MAILS"
((${failures:-0} >= DOWN_MAILS)) || fail "the failures metric says '${failures}'"
back=$(date +%s%N)
python3 .ci/smtp/server.py --dir "$work/mail" --port "$smtp_port" >"$work/smtp2.log" 2>&1 &
pids+=($!)
for _ in $(seq 1200); do (($(unsent) == 0)) && break; sleep 0.1; done
after_ms=$((($(date +%s%N) - back) / 1000000))
total=$(delivered); unique=$(distinct)
echo "smtp-down: all $DOWN_MAILS delivered ${after_ms} ms after the server came back: $total messages, $unique distinct"
(($(unsent) == 0)) || { tail -20 "$work/cron.log"; fail "$(unsent) mails still unsent 120 s after SMTP came back"; }
((total == DOWN_MAILS && unique == DOWN_MAILS)) || fail "$total messages for $DOWN_MAILS mails"
sleep 1.5
[[ $(metric tower_mail_outbox_pending) == 0 ]] || fail "the outbox depth metric did not return to 0"
echo "smtp-down: passed"
