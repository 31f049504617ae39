"""The periodic report's benchmark: a province's yearly report with ten charts (.docx) and its one-page brief
(.pdf), on the shipped database and at the unit scale of bench/units.py, each against a floor measured in the
same run: Kaleido's own time for one chart (a browser started, one figure drawn, the browser closed).

    python3 -m bench.report [--quick] [--keep DIR]

Goals on the 2-core machine: the yearly report with ten charts < 10 s, the brief < 3 s. Reported, never asserted.
``--quick`` (CI): one run of each, and the unit-scale database of ``bench.units --quick``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date
from pathlib import Path

from bench.pages import report, workspace
from bench.units import generate

REPO = Path(__file__).resolve().parent.parent
KEY, PERIOD = ("42", date(2025, 7, 1)), "2025"     # new Hà Tĩnh's 2025: its own and its predecessor's figures


def one_chart() -> float:
    """Kaleido's floor: start a browser, draw one figure (the status bar of the pages), close the browser."""
    import kaleido

    from indicators.charts import status_bar
    from indicators.report_charts import browser_path

    figure = status_bar({"achieved": 2, "missed": 6, "no_data": 41}, {"achieved": "a", "missed": "m", "no_data": "n"})

    async def draw() -> None:
        async with kaleido.Kaleido(n=1, mathjax=False, path=browser_path()) as k:
            await k.calc_fig(figure, opts={"format": "png", "width": 900, "height": 140, "scale": 2})

    started = time.perf_counter()
    asyncio.run(draw())
    return time.perf_counter() - started


def measure(db: Path, runs: int, label: str) -> list[tuple[str, list[float]]]:
    from indicators.reports import make
    from indicators.storage import open_store
    from indicators.views import Dataset

    store = open_store(db, read_only=True)
    try:
        ds = Dataset.load(store)
        rows, charts = [], 0
        for fmt, name in (("docx", "yearly report (.docx, charts drawn)"), ("pdf", "one-page brief (.pdf)")):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                made = make(ds, KEY, PERIOD, fmt)
                times.append(time.perf_counter() - started)
                charts = made.charts if fmt == "docx" else charts
            rows.append((f"{label}: {name}", times))
        print(f"{label}: {charts} charts in the report")
        return rows
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) DIR/units.duckdb")
    args = parser.parse_args()
    runs = 1 if args.quick else 5
    shipped = REPO / "data" / "kpi.duckdb"
    if not shipped.exists():
        raise SystemExit("build the shipped database first: python3 -m indicators build --if-needed")
    with workspace(args.keep, "kpi-report-") as folder:
        db = folder / ("units-quick.duckdb" if args.quick else "units.duckdb")
        if not db.exists():
            generate(db, **({"indicators": 10, "first_year": 2025, "last_year": 2025, "tasks": 2000} if args.quick
                            else {"indicators": 50, "first_year": 2021, "last_year": 2030, "tasks": 10000}))
        floor = [one_chart() for _ in range(max(runs, 3))]
        rows = [("floor: Kaleido, one chart in a new browser", floor)]
        rows += measure(shipped, runs, "shipped data")
        rows += measure(db, runs, "unit scale")
        report("The periodic report of new Hà Tĩnh for 2025 (goals: report < 10 s, brief < 3 s)", rows, unit="s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
