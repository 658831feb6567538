# Build with the official Rust image, run on slim Debian as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY templates ./templates
COPY static ./static
COPY locales ./locales
COPY migrations ./migrations
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/consent-link --create-home consent-link
COPY --from=build /src/target/release/consent-link /usr/local/bin/consent-link
USER consent-link
WORKDIR /var/lib/consent-link
# Metrics listen on the container's network for a scraper beside it; only
# port 3000 is for the public (do not publish 9100).
ENV CONSENT_LINK_BIND=0.0.0.0:3000 \
    CONSENT_LINK_METRICS_BIND=0.0.0.0:9100 \
    DATABASE_URL=sqlite:///var/lib/consent-link/consent-link.db
EXPOSE 3000
ENTRYPOINT ["consent-link"]
CMD ["serve"]
