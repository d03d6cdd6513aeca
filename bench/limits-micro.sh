#!/usr/bin/env bash
# One limits check without HTTP around it, which a loaded machine distorts far less than requests/s:
#   bash bench/limits-micro.sh           in memory, ns per check (bench/java/.../LimitsCheckBench.java)
#   REDIS=1 bash bench/limits-micro.sh   in Redis, checks/s and CPU µs per check of the JVM and of redis-server, with
#                                        1, 4 and 16 callers per event loop (RedisCheckBench.java; BENCH_REDIS_URL,
#                                        LOOPS (4), SECONDS_PER_RUN (5))
# Compiles target/classes if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d target/classes/dev/decode/runner/limits ]] || ./mvnw -B -ntp -q compile
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" >/dev/null
CP="target/classes:$(cat "$OUT/cp.txt")"
BENCH=LimitsCheckBench
[[ ${REDIS:-0} == 1 ]] && BENCH=RedisCheckBench
javac -d "$OUT" -cp "$CP" "bench/java/dev/decode/runner/limits/$BENCH.java"
java -cp "$OUT:$CP" "dev.decode.runner.limits.$BENCH"
