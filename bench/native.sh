#!/usr/bin/env bash
# The native executable against the JVM build, each with its production image's settings (scripts/lib.sh, image_args),
# in alternating rounds of one run: process start to ready; PSS idle (after 10 s); peak PSS while 20 clients stream the
# log of a running dbt job and wrk drives the warehouse point query at 16 connections; that query's throughput and p99.
# Targets for the native executable: PSS idle <= 60 MB and <= 120 MB under that load, ready in <= 0.3 s, throughput
# >= 0.8x the JVM's. Usage: bench/native.sh [seconds of load]   (default 20; ROUNDS=2 rounds of both)
source "$(dirname "$0")/lib.sh"
seconds=${1:-20}
rounds=${ROUNDS:-2}
POINT="select order_id, customer_id, status, amount from learn.orders where order_id = 4242"
SLOW_MODEL="{{ config(materialized='table') }}
select count(*) as n from range(100000000) a, range(1000) b where (a.range * b.range) % 7 = 3"
NATIVE_EXECUTABLE=$(ensure_native_executable)
build_service

pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
api() { curl -fs -X "$1" "$BASE$2" -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' "${@:3}"; }

# measure KIND ROUND: prints "ready_ms pss_idle_mb pss_load_mb rps p99_ms non2xx"
measure() {
  local name="$1-$2"
  BENCH_ARTIFACT=$1 start_service "$name" RUNNER_LIMITS_LOG_STREAMS=100
  local ready=$READY_MS
  # The job's learner is not the querying one: a running job holds its learner's database.
  local streamer; streamer=$(create_learner "native_${name//-/_}_jobs_$(date +%s)")
  export BENCH_TOKEN; BENCH_TOKEN=$(create_learner "native_${name//-/_}_sql_$(date +%s)")
  [ -n "$streamer" ] && [ -n "$BENCH_TOKEN" ] || { echo "could not create the learners" >&2; return 1; }
  sleep 10
  local idle; idle=$(pss_kb "$SERVICE_PID")
  BENCH_TOKEN=$streamer api PUT /api/v1/workspace/files/models/slow.sql -H 'Content-Type: text/plain' \
    --data-binary "$SLOW_MODEL" >/dev/null
  local job; job=$(BENCH_TOKEN=$streamer api POST /api/v1/jobs -d '{"command":"run","select":"slow"}' \
    | sed 's/.*"id":"\([^"]*\)".*/\1/')
  local streams=()
  for _ in $(seq 1 20); do
    curl -sN "$BASE/api/v1/jobs/$job/logs" -H "Authorization: Bearer $streamer" -o /dev/null &
    streams+=($!)
  done
  BENCH_SQL="$POINT" wrk -t2 -c16 -d5s -s "$BENCH_ROOT/bench/query.lua" "$BASE/api/v1/queries" >/dev/null
  local peak=0 sampler
  (while kill -0 "$SERVICE_PID" 2>/dev/null; do pss_kb "$SERVICE_PID"; sleep 0.1; done) > "$BENCH_TMP/$name/pss" &
  sampler=$!
  local out; out=$(BENCH_SQL="$POINT" wrk -t2 -c16 -d"${seconds}s" --latency -s "$BENCH_ROOT/bench/query.lua" "$BASE/api/v1/queries")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$BENCH_TMP/$name/pss" | tail -n 1)
  BENCH_TOKEN=$streamer api POST "/api/v1/jobs/$job/cancel" >/dev/null || true
  kill "${streams[@]}" 2>/dev/null || true
  wait "${streams[@]}" 2>/dev/null || true
  stop_service
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%s %.1f %.1f %s %s %s\n' "$ready" "$(bc -l <<<"$idle / 1024")" "$(bc -l <<<"$peak / 1024")" "$rps" \
    "$(python3 -c "import re; v,u=re.match(r'([0-9.]+)(us|ms|s)','$p99').groups(); print(round(float(v)*{'us':0.001,'ms':1,'s':1000}[u],2))")" \
    "${errors:-0}"
}

printf '%-7s %-5s %9s %12s %12s %10s %8s %7s\n' artifact round ready_ms pss_idle_mb pss_load_mb req_per_s p99_ms non2xx
declare -A R
for round in $(seq 1 "$rounds"); do
  order="jvm native"; [ $((round % 2)) = 0 ] && order="native jvm"
  for kind in $order; do
    R[$kind,$round]=$(measure "$kind" "$round")
    read -r ready idle load rps p99 errors <<<"${R[$kind,$round]}"
    printf '%-7s %-5s %9s %12s %12s %10s %8s %7s\n' "$kind" "$round" "$ready" "$idle" "$load" "$rps" "$p99" "$errors"
  done
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
column() { for round in $(seq 1 "$rounds"); do cut -d' ' -f"$2" <<<"${R[$1,$round]}"; done | median; }
echo
for kind in jvm native; do
  echo "$kind medians: ready $(column "$kind" 1) ms, PSS idle $(column "$kind" 2) MB, PSS under load $(column "$kind" 3) MB," \
       "$(column "$kind" 4) req/s, p99 $(column "$kind" 5) ms"
done
echo "native/jvm throughput: $(python3 -c "print(round($(column native 4) / $(column jvm 4), 2))")x"
echo "targets (native): ready <= 300 ms; PSS idle <= 60 MB; PSS under load <= 120 MB; throughput >= 0.8x the JVM's"
echo "jvm: $(image_args jvm); native: $(image_args native); cores: $(nproc); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
