# Plant Buddy gateway image.
#
# Stage 1 builds a release binary the same way scripts/ do (swift build, with libcurl and zlib headers
# from Debian), with the Swift standard library linked statically so the runtime needs no toolchain.
# Stage 2 is a slim Debian with only libcurl (and its CA certificates) and zlib, running as a non-root
# user. Build: docker build -t plantbuddy .
# Size, estimated from the same build on a development machine (no Docker engine there): the stripped
# binary is 59 MB (static Swift runtime and Foundation), the slim base with libcurl about 90 MB.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4-openssl-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift first: the dependency-free build still benefits from a cached layer per change.
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product plantbuddy --static-swift-stdlib \
    && install -D --strip "$(swift build -c release --show-bin-path)/plantbuddy" /out/plantbuddy

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4 ca-certificates zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/plantbuddy --shell /usr/sbin/nologin plantbuddy \
    && mkdir -p /var/lib/plantbuddy \
    && chown plantbuddy:plantbuddy /var/lib/plantbuddy
COPY --from=build /out/plantbuddy /usr/local/bin/plantbuddy
COPY Flux /usr/share/plantbuddy/Flux
COPY Plugins/plantbuddy_downsample.py Plugins/plantbuddy_alerts.py /usr/share/plantbuddy/Plugins/
COPY Templates /usr/share/plantbuddy/Templates
ENV PLANTBUDDY_LISTEN=0.0.0.0:5000 \
    PLANTBUDDY_DATA_DIR=/var/lib/plantbuddy \
    PLANTBUDDY_FLUX_DIR=/usr/share/plantbuddy/Flux \
    PLANTBUDDY_PLUGINS_DIR=/usr/share/plantbuddy/Plugins \
    PLANTBUDDY_TEMPLATES_DIR=/usr/share/plantbuddy/Templates
USER plantbuddy
WORKDIR /var/lib/plantbuddy
EXPOSE 5000
VOLUME ["/var/lib/plantbuddy"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/plantbuddy", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/plantbuddy"]
CMD ["serve"]
