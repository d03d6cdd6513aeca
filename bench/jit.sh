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
# again and again until the compiler threads of PID used less than JIT_QUIET_MS (100) in each of JIT_QUIET_RUNS (3)
# runs in a row, after at least JIT_MIN_RUNS (3) runs and at most JIT_MAX_RUNS (60). One quiet run is not enough:
# each time a load generator closes its connections and opens new ones, hot compiled code meets paths it has not seen
# (closing, new channels) and is deoptimised and compiled again, in waves that went on for two to three minutes here.
# Prints how long it took and the last runs' compile times.
warm_up_until_jit_quiet() {
  local pid=$1; shift
  local started=$SECONDS runs=0 quiet=0 before used times=()
  while :; do
    before=$(jit_cpu_ms "$pid")
    "$@" >/dev/null
    used=$(( $(jit_cpu_ms "$pid") - before ))
    runs=$(( runs + 1 ))
    times+=("$used")
    if (( used < ${JIT_QUIET_MS:-100} )); then quiet=$(( quiet + 1 )); else quiet=0; fi
    if (( (runs >= ${JIT_MIN_RUNS:-3} && quiet >= ${JIT_QUIET_RUNS:-3}) || runs >= ${JIT_MAX_RUNS:-60} )); then
      break
    fi
  done
  local last=$(( runs > ${JIT_QUIET_RUNS:-3} ? runs - ${JIT_QUIET_RUNS:-3} : 0 ))
  echo "warm-up: $(( SECONDS - started )) s, $runs runs, the last with ${times[*]:$last} ms of JIT compilation"
}
