# Redis 7 for podman-test.sh, built FROM the local Debian base (no image registry is reachable on the
# test machine). compose.yml passes the server arguments, as with the official image.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && install -d -o redis -g redis /data
# The Debian package's user; the image is only used by podman-test.sh.
# hadolint ignore=DL3066
USER redis
WORKDIR /data
VOLUME /data
EXPOSE 6379
CMD ["redis-server", "--dir", "/data", "--protected-mode", "no"]
