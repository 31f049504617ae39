"""Command line: ``python -m indicators build | export | status | import | undo | history | lock | users …``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd

from indicators.cli import migrate as cli_migrate
from indicators.cli import reports as cli_reports
from indicators.cli import scheduled as cli_scheduled
from indicators.cli import units as cli_units
from indicators.cli import users as cli_users
from indicators.cli import writes as cli_writes
from indicators.cli.helpers import Helpers
from indicators.domain.registry import Registry, UnknownProvince
from indicators.domain.scorecard import province_scope
from indicators.domain.summaries import targets_sentence
from indicators.errors import Bilingual
from indicators.i18n import LANGUAGES, N_, format_number, label
from indicators.i18n import column as text_column
from indicators.imports.ministry_tables import BY_NAME as MINISTRY_TABLES
from indicators.imports.ministry_tables import template_bytes as ministry_template
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


def language() -> str:
    """The command line's language: ``$KPI_LANG`` when ``locales/`` holds a catalogue of it (vi, en, or a language
    added as a folder), else English."""
    wanted = os.environ.get("KPI_LANG", "").strip().lower()
    return wanted if wanted in LANGUAGES else "en"


def asked_language(argv: list[str] | None) -> str:
    """The language of a command's texts: its ``--lang`` (anywhere on the line), else :func:`language`. Read before
    the parser is made, so that the parser's own help and refusals are in it too."""
    asked = argparse.ArgumentParser(add_help=False)
    asked.add_argument("--lang")
    found = asked.parse_known_args(sys.argv[1:] if argv is None else argv)[0].lang
    return found if found in LANGUAGES else language()


def main(argv: list[str] | None = None) -> int:
    lang = asked_language(argv)             # read once per command; every text below is in it
    args = _parser(lang).parse_args(argv)
    args.db = getattr(args, "db", None)  # --db may stand before or after the command
    said = lang
    try:
        return args.run(args)
    except (ReferenceDataError, UnknownProvince, ValueError, PermissionError, RuntimeError, OSError) as exc:
        reason = exc.in_language(said) if isinstance(exc, Bilingual) else str(exc)
        print(label("cli_error", said, reason=reason), file=sys.stderr)
        return 2
    except StoreError as exc:  # anything the store did not name itself: say what it is, never a traceback
        print(label("cli_store_refused", said, kind=type(exc).__name__, detail=str(exc)[:300]), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(label("cli_interrupted", said), file=sys.stderr)
        return 130
    finally:  # the command's stores, closed now rather than when collected: the next command may reopen them
        while _OPENED:
            _OPENED.pop().close()


def _parser(lang: str) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=database_ref, default=argparse.SUPPRESS,
                        help=label("cli_help_db", lang, default=DEFAULT_DB))
    # the language of the command's messages (and of a report's file); it may stand before or after the command
    common.add_argument("--lang", choices=list(LANGUAGES), default=argparse.SUPPRESS, help=label("cli_help_lang", lang))
    parser = argparse.ArgumentParser(prog="python -m indicators", parents=[common],
                                     description=label("cli_description", lang))
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    helpers = Helpers(partial(_store, lang=lang), partial(_writer, lang=lang), partial(_signed_in, lang=lang),
                      partial(_password, lang=lang), partial(_user_option, lang=lang), partial(_opened, lang=lang),
                      lang)
    cli_writes.add_parsers(sub, common, helpers)
    _reading_parsers(sub, common, helpers)
    cli_reports.add_parser(sub, common, helpers.store, lang)
    cli_scheduled.add_parser(sub, common, helpers.store, lang)
    cli_migrate.add_parser(sub, common, helpers.signed_in, lang)
    _trail_parsers(sub, common, helpers)
    cli_users.add_parser(sub, common, helpers)
    return parser


def _reading_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, cli: Helpers) -> None:
    """``export``, ``sources`` and ``status``."""
    lang = cli.lang
    export = sub.add_parser("export", parents=[common], help=label("cli_help_export", lang))
    export.add_argument("kind", choices=sorted([*EXPORT_COLUMNS, "units", "tasks"]))
    export.add_argument("--as-of", type=date.fromisoformat, default=None, help=label("cli_help_as_of", lang))
    export.set_defaults(run=lambda args: _export(args, cli))
    sources = sub.add_parser("sources", parents=[common], help=label("cli_help_sources", lang))
    sources.add_argument("--shared", type=Path, required=True, help=label("cli_help_shared", lang))
    sources.set_defaults(run=lambda args: _sources(args, cli))
    status = sub.add_parser("status", parents=[common], help=label("cli_help_status", lang))
    scope = status.add_mutually_exclusive_group(required=True)
    scope.add_argument("--province", help=label("cli_help_province", lang))
    scope.add_argument("--unit", help=label("cli_help_unit", lang))
    status.add_argument("--year", type=int, default=None, help=label("cli_help_year", lang))
    status.add_argument("--format", choices=["table", "csv"], default="table")
    status.set_defaults(run=lambda args: _status(args, cli))


def _trail_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, cli: Helpers) -> None:
    """``history``, ``batches`` and ``template``."""
    lang = cli.lang
    hist = sub.add_parser("history", parents=[common], help=label("cli_help_history", lang))
    hist.add_argument("--batch", type=int, help=label("cli_help_batch", lang))
    hist.add_argument("--targets", action="store_true", help=label("cli_help_targets_trail", lang))
    hist.set_defaults(run=lambda args: _history(args, cli))
    listing = sub.add_parser("batches", parents=[common], help=label("cli_help_batches", lang))
    listing.set_defaults(run=lambda args: _batches(args, cli))
    template = sub.add_parser("template", parents=[common], help=label("cli_help_template", lang))
    template.add_argument("output", type=Path)
    template.add_argument("--layout", choices=["actuals", *MINISTRY_TABLES], default="actuals",
                          help=label("cli_help_template_layout", lang))
    template.set_defaults(run=lambda args: _template(args, cli))


def _user_option(parser: argparse.ArgumentParser, required: bool = True, lang: str = "en") -> None:
    parser.add_argument("--user", default=os.environ.get("KPI_USER"),
                        help=label(N_("cli_help_user") if required else N_("cli_help_user_optional"), lang))


def _password(prompt: str, variable: str, twice: bool = False, lang: str = "en") -> str:
    """A password from ``variable`` or, in a terminal, typed (a new one ``twice``, so a typo is caught)."""
    if os.environ.get(variable):
        return os.environ[variable]
    if not sys.stdin.isatty():
        raise ValueError(label("cli_no_password", lang, variable=variable))
    password = getpass.getpass(prompt)
    if twice and getpass.getpass(label("cli_password_again", lang)) != password:
        raise ValueError(label("cli_passwords_differ", lang))
    return password


def _writer(args: argparse.Namespace, lang: str = "en") -> Store:
    """The read-write store for the commands that write."""
    return _opened(open_writable, args.db, label("cli_instead_import_page", lang), lang=lang)


def _opened(opener, path: Path | None, instead: str | None = None, lang: str = "en"):
    """``opener(path)``, saying what to do when another process (the dashboard server) holds the file; ``instead``
    names, in ``lang``, where the dashboard does the same."""
    try:
        opened = opener(path)
        if isinstance(opened, Store):
            _OPENED.append(opened)
        return opened
    except StoreError as exc:
        if held_by_another(exc):
            raise ValueError(label("cli_held_use", lang, instead=instead) if instead
                             else label("cli_held_stop", lang)) from None
        raise


def _signed_in(store: Store, name: str | None, role: str = "viewer", lang: str = "en") -> User:
    """The user ``name`` after their password (throttled and recorded like every sign-in), holding ``role``."""
    if not name:
        raise ValueError(label("cli_user_needed", lang))
    password = _password(label("cli_password_of", lang, name=name), "KPI_PASSWORD", lang=lang)
    return require(store, authenticate(store, name, password, channel="cli"), role)


def _history(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.store(args)
    sys.stdout.write(to_csv((store.target_history if args.targets else store.history)(args.batch)))
    return 0


def _batches(args: argparse.Namespace, cli: Helpers) -> int:
    sys.stdout.write(to_csv(cli.store(args).batches()))
    return 0


def _template(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.store(args)
    kind = "xlsx" if args.output.suffix.lower() == ".xlsx" else "csv"
    if args.layout in MINISTRY_TABLES:   # a Ministry's table, with the headers as published
        args.output.write_bytes(ministry_template(MINISTRY_TABLES[args.layout], kind, store.provinces()))
    else:
        args.output.write_bytes(template_bytes(store.indicators(), kind))
    print(label("cli_wrote", cli.lang, path=args.output), file=sys.stderr)
    return 0


def _store(args: argparse.Namespace, lang: str = "en") -> Store:
    """A read-only store for the reading commands: a read never writes (a missing, unbuilt or damaged file is
    refused with what to do)."""
    return _opened(lambda path: open_read_only(path, build=False), args.db, label("cli_instead_downloads", lang),
                   lang=lang)


def _sources(args: argparse.Namespace, cli: Helpers) -> int:
    # the adapters' readers (xlrd, shapely, the published layouts) load only for this maintainer's command
    from indicators.reference.loader import (  # noqa: PLC0415
        DATA_DIR,
        load_reference,
        registry_from_reference,  # noqa: PLC0415
    )
    from indicators.reference.sources import write_actuals  # noqa: PLC0415
    from indicators.reference.sources.geo import read_boundaries, write_boundaries  # noqa: PLC0415
    from indicators.reference.sources.produce import produced_actuals  # noqa: PLC0415

    registry = registry_from_reference(load_reference().provinces)
    for name, frame in produced_actuals(args.shared, registry, DATA_DIR / "actuals").items():
        write_actuals(frame, DATA_DIR / "actuals" / name)
        print(label("cli_sources_wrote", cli.lang, name=name, count=len(frame)), file=sys.stderr)
    write_boundaries(read_boundaries(args.shared / "geo", registry), DATA_DIR / "geo" / "provinces.geojson")
    print(label("cli_wrote", cli.lang, path="data/geo/provinces.geojson"), file=sys.stderr)
    print(label("cli_sources_build", cli.lang), file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.store(args)
    if args.kind in ("units", "tasks"):
        sys.stdout.write(cli_units.export(store, args.kind, args.as_of))
        return 0
    frame = {"targets": store.targets, "actuals": lambda: store.actuals(unit_code=None), "provinces": store.provinces,
             "indicators": store.indicators, "national": store.national_values}[args.kind]()
    sys.stdout.write(to_csv(frame[EXPORT_COLUMNS[args.kind]]))
    return 0


def _status(args: argparse.Namespace, cli: Helpers) -> int:
    store, lang = cli.store(args), cli.lang
    if args.unit:
        as_of = min(date.today(), date(args.year, 12, 31)) if args.year else date.today()
        return cli_units.unit_status(store, args.unit, as_of, lang=lang)
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
    print(label("cli_status_heading", lang, name=province["full_name"], code=key[0], since=key[1], year=year))
    cli_units.print_context(store, key, year, lang)
    plans = store.plans()
    if len(keys) > 1:
        _print_inherited(registry, plans, keys, lang)
    wanted = plan_ids(plans, keys)
    if table.empty:
        ended = pd.notna(province["valid_to"])
        print(label(N_("cli_status_no_own_targets") if ended else N_("cli_status_no_targets"), lang))
        cli_units.print_progress(store, wanted, min(date.today(), day), lang)
        return 0
    _print_table(table, lang)
    counts = table.drop_duplicates("target_id", keep="last").status.value_counts()
    print("\n" + label("cli_status_latest", lang, sentence=targets_sentence(counts.to_dict(), lang)))
    cli_units.print_progress(store, wanted, min(date.today(), day), lang)
    return 0


def _print_inherited(registry: Registry, plans: pd.DataFrame, keys: list, lang: str) -> None:
    """What ``status`` says of a province that absorbed others: whose targets it includes, and their plans."""
    key = keys[0]
    olds = ", ".join(f"{registry.row(k)['name']} ({k[0]})" for k in keys[1:])
    including = N_("cli_status_including_one") if len(keys) == 2 else N_("cli_status_including_many")
    print(label(including, lang, olds=olds, since=key[1]))
    for plan in plans_inherited(plans, keys[1:], key).to_dict("records"):
        print(label("cli_status_inherited", lang, number=plan["number"], province=plan["province_name"],
                    start=plan["period_start"], end=plan["period_end"], since=key[1]))


YES_NO = (N_("no"), N_("yes"))


def _print_table(table: pd.DataFrame, lang: str) -> None:
    """The status table in ``lang``: its headings, requirements and statuses in words, its figures to four
    significant digits and its gaps as dashes (``--format csv`` keeps the codes, for machines)."""
    def figure(value: object) -> object:
        if not isinstance(value, float) or value != value:
            return value
        return format_number(value, 0 if value.is_integer() else 2, lang)

    judged = [" · ".join(label(key, lang, name=name) for key, name in (("judged_on", on), ("judged_indicator", by))
                         if isinstance(name, str))
              for on, by in zip(table.judged_on_name, table.judged_indicator)]
    shown = pd.DataFrame({
        "ID": table.target_id,
        label("col_plan", lang): table.plan_number,
        label("col_province", lang): table.province_name,
        label("col_indicator", lang): table.indicator_code,
        label("col_requirement", lang): table[text_column("requirement", lang)],
        label("col_deadline", lang): table.deadline_period,
        label("col_recurring", lang): [label(YES_NO[bool(r)], lang) for r in table.recurring],
        label("cli_col_judged_year", lang): table.judged_year,
        label("col_period_short", lang): table.period,
        label("cli_col_actual", lang): [figure(v) for v in table.actual],
        label("cli_col_expected", lang): [figure(v) for v in table.expected],
        label("col_status", lang): [label(s, lang) for s in table.status],
        label("cli_col_judged_on", lang): judged,
    }).astype(object)
    shown = shown.where(shown.notna() & (shown != ""), "—")
    with pd.option_context("display.max_rows", None, "display.width", 250, "display.max_colwidth", 40):
        print(shown.to_string(index=False))
