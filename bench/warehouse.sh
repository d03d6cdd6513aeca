#!/usr/bin/env bash
# Warehouse throughput and latency: the pooled service, the same service opening a connection per query (the old
# design: bench/connection-per-query.patch, built in a scratch copy), and the same statement through DuckDB JDBC in-process (the limit), at 1, 16 and 64 connections.
# Usage: bench/warehouse.sh [seconds per run]   (default 10)
# The service and the in-process limit run with the production image's JVM flags and allocator (image_args and image_env in scripts/lib.sh);
# BENCH_JAVA_OPTS overrides them, BENCH_JAVA_OPTS= runs with the JVM's defaults. Each service is driven at 16
# connections, point and aggregate queries in turn, until its JIT compiler is quiet (bench/jit.sh); the in-process
# limit warms up for IN_PROCESS_WARMUP seconds (15) before it counts, and runs after each service: the faster of its
# two runs is the limit.
source "$(dirname "$0")/lib.sh"
seconds=${1:-10}
export BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS-$(image_args jvm)}
POINT="select order_id, customer_id, status, amount from learn.orders where order_id = 4242"
AGGREGATE="select status, count(*) as orders, sum(amount) as revenue from learn.orders group by status order by status"
build_service
PER_QUERY_APP=$(build_patched per-query connection-per-query.patch)
duckdb_jar=$(ls "$HOME"/.m2/repository/org/duckdb/duckdb_jdbc/*/duckdb_jdbc-*.jar | grep -v sources | sort -V | tail -n 1)

# drive NAME SQL CONNECTIONS: prints "rps p50_ms p99_ms errors"
drive() {
  local threads=2; [ "$3" -lt 2 ] && threads=1
  local out; out=$(BENCH_SQL="$2" wrk -t"$threads" -c"$3" -d"${seconds}s" --latency -s "$BENCH_ROOT/bench/query.lua" "$BASE/api/v1/queries")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%s %s %s %s\n' "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "${errors:-0}"
}
warm_both() {
  BENCH_SQL="$POINT" wrk -t2 -c16 -d4s -s "$BENCH_ROOT/bench/query.lua" "$BASE/api/v1/queries"
  BENCH_SQL="$AGGREGATE" wrk -t2 -c16 -d1s -s "$BENCH_ROOT/bench/query.lua" "$BASE/api/v1/queries"
}
to_ms() { python3 -c "import re,sys; v,u=re.match(r'([0-9.]+)(us|ms|s)','$1').groups(); print(round(float(v)*{'us':0.001,'ms':1,'s':1000}[u],2))"; }

# in_process: the limit, run once after each service; the faster of the two runs of each case is kept, so that a slow
# spell of this shared machine does not flatter the service's ratio to it.
in_process() {
  local query sql c line
  for query in point aggregate; do
    sql=$POINT; [ "$query" = aggregate ] && sql=$AGGREGATE
    for c in 1 16 64; do
      line="$(env $(image_env jvm) java $(tr ' ' '\n' <<<"$BENCH_JAVA_OPTS" | grep '^-X' | tr '\n' ' ') -cp "$duckdb_jar" "$BENCH_ROOT/bench/InProcessQuery.java" "$BENCH_TMP/inprocess.duckdb" "$learn_db" "$c" "$seconds" "$sql" "${IN_PROCESS_WARMUP:-15}") 0"
      echo "in_process $query c=$c: ${line% 0} (req/s p50 p99)"
      if [ -z "${R[in_process,$query,$c]:-}" ] || awk -v a="${line%% *}" -v b="${R[in_process,$query,$c]%% *}" 'BEGIN {exit !(a > b)}'; then
        R[in_process,$query,$c]=$line
      fi
    done
  done
}

declare -A R
for mode in pooled per_query; do
  if [ "$mode" = pooled ]; then start_service "$mode"; else APP_DIR=$PER_QUERY_APP start_service "$mode"; fi
  learner="bench_${mode}_$(date +%s)"
  export BENCH_TOKEN; BENCH_TOKEN=$(create_learner "$learner")
  echo "$mode $(warm_up_until_jit_quiet "$SERVICE_PID" warm_both)"
  for query in point aggregate; do
    sql=$POINT; [ "$query" = aggregate ] && sql=$AGGREGATE
    for c in 1 16 64; do R[$mode,$query,$c]=$(drive "$mode" "$sql" "$c"); done
  done
  if [ "$mode" = pooled ]; then
    learner_db="$BENCH_TMP/$mode/data/users/$learner/warehouse.duckdb"; learn_db="$BENCH_TMP/$mode/data/learn.duckdb"
  fi
  stop_service
  [ -f "$BENCH_TMP/inprocess.duckdb" ] || cp "$learner_db" "$BENCH_TMP/inprocess.duckdb"
  in_process
done

printf '\n%-10s %-11s %5s %10s %8s %8s %7s\n' query mode conns req_per_s p50_ms p99_ms non2xx
for query in point aggregate; do
  for mode in pooled per_query in_process; do
    for c in 1 16 64; do
      read -r rps p50 p99 errors <<<"${R[$mode,$query,$c]}"
      printf '%-10s %-11s %5s %10s %8s %8s %7s\n' "$query" "$mode" "$c" "$rps" "$p50" "$p99" "$errors"
    done
  done
done
ratio() { python3 -c "print(round(float('$1')/float('$2'), 2))"; }
echo
for c in 1 16 64; do
  echo "point c=$c: pooled/per_query = $(ratio "$(cut -d' ' -f1 <<<"${R[pooled,point,$c]}")" "$(cut -d' ' -f1 <<<"${R[per_query,point,$c]}")")x" \
       "  pooled/in_process = $(ratio "$(cut -d' ' -f1 <<<"${R[pooled,point,$c]}")" "$(cut -d' ' -f1 <<<"${R[in_process,point,$c]}")")x"
  echo "aggregate c=$c: pooled/per_query = $(ratio "$(cut -d' ' -f1 <<<"${R[pooled,aggregate,$c]}")" "$(cut -d' ' -f1 <<<"${R[per_query,aggregate,$c]}")")x" \
       "  pooled/in_process = $(ratio "$(cut -d' ' -f1 <<<"${R[pooled,aggregate,$c]}")" "$(cut -d' ' -f1 <<<"${R[in_process,aggregate,$c]}")")x"
done
echo "targets: point pooled/per_query >= 5x; pooled/in_process >= 0.5x at 16; point p99 at 16 < 20 ms. cores: $(nproc)"
echo "JVM flags: ${BENCH_JAVA_OPTS:-(defaults)}; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
