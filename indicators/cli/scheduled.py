"""``python -m indicators reports --period 2025 --out DIR [--province CODE …] [--lang vi|en] [--format docx pdf]
[--no-charts] [--force]``: the period's Word report and one-page brief of every province (or of those named), for
cron or a systemd timer (docs/admins.md, "Reports on a schedule").

Every province of the period (those in force on its last day, or today for a running period) is made in turn in
this one process, so every chart of the run is drawn in the process's one shared browser (reports.charts). The
files go to ``DIR/<period>/`` under the names the Reports page gives them (reports.files.filename), each written
whole through a temporary file. A province is skipped when its files were made from the same content (see
:mod:`indicators.cli.manifest`) and are still there, unchanged: first by the database's data version and the
report's as-of day, which need nothing computed, then by the fingerprint of the report's content, which changes
only when the province's own figures, targets, tasks or comparisons do. One line per province says what was done
(made, skipped, or failed and why); the exit status is 0 when nothing failed, 1 otherwise."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.cli import manifest
from indicators.domain.registry import ProvinceKey, Registry, UnknownProvince
from indicators.domain.suggest import closest
from indicators.errors import Bilingual
from indicators.i18n import N_, bilingual, label
from indicators.reports.charts import report_charts
from indicators.reports.content import ReportContent, ReportPeriod, report_content, report_period
from indicators.reports.files import FORMATS, Ask, decimals, make
from indicators.services.views import Dataset
from indicators.storage import Store


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
               store: Callable[[argparse.Namespace], Store], lang: str = "en") -> None:
    reports = sub.add_parser("reports", parents=[common], help=label("cli_help_reports", lang))
    reports.add_argument("--period", required=True, help=label("cli_help_report_period", lang))
    reports.add_argument("--out", type=Path, required=True, help=label("cli_help_reports_out", lang))
    reports.add_argument("--province", nargs="+", default=None, help=label("cli_help_reports_province", lang))
    reports.add_argument("--format", nargs="+", choices=FORMATS, default=list(FORMATS),
                         help=label("cli_help_reports_format", lang))
    reports.add_argument("--no-charts", action="store_true", help=label("cli_help_no_charts", lang))
    reports.add_argument("--force", action="store_true", help=label("cli_help_reports_force", lang))
    reports.set_defaults(run=lambda args: run(args, store(args), lang))   # --lang (main.py): messages and files


# a province's line, label(f"cli_reports_{outcome}")
OUTCOME_LINES = (N_("cli_reports_made"), N_("cli_reports_skipped"), N_("cli_reports_failed"))


class ChartsMissing(Bilingual, RuntimeError):
    """The Word file's charts could not be drawn: it is not written, and the next run tries again."""


@dataclass
class Run:
    """What one run needs: the data, the period, what to make, and the folder's manifest as it goes."""

    ds: Dataset
    period: ReportPeriod
    today: date
    folder: Path
    formats: list[str]
    lang: str
    charts: bool
    force: bool
    version: list[str]
    said: str                       # the language of the command's messages
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def subfolder(self) -> str:
        return self.period.text.replace(":", "-")


def run(args: argparse.Namespace, store: Store, lang: str = "en") -> int:
    """Make what is out of date for every province asked, say what was done in ``lang``; 1 when any failed."""
    ds = Dataset.load(store)
    today = date.today()
    period = report_period(args.period, ds)
    registry = Registry(store.provinces(), store.province_aliases())
    keys = provinces_asked(registry, period, today, args.province, store.plans())
    formats = list(dict.fromkeys(args.format))      # each once, in the order asked
    with manifest.folder_lock(args.out):
        files_lang = getattr(args, "lang", None) or "vi"     # the files' language: Vietnamese unless asked
        job = Run(ds, period, today, args.out, formats, files_lang, not args.no_charts, args.force,
                  [str(v) for v in store.data_version()], lang, manifest.read_manifest(args.out))
        counts = {"made": 0, "skipped": 0, "failed": 0}
        for key in keys:
            outcome, detail = one_province(job, key)
            counts[outcome] += 1
            print(label(f"cli_reports_{outcome}", lang, code=key[0], province=registry.name(key), detail=detail),
                  flush=True)      # each line as it happens: a timer's journal shows the run's progress
    print(label("cli_reports_total", lang, **counts))
    return 1 if counts["failed"] else 0


def day_of(period: ReportPeriod, today: date) -> date:
    """The day whose provinces a period's reports are for: its last, or today while it runs."""
    return min(period.end, today)


def provinces_asked(registry: Registry, period: ReportPeriod, today: date, asked: Iterable[str] | None,
                    plans: pd.DataFrame | None = None) -> list[ProvinceKey]:
    """The provinces in force on the period's day, by code (for a plan's period, the plan's province or the one
    it became); or those ``asked`` (codes or names), read as the ``report`` command reads them. An unknown one
    refuses the run before anything is made, with the nearest names and codes."""
    day = day_of(period, today)
    if not asked and period.plan_id is not None:      # a plan's closing review: the province that reports on it
        return [_holder(registry, plans, period.plan_id, day)]
    if not asked:
        p = registry.provinces
        current = p[(p.valid_from.dt.date <= day) & (p.valid_to.isna() | (p.valid_to.dt.date >= day))]
        return [(r.code, r.valid_from.date()) for r in current.sort_values("code").itertuples()]
    keys: list[ProvinceKey] = []
    for text in asked:
        try:
            try:
                key = registry.resolve(text, day)
            except UnknownProvince:
                key = registry.resolve(text, period.end)
        except UnknownProvince as refused:
            raise _with_suggestions(refused, registry, text, day) from None
        if key not in keys:
            keys.append(key)
    return keys


def _holder(registry: Registry, plans: pd.DataFrame | None, plan_id: str, day: date) -> ProvinceKey:
    """The province that reports on a plan on ``day``: the plan's own, or the one it was merged into."""
    plan = plans[plans.id == plan_id].iloc[0]
    key: ProvinceKey = (plan.province_code, pd.Timestamp(plan.province_valid_from).date())
    row = registry.row(key)
    while pd.notna(row.valid_to) and row.valid_to.date() < day and isinstance(row.successor_code, str):
        key = (row.successor_code, row.successor_valid_from.date())
        row = registry.row(key)
    return key


def _with_suggestions(refused: UnknownProvince, registry: Registry, text: str, day: date) -> UnknownProvince:
    """The refusal, followed by the provinces of ``day`` whose name or code is nearest ``text`` (when any are), with
    their codes (what this command takes) in place of the registry's own suggestions, which name no code."""
    if registry.eras(text):          # a known province of another time: the refusal already names its successor
        return refused
    p = registry.provinces
    current = p[(p.valid_from.dt.date <= day) & (p.valid_to.isna() | (p.valid_to.dt.date >= day))]
    near = closest(text, [(name, code) for column in ("name", "name_ascii", "code")
                          for name, code in zip(current[column], current.code) if isinstance(name, str)])
    if not near:
        return refused
    named = dict(zip(current.code, current.name))
    shown = ", ".join(f"{named[code]} ({code})" for code in near)
    return UnknownProvince(*(label("cli_reports_did_you_mean", lang, near=shown,
                                   reason=label("dom_unknown_province", lang, text=str(text).strip()))
                             for lang in ("vi", "en")))


def one_province(job: Run, key: ProvinceKey) -> tuple[str, str]:
    """Make the province's files that are out of date: ("made", the files), ("skipped", "") or ("failed", why).
    A failure leaves the province's earlier files and entries as they were."""
    try:
        if not job.force and _unchanged(job, key, lambda entry: entry.get("data_version") == job.version):
            return "skipped", ""
        content = report_content(job.ds, key, job.period, today=job.today)
        print_ = _fingerprint(job, content)
        if not job.force and _unchanged(job, key, lambda entry: entry.get("content") == print_):
            for fmt in job.formats:          # the same content under a newer data version: remembered as such
                job.entries[_key(job, key, fmt)]["data_version"] = job.version
            manifest.write_manifest(job.folder, job.entries)
            return "skipped", ""
        written = [_write(job, key, fmt, content, print_) for fmt in job.formats]
        manifest.write_manifest(job.folder, job.entries)
        return "made", ", ".join(written)
    except Bilingual as error:
        return "failed", error.in_language(job.said)
    except Exception as error:  # noqa: BLE001 - one province's failure is reported, and the others are made
        return "failed", f"{type(error).__name__}: {str(error)[:300]}"


def _fingerprint(job: Run, content: ReportContent) -> str:
    """What the province's files are made from: the report's content, its charts' figures (drawn from the data
    beyond the content: the national lines, the other indicators with figures) and the indicators' decimals."""
    figures = [(chart.title, chart.figure.to_json()) for chart in report_charts(job.ds, content, job.lang)]
    return manifest.fingerprint(content, figures, decimals(job.ds))


def _key(job: Run, key: ProvinceKey, fmt: str) -> str:
    return manifest.entry_key(key, job.subfolder, fmt, job.lang)


def _unchanged(job: Run, key: ProvinceKey, same: Callable[[dict[str, Any]], bool]) -> bool:
    """Whether every file asked of the province is in the manifest, ``same`` by its entry, made for the same
    as-of day and with charts when they are asked, and still on disk as written."""
    as_of = job.period.as_of(job.today).isoformat()
    for fmt in job.formats:
        entry = job.entries.get(_key(job, key, fmt))
        if entry is None or not same(entry) or entry.get("as_of") != as_of:
            return False
        if fmt == "docx" and job.charts and not entry.get("charts"):
            return False
        if not manifest.file_intact(job.folder, entry):
            return False
    return True


def _write(job: Run, key: ProvinceKey, fmt: str, content: ReportContent, print_: str) -> str:
    """One file made and written whole; its manifest entry updated. Returns its name."""
    ask = Ask(key, job.period.text, fmt, job.lang, job.today)
    made = make(job.ds, ask, charts=job.charts, content=content)
    if fmt == "docx" and job.charts and made.chart_note:
        raise ChartsMissing(*bilingual("cli_reports_charts_missing", reason=made.chart_note))
    relative = Path(job.subfolder) / made.filename
    manifest.write_whole(job.folder / relative, made.data)
    job.entries[_key(job, key, fmt)] = {
        "province": key[0], "province_valid_from": key[1].isoformat(), "period": job.period.text, "format": fmt,
        "lang": job.lang, "file": str(relative), "sha256": manifest.sha256(made.data), "bytes": len(made.data),
        "made_at": datetime.now().replace(microsecond=0).isoformat(), "as_of": job.period.as_of(job.today).isoformat(),
        "data_version": job.version, "content": print_, "charts": bool(fmt == "docx" and job.charts)}
    return made.filename

