# A MySQL-compatible database for podman-test.sh, built FROM the local Debian base because the test
# machine reaches no image registry. It honours the official mysql image's variables
# (MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD) and data directory, so compose.yml runs unchanged.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends mariadb-server \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/lib/mysql/* \
    && install -d -o mysql -g mysql /run/mysqld
COPY docker/test/mariadb-entrypoint.sh /usr/local/bin/mariadb-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]
