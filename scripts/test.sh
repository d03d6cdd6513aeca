#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL, Redis, DuckDB files and the pinned dbt CLI,
# installing and starting whatever is missing first. Extra arguments go to Maven (e.g. -Dtest=UsersTest).
source "$(dirname "$0")/lib.sh"
ensure_everything
cd "$ROOT"
exec ./mvnw -B -ntp verify "$@"
