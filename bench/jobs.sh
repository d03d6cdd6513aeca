#!/usr/bin/env bash
# Jobs benchmark (prints figures; not a test). Starts the packaged service (target/quarkus-app) on a scratch data
# directory against the local PostgreSQL and measures:
#  (a) overhead: the starter's `dbt build` through the service (submit -> `end` event) against the same build from a
#      shell with the same argv prefix, profile and environment, 5 runs each, median ratio (target <= 1.10);
#  (b) time from submit to the first log line at an SSE client;
#  (c) peak memory of the service and of its whole process tree while 3 jobs run and 20 clients stream logs
#      (target: tree < 512 MB, judged on PSS: see docs/PERFORMANCE.md);
#  (d) the same three builds outside the service, one dbt process each against children forked from one
#      pre-imported dbt worker (bench/forked_dbt.py): what such a worker would save.
# The service runs with the production image's JVM flags (JAVA_OPTS of src/main/docker/Dockerfile.jvm, then
# JAVA_OPTS_APPEND as in the image) and -XX:MaxRAM set to the container size, so that its percentages resolve as they
# do in a CONTAINER_MB (512) container.
# Usage: bench/jobs.sh   (build first: ./mvnw -B -ntp package -DskipTests; RUNS=0 measures (c) and (d) only)
set -euo pipefail
cd "$(dirname "$0")/.."
DBT_EXECUTABLE="${DBT_EXECUTABLE:-$PWD/.venv-dbt/bin/dbt}"
DATABASE_URL="${DATABASE_URL:-postgres://decode_runner:decode_runner@127.0.0.1:5432/decode_runner}"
RUNS="${RUNS:-5}"
PORT="${PORT:-18480}"
CONTAINER_MB="${CONTAINER_MB:-512}"
DATA="$(mktemp -d /tmp/bench-jobs.XXXXXX)"
TOKEN="bench-admin-$RANDOM$RANDOM"
test -x "$DBT_EXECUTABLE" || { echo "no dbt at $DBT_EXECUTABLE" >&2; exit 1; }
test -f target/quarkus-app/quarkus-run.jar || { echo "build first: ./mvnw -B -ntp package -DskipTests" >&2; exit 1; }
source scripts/lib.sh
ensure_jemalloc
JAVA_OPTS="$(image_args jvm)"

env $(image_env jvm) RUNNER_DATA_DIR="$DATA" RUNNER_ADMIN_TOKEN="$TOKEN" DBT_EXECUTABLE="$DBT_EXECUTABLE" DATABASE_URL="$DATABASE_URL" PORT="$PORT" \
  java $JAVA_OPTS -jar target/quarkus-app/quarkus-run.jar \
  > "$DATA/service.log" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null; wait $SERVICE 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/q/health/ready" >/dev/null || { echo "service not ready"; tail -50 "$DATA/service.log"; exit 1; }

echo "service JVM flags: $JAVA_OPTS"
BASE="http://127.0.0.1:$PORT" ADMIN="$TOKEN" DATA="$DATA" RUNS="$RUNS" SERVICE_PID="$SERVICE" DBT="$DBT_EXECUTABLE" python3 - <<'PY'
import http.client, json, os, shutil, statistics, subprocess, sys, threading, time, urllib.request
sys.path.insert(0, "bench")
from proc_memory import descendants, memory

BASE, ADMIN, DATA, RUNS = os.environ["BASE"], os.environ["ADMIN"], os.environ["DATA"], int(os.environ["RUNS"])
HOST, PORT = "127.0.0.1", int(BASE.rsplit(":", 1)[1])
RUN = format(int(time.time()) % 10**8, "x")  # usernames unique per run: users stay in PostgreSQL

def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")

def user(name):
    token = call("POST", "/api/v1/users", ADMIN, {"username": name})["token"]
    call("GET", "/api/v1/workspace/files", token)
    return token

def stream(token, job_id, on_first=None):
    """Reads the job's SSE stream to its end event; returns the end event's job."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=600)
    conn.request("GET", f"/api/v1/jobs/{job_id}/logs", headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
    resp = conn.getresponse()
    event, end = None, None
    while True:
        line = resp.readline()
        if not line:
            break
        line = line.decode().rstrip("\n")
        if line.startswith("event:"):
            event = line[6:].strip()
            if event == "log" and on_first:
                on_first(); on_first = None
        elif line.startswith("data:") and event == "end":
            end = json.loads(line[5:])
    conn.close()
    return end

def through_service(token):
    start = time.monotonic()
    first = {}
    job = call("POST", "/api/v1/jobs", token, {"command": "build"})
    end = stream(token, job["id"], lambda: first.setdefault("t", time.monotonic()))
    assert end and end["status"] == "succeeded", end
    return time.monotonic() - start, first["t"] - start, job["id"]

def dbt_environment():
    """What DbtLauncher gives dbt, but HOME and DBT_PROFILES_DIR, which are the job's directory."""
    return {"PATH": os.path.dirname(os.environ["DBT"]) + ":/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "PYTHONUNBUFFERED": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_VERSION_CHECK": "false", "DBT_LOG_FORMAT": "json", "DBT_USE_COLORS": "false"}

def from_shell(username, last_job):
    """The same argv prefix, profile and environment the service gives dbt, run from here."""
    user_dir = os.path.join(DATA, "users", username)
    job_dir = os.path.join(user_dir, "jobs", last_job)
    shell_dir = os.path.join(user_dir, "shell-run")
    shutil.rmtree(shell_dir, ignore_errors=True)
    os.makedirs(os.path.join(shell_dir, "target"))
    shutil.copy(os.path.join(job_dir, "profiles.yml"), shell_dir)
    pp = os.path.join(user_dir, "jobs", "partial_parse.msgpack")
    if os.path.exists(pp):
        shutil.copy(pp, os.path.join(shell_dir, "target"))
    dbt = os.environ["DBT"]
    env = {**dbt_environment(), "HOME": shell_dir, "DBT_PROFILES_DIR": shell_dir}
    argv = ["/usr/bin/setsid", "/usr/bin/env", "--default-signal=INT", "/usr/bin/prlimit", "--as=3221225472", "--nproc=4096",
            "--nofile=256", "--cpu=3780", "--", dbt, "build", "--profiles-dir", shell_dir, "--profile", "decode", "--target", "local",
            "--target-path", os.path.join(shell_dir, "target"), "--log-path", os.path.join(shell_dir, "logs"),
            "--log-level-file", "none", "--log-format", "json", "--no-use-colors"]
    start = time.monotonic()
    subprocess.run(argv, cwd=os.path.join(user_dir, "workspace"), env=env, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start

print(f"Jobs benchmark: {RUNS} runs each, dbt build of the starter, {os.cpu_count()} CPUs")
if RUNS:
    token = user(f"bench_overhead_{RUN}")
    through_service(token)  # warm-up: creates the database and the parse state both sides reuse
    service, shell, first_lines, last = [], [], [], None
    for i in range(RUNS):
        total, first, last = through_service(token)
        service.append(total); first_lines.append(first)
        shell.append(from_shell(f"bench_overhead_{RUN}", last))
    ratio = statistics.median(service) / statistics.median(shell)
    print(f"(a) service submit->end median {statistics.median(service):.2f} s  runs {[round(x, 2) for x in service]}")
    print(f"    shell dbt build     median {statistics.median(shell):.2f} s  runs {[round(x, 2) for x in shell]}")
    print(f"    median ratio {ratio:.3f} (target <= 1.10)")
    print(f"(b) submit -> first log line at the client: median {statistics.median(first_lines) * 1000:.0f} ms, "
          f"max {max(first_lines) * 1000:.0f} ms")

tokens = [user(f"bench_memory_{RUN}_{i}") for i in range(3)]
jobs = [call("POST", "/api/v1/jobs", t, {"command": "build"})["id"] for t in tokens]
clients = [threading.Thread(target=stream, args=(tokens[i % 3], jobs[i % 3])) for i in range(20)]
for c in clients:
    c.start()
service_pid = int(os.environ["SERVICE_PID"])
peak = dict.fromkeys(("service_rss", "service_pss", "tree_rss", "tree_pss", "children", "child_rss", "child_uss"), 0)
while any(c.is_alive() for c in clients):
    own, kids = memory(service_pid), [m for m in map(memory, descendants([service_pid])[1:]) if m[0]]
    now = {"service_rss": own[0], "service_pss": own[1], "tree_rss": own[0] + sum(k[0] for k in kids),
           "tree_pss": own[1] + sum(k[1] for k in kids), "children": len(kids),
           "child_rss": max((k[0] for k in kids), default=0), "child_uss": max((k[2] for k in kids), default=0)}
    peak = {k: max(v, now[k]) for k, v in peak.items()}
    time.sleep(0.1)
ends = [call("GET", f"/api/v1/jobs/{j}", t)["status"] for j, t in zip(jobs, tokens)]
mb = {k: v / 1024 for k, v in peak.items()}
print(f"(c) 3 builds + 20 log streams, max running {os.environ.get('RUNNER_JOBS_MAX_RUNNING', 3)}: statuses {ends}, "
      f"at most {peak['children']} child processes at once (dbt and its multiprocessing resource tracker)")
print(f"    peak service     {mb['service_rss']:.0f} MB RSS, {mb['service_pss']:.0f} MB PSS")
print(f"    peak dbt process {mb['child_rss']:.0f} MB RSS, {mb['child_uss']:.0f} MB USS (the largest one)")
print(f"    peak whole tree  {mb['tree_rss']:.0f} MB RSS sum, {mb['tree_pss']:.0f} MB PSS sum (target: PSS sum < 512 MB)")

# (d) The same three users' builds outside the service, as separate processes and forked from one worker.
with open(os.environ["DBT"]) as f:
    interpreter = f.readline()[2:].strip()  # dbt's own Python, from its launcher's #! line
subprocess.run([interpreter, "bench/forked_dbt.py", DATA] + [f"bench_memory_{RUN}_{i}" for i in range(3)], check=True,
               env={**os.environ, "DBT_ENV": json.dumps(dbt_environment())})
PY
