#!/bin/bash
# Initialises an empty data directory the way the official mysql image does (database and user from
# MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD), then runs MariaDB. A data directory whose
# initialisation did not finish is started over.
set -euo pipefail
datadir=/var/lib/mysql
chown mysql:mysql "$datadir"
if [ ! -f "$datadir/.initialised" ]; then
  echo "initialising $datadir with database ${MYSQL_DATABASE:?} and user ${MYSQL_USER:?}"
  find "$datadir" -mindepth 1 -delete
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=socket >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --bootstrap --skip-networking <<SQL
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD:?}';
GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%';
SQL
  touch "$datadir/.initialised"
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --skip-name-resolve "$@"
