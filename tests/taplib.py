"""What the Python tests and benchmark scripts share (the C tests use
tap.h): TAP output, one line per check whatever its message holds and a
plan at the end; running the driver as a user does; reading a run back.

    from taplib import check, skip, finish, driver
    wimm = driver(sys.argv[1])          # wimm("compare", a, b) -> CompletedProcess
    check(ok, "what was checked, with the figures")
    finish()    # prints 1..N and exits 1 if any check failed

The scripts under scripts/ import it from here (tests/), so a benchmark
reports the way a test does.
"""
import json
import os
import pty
import select
import subprocess
import sys
import tempfile

_count = 0
_failed = 0


def _line(text):
    return " ".join(str(text).split())


def check(ok, what):
    global _count, _failed
    _count += 1
    _failed += not ok
    print(f"{'ok' if ok else 'not ok'} {_count} - {_line(what)}", flush=True)
    return bool(ok)


def skip(what, why):
    global _count
    _count += 1
    print(f"ok {_count} - {_line(what)} # SKIP {_line(why)}", flush=True)


def todo(what, why):
    """A known unmet target: TAP's TODO, so it is neither hidden nor a
    failure of the suite."""
    global _count
    _count += 1
    print(f"not ok {_count} - {_line(what)} # TODO {_line(why)}", flush=True)


def finish():
    print(f"1..{_count}", flush=True)
    sys.exit(1 if _failed else 0)


def driver(binary, timeout=300, wrap=True):
    """A function that runs the driver with its arguments and returns the
    CompletedProcess (text, captured). env adds to the environment; echo
    prints the output as TAP comments. Under `meson test --setup valgrind`
    (WIMM_VALGRIND) the driver runs under memcheck unless wrap is False.
    The driver removes MALLOC_PERTURB_ from what it measures itself."""
    prefix = os.environ.get("WIMM_VALGRIND", "").split() if wrap else []

    def run(*args, env=None, timeout=timeout, echo=False):
        r = subprocess.run([*prefix, binary, *args], capture_output=True, text=True,
                           timeout=timeout, env=dict(os.environ, **(env or {})))
        if echo:
            for line in (r.stdout + r.stderr).splitlines():
                print(f"# {line}", flush=True)
        return r

    return run


def run_cells(binary, *args, out=None, echo=False):
    """`wimm run ARGS --out OUT` (a new directory by default): the cells of
    its summary.json, each with "run_dir" added; echo prints its table as
    TAP comments. Exits with the command and its output when the run fails:
    a benchmark cannot go on without it."""
    out = out or tempfile.mkdtemp(prefix="wimm-run-")
    cmd = [binary, "run", *args, "--out", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    for line in r.stdout.splitlines() if echo else []:
        print(f"# {line}", flush=True)
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    cells = json.load(open(os.path.join(run_dir, "summary.json")))["cells"]
    for c in cells:
        c["run_dir"] = run_dir
    return cells


def allocator_library(name):
    """The library a shipped allocator file names (allocators/NAME.yaml):
    a soname the dynamic loader finds, never a path of one machine."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "allocators",
                        f"{name}.yaml")
    for line in open(path):
        if line.startswith("library:"):
            return line.split(":", 1)[1].split("#")[0].strip().strip('"')
    return None


def run_on_pty(argv, env=None, stream="stderr"):
    """Runs argv with stderr (or stdout) on a terminal, the other stream
    discarded; returns (exit code, what it wrote there)."""
    master, slave = pty.openpty()
    where = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: slave}
    p = subprocess.Popen(argv, stdout=where["stdout"], stderr=where["stderr"], env=env)
    os.close(slave)
    data = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed: EIO on Linux
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return p.wait(timeout=60), data.decode(errors="replace")
