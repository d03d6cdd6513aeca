#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL, Redis, DuckDB files and the pinned dbt CLI, installing and
# starting whatever is missing first: unit and @QuarkusTest tests, then the integration tests (*IT) against the packaged
# JVM application; render.yaml against Render's schema; then the native executable is built and the integration tests
# run again against it. Extra arguments go to the first Maven run (e.g. -Dtest=UsersApiTest -DskipITs).
# Without a native-image toolchain (scripts/lib.sh, find_graalvm) the native half stops the run with a message;
# SKIP_NATIVE=true runs only the JVM half, for a quick local loop.
source "$(dirname "$0")/lib.sh"
ensure_everything
ensure_chromium
cd "$ROOT"
./mvnw -B -ntp verify "$@"
"$(dirname "$DBT_EXECUTABLE")/python" scripts/validate-render.py
if [ "${SKIP_NATIVE:-false}" = true ]; then
  log "SKIP_NATIVE=true: the native executable was not built or tested"
  exit 0
fi
native_build verify -DskipUnitTests
