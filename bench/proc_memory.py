"""Memory figures of a process tree from /proc, shared by the benchmarks (bench/jobs_bench.py, reliability.sh)."""
import os


def memory(pid):
    """kB resident (RSS), proportional (PSS: each shared page divided among the processes mapping it) and unique
    (USS: pages no other process maps) of one process; zeros once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kb = {l.split()[0]: int(l.split()[1]) for l in f if l.split()[0] in
                  ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:")}
        return kb["Rss:"], kb["Pss:"], kb["Private_Clean:"] + kb["Private_Dirty:"]
    except (OSError, KeyError, IndexError, ValueError):
        return 0, 0, 0


def descendants(roots):
    """The given processes and all their descendants."""
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found
