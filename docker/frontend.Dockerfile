# syntax=docker/dockerfile:1
# tower-frontend: the web app (built into the binary) and the /api/* proxy. Listens on port 80 as a
# non-root user: the binary carries the one capability it needs (NET_BIND_SERVICE, a file
# capability), so the container must be granted it (compose: cap_add, Kubernetes: capabilities.add).
#
# Build from source (needs the Rust and Node.js images, so internet or mirrors of them), from the
# repository root:
#   docker build -f docker/frontend.Dockerfile --build-arg VERSION=v0.1.0 \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t $REGISTRY/tower-frontend:v0.1.0 .
# Build from a binary compiled on a Debian 12 (bookworm) host with Node.js and npm on PATH (so the
# web app is inside it):
#   ... --build-arg BINARIES=prebuilt --build-arg BIN_DIR=target/release ...
# See docs/deployment.md.

# Where the binary and web app come from: "build" (compiled in the image) or "prebuilt" (copied).
ARG BINARIES=build
ARG RUST_IMAGE=rust:1-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY frontend-proxy/web/package.json frontend-proxy/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend-proxy/web ./
RUN npm run build

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY backend backend
COPY cron cron
COPY frontend-proxy frontend-proxy
COPY migrations migrations
COPY openapi openapi
# The web app built above; frontend-proxy/build.rs embeds it (there is no npm in this image).
COPY --from=web /web/dist frontend-proxy/web/dist
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin tower-frontend \
    && install -D -m 0755 target/release/tower-frontend /out/tower-frontend

FROM scratch AS prebuilt
ARG BIN_DIR=target/release
COPY ${BIN_DIR}/tower-frontend /out/tower-frontend

FROM ${BINARIES} AS binaries

# The file capability to bind port 80 without root (COPY keeps it: it is an extended attribute).
FROM ${RUNTIME_IMAGE} AS capability
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcap2-bin \
    && rm -rf /var/lib/apt/lists/*
COPY --from=binaries /out/tower-frontend /out/tower-frontend
RUN setcap cap_net_bind_service=+ep /out/tower-frontend

FROM ${RUNTIME_IMAGE}
# No set-user-id programs: the container may not use no-new-privileges (it would void the file
# capability), so nothing in it may gain root.
RUN groupadd --system --gid 10001 tower \
    && useradd --system --uid 10001 --gid tower --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tower \
    && find / -xdev -type f -perm /6000 -exec chmod a-s {} +
COPY docker/tower-healthcheck /usr/local/bin/tower-healthcheck
COPY --from=capability /out/tower-frontend /usr/local/bin/tower-frontend
ARG VERSION=v0.1.0
ARG COMMIT=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="tower-frontend" \
      org.opencontainers.image.description="Tower in Rust: web app and /api proxy" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# Port 80, as in Seqera's architecture, so manifests written for its frontend (targetPort: 80) work.
ENV TOWER_FRONTEND_PORT=80 \
    TOWER_BACKEND_URL=http://backend:8080
USER 10001:10001
WORKDIR /
EXPOSE 80 9091
# Shell form on purpose: the port comes from the container's environment.
# hadolint ignore=DL3025
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD tower-healthcheck "${TOWER_FRONTEND_PORT:-80}" /health
ENTRYPOINT ["tower-frontend"]
