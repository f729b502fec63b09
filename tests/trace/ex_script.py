"""ex_script.py - an example Python program to record: builds and drops
dictionaries, lists and strings in two marked phases. PYTHONMALLOC=malloc
makes its small objects go through malloc (pymalloc keeps them in arenas of
its own otherwise, which a malloc recorder sees only as 256 KiB blocks).

    python3 ex_script.py [ROUNDS]
"""
import os
import sys

# wimm.py, the project's marker module (no-ops when not under wimm).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "python"))
from wimm import phase  # noqa: E402

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
phase("build")
tables = []
for r in range(rounds):
    table = {("key-%d-%d" % (r, i)): [i] * (i % 17) for i in range(2000)}
    tables.append(table)
    if len(tables) > 5:
        tables.pop(0)
phase("drop")
tables.clear()
text = "".join(str(i) for i in range(100000))
print(len(text))
