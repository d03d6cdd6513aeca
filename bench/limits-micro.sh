#!/usr/bin/env bash
# One limits check without HTTP around it (bench/java/.../LimitsCheckBench.java): in memory in ns, in Redis in µs.
#   bash bench/limits-micro.sh [redis-url]      (default redis://127.0.0.1:6379; compiles target/classes if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d target/classes/dev/decode/runner/limits ]] || ./mvnw -B -ntp -q compile
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" >/dev/null
CP="target/classes:$(cat "$OUT/cp.txt")"
javac -d "$OUT" -cp "$CP" bench/java/dev/decode/runner/limits/LimitsCheckBench.java
java -cp "$OUT:$CP" dev.decode.runner.limits.LimitsCheckBench "$@"
