#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL, Redis, DuckDB files and the pinned dbt CLI, installing and
# starting whatever is missing first; then checks render.yaml against Render's schema and runs every native-image
# build step that needs no GraalVM. Extra arguments go to the Maven test run (e.g. -Dtest=UsersApiTest).
source "$(dirname "$0")/lib.sh"
ensure_everything
cd "$ROOT"
./mvnw -B -ntp verify "$@"
"$(dirname "$DBT_EXECUTABLE")/python" scripts/validate-render.py
./mvnw -B -ntp -q package -DskipTests \
  -Dquarkus.native.enabled=true -Dquarkus.package.jar.enabled=false -Dquarkus.native.sources-only=true
test -s target/native-sources/native-image.args
echo "native sources: target/native-sources/native-image.args written"
