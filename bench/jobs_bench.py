"""The measurements of bench/jobs.sh, which starts and stops the services; one step per call, its figures printed and
kept as JSON in RESULTS (a folder) for the summary.

  jobs_bench.py service CONFIG   on the service at BASE: (a) overhead against a shell, (b) first log line, (c) memory
                                 of 3 builds and 20 log streams
  jobs_bench.py budget CONFIG    on a service started with RUNNER_MEMORY_BUDGET=BUDGET_MB MiB: (e) 10 learners x 2
                                 builds at once
  jobs_bench.py summary CONFIG...  the table
  jobs_bench.py tree PID         "pid start-time" of PID's descendants, for jobs.sh to stop what outlives the service
  jobs_bench.py reap FILE        stops the processes FILE names (as `tree` printed them) that still run; names them

Environment: BASE, SERVICE_PID, DATA (the service's data directory), SERVICE_LOG, RUNS, RUN (unique per run: users
stay in PostgreSQL), RESULTS, DBT (the dbt executable), BUDGET_MB; the admin token is bench/lib.sh's.
"""
import collections
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_memory import descendants, memory  # noqa: E402

ADMIN = "bench-admin"
SAMPLE_EVERY = 0.1
PHASE_DEADLINE = float(os.environ.get("PHASE_DEADLINE", 420))  # seconds a part may take before its jobs are cancelled
CODES = {"jvm-plain": "jp", "jvm-warm": "jw", "native-plain": "np", "native-warm": "nw"}


def env(name):
    return os.environ[name]


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(env("BASE") + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {path}: {e.code} {e.read().decode(errors='replace')[:300]}") from None


def learner(name):
    """A new learner with the starter workspace; their token."""
    token = call("POST", "/api/v1/users", ADMIN, {"username": name})["token"]
    call("GET", "/api/v1/workspace/files", token)
    return token


def forget(names):
    """Drops the run's learners from PostgreSQL; a benchmark's leftovers are no one's."""
    for name in names:
        try:
            call("DELETE", f"/api/v1/users/{name}", ADMIN)
        except (RuntimeError, OSError):
            pass


def stream(token, job_id, on_first_log=None):
    """Reads the job's SSE stream to its end event; returns the end event's job (None if the stream closed first)."""
    host, port = env("BASE").rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request("GET", f"/api/v1/jobs/{job_id}/logs",
                     headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"log stream of {job_id}: {resp.status} {resp.read().decode(errors='replace')[:300]}")
        event, end = None, None
        while True:
            line = resp.readline()
            if not line:
                return end
            line = line.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "log" and on_first_log:
                    on_first_log()
                    on_first_log = None
            elif line.startswith("data:") and event == "end":
                end = json.loads(line[5:])
    finally:
        conn.close()


class Watcher(threading.Thread):
    """A thread that watches while its `with` block runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.halt = threading.Event()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        self.join()


class TreeSampler(Watcher):
    """Samples, every 100 ms, the PSS of the service and of its whole process tree (kB)."""

    def __init__(self, root, limit_kb=None):
        super().__init__()
        self.root, self.limit_kb = root, limit_kb
        self.samples = self.above = 0
        self.peak = dict.fromkeys(("service_pss", "tree_pss", "tree_rss", "others", "largest_uss"), 0)

    def run(self):
        due = time.monotonic()
        while not self.halt.is_set():
            own = memory(self.root)
            others = [m for m in map(memory, descendants([self.root])[1:]) if m[0]]
            now = {"service_pss": own[1], "tree_pss": own[1] + sum(m[1] for m in others),
                   "tree_rss": own[0] + sum(m[0] for m in others), "others": len(others),
                   "largest_uss": max((m[2] for m in others), default=0)}
            self.peak = {k: max(v, now[k]) for k, v in self.peak.items()}
            self.samples += 1
            if self.limit_kb is not None and now["tree_pss"] > self.limit_kb:
                self.above += 1
            due += SAMPLE_EVERY
            self.halt.wait(max(0.0, due - time.monotonic()))


class WaitingReasons(Watcher):
    """Polls the learners' queued jobs once a second: which reasons (waitingFor) held them, and how often."""

    def __init__(self, tokens):
        super().__init__()
        self.tokens, self.seen = tokens, collections.Counter()

    def run(self):
        while not self.halt.wait(1.0):
            for token in self.tokens:
                try:
                    for job in call("GET", "/api/v1/jobs?status=queued&limit=50", token)["items"]:
                        self.seen[job.get("waitingFor") or "no reason"] += 1
                except (RuntimeError, OSError):
                    pass


def instant(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def most_at_once(jobs):
    """The most jobs that ran at the same time, from their startedAt and finishedAt."""
    edges = []
    for job in jobs:
        start, finish = instant(job.get("startedAt")), instant(job.get("finishedAt"))
        if start is not None:
            edges += [(start, 1), (finish if finish is not None else float("inf"), -1)]
    running = most = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        most = max(most, running)
    return most


def follow(jobs, clients=None):
    """Streams the logs of the (token, id) jobs with that many SSE clients (one per job unless set; round robin over
    the jobs) until every job ended or PHASE_DEADLINE passed; then cancels what still runs. Returns each job's final
    record."""
    ends, errors = {}, []

    def client(token, job_id):
        try:
            end = stream(token, job_id)
            if end:
                ends[job_id] = end
        except Exception as e:  # reported below; one client's failure must not hide the others' figures
            errors.append(f"{job_id}: {e}")

    threads = [threading.Thread(target=client, args=jobs[i % len(jobs)], daemon=True)
               for i in range(max(clients or 0, len(jobs)))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + PHASE_DEADLINE
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    for e in errors[:5]:
        print(f"    stream error {e}")
    final = []
    for token, job_id in jobs:
        if job_id in ends:
            final.append(ends[job_id])
            continue
        job = call("GET", f"/api/v1/jobs/{job_id}", token)
        if job["status"] in ("queued", "running"):
            print(f"    job {job_id} still {job['status']} after {PHASE_DEADLINE:.0f} s: cancelled")
            call("POST", f"/api/v1/jobs/{job_id}/cancel", token)
            job = {**job, "status": job["status"] + " at the deadline"}
        final.append(job)
    return final


def settle(root):
    """Waits (1-30 s) until the service's process tree stops growing: the warm runtime, if any, has imported dbt.
    Returns the idle figures."""
    started, last = time.monotonic(), None
    while True:
        tree = [memory(p) for p in descendants([root])]
        now = (len(tree), sum(m[1] for m in tree))
        if last and now[0] == last[0] and abs(now[1] - last[1]) < 2048 and time.monotonic() - started >= 1:
            break
        if time.monotonic() - started > 30:
            break
        last = now
        time.sleep(1)
    return {"service_pss": tree[0][1], "others": len(tree) - 1, "others_pss": sum(m[1] for m in tree[1:])}


def describe_service(root):
    idle = settle(root)
    print(f"    idle: service {idle['service_pss'] / 1024:.0f} MB PSS, {idle['others']} other processes in its tree "
          f"({idle['others_pss'] / 1024:.0f} MB PSS)")
    try:
        with urllib.request.urlopen(env("BASE") + "/q/health/ready", timeout=10) as r:
            checks = json.loads(r.read()).get("checks", [])
        for check in checks:
            if "dbt" in check.get("name", "").lower() or "runtime" in check.get("name", "").lower():
                print(f"    readiness: {check['name']} {check.get('status')} {json.dumps(check.get('data', {}))}")
    except (OSError, ValueError) as e:
        print(f"    readiness not read: {e}")
    return idle


# ---- (a), (b): one learner's builds, through the service and from a shell ------------------------------------------

def through_service(token):
    start = time.monotonic()
    first = {}
    job = call("POST", "/api/v1/jobs", token, {"command": "build"})
    end = stream(token, job["id"], lambda: first.setdefault("t", time.monotonic()))
    if not end or end["status"] != "succeeded":
        raise RuntimeError(f"build through the service did not succeed: {end}")
    return time.monotonic() - start, first["t"] - start, job["id"]


def dbt_environment(job_dir):
    """What DbtLauncher gives dbt, with the job's directory as HOME, profile folder and the plugin's PYTHONPATH."""
    return {"PATH": os.path.dirname(env("DBT")) + ":/usr/local/bin:/usr/bin:/bin", "HOME": job_dir,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": os.path.join(job_dir, "python"), "DBT_PROFILES_DIR": job_dir,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false", "DBT_LOG_FORMAT": "json",
            "DBT_USE_COLORS": "false"}


def from_shell(username, last_job):
    """The build as a learner would run it from a shell: the service's argv prefix (setsid, env, prlimit), profile,
    seed-files plugin, parse state and environment, without the service and without its Landlock wrapper."""
    user_dir = os.path.join(env("DATA"), "users", username)
    job_dir = os.path.join(user_dir, "jobs", last_job)
    shell_dir = os.path.join(user_dir, "shell-run")
    shutil.rmtree(shell_dir, ignore_errors=True)
    os.makedirs(os.path.join(shell_dir, "target"))
    shutil.copy(os.path.join(job_dir, "profiles.yml"), shell_dir)
    shutil.copytree(os.path.join(job_dir, "python"), os.path.join(shell_dir, "python"))
    parse_state = os.path.join(user_dir, "jobs", "partial_parse.msgpack")
    if os.path.exists(parse_state):
        shutil.copy(parse_state, os.path.join(shell_dir, "target"))
    argv = ["/usr/bin/setsid", "/usr/bin/env", "--default-signal=INT", "/usr/bin/prlimit", "--as=3221225472",
            "--nproc=4096", "--nofile=256", "--cpu=3700", "--", env("DBT"), "build", "--profiles-dir", shell_dir,
            "--profile", "decode", "--target", "local", "--log-path", os.path.join(shell_dir, "logs"),
            "--log-level-file", "none", "--log-format", "json", "--no-use-colors",
            "--target-path", os.path.join(shell_dir, "target")]
    start = time.monotonic()
    subprocess.run(argv, cwd=os.path.join(user_dir, "workspace"), env=dbt_environment(shell_dir),
                   stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - start


def overhead(code, results):
    """(a) and (b); the shell side only once per run (the first configuration), interleaved with its service runs."""
    runs = int(env("RUNS"))
    shell_file = os.path.join(env("RESULTS"), "shell.json")
    shell_needed = not os.path.exists(shell_file)
    name = f"bench_{env('RUN')}_{code}_a"
    token = learner(name)
    through_service(token)  # warm-up: creates the database and the parse state both sides reuse
    service, first_lines, shell = [], [], []
    for _ in range(runs):
        total, first, last = through_service(token)
        service.append(total)
        first_lines.append(first)
        if shell_needed:
            shell.append(from_shell(name, last))
    if shell_needed:
        with open(shell_file, "w") as f:
            json.dump({"runs": shell, "measured_in": results["config"]}, f)
    with open(shell_file) as f:
        shell_result = json.load(f)
    shell_median = statistics.median(shell_result["runs"])
    results["a"] = {"service_runs": service, "service_median": statistics.median(service),
                    "shell_median": shell_median, "ratio": statistics.median(service) / shell_median}
    results["b"] = {"runs": first_lines, "median": statistics.median(first_lines), "max": max(first_lines)}
    print(f"(a) service submit->end median {statistics.median(service):.2f} s  runs {[round(x, 2) for x in service]}")
    print(f"    shell dbt build     median {shell_median:.2f} s  runs {[round(x, 2) for x in shell_result['runs']]}"
          f"{'' if shell_needed else ' (measured with ' + shell_result['measured_in'] + ')'}")
    print(f"    ratio {results['a']['ratio']:.2f} (target <= 0.7 warm)")
    print(f"(b) submit -> first log line at the client: median {statistics.median(first_lines) * 1000:.0f} ms, "
          f"max {max(first_lines) * 1000:.0f} ms (target <= 300 ms warm)")
    forget([name])


# ---- (c): 3 learners' builds at once, 20 log streams ---------------------------------------------------------------

def concurrent_memory(code, results):
    """Three new learners' first builds (no parse state yet), then the same learners' second builds."""
    names = [f"bench_{env('RUN')}_{code}_c{i}" for i in range(3)]
    tokens = [learner(n) for n in names]
    root = int(env("SERVICE_PID"))
    for key, which in (("c", "first"), ("c2", "second")):
        with TreeSampler(root) as sampler, WaitingReasons(tokens) as waiting:
            jobs = [(t, call("POST", "/api/v1/jobs", t, {"command": "build"})["id"]) for t in tokens]
            final = follow(jobs, clients=20)
        statuses = collections.Counter(j["status"] for j in final)
        mb = {k: v / 1024 for k, v in sampler.peak.items()}
        results[key] = {"tree_pss_mb": mb["tree_pss"], "service_pss_mb": mb["service_pss"], "tree_rss_mb": mb["tree_rss"],
                        "statuses": dict(statuses), "most_at_once": most_at_once(final), "waiting": dict(waiting.seen)}
        print(f"({key}) 3 {which} builds + 20 log streams: {fmt_counts(statuses)}; at most {results[key]['most_at_once']} "
              f"ran at once; queued polls by reason {dict(waiting.seen) or '{}'}")
        print(f"    peak service    {mb['service_pss']:.0f} MB PSS")
        print(f"    peak whole tree {mb['tree_pss']:.0f} MB PSS sum, {mb['tree_rss']:.0f} MB RSS sum; at most "
              f"{sampler.peak['others']} other processes, the largest {mb['largest_uss']:.0f} MB USS "
              f"({sampler.samples} samples; target <= 512 MB native+warm, goal <= 450)")
    forget(names)


# ---- (e): 10 learners x 2 builds at once under a memory budget -----------------------------------------------------

def budgeted(code, results):
    budget_mb = int(env("BUDGET_MB"))
    names = [f"bench_{env('RUN')}_{code}_e{i}" for i in range(10)]
    tokens = [learner(n) for n in names]
    root = int(env("SERVICE_PID"))
    submitted, errors = [], []
    gate = threading.Barrier(20)

    def submit(token):
        gate.wait()
        try:
            submitted.append((token, call("POST", "/api/v1/jobs", token, {"command": "build"})["id"]))
        except Exception as e:  # a refused submission is a finding, reported below
            errors.append(str(e))

    started = time.monotonic()
    with TreeSampler(root, limit_kb=budget_mb * 1024) as sampler, WaitingReasons(tokens) as waiting:
        submitters = [threading.Thread(target=submit, args=(t,)) for t in tokens for _ in range(2)]
        for s in submitters:
            s.start()
        for s in submitters:
            s.join()
        final = follow(submitted) if submitted else []
    took = time.monotonic() - started
    statuses = collections.Counter(j["status"] for j in final)
    if errors:
        statuses["refused at submit"] = len(errors)
    killed = [line.strip() for line in open(env("SERVICE_LOG"), errors="replace")
              if re.search(r"kill|out of memory|\boom\b", line, re.IGNORECASE)]
    ok = statuses == {"succeeded": 20} and sampler.above == 0 and not killed
    results["e"] = {"tree_pss_mb": sampler.peak["tree_pss"] / 1024, "samples": sampler.samples,
                    "above": sampler.above, "statuses": dict(statuses), "log_kill_lines": len(killed),
                    "most_at_once": most_at_once(final), "waiting": dict(waiting.seen), "seconds": took, "ok": ok}
    print(f"(e) 10 learners x 2 builds, RUNNER_MEMORY_BUDGET={budget_mb}M: {fmt_counts(statuses)} in {took:.0f} s; "
          f"at most {results['e']['most_at_once']} ran at once; queued polls by reason {dict(waiting.seen) or '{}'}")
    for e in errors[:3]:
        print(f"    refused: {e}")
    peak = {k: v / 1024 for k, v in sampler.peak.items()}
    print(f"    peak whole tree {peak['tree_pss']:.0f} MB PSS, service {peak['service_pss']:.0f} MB; "
          f"{sampler.above} of {sampler.samples} samples above {budget_mb} MB")
    print(f"    service log lines naming kill/OOM: {len(killed)}")
    for line in killed[:3]:
        print(f"      {line[:200]}")
    print(f"    {'ok' if ok else 'NOT ok'} (wanted: 20 succeeded, no kill/OOM line, no sample above {budget_mb} MB)")
    forget(names)


def fmt_counts(counter):
    return ", ".join(f"{n} {status}" for status, n in sorted(counter.items())) or "no jobs"


def results_file(config):
    return os.path.join(env("RESULTS"), config + ".json")


def measure(step, config):
    path = results_file(config)
    results = {"config": config}
    if os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    try:
        if step == "service":
            results["idle"] = describe_service(int(env("SERVICE_PID")))
            if int(env("RUNS")) > 0:
                overhead(CODES[config], results)
            concurrent_memory(CODES[config], results)
        else:
            describe_service(int(env("SERVICE_PID")))
            budgeted(CODES[config], results)
    finally:
        with open(path, "w") as f:
            json.dump(results, f)


def summary(configs):
    rows = []
    for config in configs:
        r = {}
        if os.path.exists(results_file(config)):
            with open(results_file(config)) as f:
                r = json.load(f)
        a, b, c, c2, e, idle = r.get("a"), r.get("b"), r.get("c"), r.get("c2"), r.get("e"), r.get("idle")
        rows.append([config,
                     f"{idle['others']}" if idle else "-",
                     f"{a['ratio']:.2f} ({a['service_median']:.2f} s)" if a else "-",
                     f"{b['median'] * 1000:.0f} / {b['max'] * 1000:.0f}" if b else "-",
                     f"{c['tree_pss_mb']:.0f} / {c['service_pss_mb']:.0f}" if c else "-",
                     f"{c2['tree_pss_mb']:.0f} / {c2['service_pss_mb']:.0f}" if c2 else "-",
                     fmt_counts(c["statuses"]) if c else "-",
                     f"{e['tree_pss_mb']:.0f}" if e else "-",
                     f"{'ok' if e['ok'] else 'NOT ok'} ({e['statuses'].get('succeeded', 0)}/20 succeeded, "
                     f"{e['above']} samples above)" if e else "-"])
    header = ["config", "idle procs", "(a) ratio (service s)", "(b) first log ms med / max", "(c) PSS MB tree / service",
              "(c2) second builds",
              "(c) statuses", "(e) tree peak MB", "(e)"]
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


def tree(pid):
    for p in descendants([pid])[1:]:
        try:
            with open(f"/proc/{p}/stat") as f:
                print(p, f.read().rsplit(")", 1)[1].split()[19])
        except OSError:
            pass


def reap(path):
    """Stops what of a service's tree still runs after the service stopped (waiting 5 s for it to go by itself)."""
    with open(path) as f:
        recorded = [line.split() for line in f if line.strip()]

    def alive():
        found = []
        for pid, started in recorded:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if fields[19] == started and fields[0] != "Z":
                    found.append(int(pid))
            except OSError:
                pass
        return found

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in alive():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")[:160]
            os.kill(pid, signal.SIGKILL)
            print(f"left behind by the service, killed: {pid} {command}", file=sys.stderr)
        except OSError:
            pass


if __name__ == "__main__":
    step = sys.argv[1]
    if step in ("service", "budget"):
        measure(step, sys.argv[2])
    elif step == "summary":
        summary(sys.argv[2:])
    elif step == "tree":
        tree(int(sys.argv[2]))
    elif step == "reap":
        reap(sys.argv[2])
    else:
        sys.exit(__doc__)
