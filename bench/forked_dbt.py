"""Experiment for bench/jobs.sh part (d), run with dbt's own interpreter: what a pre-forked dbt worker (import dbt
once, fork a child per job) would save against one dbt process per job, as the supervisor does now.

Runs the starter's `dbt build` of three users at once, twice: as three dbt processes, then as three children forked
from one Python that imported dbt (and the modules a build imports later) before any job. Each build uses its user's
generated profile and a scratch target, without a parse state, like the first builds of part (c). Prints the peak PSS
and RSS sums of each tree and the largest single job's USS. The service is not involved.

Not named dbt_*: dbt imports every top-level module of that prefix on its path as a plugin.
Usage: forked_dbt.py DATA_DIR USERNAME... (environment: DBT, the dbt executable, and DBT_ENV, its JSON environment)
"""
import gc
import glob
import importlib
import json
import os
import shutil
import subprocess
import sys
import time

from proc_memory import descendants, memory

DATA, USERS = sys.argv[1], sys.argv[2:]
DBT, ENV = os.environ["DBT"], json.loads(os.environ["DBT_ENV"])
# Imported by a build after the CLI module is loaded; the worker imports them before forking so that children share them.
LATER = ["dbt.adapters.duckdb", "dbt.task.build", "dbt.task.seed", "dbt.task.test", "dbt.compilation", "dbt.parser.sql",
         "agate", "babel.dates", "daff"]


def job(username, mode):
    """The workspace, the environment and the dbt arguments of one user's build in a fresh scratch directory."""
    user = os.path.join(DATA, "users", username)
    scratch = os.path.join(user, "prefork-" + mode)
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(os.path.join(scratch, "target"))
    profile = max(glob.glob(os.path.join(user, "jobs", "*", "profiles.yml")), key=os.path.getmtime)
    shutil.copy(profile, scratch)
    args = ["build", "--profiles-dir", scratch, "--profile", "decode", "--target", "local",
            "--target-path", os.path.join(scratch, "target"), "--log-path", os.path.join(scratch, "logs"),
            "--log-level-file", "none", "--log-format", "json", "--no-use-colors"]
    env = {**ENV, "HOME": scratch, "DBT_PROFILES_DIR": scratch}
    return os.path.join(user, "workspace"), env, args, os.path.join(scratch, "out.jsonl")


def watch(roots, jobs, done):
    """Samples the trees under roots until done(); returns peak RSS sum, PSS sum and the largest USS among jobs()."""
    rss = pss = uss = 0
    while not done():
        sample = {pid: memory(pid) for pid in descendants(roots)}
        rss = max(rss, sum(m[0] for m in sample.values()))
        pss = max(pss, sum(m[1] for m in sample.values()))
        uss = max([uss] + [m[2] for pid, m in sample.items() if pid in jobs()])
        time.sleep(0.05)
    return rss, pss, uss


def succeeded(out):
    with open(out) as f:
        return '"Completed successfully"' in f.read()


def separate():
    runs = [job(u, "exec") for u in USERS]
    procs = [subprocess.Popen([DBT] + args, cwd=cwd, env=env, stdout=open(out, "w"), stderr=subprocess.STDOUT)
             for cwd, env, args, out in runs]
    peaks = watch([p.pid for p in procs], lambda: {p.pid for p in procs}, lambda: all(p.poll() is not None for p in procs))
    return peaks, all(succeeded(out) for *_, out in runs)


def worker(ready):
    """The pre-forked worker: imports once, freezes the imported objects out of the collector's reach (it would
    otherwise write to every shared page), then forks one child per job and waits for them."""
    from dbt.cli.main import dbtRunner
    for name in LATER:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    os.write(ready, b"r")
    time.sleep(1)  # lets the parent measure the worker alone
    children = []
    for cwd, env, args, out in [job(u, "fork") for u in USERS]:
        pid = os.fork()
        if pid == 0:
            os.setsid()
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            result = dbtRunner().invoke(args)
            sys.stdout.flush()
            os._exit(0 if result.success else 1)
        children.append(pid)
    os._exit(1 if any(os.waitpid(pid, 0)[1] for pid in children) else 0)


def forked():
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        worker(ready_w)
    os.close(ready_w)
    os.read(ready_r, 1)
    alone = memory(pid)
    peaks = watch([pid], lambda: set(descendants([pid])) - {pid}, lambda: os.waitpid(pid, os.WNOHANG)[0] != 0)
    outs = [os.path.join(DATA, "users", u, "prefork-fork", "out.jsonl") for u in USERS]
    return alone, peaks, all(succeeded(out) for out in outs)


def mb(kb):
    return f"{kb / 1024:.0f} MB"


(rss, pss, uss), ok = separate()
print(f"(d) {len(USERS)} builds at once, no parse state, outside the service:")
print(f"    one dbt process each:         tree {mb(pss)} PSS sum, {mb(rss)} RSS sum, largest job {mb(uss)} USS, succeeded {ok}")
alone, (rss, pss, uss), ok = forked()
print(f"    forked from one dbt worker:   tree {mb(pss)} PSS sum, {mb(rss)} RSS sum, largest job {mb(uss)} USS, succeeded {ok}"
      f" (the worker alone, idle: {mb(alone[0])} RSS, {mb(alone[2])} USS)")
