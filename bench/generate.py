"""Synthetic data at reference scale, for benchmarks only — never the dashboard's own database.

    python3 -m bench.generate OUT.duckdb [--quick]

Builds ``OUT.duckdb`` from ``data/`` like the dashboard does, then adds, clearly labelled as synthetic:
indicators up to 200 (family ``synthetic``), one monthly figure for every province era (the 63 provinces, Hà
Tây and the 34) × indicator × month of 2005–2024 — about 4.7 million actuals, each with its history row — and
a synthetic plan per current province with ten targets each. ``--quick`` makes a small version (5 years,
40 indicators) for CI. Every synthetic figure's source says "synthetic benchmark data".
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SOURCE = "synthetic benchmark data (bench/generate.py)"


def generate(path: Path, *, indicators: int = 200, first_year: int = 2005, last_year: int = 2024) -> dict[str, int]:
    from indicators.storage import open_store

    if path.exists():
        raise SystemExit(f"{path} exists; the generator writes a new file only")
    if path.resolve().parent == (REPO / "data").resolve():
        raise SystemExit("synthetic data never goes into data/")
    store = open_store(path)
    from indicators.services.building import build
    build(store)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    store.connection.execute("BEGIN TRANSACTION")
    have = store.connection.execute("SELECT count(*) FROM indicator").fetchone()[0]
    store.connection.execute("INSERT INTO indicator_family VALUES ('synthetic', 'Chỉ tiêu giả lập (đo hiệu năng)',"
                " 'Synthetic (benchmark)')")
    for n in range(1, max(0, indicators - have) + 1):
        store.connection.execute("INSERT INTO indicator (code, family, name_vi, name_en, unit, unit_vi, unit_en, "
                                 "decimals,"
                    " direction, min_value, max_value, publisher, frequency) VALUES (?, 'synthetic', ?, ?,"
                    " 'percent', '%', '%', 1, 'higher', 0, 100, 'synthetic', 'month')",
                    [f"synthetic_{n:03d}", f"Chỉ tiêu giả lập {n}", f"Synthetic indicator {n}"])
    batch = store.connection.execute(
        "INSERT INTO import_batch (source, source_kind, file_name, imported_by, imported_at, row_count, kind)"
        " VALUES (?, 'synthetic', 'bench/generate.py', 'bench', ?, 0, 'actuals') RETURNING id",
        [SOURCE, now]).fetchone()[0]
    # every province era × the first `indicators` indicators × every month
    store.connection.execute(f"""
        INSERT INTO actual (province_code, province_valid_from, indicator_code, period, period_kind, period_start,
                            period_end, value, source, batch_id)
        SELECT p.code, p.valid_from, i.code, printf('%d-%02d', y.y, m.m), 'month', make_date(y.y, m.m, 1),
               last_day(make_date(y.y, m.m, 1)),
               CASE WHEN i.unit IN ('count', 'rank', 'months', 'tier')
                    THEN round(i.min_value + random() * (coalesce(i.max_value, i.min_value + 100) - i.min_value))
                    ELSE round(i.min_value + random() * (coalesce(i.max_value, i.min_value + 100) - i.min_value), 2)
               END, ?, ?
        FROM province p
        CROSS JOIN (SELECT code, unit, min_value, max_value FROM indicator ORDER BY family = 'synthetic', code
                    LIMIT {int(indicators)}) i
        CROSS JOIN range({int(first_year)}, {int(last_year) + 1}) y(y) CROSS JOIN range(1, 13) m(m)""",
                [SOURCE, batch])
    count = store.connection.execute("SELECT count(*) FROM actual WHERE batch_id = ?", [batch]).fetchone()[0]
    store.connection.execute("UPDATE import_batch SET row_count = ? WHERE id = ?", [count, batch])
    store.connection.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code, period,
                                    new_value, new_source, new_batch_id, changed_by, changed_at)
        SELECT batch_id, 'insert', province_code, province_valid_from, indicator_code, period, value, source,
               batch_id, 'bench', ? FROM actual WHERE batch_id = ?""", [now, batch])
    # a synthetic plan for each current province, ten targets each
    current = store.connection.execute("SELECT code, valid_from FROM province WHERE valid_to IS NULL").fetchall()
    for code, valid_from in current:
        plan_id = f"synthetic-plan-{code}"
        store.connection.execute("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, "
                                 "issued_on,"
                    " period_start, period_end, title, source_file, origin, batch_id) VALUES (?, ?, 'ke_hoach',"
                    " 'synthetic', ?, ?, DATE '2025-07-15', '2025', '2030', ?, 'bench/generate.py', 'import', ?)",
                    [plan_id, f"{code}/KH-SYN", code, valid_from, f"Synthetic plan {code}", batch])
        store.connection.execute("""
            INSERT INTO target (id, plan_id, province_code, province_valid_from, indicator_code, comparator,
                                target_value, start_period, deadline_period, recurring, source_quote, origin, batch_id)
            SELECT ? || ':' || code, ?, ?, ?, code, '>=', 80, '2025', '2030', false, ?, 'import', ?
            FROM indicator WHERE family = 'synthetic' ORDER BY code LIMIT 10""",
                    [plan_id, plan_id, code, valid_from, SOURCE, batch])
    store.connection.execute("COMMIT")
    counts = store.table_counts()
    store.connection.execute("CHECKPOINT")
    store.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--quick", action="store_true", help="5 years × 40 indicators (CI)")
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.out, **({"indicators": 40, "first_year": 2020} if args.quick else {}))
    print(f"{args.out}: {counts['actual']:,} actuals, {counts['indicator']} indicators, {counts['target']} targets, "
          f"{args.out.stat().st_size / 1e6:.0f} MB, in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
