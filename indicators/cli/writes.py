"""The command line's writing commands: ``build``, ``import``, ``undo``, ``lock``, ``unlock``, ``backup`` and
``restore``. Each writes through the same engine and sign-in as the dashboard, and is recorded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.cli.helpers import Helpers
from indicators.domain.periods import parse_period
from indicators.domain.registry import Registry
from indicators.imports import Context, commit, lock_period, preview, undo, unlock_period
from indicators.imports.table import LIMITS
from indicators.services.auth import backup_database, has_users, record
from indicators.services.building import build, open_writable
from indicators.storage import (
    SCHEMA_VERSION,
    check_backup,
    default_backup_path,
    default_db_path,
    describe,
    is_built,
    open_store,
    restore,
)


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, cli: Helpers) -> None:
    building = sub.add_parser("build", parents=[common],
                              help="(re)create the reference tables from data/ (admins, once the database has users)")
    building.add_argument("--if-needed", action="store_true",
                          help="only build a new file or one of an older schema (what the server does at start)")
    cli.user_option(building, required=False)
    building.set_defaults(run=lambda args: _build(args, cli))
    imp = sub.add_parser("import", parents=[common], help="import actuals or targets from a .csv or .xlsx file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and compare only; write nothing")
    imp.add_argument("--replace", action="store_true", help="allow changing figures already stored")
    imp.add_argument("--sheet", help="sheet of an .xlsx file (default: the first)")
    imp.add_argument("--indicator", help="indicator code of a wide sheet without an indicator column")
    imp.add_argument("--source", help="source of every figure whose row has none")
    imp.add_argument("--lang", choices=["vi", "en"], default="en", help="language of the messages")
    cli.user_option(imp)
    imp.set_defaults(run=lambda args: _import(args, cli))
    undoing = sub.add_parser("undo", parents=[common], help="take back a whole import batch")
    undoing.add_argument("batch_id", type=int)
    cli.user_option(undoing)
    undoing.set_defaults(run=lambda args: _undo(args, cli))
    for name, helptext in (("lock", "lock a province's period (admins)"), ("unlock", "unlock it again (admins)")):
        locking = sub.add_parser(name, parents=[common], help=helptext)
        locking.add_argument("province", help="code or name, as meant in the period")
        locking.add_argument("period", help="2024, 2024-H1, 2024-Q3 or 2024-05")
        locking.add_argument("--note")
        cli.user_option(locking)
        locking.set_defaults(run=lambda args: _lock(args, cli), unlock=name == "unlock")
    backing_up = sub.add_parser("backup", parents=[common], help="copy the whole database to a new file")
    backing_up.add_argument("target", type=Path, nargs="?",
                            help="the new file (default: backups/<name>-<time>.duckdb beside the database)")
    cli.user_option(backing_up)
    backing_up.set_defaults(run=lambda args: _backup(args, cli))
    restoring = sub.add_parser("restore", parents=[common], help="replace the database by a checked backup (server "
                               "stopped); the current file is kept")
    restoring.add_argument("backup", type=Path)
    cli.user_option(restoring, required=False)
    restoring.set_defaults(run=lambda args: _restore(args, cli))


def _build(args: argparse.Namespace, cli: Helpers) -> int:
    """Build the reference tables. A new file (or one of an older schema) is built by anyone, as the server does
    at start; rebuilding a database that has users needs an admin, and is recorded."""
    path = args.db or default_db_path()
    store = open_store(path)
    built = cli.opened(lambda _: is_built(store), path)  # the server builds a new or older file at its start
    if built and args.if_needed:
        print(f"{describe(path)} is built (schema {SCHEMA_VERSION}): nothing to do", file=sys.stderr)
        store.close()
        return 0
    who = "(no users yet)"
    if built and has_users(store):
        who = cli.signed_in(store, args.user, "admin").name
    report = build(store)
    record(store, who, "build", "ok", "cli", None)
    store.close()
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if k != "meta")
    print(f"built {report.path}: {counts}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, cli: Helpers) -> int:
    with args.file.open("rb") as handle:  # never more than the limit (+1, so that the reader can refuse it)
        content = handle.read(LIMITS.max_bytes + 1)
    store = cli.writer(args) if not args.dry_run else cli.store(args)
    registry = Registry(store.provinces(), store.province_aliases())
    result = preview(store, args.file.name, content, Context(registry, store.indicators(), sheet=args.sheet,
                                                            indicator=args.indicator, source=args.source))
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
    user = cli.signed_in(store, args.user)
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


def _undo(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    user = cli.signed_in(store, args.user)
    restored = undo(store, args.batch_id, user)
    print(f"batch {args.batch_id} undone: {restored} rows restored", file=sys.stderr)
    return 0


def _lock(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    period = parse_period(args.period)
    registry = Registry(store.provinces(), store.province_aliases())
    key = registry.resolve_in_period(args.province, period.start, period.end)
    user = cli.signed_in(store, args.user)
    (unlock_period if args.unlock else lock_period)(store, user, key, period.text, args.note)
    print(f"{'unlocked' if args.unlock else 'locked'} {registry.name(key)} ({key[0]}) {period.text}", file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace, cli: Helpers) -> int:
    if args.target and Path(args.target).exists():
        raise ValueError(f"{args.target} exists already; a backup never overwrites a file")
    store = cli.opened(open_writable, args.db, "the Backup tab of the Import page")
    user = cli.signed_in(store, args.user, "admin")
    target = backup_database(store, user, args.target or default_backup_path(store.path), channel="cli")
    store.close()
    counts = check_backup(target, server=args.db)
    print(f"backup written and checked: {target} ({counts['actual']} actuals, {counts['import_batch']} batches)",
          file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace, cli: Helpers) -> int:
    """Replace the database by a checked backup: an admin of the current database must sign in (when it has
    users), and the restore is recorded in both the file kept aside and the restored database."""
    path = args.db or default_db_path()
    check_backup(args.backup, server=path)
    who = "(no users yet)"
    if open_store(path).exists():
        current = cli.opened(open_writable, path)
        try:
            if has_users(current):
                who = cli.signed_in(current, args.user, "admin").name
            record(current, who, "restore", "replaced", "cli", f"by {args.backup.name}")
        finally:
            current.close()
    kept = cli.opened(lambda p: restore(args.backup, p), path)
    restored = open_store(path)
    try:
        record(restored, who, "restore", "ok", "cli", f"from {args.backup.name}; previous file kept as {kept.name}")
    finally:
        restored.close()
    counts = check_backup(path)
    print(f"restored {describe(path)} from {args.backup} ({counts['actual']} actuals) by {who}; the previous file is "
          f"kept as {kept}", file=sys.stderr)
    return 0
