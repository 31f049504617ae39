"""The command line's writing commands: ``build``, ``import``, ``undo``, ``lock``, ``unlock``, ``backup`` and
``restore``. Each writes through the same engine and sign-in as the dashboard, and is recorded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.cli.helpers import NO_USERS, Helpers, actor
from indicators.domain.periods import parse_period
from indicators.domain.registry import Registry
from indicators.i18n import N_, has_label, label
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
    lang = cli.lang
    building = sub.add_parser("build", parents=[common], help=label("cli_help_build", lang))
    building.add_argument("--if-needed", action="store_true", help=label("cli_help_if_needed", lang))
    cli.user_option(building, required=False)
    building.set_defaults(run=lambda args: _build(args, cli))
    imp = sub.add_parser("import", parents=[common], help=label("cli_help_import", lang))
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help=label("cli_help_dry_run", lang))
    imp.add_argument("--replace", action="store_true", help=label("cli_help_replace", lang))
    imp.add_argument("--sheet", help=label("cli_help_sheet", lang))
    imp.add_argument("--indicator", help=label("cli_help_indicator", lang))
    imp.add_argument("--source", help=label("cli_help_source", lang))
    imp.add_argument("--year", type=int, help=label("cli_help_table_year", lang))
    cli.user_option(imp)
    imp.set_defaults(run=lambda args: _import(args, cli))
    undoing = sub.add_parser("undo", parents=[common], help=label("cli_help_undo", lang))
    undoing.add_argument("batch_id", type=int)
    cli.user_option(undoing)
    undoing.set_defaults(run=lambda args: _undo(args, cli))
    for name, helptext in (("lock", N_("cli_help_lock")), ("unlock", N_("cli_help_unlock"))):
        locking = sub.add_parser(name, parents=[common], help=label(helptext, lang))
        locking.add_argument("province", help=label("cli_help_lock_province", lang))
        locking.add_argument("period", help=label("cli_help_period", lang))
        locking.add_argument("--note")
        cli.user_option(locking)
        locking.set_defaults(run=lambda args: _lock(args, cli), unlock=name == "unlock")
    _backup_parsers(sub, common, cli)


def _backup_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, cli: Helpers) -> None:
    """``backup`` and ``restore``."""
    backing_up = sub.add_parser("backup", parents=[common], help=label("cli_help_backup", cli.lang))
    backing_up.add_argument("target", type=Path, nargs="?", help=label("cli_help_backup_target", cli.lang))
    cli.user_option(backing_up)
    backing_up.set_defaults(run=lambda args: _backup(args, cli))
    restoring = sub.add_parser("restore", parents=[common], help=label("cli_help_restore", cli.lang))
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
        print(label("cli_built_already", cli.lang, db=describe(path), version=SCHEMA_VERSION), file=sys.stderr)
        store.close()
        return 0
    who = NO_USERS
    if built and has_users(store):
        who = cli.signed_in(store, args.user, "admin").name
    report = build(store)
    record(store, who, "build", "ok", "cli", None)
    store.close()
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if k != "meta")
    print(label("cli_built", cli.lang, path=report.path, counts=counts), file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, cli: Helpers) -> int:
    lang = cli.lang                         # --lang, else $KPI_LANG
    with args.file.open("rb") as handle:  # never more than the limit (+1, so that the reader can refuse it)
        content = handle.read(LIMITS.max_bytes + 1)
    store = cli.writer(args) if not args.dry_run else cli.store(args)
    registry = Registry(store.provinces(), store.province_aliases())
    result = preview(store, args.file.name, content, Context(registry, store.indicators(), sheet=args.sheet,
                                                            indicator=args.indicator, source=args.source,
                                                            year=args.year))
    counts = result.counts
    print(label("cli_import_summary", lang, file=args.file.name, kind=_kind_words(result.kind, result.layout, lang),
                insert=counts["insert"], change=counts["change"], unchanged=counts["unchanged"],
                rejected=counts["rejected"]), file=sys.stderr)
    if not result.ok:
        for problem in result.problems[:200]:
            print(f"  {problem.text(lang)}", file=sys.stderr)
        if result.problem_count > 200:
            print("  " + label("cli_more_problems", lang, count=result.problem_count - 200), file=sys.stderr)
        print(label("cli_nothing_written", lang), file=sys.stderr)
        return 1
    if not _changes_allowed(result.rows("change"), args.replace, lang):
        return 1
    if args.dry_run:
        print(label("cli_dry_run_done", lang), file=sys.stderr)
        return 0
    user = cli.signed_in(store, args.user)
    done = commit(store, result, user, replace=args.replace, channel="cli")
    if done.batch_id is None:
        print(label("cli_nothing_to_write", lang, count=done.unchanged), file=sys.stderr)
    else:
        print(label("cli_batch_written", lang, batch=done.batch_id, inserted=done.inserted, replaced=done.replaced,
                    unchanged=done.unchanged), file=sys.stderr)
    return 0


LAYOUT_WORDS = (N_("cli_layout_long"), N_("cli_layout_wide"))   # label(f"cli_layout_{layout}") in _kind_words


def _kind_words(kind: str, layout: str | None, lang: str) -> str:
    """What was read, in ``lang``: the batch's kind, and its layout where the kind has several (a Ministry's table
    by its name)."""
    words = label(f"batch_kind_{kind}", lang) if has_label(f"batch_kind_{kind}") else kind
    if layout in ("long", "wide"):
        return f"{words}, {label(f'cli_layout_{layout}', lang)}"
    return f"{words}, {layout}" if layout and layout != kind else words


def _changes_allowed(changes, replace: bool, lang: str) -> bool:
    """Lists the rows that would change stored figures (the first 50); they may be written only with --replace."""
    if not len(changes):
        return True
    for r in changes.head(50).itertuples():
        print("  " + label("cli_change_row", lang, row=r.row, change=_describe_change(r)), file=sys.stderr)
    if len(changes) > 50:
        print("  " + label("cli_more_changes", lang, count=len(changes) - 50), file=sys.stderr)
    if not replace:
        print(label("cli_would_change", lang), file=sys.stderr)
    return replace


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
    print(label("cli_undone", cli.lang, batch=args.batch_id, count=restored), file=sys.stderr)
    return 0


def _lock(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    period = parse_period(args.period)
    registry = Registry(store.provinces(), store.province_aliases())
    key = registry.resolve_in_period(args.province, period.start, period.end)
    user = cli.signed_in(store, args.user)
    (unlock_period if args.unlock else lock_period)(store, user, key, period.text, args.note)
    done = N_("cli_unlocked") if args.unlock else N_("cli_locked")
    print(label(done, cli.lang, province=registry.name(key), code=key[0], period=period.text), file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace, cli: Helpers) -> int:
    if args.target and Path(args.target).exists():
        raise ValueError(label("cli_backup_exists", cli.lang, target=args.target))
    store = cli.opened(open_writable, args.db, label("cli_instead_backup_tab", cli.lang))
    user = cli.signed_in(store, args.user, "admin")
    target = backup_database(store, user, args.target or default_backup_path(store.path), channel="cli")
    store.close()
    counts = check_backup(target, server=args.db)
    print(label("cli_backup_done", cli.lang, target=target, actuals=counts["actual"], batches=counts["import_batch"]),
          file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace, cli: Helpers) -> int:
    """Replace the database by a checked backup: an admin of the current database must sign in (when it has
    users), and the restore is recorded in both the file kept aside and the restored database."""
    path = args.db or default_db_path()
    check_backup(args.backup, server=path)
    who = NO_USERS
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
    print(label("cli_restored", cli.lang, db=describe(path), backup=args.backup, actuals=counts["actual"],
                who=actor(who, cli.lang), kept=kept), file=sys.stderr)
    return 0
