"""Import benchmark: validating and committing a long CSV through the import engine, against DuckDB's own
``read_csv`` + ``INSERT`` of the same file into the same table, both on fresh copies of the same database.

    python3 -m bench.imports [--rows 100000] [--runs 5] [--quick]

The CSV is generated (synthetic figures, clearly not real data) with distinct keys: province names as
analysts write them, quarters, values with a decimal point, one source. The engine's time is
``preview`` (read, check every row, compare with the database) plus ``commit`` (history and actuals, one
transaction). The floor reads the same file with DuckDB and inserts it into ``actual`` (same primary key)
in one transaction. Prints medians and the ratio (goal: at most 3×); never fails on a time.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_csv(store, rows: int, path: Path) -> int:
    """``rows`` distinct quarterly figures (province × indicator × quarter of 2005–2024) in the template layout:
    keys that neither data/ nor bench/generate.py's monthly figures hold, so every row is an insert."""
    provinces = store.query("SELECT name FROM province WHERE valid_from = DATE '2004-01-01'"
                            " AND valid_to = DATE '2025-06-30' ORDER BY code").name.tolist()
    indicators = store.query("SELECT code FROM indicator WHERE unit = 'percent' AND min_value >= 0 AND max_value = 100"
                             " AND coalesce(first_year, 2000) <= 2005 ORDER BY family = 'synthetic', code"
                             ).code.tolist()
    rng = random.Random(2024)
    lines = ["province,indicator,period,value,source"]
    for indicator in indicators:
        for year in range(2005, 2025):
            for quarter in range(1, 5):
                for province in provinces:
                    lines.append(f"{province},{indicator},{year}-Q{quarter},{rng.uniform(0, 100):.2f},"
                                 f"Báo cáo quý (synthetic benchmark data)")
                    if len(lines) > rows:
                        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                        return rows
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def engine_run(db: Path, csv_path: Path) -> tuple[float, float, dict]:
    from indicators import imports
    from indicators.domain.registry import Registry
    from indicators.services.auth import User
    from indicators.storage import open_store

    store = open_store(db)
    registry = Registry(store.provinces(), store.province_aliases())
    catalogue = store.indicators()
    user = User("bench", "bench", "analyst")
    started = time.perf_counter()
    content = csv_path.read_bytes()
    result = imports.preview(store, csv_path.name, content, imports.Context(registry, catalogue))
    checked = time.perf_counter()
    if not result.ok:
        raise SystemExit(f"the benchmark file was refused: {[p.text() for p in result.problems[:5]]}")
    done = imports.commit(store, result, user)
    store.connection.execute("CHECKPOINT")  # both sides end with their rows in the database file, not only in its log
    finished = time.perf_counter()
    store.close()
    return checked - started, finished - checked, {"inserted": done.inserted}


def floor_run(db: Path, csv_path: Path) -> float:
    import duckdb

    connection = duckdb.connect(str(db))
    started = time.perf_counter()
    connection.execute("BEGIN TRANSACTION")
    connection.execute("""
        INSERT INTO actual (province_code, province_valid_from, indicator_code, period, period_kind, period_start,
                            period_end, value, source, batch_id)
        SELECT province, DATE '2004-01-01', indicator, period, 'quarter', first_day,
               last_day(first_day + INTERVAL 2 MONTH), value, source, 0
        FROM (SELECT *, make_date(CAST(left(period, 4) AS INTEGER), CAST(right(period, 1) AS INTEGER) * 3 - 2, 1)
                            AS first_day FROM read_csv(?, header = true))""", [str(csv_path)])
    connection.execute("COMMIT")
    connection.execute("CHECKPOINT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10,000 rows, 2 runs (CI)")
    parser.add_argument("--db", type=Path, help="start from this database (e.g. bench/generate.py's) instead of "
                                                "one built from data/")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.runs = 10_000, 2

    from indicators.services.auth import add_user
    from indicators.storage import open_store

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-import-"))
    try:
        base = work / "base.duckdb"
        if args.db:
            shutil.copyfile(args.db, base)
        store = open_store(base)
        if not args.db:
            from indicators.services.building import build
            build(store)
        if not store.connection.execute("SELECT count(*) FROM app_user").fetchone()[0]:
            add_user(store, None, "bench", "benchmark-password", "admin")
        csv_path = work / "actuals.csv"
        rows = make_csv(store, args.rows, csv_path)
        store.close()
        size = csv_path.stat().st_size
        engine, checks, commits, floors = [], [], [], []
        for run in range(args.runs + 1):  # the first run warms the caches and is not counted
            db = work / f"engine-{run}.duckdb"
            shutil.copyfile(base, db)
            check, commit, _ = engine_run(db, csv_path)
            floor_db = work / f"floor-{run}.duckdb"
            shutil.copyfile(base, floor_db)
            floor = floor_run(floor_db, csv_path)
            os.remove(db)
            os.remove(floor_db)
            if run:
                engine.append(check + commit)
                checks.append(check)
                commits.append(commit)
                floors.append(floor)
        print(f"machine: {os.cpu_count()} cores; file: {rows:,} rows, {size / 1e6:.1f} MB; runs: {args.runs}"
              " (after one warm-up)")
        print(f"{'measure':58s} {'median':>8s} {'min–max':>14s}")
        for name, values in (("DuckDB read_csv + INSERT into actual (floor)", floors),
                             ("engine: preview (read, check every row, compare)", checks),
                             ("engine: commit (history + actuals, one transaction)", commits),
                             ("engine: preview + commit", engine)):
            print(f"{name:58s} {statistics.median(values):7.2f}s {min(values):6.2f}–{max(values):.2f}")
        ratio = statistics.median(engine) / statistics.median(floors)
        print(f"ratio engine / floor: {ratio:.1f}× (goal ≤ 3×, stated for a 100,000-row file"
              + (f"; at {rows:,} rows the fixed costs weigh more: read it as a smoke run)" if rows < 100_000 else ")"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
