#!/usr/bin/env bash
# What the per-principal limits cost: GET /api/v1/me under wrk with limits off, counted in memory, and counted in
# Redis, the limits raised so that nothing is refused. Prints requests/s and p99 for each and the ratios to "off"
# (targets: memory >= 0.95x, redis >= 0.7x). Not a test: figures vary with the machine and what else runs on it.
# Because requests/s swing with whatever else the machine runs, it also prints the CPU time the service (and, for
# the redis mode, redis-server) spent per request, which other load disturbs far less.
#
#   bash bench/limits.sh            # uses target/quarkus-app, building it first if it is missing
#   BUILD=1 bash bench/limits.sh    # rebuild first
# Each service is first warmed up until its JIT compiler is quiet (bench/jit.sh).
# Environment: DURATION (15s), CONNECTIONS (16), THREADS (2), ROUNDS (3: the modes run interleaved,
# round after round, and the median of each is reported, so that a burst of other load hits all modes alike),
# PORT (18431), DATABASE_URL (the local default), BENCH_REDIS_URL (redis://127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18431}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
ADMIN=bench-admin-token-not-a-secret
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
SERVICE_PID=
trap 'stop_service; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
# Readiness also checks the dbt executable; the pinned one is what the service runs with.
source scripts/lib.sh
source bench/jit.sh
source bench/image-jvm.sh
ensure_dbt
ensure_jemalloc
if [[ ${BUILD:-0} == 1 || ! -f target/quarkus-app/quarkus-run.jar ]]; then
  ./mvnw -B -ntp -q package -DskipTests
fi

stop_service() {
  if [[ -n $SERVICE_PID ]]; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=
  fi
}

# start_service MODE: off | memory | redis
start_service() {
  local mode=$1 enabled=true redis=
  [[ $mode == off ]] && enabled=false
  [[ $mode == redis ]] && redis=$BENCH_REDIS_URL
  env $(image_env) PORT="$PORT" RUNNER_ADMIN_TOKEN="$ADMIN" RUNNER_DATA_DIR="$WORK/data" \
      RUNNER_LIMITS_ENABLED=$enabled REDIS_URL="$redis" RUNNER_LIMITS_REDIS_KEY_PREFIX="bench-$$-$mode:" \
      RUNNER_LIMITS_REQUESTS_PER_MINUTE=1000000000 RUNNER_LIMITS_EXPENSIVE_PER_MINUTE=1000000000 \
      RUNNER_LIMITS_CONCURRENT_REQUESTS=100000 \
      java $(image_java_opts) -jar target/quarkus-app/quarkus-run.jar >"$WORK/service-$mode.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 120); do
    curl -fsS "$BASE/q/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "the service did not become ready in mode $mode; its log:" >&2
  tail -40 "$WORK/service-$mode.log" >&2
  exit 1
}

# run MODE: prints "rps p99_ms non2xx"
run() {
  local mode=$1 user token out
  start_service "$mode"
  user="bench_$(date +%s%N | tail -c 9)"
  token=$(curl -fsS -X POST "$BASE/api/v1/users" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
      -d "{\"username\":\"$user\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  warm_up_until_jit_quiet "$SERVICE_PID" wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $token" "$BASE/api/v1/me" >&2
  local cpu_before redis_before
  cpu_before=$(process_cpu_us "$SERVICE_PID"); redis_before=$(redis_cpu_us)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/api/v1/me")
  local cpu_used=$(( $(process_cpu_us "$SERVICE_PID") - cpu_before )) redis_used=$(( $(redis_cpu_us) - redis_before ))
  curl -fsS -X DELETE "$BASE/api/v1/users/$user" -H "Authorization: Bearer $ADMIN" >/dev/null
  stop_service
  echo "$out" >"$WORK/wrk-$mode.txt"
  local rps p99 non2xx total
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  [[ $mode == redis ]] || redis_used=0
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  echo "$rps $p99 ${non2xx:-0} $(( cpu_used / total )) $(( redis_used / total ))"
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

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (after a warm-up until the JIT is quiet) GET /api/v1/me, one user; $(nproc) cores;" \
     "$ROUNDS rounds, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RPS P99 REFUSED CPU RCPU
for round in $(seq 1 "$ROUNDS"); do
  for mode in off memory redis; do
    read -r rps p99 refused cpu rcpu < <(run "$mode")
    RPS[$mode]+="$rps "; P99[$mode]+="$p99 "; CPU[$mode]+="$cpu "; RCPU[$mode]+="$rcpu "
    REFUSED[$mode]=$(( ${REFUSED[$mode]:-0} + refused ))
    printf 'round %d %-8s %10s req/s  p99 %8s ms  service %4s µs/req  redis-server %3s µs/req\n' \
        "$round" "$mode" "$rps" "$p99" "$cpu" "$rcpu"
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "medians over $ROUNDS rounds; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %8s %10s %8s %14s %14s %10s\n' mode "requests/s" ratio "p99 ms" "non-2xx" "service µs/req" "redis µs/req" "cpu ratio"
off=$(median "${RPS[off]}"); off_cpu=$(median "${CPU[off]}")
for mode in off memory redis; do
  rps=$(median "${RPS[$mode]}"); cpu=$(median "${CPU[$mode]}"); rcpu=$(median "${RCPU[$mode]}")
  printf '%-8s %12s %8s %10s %8s %14s %14s %10s\n' "$mode" "$rps" \
      "$(awk -v a="$rps" -v b="$off" 'BEGIN {printf "%.2fx", a / b}')" "$(median "${P99[$mode]}")" "${REFUSED[$mode]}" \
      "$cpu" "$rcpu" "$(awk -v a="$cpu" -v r="$rcpu" -v b="$off_cpu" 'BEGIN {printf "%.2fx", b / (a + r)}')"
done
echo "targets: memory >= 0.95x, redis >= 0.70x; cpu ratio = off's CPU per request / this mode's (service + redis-server),"
echo "the throughput ratio a machine running only this service (and its Redis) would see, PostgreSQL's share aside"
