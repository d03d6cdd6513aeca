#!/usr/bin/env bash
# Start-up time and idle memory of the service in JVM mode, from the packaged jar.
# Usage: bench/startup.sh [runs]   (default 3)
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
build_service
printf '%-4s %14s %16s %12s %12s\n' run ready_ms quarkus_started rss_idle_mb rss_peak_mb
for run in $(seq 1 "$runs"); do
  start_service "startup-$run"
  sleep 15   # let start-up garbage settle and the JIT go quiet before reading idle RSS
  started=$(grep -o 'started in [0-9.]*s' "$BENCH_TMP/startup-$run/service.log" | head -n 1 | awk '{print $3}')
  printf '%-4s %14s %16s %12.1f %12.1f\n' "$run" "$READY_MS" "$started" \
    "$(echo "$(rss_kb "$SERVICE_PID") / 1024" | bc -l)" "$(echo "$(hwm_kb "$SERVICE_PID") / 1024" | bc -l)"
  stop_service
done
echo "ready_ms: process start to the first 200 from /q/health/ready (includes JVM start and the schema migrations)."
echo "JVM: $(java -version 2>&1 | head -n 1); JAVA_OPTS='${BENCH_JAVA_OPTS:-}'; cores: $(nproc)"
