# Runs a command (dbt) inside a Landlock domain, or (warm_runtime.py, which loads this file as a module) confines a
# forked dbt child the same way: it may read the system and Python, write its own user's directory
# and read the files named, and nothing else of the data directory, so other learners' files and the service's own
# are out of its reach whatever a project makes dbt open. Landlock needs no privilege; where the kernel (or a seccomp
# filter) does not offer it, the command runs unconfined and --probe says so.
#   python -I -S -c <this> --protect DATA_DIR --write USER_DIR [--read-file FILE] [--read DIR] -- command...
#   python -I -S -c <this> --probe          prints the Landlock ABI version, 0 when there is none
import ctypes
import os
import sys

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
READ = EXECUTE | READ_FILE | READ_DIR
SYSTEM = ["/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys"]
SCRATCH = ["/dev", "/tmp"]

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi():
    version = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(RULESET_VERSION))
    return max(version, 0)


def handled(version):
    access = (1 << 13) - 1
    if version >= 2:
        access |= REFER
    if version >= 3:
        access |= TRUNCATE
    if version >= 5:
        access |= IOCTL_DEV
    return access


def allow(ruleset, path, access):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
        rule = PathBeneath(access, fd)
        if libc.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_add_rule " + path)
    finally:
        os.close(fd)


def allow_except(ruleset, path, access, protected):
    """Allows path, or, when the protected directory lies within it, everything in it but the way to that directory."""
    path = os.path.realpath(path)
    if path == protected:
        return
    if not (protected + "/").startswith(path.rstrip("/") + "/"):
        allow(ruleset, path, access)
        return
    for name in os.listdir(path):
        allow_except(ruleset, os.path.join(path, name), access, protected)


def confine(options):
    version = abi()
    if version < 1:
        return
    access = handled(version)
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(ctypes.c_uint64(access)), ctypes.c_size_t(8), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    protected = os.path.realpath(options["--protect"][0])
    python = [sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))]
    for path in SYSTEM + python + options.get("--read", []):
        allow_except(ruleset, path, READ, protected)
    for path in SCRATCH:
        allow_except(ruleset, path, access, protected)
    for path in options.get("--read-file", []):
        allow(ruleset, path, READ_FILE)
    for path in options["--write"]:
        allow(ruleset, path, access)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.syscall(RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    os.close(ruleset)


def main(args):
    if args == ["--probe"]:
        print(abi())
        return
    split = args.index("--")
    options = {}
    for flag, value in zip(args[:split:2], args[1:split:2]):
        options.setdefault(flag, []).append(value)
    confine(options)
    command = args[split + 1:]
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
