#!/usr/bin/env bash
# Jobs benchmark (prints figures; not a test). Side by side in one run, the packaged service as the JVM application
# (target/quarkus-app with the JVM image's flags and allocator: image_args/image_env jvm, -XX:MaxRAM at CONTAINER_MB)
# and as the native executable (its image's arguments), each running dbt jobs as plain processes
# (RUNNER_JOBS_WARM_RUNTIME=false) and through the warm dbt runtime (true). Each configuration gets a fresh service
# and data directory against the local PostgreSQL (DATABASE_URL when set) and measures:
#  (a) the starter's `dbt build` through the service (submit -> `end` event), median of RUNS after one warm-up, divided
#      by the same build from a shell (the service's argv prefix, profile and environment; measured once per run,
#      interleaved with the first configuration's builds)                          target <= 0.7 warm
#  (b) submit -> first `log` event at an SSE client over those runs, median and max  target <= 0.3 s warm
#  (c) 3 new learners' starter builds at once (RUNNER_MEMORY_BUDGET=4G: admission lets them) with 20 SSE log streams,
#      then (c2) the same learners' second builds (with a parse state): peak PSS of the whole process tree (the
#      service and every descendant, sampled every 100 ms) and of the service                  target <= 512 MB native+warm
#                                                                                   (goal <= 450)
#  (e) on a second fresh service with RUNNER_MEMORY_BUDGET=BUDGET_MB (400) MiB: 10 learners submit 2 builds each at
#      once; every job succeeds, none is killed, and the tree's PSS (sampled every 100 ms) never passes the budget
# then one table of every configuration. About 3 minutes a configuration on 2 cores, plus the native build when the
# executable is missing or stale (scripts/lib.sh, ensure_native_executable); the jar is packaged first.
# Usage: [CONFIGS="jvm-plain jvm-warm native-plain native-warm"] [RUNS=5] [DATABASE_URL=postgres://...] bench/jobs.sh
#        (RUNS=0 skips (a) and (b); the measuring steps are bench/jobs_bench.py)
source "$(dirname "$0")/lib.sh"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
CONFIGS=${CONFIGS:-jvm-plain jvm-warm native-plain native-warm}
for config in $CONFIGS; do
  case $config in
    jvm-plain | jvm-warm | native-plain | native-warm) ;;
    *) echo "unknown configuration '$config': CONFIGS takes jvm-plain jvm-warm native-plain native-warm" >&2; exit 2 ;;
  esac
done
export RUNS=${RUNS:-5} BUDGET_MB=${BUDGET_MB:-400} DBT="$DBT_EXECUTABLE" RESULTS="$BENCH_TMP/results"
RUN=$(printf '%x' $(( $(date +%s) % 100000000 )))  # in the usernames: users stay in PostgreSQL
export RUN
mkdir -p "$RESULTS"
BENCH_JAVA_OPTS=$(image_args jvm)
if [[ " $CONFIGS " == *" native-"* ]]; then NATIVE_EXECUTABLE=$(ensure_native_executable); fi
if [[ " $CONFIGS " == *" jvm-"* ]]; then build_service; fi

# The measuring steps run in the background so that INT and TERM reach this script's traps while they run.
STEP_PID=""
step() {
  python3 "$BENCH_ROOT/bench/jobs_bench.py" "$@" &
  STEP_PID=$!
  local rc=0
  wait "$STEP_PID" || rc=$?
  STEP_PID=""
  return $rc
}

# Stops the service, then whatever of its process tree outlives it (a dbt job, the warm runtime), naming it.
stop_service_tree() {
  [ -n "$SERVICE_PID" ] || return 0
  python3 "$BENCH_ROOT/bench/jobs_bench.py" tree "$SERVICE_PID" > "$BENCH_TMP/tree" || true
  stop_service
  python3 "$BENCH_ROOT/bench/jobs_bench.py" reap "$BENCH_TMP/tree" || true
}

cleanup() {
  if [ -n "$STEP_PID" ]; then kill "$STEP_PID" 2>/dev/null || true; fi
  stop_service_tree
  rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_step NAME STEP CONFIG: the measuring step on the running service NAME.
run_step() {
  SERVICE_PID=$SERVICE_PID DATA="$BENCH_TMP/$1/data" SERVICE_LOG="$BENCH_TMP/$1/service.log" step "$2" "$3"
}

# failed_service NAME: the end of the service's log, then the service stopped.
failed_service() {
  tail -n 20 "$BENCH_TMP/$1/service.log"
  stop_service_tree
}

# measure CONFIG: parts (a), (b), (c) on one fresh service, (e) on another.
measure() {
  local config=$1 kind=${1%-*} warm=false
  [ "${1#*-}" = warm ] && warm=true
  local settings=(RUNNER_JOBS_WARM_RUNTIME=$warm RUNNER_LIMITS_LOG_STREAMS=100)
  echo
  if [ "$kind" = jvm ]; then
    echo "== $config: java $BENCH_JAVA_OPTS; ${settings[*]}"
  else
    echo "== $config: $NATIVE_EXECUTABLE $(image_args native); ${settings[*]}"
  fi
  # Admission out of the way (a budget far above the tree), so that (c) measures three builds running at once.
  BENCH_ARTIFACT=$kind start_service "$config" "${settings[@]}" RUNNER_MEMORY_BUDGET=4G || return 1
  echo "    ready in $READY_MS ms"
  run_step "$config" service "$config" || { failed_service "$config"; return 1; }
  stop_service_tree
  BENCH_ARTIFACT=$kind start_service "$config-budget" "${settings[@]}" RUNNER_MEMORY_BUDGET="${BUDGET_MB}M" || return 1
  echo "    (e) on a fresh service with RUNNER_MEMORY_BUDGET=${BUDGET_MB}M, ready in $READY_MS ms"
  run_step "$config-budget" budget "$config" || { failed_service "$config-budget"; return 1; }
  stop_service_tree
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Jobs benchmark: $CONFIGS; RUNS=$RUNS; dbt $DBT; PostgreSQL ${DATABASE_URL:-the local default}; $(nproc) cores"
failed=()
for config in $CONFIGS; do
  measure "$config" || { failed+=("$config"); echo "!! $config did not complete"; }
done

echo
echo "== summary"
step summary $CONFIGS
echo "targets: (a) <= 0.7 warm; (b) median <= 300 ms warm; (c) tree <= 512 MB native-warm (goal <= 450);" \
  "(e) all 20 succeeded, none killed, 0 samples above ${BUDGET_MB} MB"
echo "(a) divides by the median of $RUNS shell builds; (c) and (e): PSS sums of the service and every descendant," \
  "sampled every 100 ms; idle procs: the service's descendants before any job (the warm runtime)"
echo "cores: $(nproc); load average at start $LOAD_START, before measuring $LOAD_BEFORE," \
  "after $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ${#failed[@]} -gt 0 ]; then echo "did not complete: ${failed[*]}"; exit 1; fi
