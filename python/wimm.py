"""Mark a program's phases and steps for wimm.

    import wimm

    wimm.phase("load")          # a phase starts; the one before ends
    for item in items:
        simulate(item)
        wimm.step()             # one iteration done

Under `wimm exec` the phases show in the series, figures, summary and
report as a workload's do, each phase's end figures are one exact reading,
and the steps are what the growth of heap and RSS is fitted against ("leak
per iteration", with its 95% interval). Under `wimm record` both go into
the trace. Mark phases, not iterations: a phase marker waits for a reading
of the allocator; a step is one C call.

Outside wimm both do nothing: the functions are looked up once, at import,
in the running process (where wimm's preloaded library puts them), and are
not there. Standard library only (ctypes, and only under wimm); the file
may be copied next to a script.
"""

import os

__all__ = ["phase", "step", "active"]


def _lookup():
    # Whatever wimm preloads (libwimm-probe.so, libwimm-recorder.so) is in
    # LD_PRELOAD: without it there is nothing to find, and ctypes is not
    # even imported.
    if "libwimm-" not in os.environ.get("LD_PRELOAD", ""):
        return None, None
    try:
        import ctypes

        lib = ctypes.CDLL(None)
        phase_fn, step_fn = lib.wimm_phase, lib.wimm_step
    except (ImportError, OSError, AttributeError):
        return None, None
    phase_fn.argtypes = [ctypes.c_char_p]
    phase_fn.restype = None
    step_fn.argtypes = []
    step_fn.restype = None
    return phase_fn, step_fn


_phase, _step = _lookup()

#: True when the markers reach wimm (the program runs under it).
active = _step is not None


def phase(name):
    """A new phase called `name` starts (bytes, or anything else as its str
    in UTF-8; the first 47 bytes are kept)."""
    if _phase is not None:
        _phase(name if isinstance(name, bytes) else str(name).encode("utf-8", "replace"))


def _no_step():
    """One step (an iteration of the loop in question) done."""


# The C function itself when under wimm: no Python frame per step.
step = _step if _step is not None else _no_step
