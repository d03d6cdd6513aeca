#!/usr/bin/env bash
# What the per-principal limits cost: GET /api/v1/me under wrk with limits off, counted in memory, and counted in
# Redis, the limits raised so that nothing is refused. Prints requests/s and p99 for each and the ratios to "off"
# (targets: memory >= 0.95x, redis >= 0.7x). Not a test: figures vary with the machine and what else runs on it.
# Because requests/s swing with whatever else the machine runs, it also prints the CPU time the service (and, for
# the redis mode, redis-server) spent per request, which other load disturbs far less.
#
#   bash bench/limits.sh            # uses target/quarkus-app, building it first if it is missing
#   BUILD=1 bash bench/limits.sh    # rebuild first
# "off" is the same code packaged without the limits' route filter (excluded from CDI at build time, in
# target/limits-off), so that the service itself has no switch that turns the limits off.
# Each round starts the three services side by side (one per mode), warms each up until its JIT compiler is quiet
# (bench/jit.sh), and then measures them in turn, window after window, in a rotating order. On a shared machine the
# speed of one JVM swings by a fifth from one 10-second window to the next; measuring the modes in alternating
# windows lets those swings hit all three alike, where one mode per JVM per round let them decide the ratio.
# Environment: DURATION (10s), WINDOWS (3 per mode and round), ROUNDS (2: new JVMs each round), CONNECTIONS (16),
# THREADS (2), PORT (18431; the modes use PORT, PORT+1 and PORT+2), DATABASE_URL (the local default),
# BENCH_REDIS_URL (redis://127.0.0.1:6379). Medians over all windows are reported.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WINDOWS=${WINDOWS:-3}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18431}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
ADMIN=bench-admin-token-not-a-secret
MODES=(off memory redis)
declare -A SERVICE_PID BASE TOKEN
BASE[off]=http://127.0.0.1:$PORT; BASE[memory]=http://127.0.0.1:$((PORT + 1)); BASE[redis]=http://127.0.0.1:$((PORT + 2))
WORK=$(mktemp -d)
round=0
trap 'stop_services; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
# Readiness also checks the dbt executable; the pinned one is what the service runs with.
source scripts/lib.sh
source bench/jit.sh
ensure_dbt
ensure_jemalloc
if [[ ${BUILD:-0} == 1 || ! -f target/quarkus-app/quarkus-run.jar ]]; then
  ./mvnw -B -ntp -q package -DskipTests
fi
# Built every time from the sources as they are, so that "off" never runs older code than the other two.
./mvnw -B -ntp -q package -DskipTests -Dquarkus.arc.exclude-types=dev.decode.runner.limits.LimitsFilter \
    -Dquarkus.package.output-directory=limits-off

stop_services() {
  local mode
  for mode in "${!SERVICE_PID[@]}"; do
    curl -fsS -X DELETE "${BASE[$mode]}/api/v1/users/bench_${mode}_$$_$round" -H "Authorization: Bearer $ADMIN" >/dev/null 2>&1 || true
    kill "${SERVICE_PID[$mode]}" 2>/dev/null || true
    wait "${SERVICE_PID[$mode]}" 2>/dev/null || true
    unset "SERVICE_PID[$mode]"
  done
}

# start_service MODE: off | memory | redis, on its own port and data directory, with a user of its own.
start_service() {
  local mode=$1 app=target/quarkus-app redis= port=${BASE[$1]##*:}
  [[ $mode == off ]] && app=target/limits-off
  [[ $mode == redis ]] && redis=$BENCH_REDIS_URL
  env $(image_env jvm) PORT="$port" RUNNER_ADMIN_TOKEN="$ADMIN" RUNNER_DATA_DIR="$WORK/data-$mode" \
      REDIS_URL="$redis" RUNNER_LIMITS_REDIS_KEY_PREFIX="bench-$$-$mode:" \
      RUNNER_LIMITS_REQUESTS_PER_MINUTE=1000000000 RUNNER_LIMITS_EXPENSIVE_PER_MINUTE=1000000000 \
      RUNNER_LIMITS_CONCURRENT_REQUESTS=100000 \
      java $(image_args jvm) -jar "$app/quarkus-run.jar" >"$WORK/service-$mode.log" 2>&1 &
  SERVICE_PID[$mode]=$!
  for _ in $(seq 1 120); do
    if curl -fsS "${BASE[$mode]}/q/health/ready" >/dev/null 2>&1; then
      TOKEN[$mode]=$(curl -fsS -X POST "${BASE[$mode]}/api/v1/users" -H "Authorization: Bearer $ADMIN" \
          -H 'Content-Type: application/json' -d "{\"username\":\"bench_${mode}_$$_$round\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
      return 0
    fi
    kill -0 "${SERVICE_PID[$mode]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "the service did not become ready in mode $mode; its log:" >&2
  tail -40 "$WORK/service-$mode.log" >&2
  exit 1
}

load() {
  local mode=$1; shift
  wrk -t"$THREADS" -c"$CONNECTIONS" "$@" -H "Authorization: Bearer ${TOKEN[$mode]}" "${BASE[$mode]}/api/v1/me"
}

# measure MODE: one window; prints "rps p99_ms non2xx service_us_per_request redis_us_per_request jit_ms"
measure() {
  local mode=$1 pid=${SERVICE_PID[$1]} out
  local cpu_before redis_before jit_before
  cpu_before=$(process_cpu_us "$pid"); redis_before=$(redis_cpu_us); jit_before=$(jit_cpu_ms "$pid")
  out=$(load "$mode" -d"$DURATION" --latency)
  local cpu_used=$(( $(process_cpu_us "$pid") - cpu_before )) redis_used=$(( $(redis_cpu_us) - redis_before ))
  local jit_used=$(( $(jit_cpu_ms "$pid") - jit_before ))
  echo "$out" >>"$WORK/wrk-$mode.txt"
  local rps p99 non2xx total
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  [[ $mode == redis ]] || redis_used=0
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  echo "$rps $p99 ${non2xx:-0} $(( cpu_used / total )) $(( redis_used / total )) $jit_used"
}

# CPU time (user + system) a process has used, in microseconds.
process_cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"
}

# CPU time redis-server has used, in microseconds (includes anyone else's use of that Redis).
redis_cpu_us() {
  redis-cli -u "$BENCH_REDIS_URL" info cpu 2>/dev/null | tr -d '\r' \
    | awk -F: '/^used_cpu_(sys|user):/ {t += $2} END {printf "%d", t * 1000000}'
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION GET /api/v1/me, one user per service; $(nproc) cores; $ROUNDS rounds of" \
     "$WINDOWS windows per mode, the three services side by side; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS P99 REFUSED CPU RCPU
for round in $(seq 1 "$ROUNDS"); do
  for mode in "${MODES[@]}"; do
    start_service "$mode"
  done
  for mode in "${MODES[@]}"; do
    echo "round $round $mode $(warm_up_until_jit_quiet "${SERVICE_PID[$mode]}" load "$mode" -d5s)"
  done
  for window in $(seq 1 "$WINDOWS"); do
    # Rotated, so that no mode always runs first in a window set.
    for i in 0 1 2; do
      mode=${MODES[$(( (i + window + round) % 3 ))]}
      read -r rps p99 refused cpu rcpu jit < <(measure "$mode")
      RPS[$mode]+="$rps "; P99[$mode]+="$p99 "; CPU[$mode]+="$cpu "; RCPU[$mode]+="$rcpu "
      REFUSED[$mode]=$(( ${REFUSED[$mode]:-0} + refused ))
      printf 'round %d window %d %-8s %10s req/s  p99 %8s ms  service %4s µs/req  redis-server %3s µs/req  JIT %4s ms\n' \
          "$round" "$window" "$mode" "$rps" "$p99" "$cpu" "$rcpu" "$jit"
    done
  done
  stop_services
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "medians over $(( ROUNDS * WINDOWS )) windows per mode; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %8s %10s %8s %14s %14s %10s\n' mode "requests/s" ratio "p99 ms" "non-2xx" "service µs/req" "redis µs/req" "cpu ratio"
off=$(median "${RPS[off]}"); off_cpu=$(median "${CPU[off]}")
for mode in off memory redis; do
  rps=$(median "${RPS[$mode]}"); cpu=$(median "${CPU[$mode]}"); rcpu=$(median "${RCPU[$mode]}")
  printf '%-8s %12s %8s %10s %8s %14s %14s %10s\n' "$mode" "$rps" \
      "$(awk -v a="$rps" -v b="$off" 'BEGIN {printf "%.3fx", a / b}')" "$(median "${P99[$mode]}")" "${REFUSED[$mode]}" \
      "$cpu" "$rcpu" "$(awk -v a="$cpu" -v r="$rcpu" -v b="$off_cpu" 'BEGIN {printf "%.3fx", b / (a + r)}')"
done
echo "targets: memory >= 0.95x, redis >= 0.70x; cpu ratio = off's CPU per request / this mode's (service + redis-server),"
echo "the throughput ratio a machine running only this service (and its Redis) would see, PostgreSQL's share aside"
