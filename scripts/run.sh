#!/usr/bin/env bash
# Starts the service (JVM mode) with everything it needs, installing and starting what is missing first.
source "$(dirname "$0")/lib.sh"
ensure_everything
cd "$ROOT"
./mvnw -B -ntp -q package -DskipTests
exec java ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar
