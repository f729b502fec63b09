"""ex_script.py - an example Python program to record: builds and drops
dictionaries, lists and strings in two marked phases. PYTHONMALLOC=malloc
makes its small objects go through malloc (pymalloc keeps them in arenas of
its own otherwise, which a malloc recorder sees only as 256 KiB blocks).

    python3 ex_script.py [ROUNDS]
"""
import ctypes
import sys

lib = ctypes.CDLL(None)
try:
    phase = lib.wimm_phase
    phase.argtypes = [ctypes.c_char_p]
except AttributeError:  # not under wimm: markers are no-ops
    def phase(name):
        pass

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
phase(b"build")
tables = []
for r in range(rounds):
    table = {("key-%d-%d" % (r, i)): [i] * (i % 17) for i in range(2000)}
    tables.append(table)
    if len(tables) > 5:
        tables.pop(0)
phase(b"drop")
tables.clear()
text = "".join(str(i) for i in range(100000))
print(len(text))
