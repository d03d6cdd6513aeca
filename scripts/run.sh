#!/usr/bin/env bash
# Starts the service (JVM mode) with everything it needs, installing and starting what is missing first.
source "$(dirname "$0")/lib.sh"
ensure_everything
ensure_jemalloc
cd "$ROOT"
./mvnw -B -ntp -q package -DskipTests
# jemalloc for DuckDB's allocations, as in the production images (src/main/docker/Dockerfile.jvm says why).
LD_PRELOAD=libjemalloc.so.2 exec java ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar
