"""The periodic CCHC report as a Word file the analyst edits further, in the administrative layout of Decree
30/2020/NĐ-CP (Phụ lục I): A4 portrait, margins top and bottom 20 mm, left 30 mm, right 15 mm (the decree allows
20–25, 20–25, 30–35 and 15–20 mm), Times New Roman, body 14 pt justified; the issuing body and the national motto
side by side at the top, the number and the date left blank for the office to fill, the kind of document and its
summary line, the page number at the top from page 2, the recipients and the signature block at the end.

Every figure comes from the report's content (report_content.py): nothing here computes or invents one. Text
from the database (plan sentences, names, sources, notes) goes in as plain text runs; characters XML cannot
hold are dropped.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from indicators.domain.scorecard import deadline_words
from indicators.domain.summaries import (
    late_tasks_sentence,
    nothing_wrong_sentence,
    targets_sentence,
    tasks_report_sentence,
)
from indicators.domain.tasks import completeness_text
from indicators.reports.charts import Chart
from indicators.reports.content import WINDOW_SOURCE, ReportContent
from indicators.reports.docx_layout import add_para, add_table, cell_lines, clean, page_setup, set_widths
from indicators.reports.phrases import day, number, period_days, stamp, status_word, w
from indicators.services.index_views import reference_text


def write_docx(content: ReportContent, charts: list[Chart], lang: str = "vi", chart_note: str | None = None,
               decimals: dict[str, int] | None = None) -> bytes:
    """The report as .docx bytes. ``chart_note`` says why charts are missing when they could not be drawn;
    ``decimals`` is the number of decimals of each indicator (its catalogue entry)."""
    doc = Document()
    page_setup(doc)
    decimals = decimals or {}
    _header(doc, content, lang)
    add_para(doc, w("edit_note", lang), italic=True, size=12)
    add_para(doc, _window_sentence(content, lang), italic=True, size=12)
    add_para(doc, provenance_sentence(content, lang), italic=True, size=12)

    _results(doc, content, charts[:1], chart_note, lang, decimals)
    _indices(doc, content, charts[1:], chart_note, lang)
    doc.add_heading(w("s3", lang), level=1)
    for vi, en in content.shortcomings or [(nothing_wrong_sentence(content.status_counts, content.tasks, "vi"),
                                            nothing_wrong_sentence(content.status_counts, content.tasks, "en"))]:
        add_para(doc, clean(vi if lang == "vi" else en), indent=True)
    doc.add_heading(w("s4", lang), level=1)
    for key in ("s4_1", "s4_2", "s4_3"):
        doc.add_heading(w(key, lang), level=2)
        add_para(doc, w("to_write", lang), italic=True)
    _signature(doc, lang)
    _appendices(doc, content, lang, decimals)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _results(doc: Any, content: ReportContent, charts: list[Chart], chart_note: str | None, lang: str,
             decimals: dict[str, int]) -> None:
    """Part I: the targets (sentence, chart, table), the tasks (sentence, by lead body) and the late tasks."""
    doc.add_heading(w("s1", lang), level=1)
    doc.add_heading(w("s1_targets", lang), level=2)
    add_para(doc, targets_sentence(content.status_counts, lang))
    _chart(doc, charts, chart_note, lang)          # the statuses' bar; the indices' charts go in II
    _targets_table(doc, content, lang, decimals, quotes=False)
    doc.add_heading(w("s1_tasks", lang), level=2)
    add_para(doc, tasks_report_sentence(content.tasks, content.done_in_period, lang))
    add_para(doc, w("s1_by_unit", lang), bold=True)
    add_table(doc, [w(c, lang) for c in ("col_unit", "col_total", "col_done", "col_share", "col_overdue",
                                         "col_not_reported", "col_completeness")],
              [[clean(r.unit_name), str(int(r.total)), str(int(r.done)), number(r.share, 2, lang, "percent"),
                str(int(r.overdue)), str(int(r.not_reported)), completeness_text(r.completeness, lang)]
               for r in content.tasks_by_unit.itertuples()], widths=[5.5, 1.6, 1.6, 2, 1.6, 1.8, 2])
    doc.add_heading(w("s1_overdue", lang), level=2)
    if not len(content.overdue):
        add_para(doc, late_tasks_sentence(content.tasks, lang))
        return
    rows = []
    for names, group in content.overdue.groupby("lead_names", sort=True, dropna=False):
        for r in group.sort_values("due").itertuples():
            rows.append([clean(names), f"{clean(r.plan_number)} {_ref(r)}", clean(r.task), day(r.due, lang)])
    add_table(doc, [w(c, lang) for c in ("col_unit", "col_ref", "col_task", "col_due")], rows,
              widths=[3.6, 3.2, 6.7, 2.5])


def _indices(doc: Any, content: ReportContent, charts: list[Chart], chart_note: str | None, lang: str) -> None:
    """Part II: the published indices (table, charts) and the province's own index of its units."""
    doc.add_heading(w("s2", lang), level=1)
    _indices_table(doc, content, lang)
    _chart(doc, charts, chart_note, lang)
    doc.add_heading(w("s2_units", lang, year=content.league_year or content.as_of.year), level=2)
    if not content.leagues:
        add_para(doc, w("s2_units_none", lang))
        return
    for scope, table in content.leagues.items():
        ranked = table[table["rank"].notna()].sort_values("rank")
        if ranked.empty:
            continue
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        add_para(doc, w("s2_league_line", lang, scope=w(f"scope_{scope}", lang), n=len(ranked),
                        best=clean(best.unit_name), best_points=number(best.appraised, 2, lang),
                        worst=clean(worst.unit_name), worst_points=number(worst.appraised, 2, lang)))


# --- the decree's layout ------------------------------------------------------------------------------------

def _header(doc: Any, content: ReportContent, lang: str) -> None:
    """Issuing body (left) and national motto (right); the number and the place and date below each."""
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    kind, name = _province_words(content, lang)
    left, right = table.cell(0, 0), table.cell(0, 1)
    cell_lines(left, [(w("committee", lang), False, 12), (w("province_line", lang, kind=kind, name=name), True, 12),
                       ("———", False, 11)])
    cell_lines(right, [(w("nation", lang), True, 12), (w("motto", lang), True, 13), ("———————", False, 11)])
    cell_lines(table.cell(1, 0), [(w("number", lang), False, 13)])
    place = content.province_vi if lang == "vi" else content.province_en
    place = content.full_name.split(" ", 1)[-1] if content.full_name else place
    cell_lines(table.cell(1, 1), [(w("place_date", lang, place=clean(place), year=content.as_of.year), False, 14)],
                italic=True)
    set_widths(table, [6, 10])
    add_para(doc, "")
    add_para(doc, w("kind", lang), bold=True, centre=True)
    label = content.period.label_vi if lang == "vi" else content.period.label_en
    add_para(doc, w("summary", lang, period=clean(label)), bold=True, centre=True)
    add_para(doc, "———", centre=True, size=11)


def _province_words(content: ReportContent, lang: str) -> tuple[str, str]:
    full = content.full_name or content.province_vi
    kind, _, name = full.partition(" ")
    if kind.lower() == "thành":          # "Thành phố Hà Nội"
        kind, name = "Thành phố", full.split(" ", 2)[2]
    if lang == "vi":
        return kind.upper(), name.upper()
    return ("CITY" if kind == "Thành phố" else "PROVINCE"), content.name_ascii.upper()


def _chart(doc: Any, charts: list[Chart], note: str | None, lang: str) -> None:
    for chart in charts:
        if chart.png is None:
            add_para(doc, w("chart_missing", lang, reason=clean(note or "—")) + f" {clean(chart.title)}", italic=True,
                  size=12)
            continue
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Cm(16))


def _window_sentence(content: ReportContent, lang: str) -> str:
    period = content.period
    if period.window:
        start, _ = period_days(*period.window)
        return w("window", lang, start=start, end=day(content.as_of), source=WINDOW_SOURCE)
    return w("no_window", lang, end=day(content.as_of))


def provenance_sentence(content: ReportContent, lang: str) -> str:
    p = content.provenance
    batch = (w("batch", lang, id=p["latest_batch"], at=stamp(p["latest_batch_at"]))
             if p.get("latest_batch") is not None else w("no_batch", lang))
    version = ".".join(str(v) for v in p.get("data_version", ()))
    return w("provenance", lang, at=stamp(p["generated_at"]), db=clean(p.get("database_id")), version=version,
             batch=batch)


def target_rows(content: ReportContent, lang: str, decimals: dict[str, int], quotes: bool) -> list[list[str]]:
    """One row per target: id, indicator, baseline, target, deadline, latest figure (period), status[, quote]."""
    rows = []
    for r in content.targets.itertuples():
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


def _targets_table(doc: Any, content: ReportContent, lang: str, decimals: dict[str, int], quotes: bool) -> None:
    header = ["col_id", "col_target", "col_baseline", "col_requirement", "col_deadline", "col_latest", "col_status"]
    if quotes:
        header.append("col_quote")
    widths = [2.2, 3.9, 1.9, 2, 1.5, 2.6, 1.9] if not quotes else [1.9, 2.4, 1.5, 1.5, 1.3, 2, 1.4, 4]
    add_table(doc, [w(c, lang) for c in header], target_rows(content, lang, decimals, quotes), widths=widths,
           size=10 if quotes else 11)


def index_rows(content: ReportContent, lang: str) -> list[list[str]]:
    rows = []
    for r in content.indices.itertuples():
        places = int(r.decimals)
        change = _signed(r.change, lang, places)
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
                     number(r.value, places, lang),
                     rank, change, mean, best, clean(r.source)])
    return rows


def no_combined_value_text(content: ReportContent, lang: str) -> str:
    """The sentence that stands before the predecessors' figures of a province formed in 2025."""
    name = content.province_vi if lang == "vi" else content.province_en
    return (f"Chưa có giá trị công bố cho {name}: các chỉ số dưới đây là của từng tỉnh cũ, ghi tên từng tỉnh, "
            f"không cộng gộp." if lang == "vi" else
            f"No value has been published for {name}: the indices below are each old province's, each named, "
            f"never combined.")


def _indices_table(doc: Any, content: ReportContent, lang: str) -> None:
    if len(content.indices) and not content.indices.own.all():
        add_para(doc, no_combined_value_text(content, lang))
    header = ["col_index", "col_year", "col_value", "col_rank", "col_change", "col_mean", "col_best", "col_source"]
    add_table(doc, [w(c, lang) for c in header], index_rows(content, lang),
           widths=[2.6, 1.2, 1.7, 1.5, 1.6, 2.2, 2.6, 3], size=10)


def _signature(doc: Any, lang: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.paragraphs[0].text = ""
    run = left.paragraphs[0].add_run(w("recipients", lang))
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for key in ("recipient_moha", "recipient_more", "recipient_file"):
        run = left.add_paragraph().add_run(w(key, lang))
        run.font.size = Pt(11)
    cell_lines(right, [(w("signer", lang), True, 14), (w("signer_title", lang), True, 14),
                        (w("signature", lang), False, 12)])
    set_widths(table, [8, 8])


def _appendices(doc: Any, content: ReportContent, lang: str, decimals: dict[str, int]) -> None:
    doc.add_page_break()
    doc.add_heading(f"{w('appendix', lang, n='I')}. {w('appendix_targets', lang)}", level=1)
    _targets_table(doc, content, lang, decimals, quotes=True)
    doc.add_page_break()
    doc.add_heading(f"{w('appendix', lang, n='II')}. {w('appendix_tasks', lang)}", level=1)
    add_table(doc, [w(c, lang) for c in ("col_plan", "col_ref", "col_task", "col_unit", "col_due", "col_status",
                                       "col_completed", "col_evidence")],
           task_rows(content, lang), widths=[2, 1.3, 4.5, 2.5, 1.7, 1.6, 1.7, 1.7], size=9)
    if content.leagues:
        doc.add_page_break()
        doc.add_heading(f"{w('appendix', lang, n='III')}. {w('appendix_league', lang, year=content.league_year)}",
                        level=1)
        for scope, table in content.leagues.items():
            doc.add_heading(w(f"scope_{scope}", lang), level=2)
            add_table(doc, [w(c, lang) for c in ("col_rank", "col_name", "col_self", "col_appraised", "col_change",
                                               "col_share")],
                   league_rows(table, lang), widths=[1.4, 6, 2.2, 2.2, 2, 2.2])


def task_rows(content: ReportContent, lang: str) -> list[list[str]]:
    frame = content.all_occurrences
    rows = []
    for r in frame.itertuples():
        rows.append([clean(r.plan_number), _ref(r),
                     clean(r.task), clean(r.lead_names), day(r.due, lang),
                     _task_status(r.status, bool(r.overdue), lang), day(r.completed_on, lang), clean(r.evidence)])
    return rows


def _ref(occurrence: Any) -> str:
    """A task's item, with the year of a recurring task's occurrence: ``III.BC-NAM (2018)``."""
    return clean(occurrence.ref) + (f" ({clean(occurrence.occurrence)})" if occurrence.occurrence else "")


def _task_status(status: str, overdue: bool, lang: str) -> str:
    text = status_word(status, lang)
    return f"{text}, {w('col_overdue', lang).lower()}" if overdue else text


def league_rows(table: pd.DataFrame, lang: str) -> list[list[str]]:
    return [[str(int(r.rank)) if r.rank == r.rank else "", clean(r.unit_name), number(r.self, 2, lang),
             number(r.appraised, 2, lang), _signed(r.change, lang), number(r.percent, 2, lang, "percent")]
            for r in table.itertuples()]


def _signed(value: Any, lang: str, places: int = 2) -> str:
    """A change: ``+1,50``, ``-0,25``; missing (no figure the year before) stays missing."""
    text = number(value, places, lang)
    return "+" + text if value is not None and value == value and value > 0 else text
