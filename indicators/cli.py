"""Command line: ``python -m indicators build | export KIND | status --province CODE``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from .database import Store, default_db_path, open_read_only
from .exporting import to_csv
from .reference import ReferenceDataError
from .registry import Registry, UnknownProvince
from .scorecard import province_scope, status_table

EXPORT_COLUMNS = {
    "targets": ["target_id", "province_code", "province_valid_from", "province_name", "indicator_code",
                "comparator", "target_value", "target_high", "baseline_period", "baseline_value",
                "start_period", "deadline_period", "recurring", "plan_number", "plan_id", "source_quote", "note"],
    "actuals": ["province_code", "province_valid_from", "province_name", "indicator_code", "period",
                "value", "source", "batch_id"],
    "provinces": ["code", "name", "full_name", "name_ascii", "valid_from", "valid_to", "successor_code",
                  "successor_valid_from", "region_code"],
    "indicators": ["code", "name_vi", "name_en", "unit", "decimals", "direction", "min_value", "max_value",
                   "family", "parent_code", "publisher", "frequency", "first_year", "notes"],
    "national": ["indicator_code", "period", "statistic", "value", "source", "batch_id"],
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.db = getattr(args, "db", None)  # --db may stand before or after the command
    try:
        return args.run(args)
    except (ReferenceDataError, UnknownProvince, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                        help=f"DuckDB file (default: $KPI_DB or {default_db_path()})")
    parser = argparse.ArgumentParser(prog="python -m indicators", parents=[common],
                                     description="Administrative-reform targets and actuals.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    build = sub.add_parser("build", parents=[common], help="(re)create the database from data/")
    build.set_defaults(run=_build)
    export = sub.add_parser("export", parents=[common], help="CSV on stdout")
    export.add_argument("kind", choices=sorted(EXPORT_COLUMNS))
    export.set_defaults(run=_export)
    sources = sub.add_parser("sources", parents=[common],
                             help="rerun the source adapters: data/actuals/papi.csv, pci.csv, data/geo/provinces.geojson")
    sources.add_argument("--shared", type=Path, required=True,
                         help="folder with papi/, papi_official/ and pci/ as published (e.g. ../shared/data)")
    sources.set_defaults(run=_sources)
    status = sub.add_parser("status", parents=[common], help="targets of a province with their status")
    status.add_argument("--province", required=True, help="code (42) or name (Hà Tĩnh, Ha Tinh)")
    status.add_argument("--year", type=int, default=None, help="judge as of the end of this year (default: this year)")
    status.add_argument("--format", choices=["table", "csv"], default="table")
    status.set_defaults(run=_status)
    return parser


def _store(args: argparse.Namespace) -> Store:
    """A read-only store for the reading commands, built first if the file is new."""
    return open_read_only(args.db)


def _build(args: argparse.Namespace) -> int:
    report = Store(args.db).build()
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if k != "meta")
    print(f"built {report.path}: {counts}", file=sys.stderr)
    return 0


def _sources(args: argparse.Namespace) -> int:
    from .reference import DATA_DIR, load_reference
    from .registry import registry_from_reference
    from .sources import write_actuals
    from .sources.papi import read_papi_csv
    from .sources.pci import read_pci

    from .sources.geo import read_boundaries, write_boundaries

    registry = registry_from_reference(load_reference().provinces)
    for name, frame in (("papi.csv", read_papi_csv(args.shared / "papi", registry)),
                        ("pci.csv", read_pci(args.shared / "pci", registry))):
        write_actuals(frame, DATA_DIR / "actuals" / name)
        print(f"wrote data/actuals/{name}: {len(frame)} figures", file=sys.stderr)
    write_boundaries(read_boundaries(args.shared / "geo", registry), DATA_DIR / "geo" / "provinces.geojson")
    print("wrote data/geo/provinces.geojson", file=sys.stderr)
    print("run `python3 -m indicators build` to load them", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    store = _store(args)
    frame = {"targets": store.targets, "actuals": store.actuals, "provinces": store.provinces,
             "indicators": store.indicators, "national": store.national_values}[args.kind]()
    sys.stdout.write(to_csv(frame[EXPORT_COLUMNS[args.kind]]))
    return 0


def _status(args: argparse.Namespace) -> int:
    store = _store(args)
    registry = Registry(store.provinces(), store.province_aliases())
    year = args.year or date.today().year
    day = date(year, 12, 31)
    try:
        key = registry.resolve(args.province, day)
    except UnknownProvince:
        if args.year is not None:
            raise
        key = registry.resolve_latest(args.province)
    keys = province_scope(registry, key)
    province = registry.row(key)
    table = status_table(store, keys, year)
    if args.format == "csv":
        sys.stdout.write(to_csv(table))
        return 0
    print(f"{province['full_name']} (code {key[0]}, valid from {key[1]}) — status as of the end of {year}")
    if len(keys) > 1:
        olds = ", ".join(f"{registry.row(k)['name']} ({k[0]})" for k in keys[1:])
        print(f"including the targets of the provinces it absorbed on {key[1]}: {olds}")
    if table.empty:
        print("no targets")
        return 0
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        shown = table.drop(columns=["province_code"]).astype(object)
        for column in ("actual", "expected"):
            shown[column] = [f"{v:.4g}" if isinstance(v, float) and v == v else v for v in shown[column]]
        shown = shown.where(table.drop(columns=["province_code"]).notna(), "—")
        print(shown.to_string(index=False))
    counts = table.drop_duplicates("target_id", keep="last").status.value_counts()
    print("\n" + ", ".join(f"{k}: {v}" for k, v in counts.items()) + " (latest judgement of each target)")
    return 0
