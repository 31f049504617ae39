"""The everyday suite's list of slow tests: ``pytest -m "not slow"`` leaves out, besides the tests marked slow in
their modules (a real server, a browser, a killed process), every test measured at ``THRESHOLD`` seconds or more
(its setup, call and teardown together) in a whole run — an AppTest of a page, an attack that builds a database of
its own, a command run as a process. They are named in ``tests/slow_tests.txt`` and marked by conftest.py; the
whole suite (CI, ``python3 -m tests``) runs them all.

    python3 -m pytest -q --durations=0 > run.txt; python3 -m tests.timings run.txt

writes the list again from that run's durations (the tests of a run that were faster are dropped from it).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

THRESHOLD = 1.0
LIST = Path(__file__).with_name("slow_tests.txt")
_LINE = re.compile(r"^([\d.]+)s (?:call|setup|teardown)\s+(\S+)")


def test_id(nodeid: str) -> str:
    """A test as the list names it: its file and function, without parameters (all of its cases count as one)."""
    return nodeid.split("[", 1)[0]


def listed() -> frozenset[str]:
    """The tests the list names (empty when there is no list)."""
    if not LIST.exists():
        return frozenset()
    return frozenset(line.strip() for line in LIST.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def slow_in(output: str, threshold: float = THRESHOLD) -> list[str]:
    """The tests of a pytest output's ``--durations=0`` table that took ``threshold`` seconds or more in one case."""
    took: dict[str, float] = defaultdict(float)
    for line in output.split("slowest durations", 1)[-1].splitlines():
        match = _LINE.match(line.strip())
        if match:
            took[match.group(2)] += float(match.group(1))
    return sorted({test_id(nodeid) for nodeid, seconds in took.items() if seconds >= threshold})


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    found = slow_in(Path(argv[0]).read_text(encoding="utf-8"))
    LIST.write_text(f"# tests measured at {THRESHOLD} s or more (python3 -m tests.timings): pytest -m 'not slow' "
                    "leaves them out\n" + "".join(f"{name}\n" for name in found), encoding="utf-8")
    print(f"{len(found)} tests listed in {LIST.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
