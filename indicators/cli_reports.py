"""``python -m indicators report --province CODE --period 2026-H1 [--format docx|pdf] [--lang vi|en] -o FILE``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from .registry import Registry, UnknownProvince
from .report_content import report_period
from .reports import FORMATS, make
from .storage import Store
from .views import Dataset


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
               store: Callable[[argparse.Namespace], Store]) -> None:
    report = sub.add_parser("report", parents=[common],
                            help="a province's periodic CCHC report (.docx) or one-page brief (.pdf)")
    report.add_argument("--province", required=True, help="code (42) or name, as meant at the period's end")
    report.add_argument("--period", required=True,
                        help="2026-Q1, 2026-H1, 2026, or plan:<plan id> for a plan's closing review")
    report.add_argument("--format", choices=FORMATS, default="docx")
    report.add_argument("--lang", choices=["vi", "en"], default="vi")
    report.add_argument("--no-charts", action="store_true", help="the Word file without charts (no browser)")
    report.add_argument("-o", "--output", type=Path, default=None, help="the file to write (default: its own name)")
    report.set_defaults(run=lambda args: run(args, store(args)))


def run(args: argparse.Namespace, store: Store) -> int:
    ds = Dataset.load(store)
    period = report_period(args.period, ds)
    registry = Registry(store.provinces(), store.province_aliases())
    day = min(period.end, date.today())
    try:
        key = registry.resolve(args.province, day)
    except UnknownProvince:
        key = registry.resolve(args.province, period.end)
    made = make(ds, key, args.period, args.format, args.lang, charts=not args.no_charts)
    path = args.output or Path(made.filename)
    path.write_bytes(made.data)
    drawn = f", {made.charts} charts" if args.format == "docx" else ""
    note = f" ({made.chart_note})" if made.chart_note else ""
    print(f"wrote {path}: {made.content.province_vi}, {made.content.period.label_vi}{drawn}{note}", file=sys.stderr)
    return 0
