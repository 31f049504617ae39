"""The unit-scale benchmark: synthetic figures for every unit below the province, then the Units page's reruns,
the commune map in a browser, the server's memory, and a 100,000-row unit import, each against a floor
measured in the same run.

    python3 -m bench.units [--quick] [--keep DIR] [--server postgresql://postgres@127.0.0.1:5433]

Unit scale: the 34 provinces' departments (the twelve of Decree 45/2025 each; synthetic where data/ has none)
and 3,321 communes × 50 indicators × 12 months × 2021–2030 (about 22 million unit actuals), 10,000 tasks with
progress, and an appraised and a self-assessed index for every unit for 2025. ``--quick``: 10 indicators × 2025
only, one run of each browser measure (CI). Every synthetic row says "synthetic benchmark data"; nothing goes into
data/. Goals on the 2-core machine: Units page and league-table reruns < 150 ms, commune map interactive < 2 s,
server RSS < 1 GB, the import within 3× DuckDB's own read_csv + INSERT. Reported, never asserted. With
``--server`` (a role that may create databases) the database is also moved to PostgreSQL (``indicators migrate``,
kept there as kpi_units) and the Units page's reruns are measured on it too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.pages import _BareMode, _start, _wait_until_up, peak_rss, report, workspace  # noqa: F401 - the filter on import

REPO = Path(__file__).resolve().parent.parent
SOURCE = "synthetic benchmark data (bench/units.py)"
UNIFORM = ("SNV", "STP", "STC", "SCT", "SNNMT", "SXD", "SKHCN", "SVHTTDL", "SGDDT", "SYT", "TTR", "VP")


def generate(path: Path, *, indicators: int, first_year: int, last_year: int, tasks: int) -> dict[str, int]:
    from indicators.storage import open_store

    if path.exists():
        raise SystemExit(f"{path} exists; the generator writes a new file only")
    store = open_store(path)
    from indicators.services.building import build
    build(store)
    con = store.connection
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    # the twelve departments of every current province that data/ does not list (synthetic, labelled)
    for suffix in UNIFORM:
        con.execute("""
            INSERT INTO unit (province_code, province_valid_from, code, kind, name, valid_from, source, origin)
            SELECT p.code, p.valid_from, p.code || '-' || ?, 'department', 'Synthetic ' || ? || ' ' || p.name,
                   p.valid_from, ?, 'synthetic'
            FROM province p WHERE p.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM unit u WHERE
                u.province_code = p.code AND u.province_valid_from = p.valid_from AND u.code = p.code || '-' || ?)""",
                    [suffix, suffix, SOURCE, suffix])
    # enough percent indicators for the scale (synthetic ones, labelled, after the catalogue's own)
    have = con.execute("SELECT count(*) FROM indicator WHERE unit = 'percent' AND max_value = 100").fetchone()[0]
    if have < indicators:
        con.execute("INSERT INTO indicator_family VALUES ('synthetic_units', 'Chỉ tiêu giả lập của đơn vị',"
                    " 'Synthetic unit indicators (benchmark)')")
    for n in range(1, max(0, indicators - have) + 1):
        con.execute("INSERT INTO indicator (code, family, name_vi, name_en, unit, unit_vi, unit_en, decimals,"
                    " direction, min_value, max_value, publisher, frequency) VALUES (?, 'synthetic_units', ?, ?,"
                    " 'percent', '%', '%', 1, 'higher', 0, 100, 'synthetic', 'month')",
                    [f"synthetic_unit_{n:03d}", f"Chỉ tiêu giả lập {n}", f"Synthetic unit indicator {n}"])
    batch = con.execute("INSERT INTO import_batch (source, source_kind, file_name, imported_by, imported_at,"
                        " row_count, kind) VALUES (?, 'synthetic', 'bench/units.py', 'bench', ?, 0, 'actuals')"
                        " RETURNING id", [SOURCE, now]).fetchone()[0]
    con.execute(f"""
        INSERT INTO actual (province_code, province_valid_from, unit_code, indicator_code, period, period_kind,
                            period_start, period_end, value, source, batch_id)
        SELECT u.province_code, u.province_valid_from, u.code, i.code, printf('%d-%02d', y.y, m.m), 'month',
               make_date(y.y, m.m, 1), last_day(make_date(y.y, m.m, 1)), round(random() * 100, 2), ?, ?
        FROM unit u JOIN province p ON p.code = u.province_code AND p.valid_from = u.province_valid_from
        CROSS JOIN (SELECT code FROM indicator WHERE unit = 'percent' AND max_value = 100 ORDER BY code
                    LIMIT {int(indicators)}) i
        CROSS JOIN range({int(first_year)}, {int(last_year) + 1}) y(y) CROSS JOIN range(1, 13) m(m)
        WHERE p.valid_to IS NULL AND u.kind IN ('department', 'agency', 'commune', 'ward', 'special_zone')""",
                [SOURCE, batch])
    # tasks: a synthetic plan per current province, its tasks led by its departments and communes
    current = con.execute("SELECT code, valid_from FROM province WHERE valid_to IS NULL ORDER BY code").fetchall()
    per_province = max(1, tasks // len(current))
    rng = random.Random(2026)
    for code, valid_from in current:
        plan_id = f"synthetic-units-{code}"
        con.execute("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, issued_on,"
                    " period_start, period_end, title, source_file, origin, batch_id) VALUES (?, ?, 'ke_hoach',"
                    " 'synthetic', ?, ?, DATE '2025-07-15', '2025', '2030', ?, 'bench/units.py', 'import', ?)",
                    [plan_id, f"{code}/KH-UNIT", code, valid_from, f"Synthetic plan {code}", batch])
        units = [r[0] for r in con.execute("SELECT code FROM unit WHERE province_code = ? AND province_valid_from = ?",
                                           [code, valid_from]).fetchall()]
        rows = [[plan_id, f"S{n}", "synthetic", f"Synthetic task {n}", None, None, None, "2025", str(2025 + n % 6),
                 False, None, rng.choice(units), None, None, None] for n in range(per_province)]
        con.executemany("INSERT INTO task (plan_id, ref, area, task, product, lead_body, partners, start_period,"
                        " deadline_period, recurring, note, lead_unit_codes, partner_unit_codes, due_in_year, section)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO task_progress VALUES (?, ?, '', ?, ?, NULL, NULL, NULL, ?)",
                        [[plan_id, r[1], status, "2025-12-01" if status == "done" else None, batch]
                         for r in rows for status in [rng.choice(["done", "in_progress", "not_started"])]])
        # the province's own index of its units, 2025: one criterion per scope, self-assessed and appraised
        for scope in ("department", "commune"):
            con.execute("INSERT INTO unit_index_criterion VALUES (?, ?, 2025, ?, '1', 'Synthetic criterion', 100, ?)",
                        [code, valid_from, scope, batch])
        con.execute("""
            INSERT INTO unit_score SELECT u.province_code, u.province_valid_from, u.code, 2025, s.stage, '1',
                   round(50 + random() * 50, 2), NULL, ?
            FROM unit u CROSS JOIN (VALUES ('self'), ('appraised')) s(stage)
            WHERE u.province_code = ? AND u.province_valid_from = ?""", [batch, code, valid_from])
    count = con.execute("SELECT count(*) FROM actual WHERE batch_id = ?", [batch]).fetchone()[0]
    con.execute("UPDATE import_batch SET row_count = ? WHERE id = ?", [count, batch])
    con.execute("INSERT INTO data_change (happened_at, kind, detail) VALUES (now()::TIMESTAMP, 'synthetic', ?)",
                [SOURCE])
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    counts = store.table_counts()
    store.close()
    return counts


def measure_reruns(db: Path | str, runs: int) -> list[tuple[str, list[float]]]:
    from streamlit.testing.v1 import AppTest

    os.environ["KPI_DB"] = str(db)
    from indicators.web import cache

    cache.close_store()
    with tempfile.TemporaryDirectory() as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text('import streamlit as st\nst.selectbox("x", [1, 2], key="x")\nst.write("world")\n')
        floor = AppTest.from_file(str(hello), default_timeout=120)
        floor.run()
        rows = [("hello-world rerun (floor)", _timed(lambda n: floor.selectbox(key="x").set_value(1 + n % 2).run(),
                                                     runs))]
    cases = [("unit page: another department", "unit", "unit", ["80-SNV@2025", "80-STC@2025"]),
             ("league table of departments: the year", "departments", "department_year", [2025]),
             ("league table and map of communes", "communes", "commune_year", [2025])]
    for name, tab, widget, values in cases:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.query_params.update(province="80@2025", tab=tab)
        at.run()
        at.switch_page("pages/units.py")
        at.run()
        if at.exception:
            raise SystemExit(f"{name}: {at.exception[0].value}")

        def step(n, at=at, widget=widget, values=values):
            at.selectbox(key=widget).set_value(values[n % len(values)]).run()
        step(0)
        rows.append((f"rerun: {name}", _timed(step, runs)))
    cache.close_store()
    return rows


def _timed(step, runs: int) -> list[float]:
    times = []
    for n in range(runs):
        started = time.perf_counter()
        step(n)
        times.append(time.perf_counter() - started)
    return times


def measure_map(db: Path, runs: int) -> tuple[list[tuple[str, list[float]]], int]:
    """The whole country's commune map (3,321 points) until its points are drawn, against a page with one
    Plotly chart; and the server's peak memory after the Units page's views."""
    from playwright.sync_api import sync_playwright

    env = dict(os.environ, KPI_DB=str(db))
    with tempfile.TemporaryDirectory() as folder:
        floor_page = Path(folder) / "floor.py"
        floor_page.write_text('import streamlit as st\nst.title("Floor")\n'
                              'st.plotly_chart({"data": [{"type": "scatter", "x": [1, 2], "y": [2, 1]}]})\n')
        servers = [_wait_until_up(*_start(floor_page, Path(folder), env)), _wait_until_up(*_start(REPO / "app.py",
                                                                                                  REPO, env))]
        rows = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                     args=["--no-sandbox", "--use-gl=swiftshader",
                                                           "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"])
                page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
                cases = [("one Plotly chart page (floor)", servers[0][1], ".js-plotly-plot .main-svg"),
                         ("commune map of the country (3,321 points)", servers[1][1] + "units?tab=communes&province=VN",
                          ".js-plotly-plot .scatterlayer .point")]
                for name, url, ready in cases:
                    page.goto(url)
                    page.wait_for_selector(ready, timeout=120000)       # warm
                    times = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        page.goto(url)
                        page.wait_for_selector(ready, timeout=120000)
                        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                               polling=20, timeout=120000)
                        times.append(time.perf_counter() - started)
                    rows.append((name, times))
                for tab in ("unit", "departments", "communes"):
                    page.goto(servers[1][1] + f"units?tab={tab}&province=80@2025")
                    page.wait_for_selector("h1", timeout=120000)
                    time.sleep(2)
                browser.close()
            rss = peak_rss(servers[1][0].pid)
        finally:
            for process, _ in servers:
                os.killpg(process.pid, signal.SIGTERM)
            for process, _ in servers:
                process.wait(timeout=60)      # the server holds the database file until it has exited
    return rows, rss


def measure_import(db: Path, rows: int) -> tuple[float, float]:
    """A unit file of ``rows`` quarterly figures of communes (keys the generator left empty) through the engine,
    against DuckDB's own read_csv + INSERT of the same file into a copy."""
    import duckdb

    from indicators import imports
    from indicators.domain.registry import Registry
    from indicators.services.auth import User, add_user, has_users
    from indicators.storage import open_store

    store = open_store(db)
    wards = store.query("SELECT province_code, code FROM unit WHERE province_valid_from = DATE '2025-07-01'"
                        " AND kind IN ('commune', 'ward') ORDER BY code").values.tolist()
    codes = store.query("SELECT code FROM indicator WHERE unit = 'percent' AND max_value = 100 ORDER BY code DESC"
                        " LIMIT 10").code.tolist()
    store.close()
    rng = random.Random(7)
    lines = ["province,unit,indicator,period,value,source"]
    for quarter in range(1, 5):          # quarterly figures of 2026: keys the generator's monthly ones leave empty
        for code in codes:
            for province, ward in wards:
                lines.append(f"{province},{ward},{code},2026-Q{quarter},{rng.uniform(0, 100):.2f},synthetic import")
                if len(lines) > rows:
                    break
            if len(lines) > rows:
                break
        if len(lines) > rows:
            break
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "units.csv"
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        engine_db, floor_db = Path(folder) / "engine.duckdb", Path(folder) / "floor.duckdb"
        shutil.copyfile(db, engine_db)
        shutil.copyfile(db, floor_db)
        store = open_store(engine_db)
        if not has_users(store):
            add_user(store, None, "bench", "benchmark-password", "admin")
        registry = Registry(store.provinces(), store.province_aliases())
        started = time.perf_counter()
        result = imports.preview(store, "units.csv", csv_path.read_bytes(),
                                 imports.Context(registry, store.indicators()))
        if not result.ok:
            raise SystemExit(f"refused: {[p.text() for p in result.problems[:3]]}")
        imports.commit(store, result, User("bench", "bench", "admin"))
        store.connection.execute("CHECKPOINT")
        engine = time.perf_counter() - started
        store.close()
        con = duckdb.connect(str(floor_db))
        started = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.execute("""
            INSERT INTO actual (province_code, province_valid_from, unit_code, indicator_code, period, period_kind,
                                period_start, period_end, value, source, batch_id)
            SELECT lpad(CAST(province AS VARCHAR), 2, '0'), DATE '2025-07-01', lpad(CAST(unit AS VARCHAR), 5, '0'),
                   indicator, period, 'quarter', first_day, last_day(first_day + INTERVAL 2 MONTH), value, source, 0
            FROM (SELECT *, make_date(CAST(left(period, 4) AS INTEGER), CAST(right(period, 1) AS INTEGER) * 3 - 2, 1)
                            AS first_day FROM read_csv(?, header = true))""", [str(csv_path)])
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        floor = time.perf_counter() - started
        con.close()
    return engine, floor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) DIR/units.duckdb")
    parser.add_argument("--server", help="postgresql://user@host:port: the reruns on PostgreSQL too")
    args = parser.parse_args()
    with workspace(args.keep, "kpi-units-") as folder:
        db = folder / ("units-quick.duckdb" if args.quick else "units.duckdb")
        if not db.exists():
            started = time.perf_counter()
            counts = generate(db, **({"indicators": 10, "first_year": 2025, "last_year": 2025, "tasks": 2000}
                                     if args.quick else
                                     {"indicators": 50, "first_year": 2021, "last_year": 2030, "tasks": 10000}))
            print(f"{db.name}: {counts['actual']:,} actuals, {counts['unit']:,} units, {counts['task']:,} tasks, "
                  f"{counts['task_progress']:,} with progress, {counts['unit_score']:,} index scores, "
                  f"{db.stat().st_size / 1e6:.0f} MB, in {time.perf_counter() - started:.0f} s")
        runs = 3 if args.quick else 7
        report("Units page, server time of a rerun (AppTest)", measure_reruns(db, runs))
        if args.server:
            from bench.postgres import on_postgresql

            url = on_postgresql(db, args.server, "kpi_units_quick" if args.quick else "kpi_units")
            report("Units page on PostgreSQL, server time of a rerun (AppTest)", measure_reruns(url, runs))
        browser_rows, rss = measure_map(db, 1 if args.quick else 5)
        report("Commune map, time to interactive in headless Chromium", browser_rows, unit="s")
        print(f"\nserver peak RSS after the Units page: {rss / 1e6:.0f} MB (goal < 1,000 MB)")
        engine, floor = measure_import(db, 10_000 if args.quick else 100_000)
        print(f"\nunit import, {10_000 if args.quick else 100_000:,} rows: engine {engine:.2f} s, DuckDB read_csv + "
              f"INSERT {floor:.2f} s: {engine / floor:.1f}× (goal ≤ 3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
