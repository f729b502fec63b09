"""TAP output for the Python tests (the C tests use tap.h): one line per
check, each on one line whatever its message holds, and a plan at the end.

    from taplib import check, skip, finish
    check(ok, "what was checked, with the figures")
    finish()    # prints 1..N and exits 1 if any check failed
"""
import sys

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


def finish():
    print(f"1..{_count}", flush=True)
    sys.exit(1 if _failed else 0)
