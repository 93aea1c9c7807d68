# syntax=docker/dockerfile:1
# tower-backend: the REST API and Nextflow trace ingestion (port 8080).
#
# Build from source (needs the Rust image, so internet or a mirror of it), from the repository root:
#   docker build -f docker/backend.Dockerfile --build-arg VERSION=v0.1.0 \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t $REGISTRY/tower-backend:v0.1.0 .
# Build from binaries compiled on a Debian 12 (bookworm) host, no Rust image needed:
#   ... --build-arg BINARIES=prebuilt --build-arg BIN_DIR=target/release ...
# See docs/deployment.md.

# Where the binary comes from: "build" (compiled in the image) or "prebuilt" (copied from BIN_DIR).
ARG BINARIES=build
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY backend backend
COPY cron cron
COPY frontend-proxy frontend-proxy
COPY migrations migrations
COPY openapi openapi
ARG COMMIT=unknown
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    TOWER_COMMIT_ID=${COMMIT} cargo build --release --locked --bin tower-backend \
    && install -D -m 0755 target/release/tower-backend /out/tower-backend

FROM scratch AS prebuilt
ARG BIN_DIR=target/release
COPY ${BIN_DIR}/tower-backend /out/tower-backend

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE}
# openssh-client: compute environments on a cluster are checked (and launched) over SSH.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates openssh-client \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
    && groupadd --system --gid 10001 tower \
    && useradd --system --uid 10001 --gid tower --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tower \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/tower
COPY docker/tower-healthcheck /usr/local/bin/tower-healthcheck
COPY --from=binaries /out/tower-backend /usr/local/bin/tower-backend
ARG VERSION=v0.1.0
ARG COMMIT=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="tower-backend" \
      org.opencontainers.image.description="Tower in Rust: REST API and Nextflow trace ingestion" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# With MySQL nothing is written to the file system, so the root file system may be read-only.
# /var/lib/tower only matters for the embedded SQLite database (no TOWER_DB_URL): mount a volume there.
ENV TOWER_BACKEND_SERVER_PORT=8080 \
    TOWER_DATA_DIR=/var/lib/tower
USER 10001:10001
WORKDIR /var/lib/tower
EXPOSE 8080 9090
# Shell form on purpose: the port comes from the container's environment.
# hadolint ignore=DL3025
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD tower-healthcheck "${TOWER_BACKEND_SERVER_PORT:-8080}" /health
ENTRYPOINT ["tower-backend"]
