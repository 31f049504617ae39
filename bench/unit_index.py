"""Unit-index import benchmark: previewing the largest file the import accepts, in its two shapes, against the
time to read the same file, both measured in the same run on the same database.

    python3 -m bench.unit_index [--quick] [--runs N] [--rows N]

Shapes (synthetic rows, clearly labelled, on a database built from data/ in a temporary folder):

- many rows: the scores of every current commune of the country, self-assessed and appraised, on 40 criteria
  (eight areas of five) already stored, up to the import's row limit;
- many criteria: one province's commune criteria, each defined on the row that first names it and scored for
  two communes: half as many criteria as rows.

The preview is :func:`indicators.imports.preview` as the Import page calls it (read, check every row, compare
with the database); the floors are pandas' ``read_csv`` of the same bytes and the engine's own reader (what any
preview must do before it checks a row). The goal: at most 10 s for the largest allowed file in each shape,
reported, never asserted. ``--quick`` previews 4,000-row files once and only checks the guarantees: every row
accepted, a reporter's criteria refused with their row and column, a file one row over the limit refused.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

GOAL = 10.0
HEADER = "province,unit,year,stage,criterion,criterion_name,max_points,points\n"
AREAS, PER_AREA = 8, 5     # the stored criteria of the many-rows shape
NAME = "Tiêu chí giả lập (synthetic benchmark data)"


class Broken(SystemExit):
    """A guarantee the benchmark checks was broken (a time never is)."""


def communes(store) -> list[tuple[str, str]]:
    """(province code, unit code) of every commune-level unit of a current province that is valid in 2025."""
    import pandas as pd

    units = store.units()
    provinces = store.provinces()
    current = provinces[provinces.valid_to.isna()][["code", "valid_from"]]
    units = units.merge(current, left_on=["province_code", "province_valid_from"], right_on=["code", "valid_from"],
                        suffixes=("", "_province"))
    start, end = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)
    valid = units.kind.isin(("commune", "ward", "special_zone")) \
        & (units.valid_from.isna() | (pd.to_datetime(units.valid_from) <= end)) \
        & (units.valid_to.isna() | (pd.to_datetime(units.valid_to) >= start))
    chosen = units[valid].sort_values(["province_code", "code"])
    return list(zip(chosen.province_code, chosen.code))


def criteria_file(provinces: list[str]) -> str:
    """The many-rows shape's criteria, for the commune scope of each province: areas and their criteria."""
    lines = [HEADER]
    for province, unit in provinces:
        for area in range(1, AREAS + 1):
            lines.append(f"{province},{unit},2025,appraised,{area},{NAME},{PER_AREA * 2},\n")
            lines.extend(f"{province},{unit},2025,appraised,{area}.{n},{NAME},2,\n" for n in range(1, PER_AREA + 1))
    return "".join(lines)


def many_rows(units: list[tuple[str, str]], rows: int) -> str:
    """``rows`` scores: unit by unit, both stages, the 40 stored criteria."""
    lines = [HEADER]
    for n in range(rows):
        unit, rest = divmod(n, 2 * AREAS * PER_AREA)
        stage, leaf = divmod(rest, AREAS * PER_AREA)
        if unit >= len(units):
            raise Broken(f"{len(units)} communes hold fewer than {rows:,} scores")
        province, code = units[unit]
        area, criterion = divmod(leaf, PER_AREA)
        lines.append(f"{province},{code},2025,{('self', 'appraised')[stage]},{area + 1}.{criterion + 1},,,"
                     f"{(n % 5) / 2:g}\n")
    return "".join(lines)


def many_criteria(province: str, two: tuple[str, str], rows: int) -> str:
    """``rows // 2`` new criteria ``a.b`` of one province's communes, each defined where it is first scored (a
    short synthetic name: the file must stay under the byte limit)."""
    lines = [HEADER]
    for n in range(rows // 2):
        code = f"{n // 100 + 100}.{n % 100 + 1}"       # beside the stored areas 1–8
        lines.append(f"{province},{two[0]},2025,appraised,{code},Synthetic {code},5,{n % 6}\n")
        lines.append(f"{province},{two[1]},2025,appraised,{code},,,{(n + 3) % 6}\n")
    return "".join(lines)


def previewed(store, content: bytes, user):
    from indicators import imports
    from indicators.domain.registry import Registry

    registry = Registry(store.provinces(), store.province_aliases())
    return imports.preview(store, "index.csv", content,
                           imports.Context(registry, store.indicators(), today=date(2026, 1, 15), user=user))


def preview_times(store, content: bytes, user, runs: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and processor seconds of each counted preview of ``content`` (after one warm-up), and the
    last preview (processor time tells the engine's own cost apart from waiting for a busy machine's cores)."""
    walls, processor, result = [], [], None
    for run in range(runs + 1):
        started, used = time.perf_counter(), time.process_time()
        result = previewed(store, content, user)
        if run:
            walls.append(time.perf_counter() - started)
            processor.append(time.process_time() - used)
    return walls, processor, result


def timed(action, runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls of ``action``, after one that warms the caches and is not counted."""
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        action()
        if run:
            times.append(time.perf_counter() - started)
    return times


def read_floors(content: bytes, runs: int) -> tuple[list[float], list[float]]:
    import pandas as pd

    from indicators.imports.engine import _header_problems, _is_header
    from indicators.imports.reader import read_table

    parse = timed(lambda: pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False), runs)
    reader = timed(lambda: read_table("index.csv", content, _is_header, header_check=_header_problems), runs)
    return parse, reader


def check_guarantees(store, people: dict, units: list[tuple[str, str]], rows: int) -> None:
    """What the fixes promise, whatever the time: a reporter defines no criterion (refused with the row and
    column), and a file over the row limit is refused before any row is checked."""
    from indicators.imports.table import LIMITS

    province, code = units[0]
    own = store.units()
    reporter_unit = own[(own.province_code == province) & (own.code == code)].iloc[0]
    people["reporter"] = _add(store, people["admin"], "bench.reporter", "reporter",
                              (province, reporter_unit.province_valid_from.date(), code))
    defining = f"{HEADER}{province},{code},2025,self,99.1,{NAME},1000,\n".encode()
    refused = previewed(store, defining, people["reporter"])
    if refused.ok or refused.problems[0].row != 2 or not refused.problems[0].column:
        raise Broken(f"a reporter's criterion was not refused with its row and column: {refused.problems[:1]}")
    over = (HEADER + many_rows(units, 1)[len(HEADER):] * (LIMITS.max_rows + LIMITS.header_search_rows + 1)).encode()
    too_long = previewed(store, over, people["analyst"])
    if too_long.ok or "rows" not in too_long.problems[0].en:
        raise Broken(f"a file over {LIMITS.max_rows:,} rows was not refused: {too_long.problems[:1]}")


def _add(store, admin, name: str, role: str, unit=None):
    from indicators.services.auth import add_user

    return add_user(store, admin, name, "benchmark-password", role, unit=unit)


def main() -> None:
    from indicators.imports.table import LIMITS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=LIMITS.max_rows, help="rows of each file (default: the limit)")
    parser.add_argument("--quick", action="store_true", help="4,000-row files, one run, guarantees only (CI)")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.runs = 4_000, 1

    from indicators import imports
    from indicators.domain.registry import Registry
    from indicators.storage import open_store

    work = Path(tempfile.mkdtemp(prefix="kpi-bench-unit-index-"))
    try:
        store = open_store(work / "kpi.duckdb")
        from indicators.services.building import build
        build(store)
        admin = _add(store, None, "bench.admin", "admin")
        people = {"admin": admin, "analyst": _add(store, admin, "bench.analyst", "analyst")}
        units = communes(store)
        provinces = sorted({(p, c) for p, c in units}, key=lambda pc: pc[0])
        first_of_each = list({p: (p, c) for p, c in reversed(provinces)}.values())
        registry = Registry(store.provinces(), store.province_aliases())
        stored = imports.preview(store, "criteria.csv", criteria_file(first_of_each).encode(),
                                 imports.Context(registry, store.indicators(), today=date(2026, 1, 15)))
        if not stored.ok:
            raise Broken(f"the criteria were refused: {[p.text() for p in stored.problems[:3]]}")
        imports.commit(store, stored, people["analyst"])
        check_guarantees(store, people, units, args.rows)
        province = first_of_each[0][0]
        two = tuple(c for p, c in units if p == province)[:2]
        shapes = {"many rows": many_rows(units, args.rows).encode(),
                  "many criteria": many_criteria(province, two, args.rows).encode()}
        print(f"machine: {os.cpu_count()} cores; row limit {LIMITS.max_rows:,}, byte limit {LIMITS.max_bytes:,};"
              f" runs: {args.runs} (after one warm-up)")
        print(f"{'shape':14s} {'rows':>8s} {'MB':>5s} {'read_csv':>9s} {'reader':>8s} {'preview':>8s} "
              f"{'min–max':>12s} {'cpu':>6s}  within {GOAL:g} s")
        for shape, content in shapes.items():
            if len(content) > LIMITS.max_bytes:
                raise Broken(f"the {shape} file has {len(content):,} bytes, over the limit")
            times, processor, result = preview_times(store, content, people["analyst"], args.runs)
            if not result.ok or result.counts["insert"] != args.rows:
                raise Broken(f"{shape}: {result.counts}, {[p.text() for p in result.problems[:3]]}")
            parse, reader = read_floors(content, args.runs)
            middle = statistics.median(times)
            print(f"{shape:14s} {args.rows:8,d} {len(content) / 1e6:5.1f} {statistics.median(parse):8.2f}s "
                  f"{statistics.median(reader):7.2f}s {middle:7.2f}s {min(times):5.2f}–{max(times):5.2f} "
                  f"{statistics.median(processor):5.2f}s  "
                  + ("yes" if middle <= GOAL else "NO") + ("" if args.rows == LIMITS.max_rows else
                                                          " (not the largest file: a smoke run)"))
        store.close()
        print("guarantees: a reporter's criterion refused with its row and column; a file over the row limit refused")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
