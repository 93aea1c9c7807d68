#!/usr/bin/env bash
# Installs (Debian packages) and starts throwaway MariaDB and Redis servers on 127.0.0.1 for the
# tests, and prints the variables the tests read. Usage:
#   eval "$(.ci/services.sh start)"   # start, export TOWER_TEST_MYSQL_URL / TOWER_TEST_REDIS_URL
#   .ci/services.sh stop
set -euo pipefail

DIR="${TOWER_CI_DIR:-/tmp/tower-ci}"
MYSQL_PORT="${TOWER_CI_MYSQL_PORT:-3307}"
REDIS_PORT="${TOWER_CI_REDIS_PORT:-6380}"

log() { echo "services: $*" >&2; }

install_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
}

mysql_ping() { mariadb-admin --protocol=tcp -h127.0.0.1 -P"$MYSQL_PORT" -utower -ptower ping >/dev/null 2>&1; }

start_mariadb() {
  if mysql_ping; then log "MariaDB already running on $MYSQL_PORT"; return; fi
  rm -rf "$DIR/mariadb" && mkdir -p "$DIR/mariadb"
  mariadb-install-db --user=root --datadir="$DIR/mariadb/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$DIR/mariadb/install.log" 2>&1 || { cat "$DIR/mariadb/install.log" >&2; exit 1; }
  nohup mariadbd --user=root --datadir="$DIR/mariadb/data" --bind-address=127.0.0.1 --port="$MYSQL_PORT" \
    --socket="$DIR/mariadb/mysqld.sock" --pid-file="$DIR/mariadb/mysqld.pid" --skip-log-bin \
    --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci >"$DIR/mariadb/server.log" 2>&1 &
  for _ in $(seq 1 60); do
    mariadb-admin -uroot --socket="$DIR/mariadb/mysqld.sock" ping >/dev/null 2>&1 && break
    sleep 1
  done
  mariadb -uroot --socket="$DIR/mariadb/mysqld.sock" <<SQL
CREATE USER IF NOT EXISTS 'tower'@'127.0.0.1' IDENTIFIED BY 'tower';
CREATE USER IF NOT EXISTS 'tower'@'localhost' IDENTIFIED BY 'tower';
GRANT ALL PRIVILEGES ON *.* TO 'tower'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'tower'@'localhost';
CREATE DATABASE IF NOT EXISTS tower;
SQL
  mysql_ping || { tail -20 "$DIR/mariadb/server.log" >&2; log "MariaDB did not start"; exit 1; }
  log "MariaDB $(mariadb -N -uroot --socket="$DIR/mariadb/mysqld.sock" -e 'select version()') on 127.0.0.1:$MYSQL_PORT"
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then log "Redis already running on $REDIS_PORT"; return; fi
  mkdir -p "$DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" --dir "$DIR/redis" >&2
  for _ in $(seq 1 30); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.5
  done
  redis-cli -p "$REDIS_PORT" ping | grep -q PONG || { log "Redis did not start"; exit 1; }
  log "Redis on 127.0.0.1:$REDIS_PORT"
}

stop() {
  for pid in "$DIR/mariadb/mysqld.pid" "$DIR/redis/redis.pid"; do
    [[ -f $pid ]] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$DIR"
}

case "${1:-start}" in
  start)
    mkdir -p "$DIR"
    install_packages
    start_mariadb
    start_redis
    echo "export TOWER_TEST_MYSQL_URL=mysql://tower:tower@127.0.0.1:$MYSQL_PORT/tower"
    echo "export TOWER_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
