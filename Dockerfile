# syntax=docker/dockerfile:1
# A static pequod binary on an empty, non-root image.
#   docker build --build-arg PEQUOD_GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t pequod .

FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
ARG PEQUOD_GIT_COMMIT=unknown
ENV PEQUOD_GIT_COMMIT=${PEQUOD_GIT_COMMIT}
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target x86_64-unknown-linux-musl -p pequod \
    && cp target/x86_64-unknown-linux-musl/release/pequod /pequod

FROM scratch
COPY --from=build /pequod /pequod
# The CUE module cache lives on a mounted emptyDir (config/manager).
ENV PEQUOD_CACHE_DIR=/tmp/pequod-cache
USER 65532:65532
ENTRYPOINT ["/pequod"]
CMD ["run"]
