#!/usr/bin/env bash
# Reliability suite (prints a table; not a test and not in the unit suite). Starts a PostgreSQL cluster of its own
# (PG_PORT, 5492), a Redis of its own (REDIS_PORT, 6392) and the packaged service against them (the JVM build, or the
# native executable with BENCH_ARTIFACT=native, built first when its sources changed), and
# checks what an operator's and an attacker's tries found:
#  1. kill -9 of the service while a dbt job runs, then a restart: the job ends `interrupted`, no dbt process is left,
#     the job's log is intact;
#  2. PostgreSQL restarted, then stopped for OUTAGE_SECONDS (20), under 8 clients: only 200 and 503
#     database-unavailable, recovery without a restart, every answered query in the history;
#  3. Redis stopped: requests still served with their RateLimit headers, and counted in Redis again once it is back;
#  4. LOAD_CLIENTS (200) clients for LOAD_SECONDS (60) over 20 learners: only 200, 429 and 503 warehouse-busy, each
#     429/503 with Retry-After; RSS before and after;
#  5. BUILDS (30) sequential `dbt build`s of the starter: RSS and the learner's disk use over the last third (flat).
# Usage: bash bench/reliability.sh   (the JVM build: build first with ./mvnw -B -ntp package -DskipTests)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"
PG_PORT=${PG_PORT:-5492}
REDIS_PORT=${REDIS_PORT:-6392}
OUTAGE_SECONDS=${OUTAGE_SECONDS:-20}
LOAD_CLIENTS=${LOAD_CLIENTS:-200}
LOAD_SECONDS=${LOAD_SECONDS:-60}
BUILDS=${BUILDS:-30}
if [ "${BENCH_ARTIFACT:-jvm}" = native ]; then
  NATIVE_EXECUTABLE=$(ensure_native_executable); APP=$NATIVE_EXECUTABLE
else
  APP=$BENCH_ROOT/target/quarkus-app/quarkus-run.jar
  test -e "$APP" || { echo "build first: ./mvnw -B -ntp package -DskipTests (or set BENCH_ARTIFACT=native)" >&2; exit 1; }
  export BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS-$(image_args jvm)}
fi
RUN=$(date +%s | tail -c 7)
PG_DIR=$(mktemp -d /tmp/decode-reliability-pg.XXXXXX)
DATA="$BENCH_TMP/data"
REDIS_PID=""
ROWS=()
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- helpers ------------------------------------------------------------------------------------------------------
pg() { (cd / && runuser -u postgres -- pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w "$@" >/dev/null); }
pg_start() { pg -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR" start; }
psql_own() { (cd / && runuser -u postgres -- psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtAX -v ON_ERROR_STOP=1 "$@"); }
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$BENCH_TMP/redis.log" 2>&1 &
  REDIS_PID=$!
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
}
# Rate checks Redis has run since it started (the limits' script calls).
redis_checks() {
  redis-cli -p "$REDIS_PORT" info commandstats | awk -F'[:=,]' '/^cmdstat_(evalsha|eval|fcall):/ {n += $3} END {print n + 0}'
}
stop_redis() {
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  REDIS_PID=""
}
cleanup() {
  stop_service
  stop_redis
  pg -m immediate stop 2>/dev/null || true
  rm -rf "$PG_DIR" "$BENCH_TMP"
}
trap cleanup EXIT

# api METHOD PATH TOKEN [curl args...]: the answer's body.
api() { local method=$1 path=$2 token=$3; shift 3; curl -s -X "$method" "$BASE$path" -H "Authorization: Bearer $token" "$@"; }
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
job_status() { api GET "/api/v1/jobs/$2" "$1" | json '["status"]'; }
job_log() { api GET "/api/v1/jobs/$2/logs" "$1" -H 'Accept: text/plain'; }
# row NAME VERDICT FIGURES
row() { ROWS+=("$(printf '%-42s | %-4s | %s' "$1" "$2" "$3")"); echo "  $1: $2 - $3" >&2; }
verdict() { if "$@"; then echo PASS; else echo FAIL; fi; }
service_log() { cat "$BENCH_TMP"/*/service.log; }
mb() { echo $(( $1 / 1024 )); }
alive_count() { local n=0 pid; for pid in "$@"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }

# ---- own PostgreSQL, own Redis, the service ------------------------------------------------------------------------
chown postgres "$PG_DIR"
(cd / && runuser -u postgres -- initdb -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null)
pg_start
psql_own -c "create role decode_runner login password 'decode_runner'" -c "create database decode_runner owner decode_runner"
start_redis
SERVICE_ENV=(DATABASE_URL="postgres://decode_runner:decode_runner@127.0.0.1:$PG_PORT/decode_runner"
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT" RUNNER_DATA_DIR="$DATA" DBT_EXECUTABLE="$DBT_EXECUTABLE"
  QUARKUS_LOG_CATEGORY__DEV_DECODE__LEVEL=INFO)
echo "Reliability suite: $APP; PostgreSQL :$PG_PORT, Redis :$REDIS_PORT (own); $(nproc) cores" >&2
start_service first "${SERVICE_ENV[@]}"

# ---- 1. kill -9 mid-job, then restart ------------------------------------------------------------------------------
SLOW_MODEL="{{ config(materialized='table') }}
select count(*) as n from range(100000000) a, range(1000) b where (a.range * b.range) % 7 = 3"
T=$(create_learner "rel_kill_$RUN")
api GET /api/v1/workspace/files "$T" >/dev/null
api PUT /api/v1/workspace/files/models/slow.sql "$T" -H 'Content-Type: text/plain' --data-binary "$SLOW_MODEL" >/dev/null
JOB=$(api POST /api/v1/jobs "$T" -H 'Content-Type: application/json' -d '{"command":"run","select":"slow"}' | json '["id"]')
for _ in $(seq 1 600); do job_log "$T" "$JOB" | grep -q 'START sql' && break; sleep 0.2; done
LINES_BEFORE=$(job_log "$T" "$JOB" | wc -l)
read -r -a DBT_PIDS <<<"$(python3 -c 'import sys; sys.path.insert(0, "bench"); from proc_memory import descendants
print(" ".join(map(str, descendants([int(sys.argv[1])])[1:])))' "$SERVICE_PID")"
kill -9 "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=""
LEFT_AT_KILL=$(alive_count "${DBT_PIDS[@]}")
start_service restarted "${SERVICE_ENV[@]}"
for _ in $(seq 1 50); do [ "$(alive_count "${DBT_PIDS[@]}")" = 0 ] && break; sleep 0.2; done
STATUS=$(job_status "$T" "$JOB")
LEFT=$(alive_count "${DBT_PIDS[@]}")
LINES_AFTER=$(job_log "$T" "$JOB" | wc -l)
row "kill -9 mid-job, restart" "$(verdict test "$STATUS" = interrupted -a "$LEFT" = 0 -a "$LINES_AFTER" -ge "$LINES_BEFORE" -a "$LINES_BEFORE" -gt 0)" \
  "job $STATUS; dbt processes ${#DBT_PIDS[@]}, alive after the kill $LEFT_AT_KILL, after the restart $LEFT; log lines $LINES_BEFORE -> $LINES_AFTER"

# ---- 2. PostgreSQL restart and stop under 8 clients ----------------------------------------------------------------
: >"$BENCH_TMP/pg-tokens"
for i in $(seq 0 7); do echo "$(create_learner "rel_pg_${RUN}_$i")" >>"$BENCH_TMP/pg-tokens"; done
T=$(head -n 1 "$BENCH_TMP/pg-tokens")
UNREACHABLE_BEFORE=$(service_log | grep -c 'PostgreSQL unreachable' || true)
python3 bench/reliability_clients.py "$BASE" $((OUTAGE_SECONDS + 25)) "$BENCH_TMP/pg-tokens" \
  --allow "200,503 database-unavailable" >"$BENCH_TMP/pg-clients.json" &
CLIENTS=$!
sleep 5
pg -m fast restart
sleep 5
pg -m fast stop
sleep "$OUTAGE_SECONDS"
pg_start
STARTED=$(date +%s%N)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/queries?limit=1" -H "Authorization: Bearer $T")" = 200 ]; do
  sleep 0.1
  (( ($(date +%s%N) - STARTED) / 1000000000 < 60 )) || break
done
RECOVERY_MS=$(( ($(date +%s%N) - STARTED) / 1000000 ))
wait "$CLIENTS"
ANSWERED=$(python3 -c 'import json, sys; print(sum(json.load(sys.stdin)["queries_answered"].values()))' <"$BENCH_TMP/pg-clients.json")
for _ in $(seq 1 60); do
  STORED=$(psql_own -d decode_runner -c "select count(*) from query_history where username like 'rel_pg_${RUN}_%'")
  [ "$STORED" -ge "$ANSWERED" ] && break
  sleep 0.5
done
ANSWERS=$(json '["answers"]' <"$BENCH_TMP/pg-clients.json")
UNEXPECTED=$(json '["unexpected"]' <"$BENCH_TMP/pg-clients.json")
OUTAGES=$(( $(service_log | grep -c 'PostgreSQL unreachable' || true) - UNREACHABLE_BEFORE ))
TRACES=$(service_log | grep -c 'already complete\|Unexpected failure' || true)
row "PostgreSQL restart + ${OUTAGE_SECONDS} s stop, 8 clients" \
  "$(verdict test "$UNEXPECTED" = "[]" -a "$STORED" = "$ANSWERED" -a "$RECOVERY_MS" -lt 60000 -a "$TRACES" = 0)" \
  "answers $ANSWERS; unexpected $UNEXPECTED; history $STORED of $ANSWERED queries; 200 again ${RECOVERY_MS} ms after the start; outage log lines $OUTAGES, stack traces $TRACES"

# ---- 3. Redis stop -------------------------------------------------------------------------------------------------
api GET /api/v1/me "$T" >/dev/null
CHECKS_BEFORE=$(redis_checks)
stop_redis
SERVED=0; WITH_HEADERS=0
for _ in $(seq 1 20); do
  HEAD=$(curl -s -D - -o /dev/null "$BASE/api/v1/me" -H "Authorization: Bearer $T")
  grep -q '^HTTP/1.1 200' <<<"$HEAD" && SERVED=$((SERVED + 1))
  grep -qi '^RateLimit-Remaining:' <<<"$HEAD" && WITH_HEADERS=$((WITH_HEADERS + 1))
  sleep 0.1
done
start_redis
STARTED=$(date +%s%N)
until [ "$(redis_checks)" -gt 0 ]; do
  api GET /api/v1/me "$T" >/dev/null
  sleep 0.2
  (( ($(date +%s%N) - STARTED) / 1000000000 < 60 )) || break
done
CHECKS_AFTER=$(redis_checks)
BACK_MS=$(( ($(date +%s%N) - STARTED) / 1000000 ))
row "Redis stopped, started again" "$(verdict test "$CHECKS_BEFORE" -gt 0 -a "$SERVED" = 20 -a "$WITH_HEADERS" = 20 -a "$CHECKS_AFTER" -gt 0)" \
  "checks run by Redis before $CHECKS_BEFORE; while down $SERVED/20 answered 200, $WITH_HEADERS/20 with RateLimit headers; counted in Redis again after ${BACK_MS} ms"

# ---- 4. 200 clients for 60 s ---------------------------------------------------------------------------------------
TOKENS=""
for i in $(seq 0 19); do TOKENS+="$(create_learner "rel_load_${RUN}_$i"),"; done
RSS_BEFORE=$(rss_kb "$SERVICE_PID")
LOAD_OUT=$(BENCH_TOKENS="$TOKENS" BENCH_SQL="select customer_id, count(*) from learn.orders group by customer_id order by 2 desc limit 5" \
  wrk -t2 -c"$LOAD_CLIENTS" -d"${LOAD_SECONDS}s" --timeout 30s -s bench/reliability_load.lua "$BASE/api/v1/queries")
RSS_AFTER=$(rss_kb "$SERVICE_PID")
ANSWER_LINE=$(grep '^answers:' <<<"$LOAD_OUT")
RATE=$(awk '/^Requests\/sec:/ {print $2}' <<<"$LOAD_OUT")
row "$LOAD_CLIENTS clients for $LOAD_SECONDS s" \
  "$(verdict grep -q 'unexpected=0 socket_errors=0' <<<"$ANSWER_LINE")" \
  "${ANSWER_LINE#answers: }; ${RATE} requests/s; RSS $(mb "$RSS_BEFORE") -> $(mb "$RSS_AFTER") MB"

# ---- 5. sequential builds ------------------------------------------------------------------------------------------
T=$(create_learner "rel_build_$RUN")
api GET /api/v1/workspace/files "$T" >/dev/null
CHECKPOINT=$(( BUILDS * 2 / 3 > 0 ? BUILDS * 2 / 3 : 1 ))
SUCCEEDED=0
for i in $(seq 1 "$BUILDS"); do
  JOB=$(api POST /api/v1/jobs "$T" -H 'Content-Type: application/json' -d '{"command":"build"}' | json '["id"]')
  for _ in $(seq 1 3000); do
    STATUS=$(job_status "$T" "$JOB")
    [ "$STATUS" != queued ] && [ "$STATUS" != running ] && break
    sleep 0.2
  done
  [ "$STATUS" = succeeded ] && SUCCEEDED=$((SUCCEEDED + 1))
  if [ "$i" = 1 ] || [ "$i" = "$CHECKPOINT" ] || [ "$i" = "$BUILDS" ]; then
    eval "RSS_$i=$(rss_kb "$SERVICE_PID"); DISK_$i=$(du -sk "$DATA/users/rel_build_$RUN" | cut -f1)"
  fi
done
eval "R1=\$RSS_1 RC=\$RSS_$CHECKPOINT RN=\$RSS_$BUILDS D1=\$DISK_1 DC=\$DISK_$CHECKPOINT DN=\$DISK_$BUILDS"
row "$BUILDS sequential builds" \
  "$(verdict test "$SUCCEEDED" = "$BUILDS" -a "$RN" -le $(( RC * 11 / 10 + 20480 )) -a "$DN" -le $(( DC * 11 / 10 + 1024 )))" \
  "succeeded $SUCCEEDED/$BUILDS; RSS after build 1, $CHECKPOINT, $BUILDS: $(mb "$R1"), $(mb "$RC"), $(mb "$RN") MB; learner's disk: $(mb "$D1"), $(mb "$DC"), $(mb "$DN") MB"

# ---- table ---------------------------------------------------------------------------------------------------------
echo
echo "Reliability suite, $(date -u +%Y-%m-%dT%H:%MZ), $(basename "$APP"), $(nproc) cores; load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-42s | %-4s | %s\n' "check" "" "figures"
printf '%s\n' "${ROWS[@]}"
