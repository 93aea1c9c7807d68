#!/usr/bin/env bash
# Installs (Debian packages, as root) and starts throwaway MariaDB and Redis servers, an OpenID
# provider, an OpenSSH server and a single-node Slurm cluster on 127.0.0.1 for the tests, without
# systemd or Docker, and prints the variables the tests read. Usage:
#
#   eval "$(bash .ci/services.sh start)"   # start (or reuse), export TOWER_TEST_MYSQL_URL / TOWER_TEST_REDIS_URL
#                                          # and TOWER_TEST_OIDC_ISSUER
#   bash .ci/services.sh env               # print the export lines without starting anything
#   bash .ci/services.sh status            # exit 0 if both answer
#   bash .ci/services.sh stop              # kill both (by pid file) and remove the temp dir
#
# Settings (environment): TOWER_CI_DIR (default /tmp/tower-ci), TOWER_CI_MYSQL_PORT (3307),
# TOWER_CI_REDIS_PORT (6380), TOWER_CI_MYSQL_COLLATION (utf8mb4_unicode_ci), TOWER_CI_OIDC_PORT (3390),
# TOWER_CI_SSH_PORT (2222).
#
# The SSH server (Debian openssh-server) runs with its own config, host key and pid file, and lets
# the user `towerci` in with a key made here (TOWER_TEST_SSH_KEY). Slurm (Debian slurm-wlm, with
# munge for its authentication) runs slurmctld and slurmd on this host with their state under
# $TOWER_CI_DIR; its config is /etc/slurm/slurm.conf (where sbatch finds it in an SSH session),
# written only when absent or written by this script before.
#
# The OpenID provider is the npm package oidc-provider run by .ci/oidc/provider.mjs (Node.js from
# Debian when missing, packages with `npm ci` from .ci/oidc/package-lock.json).
#
# Only the `export ...` lines go to stdout; progress and errors go to stderr.
#
# Non-default ports on purpose: installing the packages on a machine that runs systemd also starts
# the distribution's own services on 3306/6379, which we leave alone. The servers here are started
# directly (not with service/systemctl: policy-rc.d may forbid that), with --no-defaults so that
# /etc/mysql settings do not leak in, and a fresh data dir each time.
set -euo pipefail

DIR="${TOWER_CI_DIR:-/tmp/tower-ci}"
MYSQL_PORT="${TOWER_CI_MYSQL_PORT:-3307}"
REDIS_PORT="${TOWER_CI_REDIS_PORT:-6380}"
# The schema pins utf8mb4_unicode_ci on every table (sqlx cannot decode String from the BINARY-flagged
# columns utf8mb4_bin produces), so the server default matches it.
MYSQL_COLLATION="${TOWER_CI_MYSQL_COLLATION:-utf8mb4_unicode_ci}"

MDIR="$DIR/mariadb"
RDIR="$DIR/redis"
SOCK="$MDIR/mysqld.sock"
MYSQL_PID="$MDIR/mysqld.pid"
REDIS_PID="$RDIR/redis.pid"
OIDC_PORT="${TOWER_CI_OIDC_PORT:-3390}"
ODIR="$DIR/oidc"
OIDC_PID="$ODIR/oidc.pid"
OIDC_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/oidc"
OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT"
MYSQL_URL="mysql://tower:tower@127.0.0.1:$MYSQL_PORT/tower"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

# mariadbd lives in /usr/sbin, which is not always on PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

log() { echo "services: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "$DIR" in
  "" | / | /tmp | /tmp/ | "$HOME" | "$HOME/") die "refusing to use TOWER_CI_DIR='$DIR'" ;;
esac

pkg_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
pid_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_packages() {
  local missing=() p
  for p in mariadb-server mariadb-client redis-server redis-tools openssh-server openssh-client slurm-wlm munge; do
    pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  ((EUID == 0)) || die "need root to install ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null >&2
}

# Runs SQL as tower over TCP, the way the tests connect.
tower_sql() {
  mariadb --protocol=tcp -h127.0.0.1 -P"$MYSQL_PORT" -utower -ptower --connect-timeout=3 -N -e "$1" 2>/dev/null
}
root_sql() { mariadb --no-defaults -uroot --socket="$SOCK" -N "$@"; }

setup_mariadb_users() {
  root_sql <<'SQL'
CREATE USER IF NOT EXISTS 'tower'@'127.0.0.1' IDENTIFIED BY 'tower';
CREATE USER IF NOT EXISTS 'tower'@'localhost' IDENTIFIED BY 'tower';
GRANT ALL PRIVILEGES ON *.* TO 'tower'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'tower'@'localhost';
CREATE DATABASE IF NOT EXISTS tower;
FLUSH PRIVILEGES;
SQL
}

start_mariadb() {
  if tower_sql 'CREATE DATABASE IF NOT EXISTS tower' >/dev/null; then
    log "reusing MariaDB on 127.0.0.1:$MYSQL_PORT"
    return
  fi
  if ! pid_alive "$MYSQL_PID"; then
    port_open "$MYSQL_PORT" && die "127.0.0.1:$MYSQL_PORT is taken by a server where tower/tower cannot log in"
    rm -rf "$MDIR" && mkdir -p "$MDIR"
    log "initialising MariaDB data dir $MDIR/data"
    mariadb-install-db --no-defaults --user=root --datadir="$MDIR/data" \
      --auth-root-authentication-method=normal --skip-test-db \
      >"$MDIR/install.log" 2>&1 || { cat "$MDIR/install.log" >&2; die "mariadb-install-db failed"; }
    # setsid: the server must not die with the process group of whoever started it.
    setsid -f mariadbd --no-defaults --user=root --datadir="$MDIR/data" \
      --bind-address=127.0.0.1 --port="$MYSQL_PORT" --socket="$SOCK" --pid-file="$MYSQL_PID" \
      --skip-log-bin --skip-name-resolve --max-connections=500 \
      --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
      --innodb-buffer-pool-size=1G --innodb-log-file-size=512M \
      --character-set-server=utf8mb4 --collation-server="$MYSQL_COLLATION" \
      </dev/null >"$MDIR/server.log" 2>&1
  fi
  local i
  for ((i = 0; i < 60; i++)); do
    mariadb-admin --no-defaults -uroot --socket="$SOCK" --connect-timeout=2 ping >/dev/null 2>&1 && break
    grep -q 'Aborting' "$MDIR/server.log" 2>/dev/null && break
    sleep 1
  done
  mariadb-admin --no-defaults -uroot --socket="$SOCK" ping >/dev/null 2>&1 ||
    { tail -n 30 "$MDIR/server.log" >&2 || true; die "MariaDB did not start (log: $MDIR/server.log)"; }
  setup_mariadb_users
  tower_sql 'SELECT 1' >/dev/null || die "MariaDB is up but tower/tower cannot log in over TCP"
  log "MariaDB $(root_sql -e 'SELECT VERSION()') on 127.0.0.1:$MYSQL_PORT (log: $MDIR/server.log)"
}

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

start_redis() {
  if redis_ping; then
    log "reusing Redis on 127.0.0.1:$REDIS_PORT"
    return
  fi
  port_open "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is taken by something that is not Redis"
  mkdir -p "$RDIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "$REDIS_PID" --logfile "$RDIR/redis.log" --dir "$RDIR" </dev/null >&2
  local i
  for ((i = 0; i < 60; i++)); do
    redis_ping && break
    sleep 0.5
  done
  redis_ping || { tail -n 30 "$RDIR/redis.log" >&2 || true; die "Redis did not start (log: $RDIR/redis.log)"; }
  log "Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$REDIS_PORT"
}

# The mail tests start their own SMTP servers (.ci/smtp/server.py, one per test, so each test
# sees only its own mail); they need aiosmtpd from PyPI.
ensure_aiosmtpd() {
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    log "installing aiosmtpd (PyPI) for the SMTP test server"
    python3 -m pip install -q --disable-pip-version-check "aiosmtpd==1.4.6" >&2
  fi
  log "aiosmtpd $(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)') for .ci/smtp/server.py"
}

oidc_ready() {
  curl -fsS --max-time 5 "$OIDC_ISSUER/.well-known/openid-configuration" 2>/dev/null | grep -qF "\"issuer\":\"$OIDC_ISSUER\""
}

start_oidc() {
  if oidc_ready; then
    log "reusing the OpenID provider at $OIDC_ISSUER"
    return
  fi
  port_open "$OIDC_PORT" && die "127.0.0.1:$OIDC_PORT is taken by something that is not our OpenID provider"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ((EUID == 0)) || die "need root to install nodejs and npm"
    log "installing nodejs npm"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm </dev/null >&2
  fi
  if [[ ! -d $OIDC_SRC/node_modules/oidc-provider || $OIDC_SRC/package-lock.json -nt $OIDC_SRC/node_modules/.package-lock.json ]]; then
    log "npm ci in $OIDC_SRC"
    (cd "$OIDC_SRC" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  mkdir -p "$ODIR"
  OIDC_PORT=$OIDC_PORT OIDC_PID_FILE="$OIDC_PID" setsid -f node "$OIDC_SRC/provider.mjs" </dev/null >"$ODIR/oidc.log" 2>&1
  local i
  for ((i = 0; i < 60; i++)); do
    oidc_ready && break
    sleep 0.5
  done
  oidc_ready || { tail -n 30 "$ODIR/oidc.log" >&2 || true; die "the OpenID provider did not start (log: $ODIR/oidc.log)"; }
  log "OpenID provider (oidc-provider $(node -p "require('$OIDC_SRC/node_modules/oidc-provider/package.json').version"), node $(node --version)) at $OIDC_ISSUER"
}

# Sends TERM to the pid in $1, waits up to 30 s, then KILL.
stop_pidfile() {
  local file=$1 name=$2 pid i
  pid_alive "$file" || return 0
  pid=$(cat "$file")
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "$name did not stop in 30 s, killing it"
  kill -9 "$pid" 2>/dev/null || true
}

SSH_PORT="${TOWER_CI_SSH_PORT:-2222}"
SDIR="$DIR/sshd"
SSH_PID="$SDIR/sshd.pid"
SSH_USER=towerci
SLDIR="$DIR/slurm"
SLURM_CONF=/etc/slurm/slurm.conf
SLURM_MARK="# written by tower .ci/services.sh"

start_sshd() {
  if pid_alive "$SSH_PID" && port_open "$SSH_PORT"; then
    log "sshd already running on 127.0.0.1:$SSH_PORT"
    return
  fi
  id "$SSH_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$SSH_USER"
  # No password, but not locked either: sshd without PAM refuses a locked account even with a key.
  usermod -p '*' "$SSH_USER"
  mkdir -p "$SDIR" /run/sshd
  [[ -f $SDIR/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$SDIR/host_ed25519" >&2
  [[ -f $SDIR/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C tower-ci -f "$SDIR/id_ed25519" >&2
  cp "$SDIR/id_ed25519.pub" "$SDIR/authorized_keys"
  chmod 644 "$SDIR/authorized_keys"
  cat >"$SDIR/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SDIR/host_ed25519
PidFile $SSH_PID
AuthorizedKeysFile $SDIR/authorized_keys
AllowUsers $SSH_USER
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes no
MaxStartups 50
CONF
  /usr/sbin/sshd -f "$SDIR/sshd_config" -E "$SDIR/sshd.log"
  local i
  for ((i = 0; i < 50; i++)); do port_open "$SSH_PORT" && break; sleep 0.1; done
  port_open "$SSH_PORT" || die "sshd did not start (see $SDIR/sshd.log)"
  log "sshd on 127.0.0.1:$SSH_PORT (user $SSH_USER, key $SDIR/id_ed25519)"
}

slurm_idle() { sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

start_slurm() {
  if slurm_idle; then
    log "Slurm already running"
    return
  fi
  if [[ -f $SLURM_CONF ]] && ! grep -qF "$SLURM_MARK" "$SLURM_CONF"; then
    die "$SLURM_CONF exists and was not written by this script: not touching it"
  fi
  local node cpus
  node=$(hostname -s)
  cpus=$(nproc)
  mkdir -p "$SLDIR/state" "$SLDIR/spool" /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged --force
  fi
  cat >"$SLURM_CONF" <<CONF
$SLURM_MARK: a one-node cluster for the tests
ClusterName=towerci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$SLDIR/state
SlurmdSpoolDir=$SLDIR/spool
SlurmctldPidFile=$SLDIR/slurmctld.pid
SlurmdPidFile=$SLDIR/slurmd.pid
SlurmctldLogFile=$SLDIR/slurmctld.log
SlurmdLogFile=$SLDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld -i
  pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
  local i
  for ((i = 0; i < 60; i++)); do
    slurm_idle && break
    scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  slurm_idle || die "Slurm did not come up (see $SLDIR/slurmctld.log and $SLDIR/slurmd.log)"
  log "Slurm: node $node idle in partition debug"
}

stop_slurm() {
  local f
  for f in "$SLDIR/slurmd.pid" "$SLDIR/slurmctld.pid"; do stop_pidfile "$f" "$(basename "$f" .pid)"; done
  [[ -f $SLURM_CONF ]] && grep -qF "$SLURM_MARK" "$SLURM_CONF" && rm -f "$SLURM_CONF"
  return 0
}

print_env() {
  echo "export TOWER_TEST_MYSQL_URL=$MYSQL_URL"
  echo "export TOWER_TEST_REDIS_URL=$REDIS_URL"
  echo "export TOWER_TEST_OIDC_ISSUER=$OIDC_ISSUER"
  echo "export TOWER_TEST_SSH_HOST=127.0.0.1 TOWER_TEST_SSH_PORT=$SSH_PORT TOWER_TEST_SSH_USER=$SSH_USER TOWER_TEST_SSH_KEY=$SDIR/id_ed25519"
}

case "${1:-start}" in
  start)
    install_packages
    mkdir -p "$DIR"
    start_mariadb
    start_redis
    start_oidc
    ensure_aiosmtpd
    start_sshd
    start_slurm
    print_env
    ;;
  stop)
    stop_pidfile "$MYSQL_PID" MariaDB
    stop_pidfile "$REDIS_PID" Redis
    stop_pidfile "$OIDC_PID" "OpenID provider"
    stop_pidfile "$SSH_PID" sshd
    stop_slurm
    rm -rf "$DIR"
    ;;
  status)
    ok=0
    if tower_sql 'SELECT 1' >/dev/null; then log "MariaDB: up ($MYSQL_URL)"; else log "MariaDB: down"; ok=1; fi
    if redis_ping; then log "Redis: up ($REDIS_URL)"; else log "Redis: down"; ok=1; fi
    if oidc_ready; then log "OpenID provider: up ($OIDC_ISSUER)"; else log "OpenID provider: down"; ok=1; fi
    if port_open "$SSH_PORT"; then log "sshd: up (127.0.0.1:$SSH_PORT)"; else log "sshd: down"; ok=1; fi
    if slurm_idle; then log "Slurm: up"; else log "Slurm: down"; ok=1; fi
    exit "$ok"
    ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
