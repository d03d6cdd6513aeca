#!/usr/bin/env bash
# One in-memory limits check without HTTP around it (bench/java/.../LimitsCheckBench.java), in ns.
#   bash bench/limits-micro.sh      (compiles target/classes if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d target/classes/dev/decode/runner/limits ]] || ./mvnw -B -ntp -q compile
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
./mvnw -B -ntp -q dependency:build-classpath -Dmdep.outputFile="$OUT/cp.txt" >/dev/null
CP="target/classes:$(cat "$OUT/cp.txt")"
javac -d "$OUT" -cp "$CP" bench/java/dev/decode/runner/limits/LimitsCheckBench.java
java -cp "$OUT:$CP" dev.decode.runner.limits.LimitsCheckBench
