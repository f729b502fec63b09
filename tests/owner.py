#!/usr/bin/env python3
"""The malloc owner check, where an address-based one goes wrong.

1. Each test program (non-PIE taking &malloc, lazy and -z now; PIE; C++; one
   with a malloc of its own) prints the owner identify_allocator() finds,
   under no preload, every installed allocator, a library whose malloc is an
   IFUNC, and one that exports malloc only at a foreign version (which the
   linker passes over).
2. `wimm exec` under every installed allocator runs Debian's /usr/bin/python3
   (non-PIE), the non-PIE and PIE programs, the C++ one and a `#!` script:
   every cell must be ok with the allocator's library as its owner.

usage: owner.py WIMM EXPECTED_ALLOCATORS(comma list) DIR_OF_OWNER_PROGRAMS
Prints TAP.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

from taplib import check, finish, skip

WIMM, EXPECTED, DIR = sys.argv[1], [a for a in sys.argv[2].split(",") if a], sys.argv[3]
ASAN = os.environ.get("WIMM_UNDER_SANITIZER") == "1"
WRAP = os.environ.get("WIMM_VALGRIND", "").split()
PYTHON = "/usr/bin/python3"
LIBC = "libc.so.6"


def real(p):
    return os.path.realpath(p) if p else ""


def program(name):
    path = os.path.join(DIR, name)
    return path if os.path.exists(path) else None


def owner_of(prog, preload, args=()):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("WIMM_SCOREBOARD", None)
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    r = subprocess.run([prog, *args], capture_output=True, text=True, env=env, timeout=60)
    return r.returncode, r.stdout.split("\t")[0].strip(), r.stderr


def exec_run(out, allocators, command):
    return subprocess.run([*WRAP, WIMM, "exec", "-a", ",".join(allocators), "--out", out,
                           "--", *command], capture_output=True, text=True, timeout=600)


def exec_checks(out, allocators, name, command, paths):
    r = exec_run(out, allocators, command)
    if not check(r.returncode == 0, f"{name}: wimm exec exits 0 under {','.join(allocators)} "
                 f"(got {r.returncode}: {r.stderr[-400:]})"):
        return
    cells = list(csv.DictReader(open(os.path.join(out, "latest", "cells.csv"))))
    check(sorted(c["allocator"] for c in cells) == sorted(allocators),
          f"{name}: one cell per allocator")
    for c in cells:
        a = c["allocator"]
        want = real(paths.get(a)) if paths.get(a) else None
        owner = real(c["malloc_owner"])
        ok = owner == want if want else os.path.basename(owner) == LIBC
        check(c["status"] == "ok" and ok,
              f"{name} under {a}: status {c['status']} ({c['reason']}), owner {owner}")


def main():
    if ASAN:
        skip("owner checks", "ASan build: another allocator cannot be preloaded")
        return
    out = tempfile.mkdtemp(prefix="wimm-owner-")
    allocators = ["glibc"] + EXPECTED
    # The allocators' resolved paths, as wimm itself resolves them.
    r = exec_run(out, allocators, [program("owner_pie")])
    if not check(r.returncode == 0, f"wimm exec of a PIE program runs (exit {r.returncode}: "
                 f"{r.stderr[-400:]})"):
        return
    meta = json.load(open(os.path.join(out, "latest", "meta.json")))
    paths = {a["name"]: a["path"] for a in meta["allocators"] if a["path"]}
    libc = real(subprocess.run([program("owner_pie")], capture_output=True,
                               text=True).stdout.split("\t")[0])
    check(os.path.basename(libc) == LIBC, f"without a preload, glibc serves malloc: {libc}")

    ifunc = os.path.join(DIR, "libowner_ifunc.so")
    foreign = os.path.join(DIR, "libowner_foreign.so")
    cases = [([], libc)] + [([paths[a]], real(paths[a])) for a in EXPECTED]
    cases += [([ifunc], real(ifunc)), ([foreign], libc)]
    if "jemalloc" in paths:
        cases.append(([foreign, paths["jemalloc"]], real(paths["jemalloc"])))
    progs = ["owner_nopie", "owner_nopie_now", "owner_pie", "owner_cxx"]
    for name in progs:
        prog = program(name)
        if not prog:
            skip(f"{name}: owner under each preload", "no C++ compiler at build time")
            continue
        for preload, want in cases:
            rc, got, err = owner_of(prog, preload)
            label = " ".join(os.path.basename(p) for p in preload) or "no preload"
            check(rc == 0 and real(got) == want,
                  f"{name} with {label}: owner {got}, want {want} (exit {rc} {err[-200:]})")
    own = program("owner_own")
    for preload, _ in cases:
        rc, got, err = owner_of(own, preload)
        label = " ".join(os.path.basename(p) for p in preload) or "no preload"
        check(rc == 0 and real(got) == real(own),
              f"an executable's own malloc comes first ({label}): {got}")

    # wimm exec, every installed allocator, every kind of program.
    script = os.path.join(out, "dict.py")
    with open(script, "w") as f:
        f.write(f"#!{PYTHON}\nd = {{i: str(i) * 8 for i in range(100000)}}\nprint(len(d))\n")
    os.chmod(script, 0o755)
    if os.path.exists(PYTHON):
        exec_checks(out, allocators, "Debian's python3", [PYTHON, script], paths)
        exec_checks(out, allocators, "a #! script", [script], paths)
    else:
        skip("Debian's python3 under wimm exec", f"{PYTHON} is missing")
    for name in progs:
        if program(name):
            exec_checks(out, allocators, name, [program(name), "hold", "50"], paths)
    shutil.rmtree(out, ignore_errors=True)


main()
finish()
