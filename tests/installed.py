#!/usr/bin/env python3
"""The installed wimm: `meson install` into a scratch prefix, the tree moved
somewhere else (an installed wimm finds its worker, probe, presets,
allocator files and scripts from its own path), then the command-line tests
run against that copy with none of the WIMM_* variables that point a build
tree's wimm at its files. Also: the man page names every option that the
commands' --help lists, so the two cannot drift apart.

usage: installed.py BUILD_DIR SOURCE_DIR EXPECTED_ALLOCATORS
Prints TAP.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from taplib import check, finish, skip

BUILD, SOURCE, EXPECTED = sys.argv[1], sys.argv[2], sys.argv[3]
TESTS = os.path.join(SOURCE, "tests")
FIXTURES = os.path.join(TESTS, "fixtures")
COMMANDS = ["run", "exec", "list", "validate", "compare", "baseline", "plot", "merge"]


def clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIMM_")}
    # what the suite's own setups mean for every test, kept
    for k in ("WIMM_UNDER_SANITIZER", "WIMM_UNDER_VALGRIND", "WIMM_VALGRIND"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def install(dest):
    r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest, "--no-rebuild",
                        "--quiet"], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"meson install --destdir: exit {r.returncode} {r.stderr[-300:]}")
    found = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
             if f == "wimm" and os.path.basename(d) == "bin"]
    check(len(found) == 1, f"one installed bin/wimm: {found}")
    return os.path.dirname(os.path.dirname(found[0])) if found else None


def run_suite(script, *args):
    r = subprocess.run([sys.executable, os.path.join(TESTS, script), *args], capture_output=True,
                       text=True, env=clean_env(), timeout=900)
    bad = [line for line in r.stdout.splitlines() if line.startswith("not ok")]
    oks = sum(1 for line in r.stdout.splitlines() if line.startswith("ok"))
    check(r.returncode == 0 and not bad and oks > 0,
          f"{script} against the installed wimm: {oks} ok, {len(bad)} not ok "
          f"{' | '.join(bad[:3])} {r.stderr[-300:] if r.returncode else ''}")


def man_page_options(wimm):
    scd = open(os.path.join(SOURCE, "doc", "wimm.1.scd")).read()
    documented = set(re.findall(r"\*(--[a-z][a-z-]*)", scd))
    missing = []
    for cmd in COMMANDS:
        r = subprocess.run([wimm, cmd, "--help"], capture_output=True, text=True,
                           env=clean_env(), timeout=60)
        for opt in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", r.stdout + r.stderr))):
            if opt != "--help" and opt not in documented:
                missing.append(f"{cmd} {opt}")
    check(not missing, f"doc/wimm.1.scd names every option of every --help; missing: {missing}")


def markers(moved):
    """wimm.h and wimm.py are installed, and work from there outside wimm."""
    header = os.path.join(moved, "include", "wimm.h")
    module = [os.path.join(d, f) for d, _, fs in os.walk(moved) for f in fs if f == "wimm.py"]
    check(os.path.exists(header) and len(module) == 1,
          f"wimm.h and wimm.py installed: {os.path.exists(header)}, {module}")
    src = os.path.join(moved, "m.c")
    with open(src, "w") as f:
        f.write('#include <wimm.h>\nint main(void) { wimm_phase("p"); wimm_step(); return 0; }\n')
    cc = os.environ.get("CC", "cc")
    exe = os.path.join(moved, "m")
    r = subprocess.run([cc, "-I", os.path.join(moved, "include"), src, "-o", exe],
                       capture_output=True, text=True, timeout=120)
    r = r if r.returncode else subprocess.run([exe], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"a program built against the installed wimm.h runs: {r.stderr[-200:]}")
    if module:
        code = "import sys; sys.path.insert(0, sys.argv[1]); import wimm; print(wimm.active)"
        r = subprocess.run([sys.executable, "-c", code, os.path.dirname(module[0])],
                           capture_output=True, text=True, env=clean_env(), timeout=60)
        check(r.stdout.strip() == "False", f"the installed wimm.py imports: {r.stdout!r}")


def main():
    tmp = tempfile.mkdtemp(prefix="wimm-installed-")
    try:
        prefix = install(os.path.join(tmp, "dest"))
        if not prefix:
            return finish()
        moved = os.path.join(tmp, "moved")
        shutil.move(prefix, moved)  # relocatable: nothing may point back
        wimm = os.path.join(moved, "bin", "wimm")
        r = subprocess.run([wimm, "list"], capture_output=True, text=True, env=clean_env(),
                           timeout=120)
        check(r.returncode == 0 and moved in r.stdout,
              f"the moved wimm lists its own presets and allocators: exit {r.returncode}")
        man = [os.path.join(d, f) for d, _, fs in os.walk(moved) for f in fs if f == "wimm.1"]
        if shutil.which("scdoc"):
            check(len(man) == 1, f"wimm.1 installed: {man}")
        else:
            skip("wimm.1 installed", "scdoc is not installed (scripts/deps.sh installs it)")
        man_page_options(wimm)
        markers(moved)
        run_suite("integration.py", wimm, os.path.join(FIXTURES, "run", "small-churn.yaml"),
                  EXPECTED)
        run_suite("compare_cli.py", wimm, os.path.join(FIXTURES, "compare"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


main()
