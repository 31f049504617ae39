"""The words of the periodic report and of the brief, Vietnamese first, and the formats of their cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from indicators.i18n import N_ as W_
from indicators.i18n import format_number, label, texts

# The report's words are the ``report`` domain of the catalogues (indicators/locales/*/LC_MESSAGES/report.po).
# Keys the report builds or passes in variables (its tables' column headers, the league scopes, the recipients and
# the section IV headings), marked for extraction (``pybabel extract -k w -k W_``):
RUNTIME_WORDS = (
    W_("col_id"), W_("col_target"), W_("col_baseline"), W_("col_requirement"), W_("col_deadline"),
    W_("col_latest"), W_("col_status"), W_("col_quote"), W_("col_plan"), W_("col_unit"), W_("col_total"),
    W_("col_done"), W_("col_share"), W_("col_overdue"), W_("col_not_reported"), W_("col_completeness"),
    W_("col_ref"), W_("col_task"), W_("col_due"), W_("col_completed"), W_("col_evidence"), W_("col_index"),
    W_("col_year"), W_("col_value"), W_("col_rank"), W_("col_change"), W_("col_mean"), W_("col_best"),
    W_("col_source"), W_("col_self"), W_("col_appraised"), W_("col_name"),
    W_("scope_department"), W_("scope_commune"), W_("s4_1"), W_("s4_2"), W_("s4_3"),
    W_("recipient_moha"), W_("recipient_more"), W_("recipient_file"),
    # the appendices' headings, read inside f-strings and passed by key in reports/appendices.py
    W_("appendix"), W_("appendix_targets"), W_("appendix_tasks"), W_("appendix_league"), W_("appendix_units"),
    W_("appendix_indices"), W_("appendix_charts"),
    # chosen by a condition in reports/outline.py and reports/merger.py
    W_("merger_formed"), W_("merger_kept"), W_("idx_value"), W_("idx_value_of"), W_("idx_up"), W_("idx_down"),
    W_("prose_province"), W_("prose_city"), W_("title_closing"), W_("title_closing_of"),
    # read inside an f-string on the Reports page
    W_("s1_overdue"),
)


def w(key: str, lang: str, **values: Any) -> str:
    """The report's word ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``."""
    text = texts(lang, "report")[key]
    return text.format(**values) if values else text


def status_word(status: str, lang: str) -> str:
    return label(status, lang)


def number(value: Any, decimals: int, lang: str, unit: str | None = None) -> str:
    """A figure as the report prints it; a missing one is written out ("chưa có số liệu"), never a dash."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return w("missing", lang)
    return format_number(float(value), decimals, lang, unit)


def day(value: Any, lang: str = "vi") -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    value = pd.Timestamp(value)
    return value.strftime("%d/%m/%Y")


def stamp(value: datetime) -> str:
    return value.strftime("%H:%M %d/%m/%Y")


def period_days(start: date, end: date) -> tuple[str, str]:
    return start.strftime("%d/%m/%Y"), end.strftime("%d/%m/%Y")
