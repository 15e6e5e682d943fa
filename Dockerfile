# Build stage: what CI runs (.ci/run: Debian's JDK 17, Maven, chromium and chromium-driver for the web console
# tests, then the README's test command, mvn -B verify), which builds the jar and runs every test.
FROM debian:bookworm AS build
WORKDIR /src
COPY .ci .ci
COPY pom.xml ./
COPY src src
COPY scripts scripts
COPY model-zoo model-zoo
COPY test-images test-images
RUN .ci/run

# Run stage: the jar and the bundled models, served by an unprivileged user.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app tagger \
 && mkdir -p /app/cache \
 && chown tagger /app/cache
WORKDIR /app
COPY --from=build /src/target/product-tagger.jar /app/product-tagger.jar
COPY model-zoo /app/model-zoo
# MXNet thread settings measured for small CNNs on few cores (README, Performance); the engine cache
# holds the natives DJL extracts from the jar on first start.
ENV MXNET_ENGINE_TYPE=NaiveEngine \
    OMP_NUM_THREADS=2 \
    OPT_OUT_TRACKING=true \
    TAGGER_ENGINE_CACHE=/app/cache \
    TAGGER_ADMIN_ENABLED=false
# The admin API (fine-tuning, promotion) is off by default; to use it, run with TAGGER_ADMIN_ENABLED=true,
# TAGGER_ADMIN_TOKEN=<secret> and TAGGER_ADMIN_HOST=0.0.0.0, and publish port 8081 only to operators.
USER tagger
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/product-tagger.jar"]
CMD ["serve"]
