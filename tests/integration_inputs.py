#!/usr/bin/env python3
"""What `wimm run`, `exec`, `validate` and `list` accept, tried as a careless
or hostile user would: commands that cannot run (or cannot be measured),
special files where a YAML file is expected, options that used to be taken
silently, and results that could not be written. Every refusal is exit 2
(nothing ran) and every failure to write what was asked exit 3, each with a
reason on stderr; nothing hangs.

usage: integration_inputs.py WIMM EXEC_TARGET STATIC_TARGET|- WORKLOAD_YAML
Prints TAP.
"""
import json
import os
import pty
import shutil
import stat
import subprocess
import sys
import tempfile

from taplib import check, finish, skip

WIMM, TARGET, STATIC, WORKLOAD = sys.argv[1:5]
WRAP = os.environ.get("WIMM_VALGRIND", "").split()
TMP = tempfile.mkdtemp(prefix="wimm-inputs-")


def wimm(*args, env=None, stdout=subprocess.PIPE, timeout=120):
    """Runs wimm; a hang is reported as exit 'hung' instead of stopping the test."""
    try:
        return subprocess.run([*WRAP, WIMM, *args], stdout=stdout, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, "hung", "", f"hung for {timeout} s")


def path(name):
    return os.path.join(TMP, name)


def write(name, data, mode=0o755):
    p = path(name)
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, mode)
    return p


def refused(r, code, words, what):
    """Exit code as wanted and every word in the error on stderr."""
    err = r.stderr.strip()
    ok = r.returncode == code and "error:" in err and all(w in err for w in words)
    return check(ok, f"{what}: exit {r.returncode} (want {code}), {err[-220:]!r}")


def exec_refused(cmd, words, what):
    out = path("out-" + what.replace(" ", "-"))
    r = wimm("exec", "-a", "glibc", "--out", out, "--", *cmd)
    refused(r, 2, words, what)
    check(not os.path.exists(os.path.join(out, "runs")), f"{what}: nothing ran (no run directory)")


def exec_checks():
    """Item 8: decided once, before anything runs."""
    os.mkdir(path("a-dir"))
    exec_refused([path("a-dir")], ["is a directory"], "exec a directory")
    write("corrupt", b"\x7fELF" + bytes(range(256)) * 2)
    exec_refused([path("corrupt")], ["damaged"], "exec a corrupt ELF")
    write("truncated", open(TARGET, "rb").read()[:3000])
    exec_refused([path("truncated")], ["truncated"], "exec a truncated ELF")
    write("no-x", b"echo hi\n", 0o644)
    exec_refused([path("no-x")], ["not executable"], "exec a file without execute permission")
    write("binary", b"\x00\x01\x02binary data\x00", 0o755)
    exec_refused([path("binary")], ["neither an ELF program nor a script"], "exec binary data")
    write("bad-interp", b"#!/nonexistent/interpreter\necho hi\n")
    exec_refused([path("bad-interp")], ["/nonexistent/interpreter", "No such file"],
                 "exec a script whose interpreter is missing")
    exec_refused(["no-such-command-wimm"], ["not found in PATH"], "exec an unknown command")
    if STATIC != "-":
        exec_refused([STATIC], ["statically linked", "LD_PRELOAD"], "exec a static executable")
    else:
        skip("exec a static executable", "no static C library to build one with")
    for bit, name, words in [(stat.S_ISUID, "setuid", "set-user-ID"),
                             (stat.S_ISGID, "setgid", "set-group-ID")]:
        p = path(name)
        shutil.copy(TARGET, p)
        os.chmod(p, 0o755 | bit)
        exec_refused([p], [words, "LD_PRELOAD"], f"exec a {name} program")
    caps = path("caps")
    shutil.copy(TARGET, caps)
    try:  # vfs_cap_data v2: effective, CAP_NET_BIND_SERVICE permitted
        os.setxattr(caps, "security.capability",
                    (0x02000001).to_bytes(4, "little") + (1 << 10).to_bytes(4, "little")
                    + bytes(12))
        exec_refused([caps], ["file capabilities"], "exec a program with file capabilities")
    except OSError as e:
        skip("exec a program with file capabilities", f"cannot set them here: {e}")
    # A script without #! runs with sh, as execvp does.
    script = write("no-shebang", b"echo from-sh-$((40 + 2))\n")
    out = path("out-sh")
    r = wimm("exec", "-a", "glibc", "--out", out, "--", script)
    saved = os.path.join(out, "latest", "output", "no-shebang-glibc-r1.stdout")
    got = open(saved).read() if os.path.exists(saved) else ""
    check(r.returncode == 0 and got == "from-sh-42\n" and "/bin/sh" in r.stderr,
          f"a script without #! runs with sh and says so (exit {r.returncode}, {got!r})")


def thread_lists():
    """Item 11: -t as the YAML's threads: list."""
    out = path("out-t")
    r = wimm("run", WORKLOAD, "-a", "glibc", "-t", "1,1,1", "--out", out)
    refused(r, 2, ["listed twice"], "-t 1,1,1")
    r = wimm("run", WORKLOAD, "-a", "glibc", "-t", ",".join(str(i) for i in range(64)),
             "--out", out)
    refused(r, 2, ["64 thread counts given, at most 16"], "-t with 64 entries")
    r = wimm("run", WORKLOAD, "-a", "glibc", "-t", "1,", "--out", out)
    refused(r, 2, ["comma list"], "-t 1, (a trailing comma)")
    check(not os.path.exists(os.path.join(out, "runs")), "-t refusals ran nothing")


def allocator_files():
    """Items 12 and 13: paths LD_PRELOAD cannot carry, wimm's own variables."""
    lib = "/usr/lib/x86_64-linux-gnu/libc.so.6"
    for bad, word in [(path("with space/lib.so"), "space"), (path("with:colon.so"), "colon")]:
        r = wimm("run", WORKLOAD, "--allocator", f"x={bad}", "--out", path("out-a"))
        refused(r, 2, ["LD_PRELOAD splits", word], f"--allocator path with a {word}")
    # A link without either, to a file whose real path has a space.
    os.makedirs(path("dir with space"), exist_ok=True)
    real = path("dir with space/libfake.so")
    shutil.copy(TARGET, real)
    link = path("libfake-link.so")
    os.symlink(real, link)
    r = wimm("run", WORKLOAD, "-a", "glibc", "--allocator", f"x={link}", "--out", path("out-a"))
    refused(r, 2, ["LD_PRELOAD splits", "space"], "--allocator link to a path with a space")
    y = write("space.yaml", b"name: spaced\nlibrary: \"/opt/my libs/libx.so\"\n", 0o644)
    r = wimm("validate", "--allocator", y)
    check(r.returncode == 2 and f"{y}:2:10" in r.stderr and "LD_PRELOAD" in r.stderr,
          f"allocator YAML library with a space: {r.stderr.strip()[:160]}")
    adir = path("allocators")
    os.mkdir(adir)
    shutil.copy(os.path.join(os.path.dirname(WORKLOAD), "..", "..", "..", "allocators",
                             "glibc.yaml"), adir)
    y = write("allocators/sneaky.yaml",
              b"name: sneaky\nenvironment:\n  WIMM_SCOREBOARD: \"0\"\n", 0o644)
    r = wimm("validate", "--allocator", y)
    check(r.returncode == 2 and f"{y}:3:3" in r.stderr and "WIMM_" in r.stderr,
          f"allocator YAML setting WIMM_SCOREBOARD: {r.stderr.strip()[:160]}")
    r = wimm("run", WORKLOAD, "-a", "glibc", "--out", path("out-a"),
             env=dict(os.environ, WIMM_ALLOCATORS_DIR=adir))
    refused(r, 2, ["WIMM_SCOREBOARD"], "a run with such an allocator file")


def special_files():
    """Item 4: a FIFO or a device where a YAML file is expected never hangs
    run, validate or list; --stdin refuses a directory."""
    fifo = path("fifo.yaml")
    os.mkfifo(fifo)
    for f, what in [(fifo, "FIFO"), ("/dev/zero", "character device"),
                    ("/dev/urandom", "character device")]:
        r = wimm("validate", f, timeout=20)
        refused_v = r.returncode == 2 and "not a regular file" in r.stderr and what in r.stderr
        check(refused_v, f"validate {f}: exit {r.returncode}, {r.stderr.strip()[:120]!r}")
        r = wimm("validate", "--allocator", f, timeout=20)
        check(r.returncode == 2 and "not a regular file" in r.stderr,
              f"validate --allocator {f}: exit {r.returncode}")
    r = wimm("run", fifo, "-a", "glibc", "--out", path("out-s"), timeout=20)
    refused(r, 2, ["FIFO", "not a regular file"], "run with a FIFO as workload")
    wdir, adir = path("wl"), path("al")
    os.mkdir(wdir)
    os.mkdir(adir)
    os.mkfifo(os.path.join(wdir, "pipe.yaml"))
    os.symlink("/dev/zero", os.path.join(wdir, "zero.yaml"))
    os.mkfifo(os.path.join(adir, "pipe.yaml"))
    r = wimm("list", env=dict(os.environ, WIMM_WORKLOADS_DIR=wdir), timeout=20)
    check(r.returncode == 2 and r.stdout.count("not a regular file") == 2,
          f"list with a FIFO and /dev/zero among the workloads: exit {r.returncode}")
    r = wimm("list", env=dict(os.environ, WIMM_ALLOCATORS_DIR=adir), timeout=20)
    refused(r, 2, ["FIFO", "not a regular file"], "list with a FIFO among the allocators")
    r = wimm("run", "-a", "glibc", "--out", path("out-s"), timeout=20,
             env=dict(os.environ, WIMM_WORKLOADS_DIR=wdir))
    refused(r, 2, ["not a regular file"], "run of every preset with a FIFO among them")
    r = wimm("exec", "-a", "glibc", "--stdin", TMP, "--out", path("out-s"), "--", "cat")
    refused(r, 2, ["is a directory"], "--stdin a directory")
    # A run in its own process group cannot read the terminal (SIGTTIN would
    # stop it until its timeout): refused up front.
    master, slave = pty.openpty()
    try:
        r = subprocess.run([*WRAP, WIMM, "exec", "-a", "glibc", "--stdin", "-", "--out",
                            path("out-s"), "--", "cat"], stdin=slave, capture_output=True,
                           text=True, timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    refused(r, 2, ["terminal"], "--stdin - when wimm's input is a terminal")


def options():
    """Items 14 and 15, and --interval 100us (issue 17)."""
    out = path("out-o")
    r = wimm("exec", "-a", "glibc", "--out", "", "--", "true")
    refused(r, 2, ["--out"], "--out ''")
    for seed in ["-1", "99999999999999999999999", "18446744073709551616", "0x10", ""]:
        r = wimm("exec", "-a", "glibc", "--seed", seed, "--out", out, "--", "true")
        refused(r, 2, ["--seed"], f"--seed {seed!r}")
    r = wimm("exec", "-a", "glibc", "--seed", "18446744073709551615", "--interval", "100us",
             "--out", out, "--", "true")
    meta = json.load(open(os.path.join(out, "latest", "meta.json"))) if r.returncode == 0 else {}
    check(r.returncode == 0 and meta.get("seed") == 18446744073709551615,
          f"--seed 2^64-1 is kept as given (exit {r.returncode}, {meta.get('seed')})")
    check(meta.get("interval_s") == 0.0001, f"--interval 100us is taken exactly "
          f"({meta.get('interval_s')}; {r.stderr.strip()[-120:]!r})")
    for interval in ["99us", "0.5ns", "10.000000001s", "11s"]:
        r = wimm("exec", "-a", "glibc", "--interval", interval, "--out", out, "--", "true")
        refused(r, 2, ["--interval"], f"--interval {interval}")
    for args in (["--no-sample", "--mem-guard", "1GiB"], ["--mem-guard", "50%", "--no-sample"]):
        r = wimm("exec", "-a", "glibc", *args, "--out", out, "--", "true")
        refused(r, 2, ["--mem-guard", "--no-sample"], " ".join(args))
    r = wimm("exec", "-a", "glibc", "--no-sample", "--out", out, "--", "true")
    check(r.returncode == 0, f"--no-sample alone runs (exit {r.returncode})")


def write_failures():
    """Item 14: what the user asked for that could not be written is exit 3
    with the reason."""
    out = path("out-w")
    os.makedirs(os.path.join(out, "latest"))
    r = wimm("exec", "-a", "glibc", "--out", out, "--", "true")
    refused(r, 3, ["latest"], "latest cannot be pointed at the run")
    out = path("out-h")
    r = wimm("exec", "-a", "glibc", "--out", out, "--", "true")
    testbed = json.load(open(os.path.join(out, "latest", "meta.json")))["testbed"]
    os.remove(os.path.join(out, "history", f"{testbed}.csv"))
    os.mkdir(os.path.join(out, "history", f"{testbed}.csv"))
    r = wimm("exec", "-a", "glibc", "--out", out, "--", "true")
    refused(r, 3, ["history"], "the history cannot be appended to")
    # A device of our own: /dev/full is not always one (in some containers
    # it is missing, and an `open(..., "w")` anywhere makes it a file).
    full = path("full")
    try:
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError as e:
        skip("stdout on a full device", f"cannot make one here: {e}")
        return
    with open(full, "w") as f:
        r = wimm("exec", "-a", "glibc", "--out", path("out-f"), "--", "true", stdout=f)
    refused(r, 3, ["standard output", "No space left"], "stdout on a full device")


def main():
    exec_checks()
    thread_lists()
    allocator_files()
    special_files()
    options()
    write_failures()


main()
finish()
