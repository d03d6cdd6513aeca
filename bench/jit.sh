# Warm-up that lasts until the JIT is done. On these 2 cores the service's compiler threads keep compiling for a minute
# or more under load, taking a fifth of the CPU while they do; figures taken before that measure the JIT, not the
# service. Sourced by the benchmarks.

# CPU time, in ms, that the C1 and C2 compiler threads of process PID have used.
jit_cpu_ms() {
  local pid=$1 total=0 task
  for task in /proc/"$pid"/task/*; do
    if grep -q 'CompilerThre' "$task/comm" 2>/dev/null; then
      total=$(( total + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0) ))
    fi
  done
  echo $(( total * 1000 / $(getconf CLK_TCK) ))
}

# warm_up_until_jit_quiet PID COMMAND...: runs COMMAND (a load generator that stops by itself after a few seconds)
# again and again until the compiler threads of PID used less than JIT_QUIET_MS (150) in one run, after at least
# JIT_MIN_RUNS (3) runs and at most JIT_MAX_RUNS (40). Prints how long it took and the last run's compile time.
warm_up_until_jit_quiet() {
  local pid=$1; shift
  local started=$SECONDS runs=0 before used
  while :; do
    before=$(jit_cpu_ms "$pid")
    "$@" >/dev/null
    used=$(( $(jit_cpu_ms "$pid") - before ))
    runs=$(( runs + 1 ))
    if (( (runs >= ${JIT_MIN_RUNS:-3} && used < ${JIT_QUIET_MS:-150}) || runs >= ${JIT_MAX_RUNS:-40} )); then
      break
    fi
  done
  echo "warm-up: $(( SECONDS - started )) s, $runs runs, the last with ${used} ms of JIT compilation"
}
