#!/usr/bin/env python3
"""`wimm record`, `wimm trace info` and replay in the worker, end to end, on
the example programs (tests/trace/): exit status passed through, a trace
that walks and replays with the recorded operation count under every
installed allocator, phases, children listed, a killed program's trace
marked incomplete, refusals (static, set-user-ID, bad traces) with their
reasons.

    trace_cli.py WIMM WORKER BUILD_TESTS_TRACE_DIR FIXTURES_TRACE_DIR ALLOCATORS
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import check, finish, skip  # noqa: E402

wimm, worker, exdir, fixtures, allocs = sys.argv[1:6]
allocs = [a for a in allocs.split(",") if a]
libs = {"jemalloc": "libjemalloc.so.2", "tcmalloc": "libtcmalloc_minimal.so.4",
        "mimalloc": "libmimalloc.so.2"}
under_asan = os.environ.get("WIMM_UNDER_SANITIZER") == "1"
tmp = tempfile.mkdtemp(prefix="wimm-trace-cli-")
env = dict(os.environ)
env.pop("MALLOC_PERTURB_", None)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=kw.pop("env", env),
                          timeout=kw.pop("timeout", 120), **kw)


def info(path):
    r = run([wimm, "trace", "info", "--json", path])
    return json.loads(r.stdout) if r.returncode == 0 else None


def ops_of(d):
    c = d["calls"]
    return sum(v for k, v in c.items())


if under_asan:
    skip("record and replay", "an ASan build cannot preload the recorder")
    finish()

churn = os.path.join(exdir, "ex_churn")
out = os.path.join(tmp, "churn.wtrace")
r = run([wimm, "record", "-o", out, "--", churn, "3", "20000", "256", "5"])
check(r.returncode == 0 and "done" in r.stdout,
      f"record ex_churn: exit 0 and the program's output passes through ({r.returncode}, {r.stderr[-300:]})")
check(os.path.exists(out) and not [f for f in os.listdir(tmp) if f.startswith(".wimm-record")],
      "the trace is written and the spool directory removed")
d = info(out)
check(d is not None, "trace info --json reads it")
if d:
    check(d["threads"] == 4 and d["complete"], f"4 threads, complete ({d['threads']}, {d['complete']})")
    check(d["calls"]["malloc"] >= 50000, f"mallocs recorded: {d['calls']['malloc']}")
    check(d["frees_by_other_thread"] > 0, f"frees by another thread: {d['frees_by_other_thread']}")
    check(d["phases"] == ["work", "teardown"], f"phases from wimm_phase: {d['phases']}")
    check(d["peak_live_bytes"] > 0 and d["sizes"] and d["lifetimes"], "peak, sizes, lifetimes")
    check(d["context"]["command"].startswith(churn), "the command line is in the header")
    text = run([wimm, "trace", "info", out]).stdout
    check("peak live heap" in text and "freed by another thread" in text and "lifetimes" in text,
          "trace info prints the figures as text")
    recorded_ops = d["calls"]["free"] + sum(v for k, v in d["calls"].items() if k != "free")

    for a in ["glibc"] + allocs:
        e = dict(env)
        if a != "glibc":
            e["LD_PRELOAD"] = libs[a]
        r = run([worker, out], env=e)
        line = r.stdout.strip()
        got = None
        if r.returncode == 0 and " ops," in line:
            got = int(line.split(" ops,")[0].split()[-1])
        check(r.returncode == 0 and got == recorded_ops - d["calls"]["realloc"] * 0,
              f"replay under {a}: {got} ops, recorded {recorded_ops} ({r.stderr[-200:]})")

    # --pace recorded keeps the recorded gaps: the replay takes about as
    # long as the recording; --touch does not change what is called.
    r = run([worker, "--pace", "recorded", "--touch", "none", out])
    wall = float(r.stdout.split(" s wall")[0].split()[-1]) if r.returncode == 0 else 0
    check(r.returncode == 0 and wall >= 0.7 * d["duration_s"],
          f"--pace recorded: {wall:.2f} s for a {d['duration_s']:.2f} s recording")
    r = run([worker, "--touch", "first-page", out])
    check(r.returncode == 0 and f" {recorded_ops} ops," in r.stdout,
          f"--touch first-page replays the same calls ({r.stdout.strip()[:120]})")

# Exit status and signals pass through.
r = run([wimm, "record", "-o", os.path.join(tmp, "sh.wtrace"), "--", "sh", "-c", "exit 3"])
check(r.returncode == 3, f"the program's exit status is wimm record's ({r.returncode})")
killed = os.path.join(tmp, "killed.wtrace")
e = dict(env, EX_CHURN_KILL_AFTER="40000")
r = run([wimm, "record", "-o", killed, "--", churn, "2", "100000"], env=e)
check(r.returncode == 128 + 9, f"killed by SIGKILL: exit 137 ({r.returncode})")
d = info(killed)
check(d is not None and not d["complete"] and "incomplete" in d["context"],
      f"a killed program leaves a usable trace marked incomplete ({d and d['context'].get('incomplete')})")
if d:
    r = run([worker, killed])
    check(r.returncode == 0, f"and it replays ({r.stderr[-200:]})")

# Children: a shell that runs ls, then execs the program.
fam = os.path.join(tmp, "family.wtrace")
r = run([wimm, "record", "-o", fam, "--", "sh", "-c", f"ls / >/dev/null; exec {churn} 1 1000"])
d = info(fam)
check(r.returncode == 0 and d is not None and d["context"]["exe"] == os.path.realpath(churn),
      f"an exec'd program is the trace ({d and d['context'].get('exe')})")
check(d is not None and "not recorded" in d["context"]["children"] and "/ls" in d["context"]["children"],
      f"children are listed as not recorded ({d and d['context'].get('children')})")
fam2 = os.path.join(tmp, "family2.wtrace")
r = run([wimm, "record", "--children", "record", "-o", fam2, "--", "sh", "-c",
         f"{churn} 1 1000; true"])
kids = [f for f in os.listdir(tmp) if f.startswith("family2.") and f.endswith(".wtrace")]
check(r.returncode == 0 and len(kids) >= 1,
      f"--children record writes STEM.PID.wtrace per program started ({kids})")
if kids:
    kd = info(os.path.join(tmp, kids[0]))
    check(kd is not None and kd["context"]["ppid"] != kd["context"]["pid"],
          "a child's trace names its pid and parent")

# Refusals.
r = run([wimm, "record", "-o", os.path.join(tmp, "s.wtrace"), "--", os.path.join(exdir, "ex_static")])
check(r.returncode == 2 and "statically linked" in r.stderr, f"a static program is refused: {r.stderr.strip()}")
suid = os.path.join(tmp, "suid")
shutil.copy(churn, suid)
os.chmod(suid, os.stat(suid).st_mode | stat.S_ISUID)
r = run([wimm, "record", "-o", os.path.join(tmp, "u.wtrace"), "--", suid])
check(r.returncode == 2 and "set-user-ID" in r.stderr, f"a set-user-ID program is refused: {r.stderr.strip()}")
r = run([wimm, "record", "--", "/nonexistent/prog"])
check(r.returncode == 2 and "No such file" in r.stderr, f"a missing program: {r.stderr.strip()}")
r = run([wimm, "record", "-a", "nosuch", "--", churn])
check(r.returncode == 2 and "no such allocator" in r.stderr, f"an unknown allocator: {r.stderr.strip()}")

bad = os.path.join(fixtures, "bad")
expect = {
    "newer-version.wtrace": "format version 2 is newer than this wimm reads (version 1)",
    "no-trailer.wtrace": "expected 16 more bytes of a frame header or the trailer",
    "not-a-trace.wtrace": "byte 0: not a wimm trace",
    "corrupt-compressed.wtrace": "the frame is corrupt",
    "truncated-frame.wtrace": "the file ends here",
    "garbage-after-trailer.wtrace": "bytes after the trailer",
}
for name in sorted(os.listdir(bad)):
    path = os.path.join(bad, name)
    r = run([wimm, "trace", "info", path], timeout=20)
    want = expect.get(name, "byte ")
    check(r.returncode == 2 and want in r.stderr and path in r.stderr,
          f"trace info {name}: exit 2, '{want}' ({r.stderr.strip()[:200]})")
    r = run([worker, path], timeout=20)
    check(r.returncode != 0 and "byte " in r.stderr, f"worker refuses {name} ({r.stderr.strip()[:120]})")

# What the fuzzer found worth keeping (tests/fixtures/trace/fuzz/): each is
# refused with a byte offset, and the message shows untrusted bytes escaped.
fuzz = os.path.join(fixtures, "fuzz")
for name in sorted(os.listdir(fuzz)):
    path = os.path.join(fuzz, name)
    r = run([wimm, "trace", "info", path], timeout=20)
    printable = all(c == "\n" or " " <= c <= "~" for c in r.stderr)
    check(r.returncode == 2 and "byte " in r.stderr and printable,
          f"trace info on fuzz finding {name}: refused, printable ({r.stderr.strip()[:160]!r})")

shutil.rmtree(tmp)
finish()
