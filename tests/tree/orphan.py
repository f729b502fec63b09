"""A parent that exits at once while its child goes on allocating (growing
to SIZE MiB over HOLD seconds), then exits 3: the child must still be
followed to its end, and its exit status collected.

usage: orphan.py OUTDIR SIZE_MIB HOLD_S
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
child = subprocess.Popen([sys.executable, os.path.join(here, "hold.py"), *sys.argv[1:4], "grow",
                          "3"])
sys.exit(0)
