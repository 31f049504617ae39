"""The whole suite on both backends, the README's test command: ``python3 -m tests`` runs pytest on the embedded
DuckDB, then on a throwaway PostgreSQL cluster (``--backend=postgresql``). Both runs always happen, each one's
outcome is printed, and the exit status is non-zero when either run failed. Arguments after ``python3 -m tests``
are passed to both runs (``python3 -m tests -m "not slow"``)."""

from __future__ import annotations

import subprocess
import sys

RUNS = (("DuckDB", []), ("PostgreSQL", ["--backend=postgresql"]))


def main(argv: list[str]) -> int:
    outcomes = []
    for name, options in RUNS:
        command = [sys.executable, "-m", "pytest", *options, *argv]
        print(f"\n=== tests on {name}: {' '.join(['python3', *command[1:]])}", flush=True)
        outcomes.append((name, subprocess.call(command)))
    print("\n=== the suite on both backends", flush=True)
    for name, code in outcomes:
        print(f"    {name:<11} {'passed' if code == 0 else f'FAILED (pytest exit status {code})'}", flush=True)
    failed = [name for name, code in outcomes if code != 0]
    if failed:
        print(f"=== FAILED on {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
