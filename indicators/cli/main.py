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
from indicators.domain.periods import parse_period
from indicators.domain.registry import Registry, UnknownProvince
from indicators.domain.scorecard import province_scope
from indicators.domain.summaries import targets_sentence
from indicators.imports import commit, lock_period, preview, undo, unlock_period
from indicators.imports.table import LIMITS
from indicators.reference.loader import ReferenceDataError
from indicators.services.auth import User, authenticate, backup_database, has_users, record, require
from indicators.services.building import build, open_read_only, open_writable
from indicators.services.exporting import to_csv
from indicators.services.templates import template_bytes
from indicators.services.views import plan_ids, plans_inherited, status_table
from indicators.storage import (
    DEFAULT_DB,
    SCHEMA_VERSION,
    Store,
    StoreError,
    check_backup,
    database_ref,
    default_backup_path,
    default_db_path,
    describe,
    held_by_another,
    is_built,
    open_store,
    restore,
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
    build = sub.add_parser("build", parents=[common],
                           help="(re)create the reference tables from data/ (admins, once the database has users)")
    build.add_argument("--if-needed", action="store_true",
                       help="only build a new file or one of an older schema (what the server does at start)")
    _user_option(build, required=False)
    build.set_defaults(run=_build)
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

    imp = sub.add_parser("import", parents=[common], help="import actuals or targets from a .csv or .xlsx file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and compare only; write nothing")
    imp.add_argument("--replace", action="store_true", help="allow changing figures already stored")
    imp.add_argument("--sheet", help="sheet of an .xlsx file (default: the first)")
    imp.add_argument("--indicator", help="indicator code of a wide sheet without an indicator column")
    imp.add_argument("--source", help="source of every figure whose row has none")
    imp.add_argument("--lang", choices=["vi", "en"], default="en", help="language of the messages")
    _user_option(imp)
    imp.set_defaults(run=_import)
    undo = sub.add_parser("undo", parents=[common], help="take back a whole import batch")
    undo.add_argument("batch_id", type=int)
    _user_option(undo)
    undo.set_defaults(run=_undo)
    hist = sub.add_parser("history", parents=[common], help="the audit trail of actuals as CSV on stdout")
    hist.add_argument("--batch", type=int, help="only this batch")
    hist.add_argument("--targets", action="store_true", help="the trail of targets and plans instead of actuals")
    hist.set_defaults(run=_history)
    listing = sub.add_parser("batches", parents=[common], help="the import batches as CSV on stdout")
    listing.set_defaults(run=_batches)
    template = sub.add_parser("template", parents=[common], help="write the import template (.csv or .xlsx)")
    template.add_argument("output", type=Path)
    template.set_defaults(run=_template)
    for name, helptext in (("lock", "lock a province's period (admins)"), ("unlock", "unlock it again (admins)")):
        locking = sub.add_parser(name, parents=[common], help=helptext)
        locking.add_argument("province", help="code or name, as meant in the period")
        locking.add_argument("period", help="2024, 2024-H1, 2024-Q3 or 2024-05")
        locking.add_argument("--note")
        _user_option(locking)
        locking.set_defaults(run=_lock, unlock=name == "unlock")
    backup = sub.add_parser("backup", parents=[common], help="copy the whole database to a new file")
    backup.add_argument("target", type=Path, nargs="?",
                        help="the new file (default: backups/<name>-<time>.duckdb beside the database)")
    _user_option(backup)
    backup.set_defaults(run=_backup)
    restore = sub.add_parser("restore", parents=[common],
                             help="replace the database by a checked backup (server stopped); the current file is kept")
    restore.add_argument("backup", type=Path)
    _user_option(restore, required=False)
    restore.set_defaults(run=_restore)
    cli_users.add_parser(sub, common, cli_users.Helpers(_store, _writer, _signed_in, _password, _user_option))
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


def _import(args: argparse.Namespace) -> int:
    with args.file.open("rb") as handle:  # never more than the limit (+1, so that the reader can refuse it)
        content = handle.read(LIMITS.max_bytes + 1)
    store = _writer(args) if not args.dry_run else _store(args)
    registry = Registry(store.provinces(), store.province_aliases())
    result = preview(store, registry, store.indicators(), args.file.name, content, sheet=args.sheet,
                     indicator=args.indicator, source=args.source)
    counts = result.counts
    print(f"{args.file.name}: {result.kind}, {result.layout or '?'} layout — insert {counts['insert']}, "
          f"change {counts['change']}, unchanged {counts['unchanged']}, rejected {counts['rejected']}", file=sys.stderr)
    if not result.ok:
        for problem in result.problems[:200]:
            print(f"  {problem.text(args.lang)}", file=sys.stderr)
        if result.problem_count > 200:
            print(f"  … and {result.problem_count - 200} more", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    changes = result.rows("change")
    if len(changes):
        shown = changes.head(50)
        for r in shown.itertuples():
            print(f"  row {r.row}: {_describe_change(r)}", file=sys.stderr)
        if len(changes) > 50:
            print(f"  … and {len(changes) - 50} more changes", file=sys.stderr)
        if not args.replace:
            print("these rows would change stored figures: add --replace to overwrite them; nothing was written",
                  file=sys.stderr)
            return 1
    if args.dry_run:
        print("dry run: nothing was written", file=sys.stderr)
        return 0
    user = _signed_in(store, args.user)
    done = commit(store, result, user, replace=args.replace, channel="cli")
    if done.batch_id is None:
        print(f"nothing to write: all {done.unchanged} rows are already stored", file=sys.stderr)
    else:
        print(f"batch {done.batch_id}: inserted {done.inserted}, replaced {done.replaced}, unchanged {done.unchanged}"
              f" (undo with: python3 -m indicators undo {done.batch_id})", file=sys.stderr)
    return 0


def _describe_change(r) -> str:
    if hasattr(r, "indicator_code") and hasattr(r, "old_value"):
        period = getattr(r, "period", getattr(r, "deadline_period", ""))
        where = f"{getattr(r, 'province_code', '')} {r.indicator_code} {period}"
        return f"{where}: {r.old_value:g} → {getattr(r, 'value', getattr(r, 'target_value', float('nan'))):g}"
    if hasattr(r, "progress_status"):
        occurrence = f" {r.occurrence}" if r.occurrence else ""
        return f"{r.plan_number} {r.ref}{occurrence}: {r.old_status} → {r.progress_status}"
    return str(r)


def _undo(args: argparse.Namespace) -> int:
    store = _writer(args)
    user = _signed_in(store, args.user)
    restored = undo(store, args.batch_id, user)
    print(f"batch {args.batch_id} undone: {restored} rows restored", file=sys.stderr)
    return 0


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


def _lock(args: argparse.Namespace) -> int:
    store = _writer(args)
    period = parse_period(args.period)
    registry = Registry(store.provinces(), store.province_aliases())
    key = registry.resolve_in_period(args.province, period.start, period.end)
    user = _signed_in(store, args.user)
    (unlock_period if args.unlock else lock_period)(store, user, key, period.text, args.note)
    print(f"{'unlocked' if args.unlock else 'locked'} {registry.name(key)} ({key[0]}) {period.text}", file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace) -> int:
    if args.target and Path(args.target).exists():
        raise ValueError(f"{args.target} exists already; a backup never overwrites a file")
    store = _opened(open_writable, args.db, "the Backup tab of the Import page")
    user = _signed_in(store, args.user, "admin")
    target = backup_database(store, user, args.target or default_backup_path(store.path), channel="cli")
    store.close()
    counts = check_backup(target, server=args.db)
    print(f"backup written and checked: {target} ({counts['actual']} actuals, {counts['import_batch']} batches)",
          file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    """Replace the database by a checked backup: an admin of the current database must sign in (when it has
    users), and the restore is recorded in both the file kept aside and the restored database."""
    path = args.db or default_db_path()
    check_backup(args.backup, server=path)
    who = "(no users yet)"
    if open_store(path).exists():
        current = _opened(open_writable, path)
        try:
            if has_users(current):
                who = _signed_in(current, args.user, "admin").name
            record(current, who, "restore", "replaced", "cli", f"by {args.backup.name}")
        finally:
            current.close()
    kept = _opened(lambda p: restore(args.backup, p), path)
    restored = open_store(path)
    try:
        record(restored, who, "restore", "ok", "cli", f"from {args.backup.name}; previous file kept as {kept.name}")
    finally:
        restored.close()
    counts = check_backup(path)
    print(f"restored {describe(path)} from {args.backup} ({counts['actual']} actuals) by {who}; the previous file is "
          f"kept as {kept}", file=sys.stderr)
    return 0


def _store(args: argparse.Namespace) -> Store:
    """A read-only store for the reading commands: a read never writes (a missing, unbuilt or damaged file is
    refused with what to do)."""
    return _opened(lambda path: open_read_only(path, build=False), args.db, "the dashboard's downloads")


def _build(args: argparse.Namespace) -> int:
    """Build the reference tables. A new file (or one of an older schema) is built by anyone, as the server does
    at start; rebuilding a database that has users needs an admin, and is recorded."""
    path = args.db or default_db_path()
    store = open_store(path)
    built = _opened(lambda _: is_built(store), path)  # the server builds a new or older file at its start
    if built and args.if_needed:
        print(f"{describe(path)} is built (schema {SCHEMA_VERSION}): nothing to do", file=sys.stderr)
        store.close()
        return 0
    who = "(no users yet)"
    if built and has_users(store):
        who = _signed_in(store, args.user, "admin").name
    report = build(store)
    record(store, who, "build", "ok", "cli", None)
    store.close()
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if k != "meta")
    print(f"built {report.path}: {counts}", file=sys.stderr)
    return 0


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
