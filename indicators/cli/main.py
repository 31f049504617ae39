"""Command line: ``python -m indicators build | export | status | import | undo | history | lock | users …``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from indicators.cli import migrate as cli_migrate
from indicators.cli import reports as cli_reports
from indicators.cli import units as cli_units
from indicators.cli import users as cli_users
from indicators.cli import writes as cli_writes
from indicators.cli.helpers import Helpers
from indicators.domain.registry import Registry, UnknownProvince
from indicators.domain.scorecard import province_scope
from indicators.domain.summaries import targets_sentence
from indicators.reference.loader import ReferenceDataError
from indicators.services.auth import User, authenticate, require
from indicators.services.building import open_read_only, open_writable
from indicators.services.exporting import to_csv
from indicators.services.templates import template_bytes
from indicators.services.views import plan_ids, plans_inherited, status_table
from indicators.storage import (
    DEFAULT_DB,
    Store,
    StoreError,
    database_ref,
    held_by_another,
)

EXPORT_COLUMNS = {
    "targets": ["target_id", "province_code", "province_valid_from", "province_name", "indicator_code",
                "comparator", "target_value", "target_high", "baseline_period", "baseline_value",
                "start_period", "deadline_period", "recurring", "plan_number", "plan_id", "source_quote", "note",
                "owner_unit_code"],
    "actuals": ["province_code", "province_valid_from", "province_name", "unit_code", "indicator_code", "period",
                "value", "source", "note", "batch_id"],
    "provinces": ["code", "name", "full_name", "name_ascii", "valid_from", "valid_to", "successor_code",
                  "successor_valid_from", "region_code"],
    "indicators": ["code", "name_vi", "name_en", "unit", "decimals", "direction", "min_value", "max_value",
                   "family", "parent_code", "publisher", "frequency", "first_year", "notes"],
    "national": ["indicator_code", "period", "statistic", "value", "source", "batch_id"],
}


_OPENED: list[Store] = []


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.db = getattr(args, "db", None)  # --db may stand before or after the command
    try:
        return args.run(args)
    except (ReferenceDataError, UnknownProvince, ValueError, PermissionError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:  # anything the store did not name itself: say what it is, never a traceback
        print(f"error: the database refused the command ({type(exc).__name__}: {str(exc)[:300]})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing more was written", file=sys.stderr)
        return 130
    finally:  # the command's stores, closed now rather than when collected: the next command may reopen them
        while _OPENED:
            _OPENED.pop().close()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=database_ref, default=argparse.SUPPRESS,
                        help=f"DuckDB file or postgresql://user@host/db (default: $KPI_DB or {DEFAULT_DB})")
    parser = argparse.ArgumentParser(prog="python -m indicators", parents=[common],
                                     description="Administrative-reform targets and actuals.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    helpers = Helpers(_store, _writer, _signed_in, _password, _user_option, _opened)
    cli_writes.add_parsers(sub, common, helpers)
    export = sub.add_parser("export", parents=[common], help="CSV on stdout")
    export.add_argument("kind", choices=sorted([*EXPORT_COLUMNS, "units", "tasks"]))
    export.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="tasks: overdue as of this day (YYYY-MM-DD; default today)")
    export.set_defaults(run=_export)
    sources = sub.add_parser("sources", parents=[common],
                             help="rerun the source adapters: data/actuals/papi.csv, pci.csv, "
                                  "data/geo/provinces.geojson")
    sources.add_argument("--shared", type=Path, required=True,
                         help="folder with papi/, papi_official/ and pci/ as published (e.g. ../shared/data)")
    sources.set_defaults(run=_sources)
    status = sub.add_parser("status", parents=[common], help="targets of a province with their status")
    scope = status.add_mutually_exclusive_group(required=True)
    scope.add_argument("--province", help="code (42) or name (Hà Tĩnh, Ha Tinh)")
    scope.add_argument("--unit", help="a unit's code (72-SNV, 80-SNV, 26734): its tasks and targets")
    status.add_argument("--year", type=int, default=None, help="judge as of the end of this year (default: this year)")
    status.add_argument("--format", choices=["table", "csv"], default="table")
    status.set_defaults(run=_status)
    cli_reports.add_parser(sub, common, _store)
    cli_migrate.add_parser(sub, common, _signed_in)

    hist = sub.add_parser("history", parents=[common], help="the audit trail of actuals as CSV on stdout")
    hist.add_argument("--batch", type=int, help="only this batch")
    hist.add_argument("--targets", action="store_true", help="the trail of targets and plans instead of actuals")
    hist.set_defaults(run=_history)
    listing = sub.add_parser("batches", parents=[common], help="the import batches as CSV on stdout")
    listing.set_defaults(run=_batches)
    template = sub.add_parser("template", parents=[common], help="write the import template (.csv or .xlsx)")
    template.add_argument("output", type=Path)
    template.set_defaults(run=_template)
    cli_users.add_parser(sub, common, helpers)
    return parser


def _user_option(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--user", default=os.environ.get("KPI_USER"),
                        help="who does it (default $KPI_USER); the password is read from $KPI_PASSWORD or asked for"
                        + ("" if required else "; not needed for the very first admin"))


def _password(prompt: str, variable: str, twice: bool = False) -> str:
    """A password from ``variable`` or, in a terminal, typed (a new one ``twice``, so a typo is caught)."""
    if os.environ.get(variable):
        return os.environ[variable]
    if not sys.stdin.isatty():
        raise ValueError(f"no password: set {variable} or run in a terminal")
    password = getpass.getpass(prompt)
    if twice and getpass.getpass("the same password again: ") != password:
        raise ValueError("the two passwords differ: nothing was changed")
    return password


def _writer(args: argparse.Namespace) -> Store:
    """The read-write store for the commands that write."""
    return _opened(open_writable, args.db, "the dashboard's Import page")


def _opened(opener, path: Path | None, instead: str | None = None):
    """``opener(path)``, saying what to do when another process (the dashboard server) holds the file."""
    try:
        opened = opener(path)
        if isinstance(opened, Store):
            _OPENED.append(opened)
        return opened
    except StoreError as exc:
        if held_by_another(exc):
            raise ValueError("the database is open in another process (the dashboard server?): "
                             + (f"use {instead}, or stop the server first" if instead else "stop it first")) from None
        raise


def _signed_in(store: Store, name: str | None, role: str = "viewer") -> User:
    """The user ``name`` after their password (throttled and recorded like every sign-in), holding ``role``."""
    if not name:
        raise ValueError("--user is needed (or $KPI_USER)")
    password = _password(f"password of {name}: ", "KPI_PASSWORD")
    return require(store, authenticate(store, name, password, channel="cli"), role)


def _history(args: argparse.Namespace) -> int:
    store = _store(args)
    sys.stdout.write(to_csv((store.target_history if args.targets else store.history)(args.batch)))
    return 0


def _batches(args: argparse.Namespace) -> int:
    sys.stdout.write(to_csv(_store(args).batches()))
    return 0


def _template(args: argparse.Namespace) -> int:
    store = _store(args)
    kind = "xlsx" if args.output.suffix.lower() == ".xlsx" else "csv"
    args.output.write_bytes(template_bytes(store.indicators(), kind))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _store(args: argparse.Namespace) -> Store:
    """A read-only store for the reading commands: a read never writes (a missing, unbuilt or damaged file is
    refused with what to do)."""
    return _opened(lambda path: open_read_only(path, build=False), args.db, "the dashboard's downloads")


def _sources(args: argparse.Namespace) -> int:
    # the adapters' readers (xlrd, shapely, the published layouts) load only for this maintainer's command
    from indicators.reference.loader import (  # noqa: PLC0415
        DATA_DIR,
        load_reference,
        registry_from_reference,  # noqa: PLC0415
    )
    from indicators.reference.sources import write_actuals  # noqa: PLC0415
    from indicators.reference.sources.geo import read_boundaries, write_boundaries  # noqa: PLC0415
    from indicators.reference.sources.papi import read_papi_csv  # noqa: PLC0415
    from indicators.reference.sources.pci import read_pci  # noqa: PLC0415

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
    if args.kind in ("units", "tasks"):
        sys.stdout.write(cli_units.export(store, args.kind, args.as_of))
        return 0
    frame = {"targets": store.targets, "actuals": lambda: store.actuals(unit_code=None), "provinces": store.provinces,
             "indicators": store.indicators, "national": store.national_values}[args.kind]()
    sys.stdout.write(to_csv(frame[EXPORT_COLUMNS[args.kind]]))
    return 0


def _status(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.unit:
        as_of = min(date.today(), date(args.year, 12, 31)) if args.year else date.today()
        return cli_units.unit_status(store, args.unit, as_of)
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
    cli_units.print_context(store, key, year)
    plans = store.plans()
    if len(keys) > 1:
        olds = ", ".join(f"{registry.row(k)['name']} ({k[0]})" for k in keys[1:])
        if len(keys) == 2:
            print(f"including the targets of {olds} from before {key[1]}")
        else:
            print(f"including the targets of the provinces it absorbed on {key[1]}: {olds}")
        for plan in plans_inherited(plans, keys[1:], key).to_dict("records"):
            print(f"inherited plan: {plan['number']} of {plan['province_name']} ({plan['period_start']}–"
                  f"{plan['period_end']}), judged on this province's figures from {key[1]}")
    wanted = plan_ids(plans, keys)
    if table.empty:
        print("no targets of its own" if pd.notna(province["valid_to"]) else "no targets")
        cli_units.print_progress(store, wanted, min(date.today(), day))
        return 0
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
        shown = table.drop(columns=["province_code", "requirement", "requirement_vi"]).astype(object)
        for column in ("actual", "expected"):
            shown[column] = [f"{v:.4g}" if isinstance(v, float) and v == v else v for v in shown[column]]
        shown = shown.where(table.drop(columns=["province_code", "requirement", "requirement_vi"]).notna(), "—")
        print(shown.to_string(index=False))
    counts = table.drop_duplicates("target_id", keep="last").status.value_counts()
    print("\n" + targets_sentence(counts.to_dict(), "en") + " (latest judgement of each target)")
    cli_units.print_progress(store, wanted, min(date.today(), day))
    return 0
