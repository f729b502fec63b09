"""A process of a test tree: holds SIZE MiB (touched) for HOLD seconds, and
at exit writes its own VmHWM to OUTDIR/<pid>.hwm (the independent check of
the peak wimm samples from outside).

usage: hold.py OUTDIR SIZE_MIB HOLD_S [grow|hold [CODE]]
  grow: allocate in 8 MiB steps over HOLD_S; CODE: the exit status
"""
import atexit
import os
import sys
import time


def write_hwm(outdir):
    with open("/proc/self/status") as f:
        hwm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    with open(os.path.join(outdir, f"{os.getpid()}.hwm"), "w") as f:
        f.write(str(hwm))


def main():
    outdir, size, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    grow = len(sys.argv) > 4 and sys.argv[4] == "grow"
    code = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    atexit.register(write_hwm, outdir)
    blocks = []
    step = 8 if grow else size
    while sum(len(b) for b in blocks) < size << 20:
        b = bytearray(step << 20)
        for i in range(0, len(b), 4096):
            b[i] = 1
        blocks.append(b)
        if grow:
            time.sleep(hold / (size / step))
    if not grow:
        time.sleep(hold)
    return code


sys.exit(main())
