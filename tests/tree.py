#!/usr/bin/env python3
"""Integration test of process trees under `wimm exec` (README, "Process
trees"): a shell starting two Python programs, each holding a known amount,
is three processes, each with its own series, its peak within 2% of the
VmHWM it reports itself at exit (tree/hold.py); a parent that exits while
its child goes on allocating: the child is followed to its end and its
exit status collected; --root-only follows nothing.

Each process reports its own allocator figures (the probe in each writes
its own slot); a static descendant and one whose LD_PRELOAD was removed are
named as not measured by the probe, with the reason.

usage: tree.py WIMM EXPECTED_ALLOCATORS(comma list) STATIC_TARGET|-
Prints TAP.
"""
import csv
import json
import os
import shlex
import sys
import tempfile

from taplib import check, driver, finish, skip

WIMM, EXPECTED = sys.argv[1], [a for a in sys.argv[2].split(",") if a]
STATIC = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
HERE = os.path.dirname(os.path.abspath(__file__))
HOLD, ORPHAN = os.path.join(HERE, "tree", "hold.py"), os.path.join(HERE, "tree", "orphan.py")
PY = sys.executable
if os.environ.get("WIMM_UNDER_SANITIZER") == "1":
    EXPECTED = []  # ASan: nothing else can be preloaded
wimm = driver(WIMM, timeout=600)


def tsv(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def run(name, allocators, cmd, *extra):
    out = tempfile.mkdtemp(prefix=f"wimm-tree-{name}-")
    r = wimm("exec", "-a", ",".join(allocators), "--out", out, "--seed", "5", "--name", name,
             *extra, "--", *cmd)
    if not check(r.returncode == 0, f"{name}: wimm exec exits 0 (got {r.returncode}: "
                 f"{r.stderr[-400:]})"):
        return None, None
    run_dir = os.path.realpath(os.path.join(out, "latest"))
    return run_dir, {c["allocator"]: c for c in json.load(
        open(os.path.join(run_dir, "summary.json")))["cells"]}


def two_scripts():
    hwm_dir = tempfile.mkdtemp(prefix="wimm-tree-hwm-")
    script = (f"{shlex.quote(PY)} {HOLD} {hwm_dir} 48 2 & "
              f"{shlex.quote(PY)} {HOLD} {hwm_dir} 96 2; wait")
    allocators = ["glibc"] + EXPECTED
    run_dir, cells = run("two", allocators, ["sh", "-c", script])
    if not run_dir:
        return
    for a in allocators:
        d = os.path.join(run_dir, "procs", f"two-{a}-r1")
        procs = tsv(os.path.join(d, "procs.tsv"))
        check(len(procs) == 3 and cells[a]["procs"] == 3,
              f"{a}: three processes found ({[p['command'][:40] for p in procs]})")
        pythons = [p for p in procs if p["command"].startswith(PY + " " + HOLD)]
        check(len(pythons) == 2, f"{a}: both scripts named by their command line")
        for p in procs:
            rows = tsv(os.path.join(d, f"{p['pid']}.tsv")) if p["samples"] != "0" else []
            check(len(rows) > 5 and len(rows) == int(p["samples"]),
                  f"{a}: pid {p['pid']} has its own series ({len(rows)} rows)")
        for p in pythons:
            hwm_file = os.path.join(hwm_dir, f"{p['pid']}.hwm")
            if not check(os.path.exists(hwm_file), f"{a}: pid {p['pid']} wrote its VmHWM"):
                continue
            hwm = int(open(hwm_file).read())
            rows = tsv(os.path.join(d, f"{p['pid']}.tsv"))
            sampled = max(int(r["rss_bytes"]) for r in rows)
            check(abs(sampled - hwm) <= 0.02 * hwm,
                  f"{a}: pid {p['pid']} sampled peak RSS {sampled} within 2% of its own "
                  f"VmHWM {hwm} ({(sampled - hwm) / hwm:+.2%})")
            check(p["probe"] == a or (a == "glibc" and p["probe"] == "glibc"),
                  f"{a}: pid {p['pid']} reports its own malloc: {p['probe']} "
                  f"({p['malloc_owner']})")
            check(p["ppid"] == procs[0]["pid"], f"{a}: pid {p['pid']}'s parent is the shell")
            held = (96 if int(p["peak_rss_bytes"]) > 100 << 20 else 48) << 20
            if a == "mimalloc":  # mimalloc counts nothing in use (README)
                check(p["peak_alloc_system_bytes"] != "" or p["probe"] == "mimalloc",
                      f"{a}: pid {p['pid']} has its probe ({p['probe']})")
            else:
                in_use = int(p["peak_alloc_in_use_bytes"] or -1)
                # jemalloc counts the size class: 96 MiB + a header is 112 MiB.
                check(held <= in_use <= held * 1.25 + (16 << 20),
                      f"{a}: pid {p['pid']}'s own allocator counts {in_use >> 20} MiB in use "
                      f"(it holds {held >> 20} MiB)")
        tree = tsv(os.path.join(d, "tree.tsv"))
        check(max(int(r["procs"]) for r in tree) == 3, f"{a}: tree.tsv counts 3 live at once")
        c = cells[a]
        # The two scripts hold 144 MiB between them at the same time.
        peak = c["tree_peak_rss_sum_bytes"]
        check(peak >= 144 << 20, f"{a}: tree's peak sum of RSS {peak >> 20} MiB >= 144 MiB")
        check(c["tree_peak_unshared_bytes"] <= peak and c["tree_peak_pss_bytes"] <= peak,
              f"{a}: RSS minus shared ({c['tree_peak_unshared_bytes'] >> 20} MiB) and PSS "
              f"({c['tree_peak_pss_bytes'] >> 20} MiB) at most the sum of RSS")
        big = max(pythons, key=lambda p: int(p["peak_rss_bytes"]))
        report = open(os.path.join(run_dir, "report.md")).read()
        check(f"{a}: {c['top_process'][:60]}" in report and "of the tree's peak" in report,
              f"{a}: report.md names the largest process")
        check(f"(pid {big['pid']})" in c["top_process"] and c["top_process_share"] > 0.5,
              f"{a}: the 96 MiB script named as the largest: {c['top_process']} "
              f"{c['top_process_share']:.0%}")


def orphan():
    hwm_dir = tempfile.mkdtemp(prefix="wimm-tree-orphan-")
    run_dir, cells = run("orphan", ["glibc"], [PY, ORPHAN, hwm_dir, "64", "1.2"])
    if not run_dir:
        return
    path = os.path.join(run_dir, "procs", "orphan-glibc-r1", "procs.tsv")
    if not check(os.path.exists(path), f"the tree's processes written ({path})"):
        return
    procs = tsv(path)
    parent = next(p for p in procs if p["command"].startswith(PY + " " + ORPHAN))
    kids = [p for p in procs if p["command"].startswith(PY + " " + HOLD)]
    if not check(len(kids) == 1, f"the child found ({len(procs)} processes)"):
        return
    kid = kids[0]
    check(float(kid["last_seen_s"]) > float(parent["last_seen_s"]) + 0.8,
          f"the child followed after its parent's exit: last seen {kid['last_seen_s']} s, "
          f"parent {parent['last_seen_s']} s")
    check(kid["exit_status"] == "3", f"the orphan's exit status collected: {kid['exit_status']!r}")
    hwm = int(open(os.path.join(hwm_dir, f"{kid['pid']}.hwm")).read())
    rows = tsv(os.path.join(run_dir, "procs", "orphan-glibc-r1", f"{kid['pid']}.tsv"))
    sampled = max(int(r["rss_bytes"]) for r in rows)
    check(abs(sampled - hwm) <= 0.02 * hwm,
          f"the orphan's sampled peak {sampled} within 2% of its VmHWM {hwm}")
    check(cells["glibc"]["procs"] == 2, f"two processes: {cells['glibc']['procs']}")


def root_only():
    hwm_dir = tempfile.mkdtemp(prefix="wimm-tree-root-")
    run_dir, cells = run("root", ["glibc"], [PY, ORPHAN, hwm_dir, "16", "5"], "--root-only")
    if not run_dir:
        return
    check(cells["glibc"]["procs"] is None and cells["glibc"]["wall_s"] < 4
          and not os.path.exists(os.path.join(run_dir, "procs")),
          f"--root-only: only the root, ended with it ({cells['glibc']['wall_s']:.2f} s)")


def no_probe():
    """A static executable and a program started without LD_PRELOAD, each
    named as such; never merged with the others."""
    hwm_dir = tempfile.mkdtemp(prefix="wimm-tree-noprobe-")
    first = f"{shlex.quote(STATIC)} & " if STATIC else ""
    script = f"{first}env -u LD_PRELOAD {shlex.quote(PY)} {HOLD} {hwm_dir} 16 0.6; wait"
    run_dir, cells = run("noprobe", ["glibc"], ["sh", "-c", script])
    if not run_dir:
        return
    procs = tsv(os.path.join(run_dir, "procs", "noprobe-glibc-r1", "procs.tsv"))
    by = {p["command"].split()[0]: p for p in procs}
    py = by.get(PY)
    check(py and py["probe"] == "" and "LD_PRELOAD was removed" in py["no_probe"],
          f"the program without LD_PRELOAD named: {py and py['no_probe']!r}")
    if STATIC:
        st = by.get(STATIC)
        check(st and st["probe"] == "" and st["no_probe"] == "a static executable",
              f"the static executable named: {st and st['no_probe']!r}")
    else:
        skip("a static descendant named", "no static C library to build one")
    sh = procs[0]
    check(sh["probe"] == "glibc" and sh["no_probe"] == "", f"the shell has its probe: {sh['probe']}")
    want = 2 if STATIC else 1
    check(cells["glibc"]["procs_no_probe"] == want,
          f"procs_no_probe {cells['glibc']['procs_no_probe']} == {want}")


def short_lived():
    """Twenty processes that end at once, most between two ticks: every one
    counted (sampled, or registered by the probe), none twice."""
    run_dir, cells = run("short", ["glibc"], ["sh", "-c",
                         "i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done; sleep 0.3"])
    if not run_dir:
        return
    procs = tsv(os.path.join(run_dir, "procs", "short-glibc-r1", "procs.tsv"))
    trues = [p for p in procs if p["command"] in ("/bin/true", "[true]")]
    pids = {p["pid"] for p in procs}
    c = cells["glibc"]
    unsampled = [p for p in procs if p["samples"] == "0"]
    check(len(trues) == 20 and len(pids) == len(procs),
          f"the 20 short-lived processes each counted once ({len(trues)}, "
          f"{len(unsampled)} never sampled)")
    check(c["procs_unsampled"] == len(unsampled)
          and (not unsampled or c["procs_unsampled_cpu_s"] > 0),
          f"procs_unsampled {c['procs_unsampled']} with their CPU time "
          f"{c['procs_unsampled_cpu_s']} s")


def orphan_at_once():
    """A root that starts a child and exits before the next tick: the child,
    an orphan handed to the driver, is still found and followed."""
    hwm_dir = tempfile.mkdtemp(prefix="wimm-tree-quick-")
    script = f"{shlex.quote(PY)} {HOLD} {hwm_dir} 16 1.5 & exit 0"
    run_dir, cells = run("quick", ["glibc"], ["sh", "-c", script], "--interval", "1s")
    if not run_dir:
        return
    # The child writes its VmHWM as it exits: killed with the root's group,
    # it would leave no file.
    hwms = os.listdir(hwm_dir)
    check(cells["glibc"]["procs"] == 2 and len(hwms) == 1,
          f"a child left at once is found and followed to its end: "
          f"{cells['glibc']['procs']} processes, its exit hook ran: {hwms}")


two_scripts()
orphan_at_once()
short_lived()
no_probe()
orphan()
root_only()
finish()
