"""``python -m indicators report --province CODE --period 2026-H1 [--format docx|pdf] [--lang vi|en] [-o FILE]
[--force]``.

The format follows the output file's extension (``.docx``: the periodic report, ``.pdf``: the one-page brief); a
``--format`` that contradicts it, or another extension, is refused before anything is drawn. An existing file is
never overwritten without ``--force`` (and then it is replaced whole, through a temporary file beside it)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from indicators.domain.registry import Registry, UnknownProvince
from indicators.errors import Bilingual
from indicators.i18n import bilingual, label
from indicators.reports import prelaunch
from indicators.reports.content import report_period
from indicators.reports.files import FORMATS, Ask, make
from indicators.services.views import Dataset
from indicators.storage import Store


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
               store: Callable[[argparse.Namespace], Store], lang: str = "en") -> None:
    report = sub.add_parser("report", parents=[common], help=label("cli_help_report", lang))
    report.add_argument("--province", required=True, help=label("cli_help_report_province", lang))
    report.add_argument("--period", required=True, help=label("cli_help_report_period", lang))
    report.add_argument("--format", choices=FORMATS, default=None, help=label("cli_help_report_format", lang))
    report.add_argument("--no-charts", action="store_true", help=label("cli_help_no_charts", lang))
    report.add_argument("-o", "--output", type=Path, default=None, help=label("cli_help_output", lang))
    report.add_argument("--force", action="store_true", help=label("cli_help_force", lang))
    report.set_defaults(run=lambda args: run(args, store(args), lang))   # --lang (main.py): messages and the file


class OutputRefused(Bilingual, ValueError):
    """An output file the command will not write: an extension that is not the format's, or one that exists."""


def output_format(output: Path | None, asked: str | None) -> str:
    """The format to write: the output file's extension decides; ``--format`` may only agree with it."""
    if output is None:
        return asked or "docx"
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise OutputRefused(*bilingual("output_suffix", name=output.name))
    if asked is not None and asked != suffix:
        raise OutputRefused(*bilingual("output_format_contradicts", asked=asked, suffix=suffix, name=output.name))
    return suffix


def _refuse_existing(path: Path) -> None:
    raise OutputRefused(*bilingual("output_exists", path=path))


def write_output(path: Path, data: bytes, force: bool) -> None:
    """``data`` into ``path``: a new file (exclusively created, so a file made meanwhile is not overwritten
    either), or with ``force`` a whole replacement written beside it first."""
    if not force:
        try:
            with path.open("xb") as out:
                out.write(data)
        except FileExistsError:
            _refuse_existing(path)
        return
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def run(args: argparse.Namespace, store: Store, lang: str = "en") -> int:
    """Write the report or brief of ``args`` in ``args.lang`` (Vietnamese unless asked); say what was written in
    ``lang``."""
    args.format = output_format(args.output, args.format)
    if args.output is not None and args.output.exists() and not args.force:
        _refuse_existing(args.output)      # before anything is drawn
    ds = Dataset.load(store)
    period = report_period(args.period, ds)
    registry = Registry(store.provinces(), store.province_aliases())
    day = min(period.end, date.today())
    try:
        key = registry.resolve(args.province, day)
    except UnknownProvince:
        key = registry.resolve(args.province, period.end)
    made = make(ds, Ask(key, args.period, args.format, getattr(args, "lang", None) or "vi"), charts=not args.no_charts,
                last=True)
    path = args.output or Path(made.filename)
    write_output(path, made.data, args.force)
    if made.chart_keys:      # every chart drawn or kept: the next run of this command need not start a browser early
        prelaunch.remember(args.db, args.province, args.period, getattr(args, "lang", None), list(made.chart_keys))
    drawn = label("cli_report_charts", lang, count=made.charts) if args.format == "docx" else ""
    note = f" ({made.chart_note})" if made.chart_note else ""
    print(label("cli_report_wrote", lang, path=path, province=made.content.province_vi,
                period=made.content.period.label_vi, charts=drawn, note=note), file=sys.stderr)
    return 0
