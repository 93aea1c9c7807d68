# syntax=docker/dockerfile:1
# tower-frontend: serves the built web app and forwards /api/* to the backend (port 8000, non-root).
#
# Build from source (needs the Rust and Node.js images, so internet or mirrors of them), from the
# repository root:
#   docker build -f docker/frontend.Dockerfile --build-arg VERSION=v0.1.0 \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t $REGISTRY/tower-frontend:v0.1.0 .
# Build from a binary compiled on a Debian 12 (bookworm) host and a web app built with
# `npm ci && npm run build` in frontend-proxy/web:
#   ... --build-arg BINARIES=prebuilt --build-arg BIN_DIR=target/release --build-arg WEB_DIR=frontend-proxy/web/dist ...
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
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin tower-frontend \
    && install -D -m 0755 target/release/tower-frontend /out/tower-frontend
COPY --from=web /web/dist /out/web

FROM scratch AS prebuilt
ARG BIN_DIR=target/release
ARG WEB_DIR=frontend-proxy/web/dist
COPY ${BIN_DIR}/tower-frontend /out/tower-frontend
COPY ${WEB_DIR} /out/web

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE}
RUN groupadd --system --gid 10001 tower \
    && useradd --system --uid 10001 --gid tower --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tower
COPY docker/tower-healthcheck /usr/local/bin/tower-healthcheck
COPY --from=binaries /out/tower-frontend /usr/local/bin/tower-frontend
COPY --from=binaries /out/web /usr/share/tower/web
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
# Port 8000, not 80: the process runs without root and without capabilities. Services and the
# compose file map the public port onto it.
ENV TOWER_FRONTEND_PORT=8000 \
    TOWER_FRONTEND_WEB_DIR=/usr/share/tower/web \
    TOWER_BACKEND_URL=http://backend:8080
USER 10001:10001
WORKDIR /usr/share/tower
EXPOSE 8000
# Shell form on purpose: the port comes from the container's environment.
# hadolint ignore=DL3025
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD tower-healthcheck "${TOWER_FRONTEND_PORT:-8000}" /health
ENTRYPOINT ["tower-frontend"]
