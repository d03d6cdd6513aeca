# The warm dbt runtime: imports dbt-core, the DuckDB adapter and what a build imports later once, freezes those objects
# out of the collector's reach (a collection would otherwise write to every shared page), and forks one child per job.
# Each child becomes exactly what a plain dbt process of the job would be: its own session and process group, the job's
# resource limits, Landlock confinement, scrubbed environment and working directory, output on its own connection to
# the service, and dbt's CLI entry point with the job's arguments; it never returns here. The runtime itself never
# imports or runs anything of a learner's, so nothing of one job reaches another.
#   python -I -c <this> <confine.py source>
# Requests, one JSON object per line on stdin:
#   {"job", "args", "cwd", "env", "path", "limits": {"as", "nproc", "nofile", "cpu"}, "confine": {flag: [values]},
#    "output": UNIX_SOCKET, "exit": FILE}   (the child writes its exit code to FILE as it exits)
# Answers on stdout: {"ready": dbt_version, "pid"} once; per job {"job", "pid"} once the child runs in its own group and
# is connected to its output, {"job", "exit"} when it ends (128 + signal when a signal ended it), {"job", "refused"}
# when it could not be forked or when the installed packages changed since start-up ("stale": the service starts a new
# runtime). At end of input no more jobs come: the runtime waits for its children and exits.
import atexit
import gc
import importlib
import json
import os
import resource
import select
import signal
import socket
import sys
import sysconfig

PRELOAD = ["dbt.cli.main", "dbt.adapters.duckdb", "dbt.adapters.duckdb.plugins", "dbt.task.build", "dbt.task.compile",
           "dbt.task.deps", "dbt.task.docs.generate", "dbt.task.list", "dbt.task.run", "dbt.task.seed",
           "dbt.task.snapshot", "dbt.task.test", "dbt.compilation", "dbt.parser.sql", "dbt.graph.thread_pool",
           "dbt_common.clients.agate_helper", "agate", "babel.dates", "daff", "sqlparse", "multiprocessing.pool",
           "multiprocessing.dummy", "multiprocessing.resource_tracker", "shlex", "netrc"]
LIMITS = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC, "nofile": resource.RLIMIT_NOFILE,
          "cpu": resource.RLIMIT_CPU}


def installed():
    """The distributions installed beside dbt, versions included: a change to the pins changes it."""
    return sorted(name for name in os.listdir(sysconfig.get_paths()["purelib"]) if name.endswith(".dist-info"))


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def retitle(args):
    """Shows the job's dbt command line as the child's /proc/<pid>/cmdline, as a plain dbt process has it (the service
    finds a job's processes by it): written over the runtime's own, which holds both scripts and is longer."""
    with open("/proc/self/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    start, end = int(fields[45]), int(fields[46])  # arg_start and arg_end, the 48th and 49th fields
    title = b"\0".join(arg.encode() for arg in args)[:end - start - 1]
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        memory.seek(start)
        memory.write(title.ljust(end - start, b"\0"))


def become_job(request, started, confine):
    """In the forked child: turns into the job's dbt process; never returns."""
    code = 70
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        output = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        output.connect(request["output"])
        connection = output.detach()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(connection, 1)
        os.dup2(connection, 2)
        os.closerange(3, started)
        os.closerange(started + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)
        retitle(["dbt"] + request["args"])
        confine(request["confine"])
        for name, value in request["limits"].items():
            resource.setrlimit(LIMITS[name], (value, value))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:0] = request["path"]
        sys.dont_write_bytecode = True
        sys.argv = ["dbt"] + request["args"]
        os.close(started)
        from dbt.cli.main import cli
        try:
            cli()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
            if isinstance(exit.code, str):
                print(exit.code, file=sys.stderr)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        try:
            # What the interpreter's exit would run (multiprocessing's finalizers unlink dbt's semaphores, which the
            # child's resource tracker would otherwise report as leaked into the job's log), without the rest of its
            # teardown, which has nothing to save.
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
            # Where the service reads the exit code should the runtime, which reports it, be gone by then.
            with open(request["exit"], "w", encoding="ascii") as exit_file:
                exit_file.write(str(code))
        finally:
            os._exit(code)


def fork(request, confine):
    """Forks the job's child and answers once it runs in its own group, connected to its output."""
    started_r, started_w = os.pipe()
    try:
        pid = os.fork()
    except OSError as e:
        os.close(started_r)
        os.close(started_w)
        answer({"job": request["job"], "refused": str(e)})
        return None
    if pid == 0:
        os.close(started_r)
        become_job(request, started_w, confine)
    os.close(started_w)
    while os.read(started_r, 1):
        pass
    os.close(started_r)
    answer({"job": request["job"], "pid": pid})
    return pid


def reap(children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        answer({"job": children.pop(pid), "exit": code if code >= 0 else 128 - code})


def serve(confine, packages):
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    children, pending, reading = {}, b"", True
    while reading or children:
        ready, _, _ = select.select([0, wake_r] if reading else [wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
            reap(children)
        if 0 in ready:
            data = os.read(0, 65536)
            reading = bool(data)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                if installed() != packages:
                    answer({"job": request["job"], "refused": "stale"})
                    continue
                pid = fork(request, confine)
                if pid is not None:
                    children[pid] = request["job"]
        reap(children)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    landlock = {"__name__": "confine"}
    exec(compile(sys.argv[1], "confine.py", "exec"), landlock)
    packages = installed()
    for name in PRELOAD:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    from importlib.metadata import version
    answer({"ready": version("dbt-core"), "pid": os.getpid()})
    serve(landlock["confine"], packages)
    sys.stdout.flush()
    os._exit(0)  # without the interpreter's finalization, which has nothing to save and reports DuckDB's bindings


main()
