# syntax=docker/dockerfile:1
# Multi-stage build: frontend (node) -> Rust dependencies cached with cargo-chef -> release
# binary -> slim runtime as a non-root user.

# --- frontend --------------------------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- Rust: plan, cook dependencies, build ----------------------------------
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --bin bangfu

# --- runtime ---------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system bangfu \
 && useradd --system --gid bangfu --home-dir /app --shell /usr/sbin/nologin bangfu \
 && mkdir -p /app/web /data \
 && chown bangfu:bangfu /data
WORKDIR /app
COPY --from=builder /src/target/release/bangfu /usr/local/bin/bangfu
COPY --from=web /src/frontend/dist /app/web
ENV BANGFU_BIND=0.0.0.0:8080 \
    BANGFU_WEB_DIR=/app/web \
    BANGFU_DATA_DIR=/data \
    BANGFU_LOG_FORMAT=json
USER bangfu
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["bangfu"]
CMD ["serve"]
