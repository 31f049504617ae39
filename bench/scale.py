"""The benchmark suite at reference scale: generate the synthetic database, then measure the pages (rerun,
time to interactive, server memory) and the import on it, each against its floor.

    python3 -m bench.scale [--quick] [--keep DIR]

Reference scale (bench/generate.py): 98 province eras × 200 indicators × 240 months ≈ 4.7 million actuals.
``--quick`` uses the small synthetic database, two runs of each server measure and one of each browser
measure: under a minute (about 45 s here). CI runs it; it fails only if something crashes.
Goals on the 2-core machine: rerun < 150 ms, interactive within 2 s and 1.5× the
hello-world floor, import within 3× DuckDB's own, server RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.pages import workspace

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) DIR/reference.duckdb")
    args = parser.parse_args()
    with workspace(args.keep, "kpi-scale-") as folder:
        db = folder / ("quick.duckdb" if args.quick else "reference.duckdb")
        quick = ["--quick"] if args.quick else []
        if not db.exists():
            subprocess.run([sys.executable, "-m", "bench.generate", str(db), *quick], check=True, cwd=REPO)
        subprocess.run([sys.executable, "-m", "bench.pages", "--db", str(db), *quick], check=True, cwd=REPO)
        subprocess.run([sys.executable, "-m", "bench.imports", "--db", str(db), *quick], check=True, cwd=REPO)
    return 0


if __name__ == "__main__":
    sys.exit(main())
