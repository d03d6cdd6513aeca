#!/usr/bin/env bash
# Starts the service with everything it needs, installing and starting what is missing first.
#   bash scripts/run.sh --native   the native executable, as the production image runs it (Dockerfile.native's CMD);
#                                  built first when its sources changed since the last native build
#   bash scripts/run.sh            the JVM build, quick to rebuild, with the JVM image's flags (Dockerfile.jvm)
# Both run with the image's allocator (jemalloc for DuckDB) and keep their data in ./data unless RUNNER_DATA_DIR is set.
source "$(dirname "$0")/lib.sh"
ensure_everything
ensure_jemalloc
cd "$ROOT"
export RUNNER_DATA_DIR="${RUNNER_DATA_DIR:-$ROOT/data}"
if [ "${1:-}" = "--native" ]; then
  executable=$(ensure_native_executable)
  cd "$(dirname "$executable")"
  exec env $(image_env native) "$executable" $(image_args native)
fi
./mvnw -B -ntp -q package -DskipTests
exec env $(image_env jvm) java $(image_args jvm) -jar target/quarkus-app/quarkus-run.jar
