"""A loop that leaks one C block per iteration through ctypes, as myokit's
simulations leaked 100 doubles each, and marks each iteration as a step
with wimm.py. For tests/markers.py.

    python3 leak_loop.py MODULE_DIR ITERATIONS SIZE leak|free

Prints whether the markers are active and the allocator's usable size of a
SIZE-byte block (what it really holds for one).
"""
import ctypes
import sys
import time

sys.path.insert(0, sys.argv[1])
import wimm  # noqa: E402

n, size, leak = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "leak"
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.malloc_usable_size.restype = ctypes.c_size_t
libc.malloc_usable_size.argtypes = [ctypes.c_void_p]

probe = libc.malloc(size)
usable = libc.malloc_usable_size(probe)
libc.free(probe)

wimm.phase("loop")
for i in range(n):
    p = libc.malloc(size)
    ctypes.memset(p, 1, size)
    if not leak:
        libc.free(p)
    time.sleep(0.001)  # an iteration's work: the probe reads every 100 ms
    wimm.step()
wimm.phase("after")
print(f"active={wimm.active} usable={usable}")
