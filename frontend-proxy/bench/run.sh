#!/usr/bin/env bash
# Benchmarks tower-frontend against Debian's nginx configured the same way, in one run on this
# machine: both serve the same built web app and forward /api/ to the same real tower-backend
# (release, SQLite), and wrk measures each case on each server in turn.
#
#   frontend-proxy/bench/run.sh            # DURATION=10s ROUNDS=3 THREADS=2 CONNECTIONS=64 by default
#
# Cases: a hashed JS asset with Accept-Encoding: gzip (the .gz file is sent as is by both), a client
# route (index.html), and GET /api/service-info proxied to the backend (public, no token).
# Each case is measured ROUNDS times on each server, taking turns at going first (the machine's
# other load drifts; neither server should always get the quieter slot).
# Prints a Markdown table with the mean req/s and the median p99 of each server and the ratios
# tower/nginx, and each round's req/s ratio.
# nginx and wrk are installed with apt-get when missing; nginx runs in the foreground from a
# generated config in a temporary directory (no systemd). The web app must be built
# (cd frontend-proxy/web && npm ci && npm run build).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
duration=${DURATION:-10s}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
dist=$(cd "${TOWER_FRONTEND_WEB_DIR:-frontend-proxy/web/dist}" && pwd)

if [ ! -f "$dist/index.html" ]; then
  echo "no built web app in $dist: run 'npm ci && npm run build' in frontend-proxy/web" >&2
  exit 1
fi
asset=$(cd "$dist" && find assets -maxdepth 1 -name "index-*.js" | sort | head -n1)
if [ ! -f "$dist/$asset.gz" ]; then
  echo "$dist/$asset.gz is missing: the web build makes the precompressed files" >&2
  exit 1
fi

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet -p tower-frontend -p tower-backend -p tower-cron \
  --bin tower-frontend --bin tower-backend --bin tower-cron
bin=$repo/target/release

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() {
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$1 did not come up" >&2
  exit 1
}
backend_port=$(free_port)
tower_port=$(free_port)
nginx_port=$(free_port)

# The backend: migrated by tower-cron, then served; warnings only, it is the same for both.
export TOWER_DB_URL=sqlite://$work/tower.db TOWER_DATA_DIR=$work TOWER_LOG_LEVEL=warn
export TOWER_JWT_SECRET=benchmark-secret-benchmark-secret-0123456789
"$bin/tower-cron" migrate >"$work/migrate.log" 2>&1
TOWER_BACKEND_SERVER_PORT=$backend_port "$bin/tower-backend" >"$work/backend.log" 2>&1 &
pids+=($!)
unset TOWER_DB_URL TOWER_DATA_DIR TOWER_LOG_LEVEL TOWER_JWT_SECRET

# tower-frontend logs one line per request (info), as nginx writes its access log, and serves the
# web app built into it (the default; build.rs embedded the same dist nginx serves).
"$bin/tower-frontend" --version | grep -q 'web app built in' || { echo "tower-frontend was built without the web app (npm missing?)" >&2; exit 1; }
TOWER_FRONTEND_PORT=$tower_port TOWER_FRONTEND_METRICS_PORT=0 TOWER_BACKEND_URL=http://127.0.0.1:$backend_port \
  "$bin/tower-frontend" 2>"$work/frontend.log" &
pids+=($!)

# nginx: the same headers, caching, fallback and forwarding. One worker per core (tower-frontend
# runs one thread per core); kept-alive connections to the backend (tower-frontend keeps one per
# client connection).
csp="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
security="add_header X-Content-Type-Options nosniff always;
      add_header Referrer-Policy strict-origin-when-cross-origin always;
      add_header X-Frame-Options DENY always;"
user_line=""
[ "$(id -u)" -ne 0 ] || user_line="user root;"
cat >"$work/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset_types text/javascript application/javascript text/css;
  access_log $work/nginx-access.log;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server_tokens off;
  client_body_temp_path $work/client_body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  large_client_header_buffers 4 64k;
  client_header_timeout 30s;
  upstream tower_backend {
    server 127.0.0.1:$backend_port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    root $dist;
    location /assets/ {
      gzip_static on;
      try_files \$uri =404;
      add_header Cache-Control "public, max-age=31536000, immutable" always;
      add_header Content-Security-Policy "$csp" always;
      $security
    }
    location / {
      gzip_static on;
      try_files \$uri /index.html;
      add_header Cache-Control no-cache always;
      add_header Content-Security-Policy "$csp" always;
      $security
    }
    location /api/ {
      proxy_pass http://tower_backend/;
      proxy_buffering off;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      $security
    }
  }
}
EOF
"$nginx" -e "$work/nginx-error.log" -c "$work/nginx.conf" &
pids+=($!)

wait_up "http://127.0.0.1:$backend_port/service-info"
wait_up "http://127.0.0.1:$tower_port/health"
wait_up "http://127.0.0.1:$nginx_port/index.html"

# Both must answer the same before they are compared.
for port in "$tower_port" "$nginx_port"; do
  got=$(curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/$asset")
  want="200 $(stat -c %s "$dist/$asset.gz")"
  [ "$got" = "$want" ] || { echo "port $port: /$asset gave '$got', expected '$want' (the .gz file)" >&2; exit 1; }
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/service-info"
  curl -fsS "http://127.0.0.1:$port/runs/abc" | cmp -s - "$dist/index.html" || { echo "port $port: /runs/abc is not index.html" >&2; exit 1; }
done

# Runs wrk and prints "req/s p99_ms".
measure() {
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@")
  if echo "$out" | grep -q 'Non-2xx\|Socket errors'; then
    echo "$out" >&2
    echo "errors during the benchmark" >&2
    return 1
  fi
  local rps p99
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $(echo "$p99" | awk '/us$/ {print $1/1000; next} /ms$/ {print $1+0; next} /s$/ {print $1*1000; next}')"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { tr ' ' '\n' | awk 'NF {s += $1; n++} END {printf "%.0f", s / n}'; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A paths=([static]="/$asset" [page]="/runs/abc" [api]="/api/service-info")
echo
echo "wrk -t$threads -c$connections -d$duration --latency, $rounds rounds; tower-frontend on :$tower_port, nginx $("$nginx" -v 2>&1 | sed 's/.*\///') on :$nginx_port, $(nproc) CPUs shared by both servers, the backend and wrk"
echo
echo "| case | tower req/s | nginx req/s | req/s tower/nginx | tower p99 ms | nginx p99 ms | p99 tower/nginx | req/s ratio per round |"
echo "|---|---|---|---|---|---|---|---|"
for case in static page api; do
  path=${paths[$case]}
  header=()
  [ "$case" != static ] || header=(-H "Accept-Encoding: gzip")
  for port in "$tower_port" "$nginx_port"; do # warm-up: caches, backend pool
    wrk -t"$threads" -c"$connections" -d2s "${header[@]}" "http://127.0.0.1:$port$path" >/dev/null
  done
  t_rps=() t_p99=() n_rps=() n_p99=() per_round=()
  for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
      read -r tr tp <<<"$(measure "${header[@]}" "http://127.0.0.1:$tower_port$path")"
      read -r nr np <<<"$(measure "${header[@]}" "http://127.0.0.1:$nginx_port$path")"
    else
      read -r nr np <<<"$(measure "${header[@]}" "http://127.0.0.1:$nginx_port$path")"
      read -r tr tp <<<"$(measure "${header[@]}" "http://127.0.0.1:$tower_port$path")"
    fi
    t_rps+=("$tr") t_p99+=("$tp") n_rps+=("$nr") n_p99+=("$np") per_round+=("$(ratio "$tr" "$nr")")
  done
  t_mean=$(echo "${t_rps[*]}" | mean) n_mean=$(echo "${n_rps[*]}" | mean)
  t_med=$(echo "${t_p99[*]}" | median) n_med=$(echo "${n_p99[*]}" | median)
  echo "| $case \`$path\` | $t_mean | $n_mean | $(ratio "$t_mean" "$n_mean") | $t_med | $n_med | $(ratio "$t_med" "$n_med") | ${per_round[*]} |"
done
