"""The PostgreSQL backend's hot paths, measured both ways the issue allows, on the same server and data: DuckDB's
postgres extension running the dashboard's own SQL against PostgreSQL (what the backend does), and psycopg 3
sending PostgreSQL the equivalent SQL itself (what a second SQL layer would do). Floors, measured in the same
run: the same reads on the embedded DuckDB file, and PostgreSQL's own COPY of the import's rows.

    python3 -m bench.postgres --server postgresql://postgres@127.0.0.1:5433 [--quick] [--keep DIR]

It generates the reference-scale database of bench/generate.py (4.7 million actuals; ``--quick``: the small
one), moves it to a new PostgreSQL database with ``indicators migrate``, then times: the data version every
rerun reads; the first read of one indicator for the whole country (the backend's way, the extension's own
scan, psycopg's); the series the targets are judged on and the catalogue's coverage, read again after each
import; the small tables every page loads; a 100,000-row import through the engine beside PostgreSQL's COPY of
the same rows into ``actual`` and of the same file into a bare table. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.pages import report, workspace

REPO = Path(__file__).resolve().parent.parent
ACTUALS_SQL = """
    SELECT a.province_code, a.province_valid_from, p.name AS province_name, a.indicator_code, a.period,
           a.period_kind, a.period_start, a.period_end, a.value, a.source, a.batch_id, a.unit_code
    FROM actual a JOIN province p ON p.code = a.province_code AND p.valid_from = a.province_valid_from
    WHERE a.indicator_code = %s AND a.unit_code = ''"""


def timed(step, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        out.append(time.perf_counter() - started)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="postgresql://user@host:port (a role that may CREATE DATABASE)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    import psycopg

    from indicators.storage import open_store

    runs = 3 if args.quick else 7
    server = args.server.rstrip("/")
    name = "kpi_bench_quick" if args.quick else "kpi_bench"
    with workspace(args.keep, "kpi-bench-pg-") as folder:
        file = folder / ("quick.duckdb" if args.quick else "reference.duckdb")
        if not file.exists():
            subprocess.run([sys.executable, "-m", "bench.generate", str(file), *(["--quick"] if args.quick else [])],
                           check=True, cwd=REPO)
        url = on_postgresql(file, server, name)
        duck, pg = open_store(file, read_only=True), open_store(url)
        direct = psycopg.connect(url)
        code = "synthetic_001" if duck.scalar("SELECT count(*) FROM indicator WHERE code = 'synthetic_001'") \
            else "papi_total"
        rows = [("floor: DuckDB file, data version", timed(duck.data_version, runs)),
                ("PostgreSQL via DuckDB's extension: data version", timed(pg.data_version, runs)),
                ("PostgreSQL via psycopg: data version", timed(lambda: direct.execute(
                    "SELECT (SELECT value FROM meta WHERE key = 'database_id'), count(*), coalesce(max(id), 0)"
                    " FROM data_change").fetchone(), runs))]
        report("every rerun: the data version the caches are keyed on", rows)
        first_reads(duck, pg, direct, code, runs)
        from indicators.services.views import Dataset, series_wanted

        wanted = series_wanted(duck.targets())
        rows = [("floor: DuckDB file, the series the targets are judged on", timed(lambda: duck.actual_series(
                    wanted), runs)),
                ("PostgreSQL: the backend (unnest, one index scan per pair)", timed(lambda: pg.actual_series(wanted),
                                                                                   runs))]
        report(f"after each import: the series the Overview's targets are judged on ({len(wanted)})", rows)
        rows = [("floor: DuckDB file, the (indicator, province era) pairs with figures", timed(duck.actual_coverage,
                                                                                               runs)),
                ("PostgreSQL: the backend (one index probe per pair)", timed(pg.actual_coverage, runs))]
        report("after each import: the catalogue's coverage", rows)
        rows = [("floor: DuckDB file, the small tables of every page", timed(lambda: Dataset.load(duck), runs)),
                ("PostgreSQL via DuckDB's extension", timed(lambda: Dataset.load(pg), runs))]
        report("Dataset.load (provinces, catalogue, plans, targets, tasks, progress, units)", rows)
        measure_import(pg, direct, 10_000 if args.quick else 100_000, folder, runs)
        direct.close()
        duck.close()
        pg.close()
    return 0


def on_postgresql(file: Path, server: str, name: str) -> str:
    """The URL of database ``name`` on ``server``, made from ``file`` by ``indicators migrate`` unless it exists."""
    import psycopg

    from indicators.storage import copy_database

    url = f"{server.rstrip('/')}/{name}"
    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return url
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    started = time.perf_counter()
    counts = copy_database(file, url)
    print(f"moved {file.name} to PostgreSQL: {counts['actual']:,} actuals in {time.perf_counter() - started:.0f} s"
          " (indicators migrate)")
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute("VACUUM ANALYZE")     # what an operator runs after a bulk load (autovacuum would, later)
    return url


def first_reads(duck, pg, direct, code: str, runs: int, after: str = "") -> None:
    """One indicator for the whole country: what the backend does (the filter handed to PostgreSQL by
    postgres_query, its index), the extension's own scan of the table, and psycopg's query and DataFrame."""
    import pandas as pd

    from indicators.storage.sql.actuals import ACTUAL_SELECT as _ACTUAL_SELECT

    own_scan = _ACTUAL_SELECT.format(source="actual", where=" WHERE a.indicator_code = ? AND a.unit_code = ''")
    rows = [("floor: DuckDB file, one indicator for the country", timed(lambda: duck.actuals(
                indicator_code=code), runs)),
            ("PostgreSQL: the backend (postgres_query, PostgreSQL's index)", timed(lambda: pg.actuals(
                indicator_code=code), runs)),
            ("PostgreSQL: the extension's own scan (ctid ranges)", timed(lambda: pg._df(own_scan, [code]), runs)),
            ("PostgreSQL via psycopg (+ DataFrame)", timed(lambda: pd.DataFrame(direct.execute(
                ACTUALS_SQL, [code]).fetchall()), runs))]
    report(f"first read of an indicator ({code}, {len(pg.actuals(indicator_code=code)):,} rows){after}", rows)


def measure_import(store, direct, n: int, folder: Path, runs: int) -> None:
    """n quarterly figures (bench/imports.py's file: every row an insert) through the engine on PostgreSQL, beside
    two floors of PostgreSQL's own COPY: the same file into a table of its columns (no key, no index: the
    fastest PostgreSQL takes in these bytes), and the same rows, as the engine resolved them, into ``actual``
    itself with its primary key and index, rolled back (what any import that keeps the key costs at least; the
    floor of bench/imports.py on the file is the same: DuckDB's own INSERT into ``actual``)."""
    from bench.imports import make_csv
    from indicators.domain.registry import Registry
    from indicators.imports import Context, commit, preview
    from indicators.services.auth import add_user, has_users

    path = folder / "import.csv"
    n = make_csv(store, n, path)
    registry, catalogue = Registry(store.provinces(), store.province_aliases()), store.indicators()
    who = add_user(store, None, "bench", "synthetic benchmark user", "admin") if not has_users(store) else None
    if who is None:
        raise SystemExit("the benchmark's PostgreSQL copy already has users: drop it and run again")
    direct.execute("CREATE TEMP TABLE copy_floor (province text, indicator text, period text,"
                   " value double precision, source text)")
    direct.commit()     # kept by keyed_floor's rollback
    times: dict[str, list[float]] = {"preview": [], "commit": [], "keyed": [], "bare": []}
    def vacuum() -> None:        # no dead rows left for the next measure to step over
        direct.autocommit = True
        direct.execute("VACUUM ANALYZE actual")
        direct.execute("VACUUM ANALYZE actual_history")
        direct.autocommit = False

    for _ in range(runs):
        started = time.perf_counter()
        result = preview(store, "bench.csv", path.read_bytes(), Context(registry, catalogue))
        times["preview"].append(time.perf_counter() - started)
        started = time.perf_counter()
        batch = commit(store, result, who).batch_id
        times["commit"].append(time.perf_counter() - started)
        for sql in ("DELETE FROM actual WHERE batch_id = %s", "DELETE FROM actual_history WHERE batch_id = %s",
                    "DELETE FROM import_batch WHERE id = %s"):   # the next run imports the same rows anew
            direct.execute(sql, [batch])
        direct.commit()
        vacuum()
        times["keyed"].append(keyed_floor(direct, result.diff))   # on the same table as the engine found it
        vacuum()
        started = time.perf_counter()
        with direct.cursor().copy("COPY copy_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(path.read_bytes())
        direct.commit()
        times["bare"].append(time.perf_counter() - started)
        direct.execute("TRUNCATE copy_floor")
        direct.commit()
    middle = {name: statistics.median(values) for name, values in times.items()}
    engine = middle["preview"] + middle["commit"]
    print(f"\nimport of {n:,} rows, medians of {runs} (each measure on the same vacuumed table):"
          f" the engine on PostgreSQL {engine:.2f} s (preview {middle['preview']:.2f} s: read, check, compare with"
          f" the stored rows; commit {middle['commit']:.2f} s: write rows and history)")
    print(f"  PostgreSQL's COPY of the same rows into actual (its key and index, rolled back) {middle['keyed']:.2f} s:"
          f" {engine / middle['keyed']:.1f}× (goal ≤ 3×)")
    print(f"  PostgreSQL's COPY of the same file into a table without key or index {middle['bare']:.2f} s:"
          f" {engine / middle['bare']:.1f}×")


def keyed_floor(direct, rows) -> float:
    """Seconds PostgreSQL's COPY takes to put ``rows`` (the preview's, all new) into ``actual``, rolled back."""
    import io

    batch = direct.execute("SELECT max(id) FROM import_batch").fetchone()[0]
    columns = ["province_code", "province_valid_from", "indicator_code", "period", "period_kind", "period_start",
               "period_end", "value", "source", "batch_id", "note", "unit_code"]
    text = io.StringIO()
    rows.assign(batch_id=batch)[columns].to_csv(text, index=False, header=False, date_format="%Y-%m-%d")
    started = time.perf_counter()
    command = f"COPY actual ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (unit_code))"
    with direct.cursor().copy(command) as copy:
        copy.write(text.getvalue())
    took = time.perf_counter() - started
    direct.rollback()
    return took


if __name__ == "__main__":
    sys.exit(main())
