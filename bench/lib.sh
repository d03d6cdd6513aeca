# Shared by the benchmark scripts: start the packaged service on a free port with a fresh data directory, create a
# learner, stop it. Sourced. Benchmarks print figures; they never fail a build.
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$BENCH_ROOT/scripts/lib.sh"
source "$BENCH_ROOT/bench/jit.sh"
ensure_everything >/dev/null 2>&1 || ensure_everything
ensure_jemalloc
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
command -v bc >/dev/null || apt_install bc
BENCH_TMP=$(mktemp -d /tmp/decode-bench.XXXXXX)
SERVICE_PID=""
trap 'stop_service; rm -rf "$BENCH_TMP"' EXIT

build_service() {
  (cd "$BENCH_ROOT" && ./mvnw -B -ntp -q package -DskipTests)
}

# build_patched NAME PATCH: the sources as they are, with PATCH (under bench/) applied, packaged in a scratch copy;
# prints the copy's quarkus-app directory. For a benchmark's "before", which the service itself does not carry.
build_patched() {
  local copy="$BENCH_TMP/$1-src"
  mkdir -p "$copy"
  (cd "$BENCH_ROOT" && tar --exclude=./target --exclude=./.git --exclude=./.venv-dbt -cf - .) | tar -x -C "$copy"
  patch -s -p1 -d "$copy" < "$BENCH_ROOT/bench/$2"
  (cd "$copy" && ./mvnw -B -ntp -q package -DskipTests) >&2
  echo "$copy/target/quarkus-app"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_service NAME [VAR=value ...]: starts the packaged service with limits out of the way and the given environment:
# the JVM application ($APP_DIR, target/quarkus-app unless set) with BENCH_JAVA_OPTS, or with BENCH_ARTIFACT=native the
# native executable NATIVE_EXECUTABLE with its image's arguments, from its own folder as in the image. READY_MS: process
# start to the first ready answer.
start_service() {
  local name=$1; shift
  PORT=$(free_port)
  export BASE="http://127.0.0.1:$PORT"
  mkdir -p "$BENCH_TMP/$name"
  local kind=${BENCH_ARTIFACT:-jvm} command=(java ${BENCH_JAVA_OPTS:-} -jar "${APP_DIR:-$BENCH_ROOT/target/quarkus-app}/quarkus-run.jar")
  [ "$kind" = native ] && command=("${NATIVE_EXECUTABLE:?set NATIVE_EXECUTABLE=\$(ensure_native_executable) first}" $(image_args native))
  local started=$(date +%s%N)
  (cd "$(dirname "${command[0]}")" && exec env $(image_env "$kind") PORT="$PORT" RUNNER_DATA_DIR="$BENCH_TMP/$name/data" \
      RUNNER_ADMIN_TOKEN=bench-admin RUNNER_LIMITS_REQUESTS_PER_MINUTE=100000000 \
      RUNNER_LIMITS_EXPENSIVE_PER_MINUTE=100000000 RUNNER_LIMITS_CONCURRENT_REQUESTS=100000 \
      QUARKUS_LOG_CATEGORY__DEV_DECODE__LEVEL=WARN "$@" "${command[@]}") > "$BENCH_TMP/$name/service.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 6000); do
    if curl -fs "$BASE/q/health/ready" >/dev/null 2>&1; then
      READY_MS=$(( ($(date +%s%N) - started) / 1000000 ))
      return 0
    fi
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$BENCH_TMP/$name/service.log"; return 1; }
    sleep 0.01
  done
  echo "service did not become ready" >&2; return 1
}

stop_service() {
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true
  fi
  SERVICE_PID=""
}

# create_learner NAME: prints the new learner's token (the name must be new: the database outlives benchmark runs).
create_learner() {
  curl -fs -X POST "$BASE/api/v1/users" -H 'Authorization: Bearer bench-admin' -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
