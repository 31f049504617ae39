"""The report's appendices, on landscape pages (the plans' sentences need the width; the charts stand two to a row):
every table of the report (the body has sentences only) and its charts. The targets and the tasks, grouped by reform
area where one is recorded (a row across the table names the area); then progress by lead body, the composite
indices, the province's own index of its units, the charts. The tasks table is compact, as provincial reports'
appendices are: the plan's own words cut at a word boundary, the item, lead body, due day and status.

The rows are the database's figures as content.py assembled them; the Reports page shows the same rows.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date
from typing import Any

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from indicators.domain.reform_areas import area_name, area_order
from indicators.domain.scorecard import deadline_words
from indicators.domain.tasks import completeness_text
from indicators.reports.charts import Chart
from indicators.reports.content import ReportContent
from indicators.reports.docx_layout import add_para, add_table, clean, new_section, set_widths
from indicators.reports.phrases import day, number, status_word, w
from indicators.services.index_views import reference_text

CHART_CM = 12      # a chart's width on the page: four or five to a page, their words still legible in print
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
TASK_COLUMNS = ("col_ref", "col_task", "col_unit", "col_due", "col_status")
TASK_WORDS = 160       # a task's text in the appendix: the plan's own words, cut at a word boundary (two lines)
EVIDENCE_WORDS = 80
UNIT_COLUMNS = ("col_unit", "col_total", "col_done", "col_share", "col_overdue", "col_not_reported",
                "col_completeness")
INDEX_COLUMNS = ("col_index", "col_year", "col_value", "col_rank", "col_change", "col_mean", "col_source")
LEAGUE_COLUMNS = ("col_rank", "col_name", "col_self", "col_appraised", "col_change", "col_share")


def write_appendices(doc: Any, content: ReportContent, charts: list[Chart], chart_note: str | None, lang: str,
                     decimals: dict[str, int]) -> None:
    """Every appendix the content has rows for, numbered in order."""
    numbers = iter(ROMAN)

    def heading(key: str, **values: Any) -> None:
        doc.add_heading(f"{w('appendix', lang, n=next(numbers))}. {w(key, lang, **values)}", level=1)

    new_section(doc, landscape=True)
    heading("appendix_targets")
    add_table(doc, [w(c, lang) for c in TARGET_HEADER],
              grouped(content.targets, lang, lambda part: target_rows(part, lang, decimals, quotes=True)),
              widths=[1.9, 3.6, 2, 2.4, 1.8, 3.2, 2, 8.3], size=9)
    heading("appendix_tasks")
    several = len({p.number for p in content.plans}) > 1
    add_table(doc, [w(c, lang) for c in TASK_COLUMNS],
              grouped(content.all_occurrences, lang, lambda part: task_rows(part, lang, several)),
              widths=[2.4, 12.1, 4.6, 2.0, 4.1], size=9)
    heading("appendix_units")
    add_table(doc, [w(c, lang) for c in UNIT_COLUMNS], unit_rows(content, lang),
              widths=[9, 2.2, 2.2, 2.6, 2.2, 3.2, 3.8])
    heading("appendix_indices")
    add_table(doc, [w(c, lang) for c in INDEX_COLUMNS], [r[:6] + r[7:] for r in index_rows(content, lang)],
              widths=[5.4, 1.5, 1.7, 1.4, 1.8, 4.6, 8.8], size=10)
    if content.leagues:
        heading("appendix_league", year=content.league_year)
        for scope, table in content.leagues.items():
            doc.add_heading(w(f"scope_{scope}", lang), level=2)
            add_table(doc, [w(c, lang) for c in LEAGUE_COLUMNS], league_rows(table, lang),
                      widths=[1.4, 6, 2.2, 2.2, 2, 2.2])
    if charts:
        heading("appendix_charts")
        _charts(doc, charts, chart_note, lang)


TARGET_HEADER = ("col_id", "col_target", "col_baseline", "col_requirement", "col_deadline", "col_latest",
                 "col_status", "col_quote")


def grouped(frame: pd.DataFrame, lang: str, rows: Any) -> list[list[str] | str]:
    """A table's rows grouped by reform area: each group's heading (a row across the table), then its rows."""
    out: list[list[str] | str] = []
    for title, part in by_area(frame, lang):
        if title:
            out.append(title)
        out += rows(part)
    return out


def by_area(frame: pd.DataFrame, lang: str) -> list[tuple[str | None, pd.DataFrame]]:
    """The rows by reform area in the report's order (the unclassified last), each with its heading; one group
    without a heading when no row has an area recorded."""
    if not len(frame) or "reform_area" not in frame.columns or frame.reform_area.isna().all():
        return [(None, frame)]
    areas = sorted(frame.reform_area.drop_duplicates(), key=lambda a: area_order(a if isinstance(a, str) else None))
    return [(area_name(a if isinstance(a, str) else None, lang),
             frame[frame.reform_area.isna()] if not isinstance(a, str) else frame[frame.reform_area == a])
            for a in areas]


def _charts(doc: Any, charts: list[Chart], note: str | None, lang: str) -> None:
    """The charts two to a row on landscape pages (six to a page), or in their place why they are missing."""
    drawn = [c for c in charts if c.png is not None]
    for chart in charts:
        if chart.png is None:
            add_para(doc, w("chart_missing", lang, reason=clean(note or "—")) + f" {clean(chart.title)}", italic=True,
                     size=12)
    if not drawn:
        return
    table = doc.add_table(rows=(len(drawn) + 1) // 2, cols=2)
    for i, chart in enumerate(drawn):
        paragraph = table.cell(i // 2, i % 2).paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Cm(CHART_CM))
    set_widths(table, [CHART_CM + 0.6, CHART_CM + 0.6])


def target_rows(targets: pd.DataFrame | ReportContent, lang: str, decimals: dict[str, int],
                quotes: bool) -> list[list[str]]:
    """One row per target: id, indicator, baseline, target, deadline, latest figure (period), status[, quote]."""
    frame = targets.targets if isinstance(targets, ReportContent) else targets
    rows = []
    for r in frame.itertuples():
        places = decimals.get(r.judged_indicator if isinstance(r.judged_indicator, str) else r.indicator_code, 2)
        name = r.indicator_name_vi if lang == "vi" else r.indicator_name_en
        baseline = (f"{number(r.baseline_value, places, lang)} ({clean(r.baseline_period)})"
                    if isinstance(r.baseline_period, str) and r.baseline_period else "")
        latest = number(r.actual, places, lang)
        if r.actual is not None and r.actual == r.actual:
            latest += f" ({clean(r.period)})"
        judged_on = r.judged_on_vi if lang == "vi" else r.judged_on_en
        if isinstance(judged_on, str) and judged_on:
            latest += f" · {clean(judged_on)}"
        requirement = r.requirement_vi if lang == "vi" else r.requirement_en  # in words; the formula is for machines
        deadline = deadline_words(r._asdict(), lang)      # "không nêu (…)" where the plan states none
        row = [clean(r.target_id), clean(name), baseline, clean(requirement), clean(deadline), latest,
               status_word(r.status, lang)]
        if quotes:
            row.append(clean(r.source_quote))
        rows.append(row)
    return rows


def unit_rows(content: ReportContent, lang: str) -> list[list[str]]:
    return [[clean(r.unit_name), str(int(r.total)), str(int(r.done)), number(r.share, 2, lang, "percent"),
             str(int(r.overdue)), str(int(r.not_reported)), completeness_text(r.completeness, lang)]
            for r in content.tasks_by_unit.itertuples()]


def index_rows(content: ReportContent, lang: str) -> list[list[str]]:
    """Index, year, value, rank, change, national mean, best province, source; a predecessor's row names it."""
    rows = []
    for r in content.indices.itertuples():
        places = int(r.decimals)
        mean = reference_text({"value": None if r.national_mean is None or r.national_mean != r.national_mean
                               else r.national_mean, "period": r.mean_period, "kind": r.mean_kind,
                               "provinces": r.mean_provinces}, places, lang, number)
        best = number(r.best_value, places, lang)
        if isinstance(r.best_province, str):
            best += f" ({clean(r.best_province)})"
        rank = str(int(r.rank)) if r.rank == r.rank and r.rank is not None else w("missing", lang)
        name = r.name_vi if lang == "vi" else r.name_en
        if not r.own:          # a predecessor's figure, named as such: never the successor's own
            name += f" — {r.label_vi if lang == 'vi' else r.label_en}"
        rows.append([clean(name), clean(r.period) if isinstance(r.period, str) else w("missing", lang),
                     number(r.value, places, lang), rank, signed(r.change, lang, places), mean, best,
                     clean(r.source)])
    return rows


def task_rows(frame: pd.DataFrame | ReportContent, lang: str, plan: bool = False) -> list[list[str]]:
    """One row per occurrence: item (with the plan's number when the report covers several plans), the plan's words
    cut short, lead body, due day, and the status with the day done and the evidence."""
    frame = frame.all_occurrences if isinstance(frame, ReportContent) else frame
    rows = []
    for r in frame.itertuples():
        item = f"{clean(r.plan_number)}\n{ref(r)}" if plan else ref(r)
        status = _task_status(r.status, bool(r.overdue), lang)
        if isinstance(r.completed_on, (date, pd.Timestamp)) and not pd.isna(r.completed_on):
            status += f" {day(r.completed_on, lang)}"
        evidence = clean(r.evidence)
        if evidence:
            status += "\n" + shorten(evidence, EVIDENCE_WORDS)
        rows.append([item, shorten(clean(r.task), TASK_WORDS), clean(r.lead_names), day(r.due, lang), status])
    return rows


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters, ending "…" where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else textwrap.shorten(text, limit, placeholder="…").rstrip(",;:…") + "…"


def ref(occurrence: Any) -> str:
    """A task's item, with the year of a recurring task's occurrence: ``III.BC-NAM (2018)``."""
    return clean(occurrence.ref) + (f" ({clean(occurrence.occurrence)})" if occurrence.occurrence else "")


def _task_status(status: str, overdue: bool, lang: str) -> str:
    text = status_word(status, lang)
    return f"{text}, {w('col_overdue', lang).lower()}" if overdue else text


def league_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    return [[str(int(r.rank)) if r.rank == r.rank else "", clean(r.unit_name), number(r.self, 2, lang),
             number(r.appraised, 2, lang), signed(r.change, lang), number(r.percent, 2, lang, "percent")]
            for r in table.itertuples()]


def signed(value: Any, lang: str, places: int = 2) -> str:
    """A change: ``+1,50``, ``-0,25``; missing (no figure the year before) stays missing."""
    text = number(value, places, lang)
    return "+" + text if value is not None and value == value and value > 0 else text
