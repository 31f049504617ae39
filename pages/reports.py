"""Báo cáo / Reports: a province's periodic CCHC report (a quarter, a half, a year, or a plan's term for its
closing review) — its contents on the page, then the editable Word file and the one-page PDF brief to download.
The files are made when their button is clicked, from the database as it is then, and kept for whoever asks for the
same file before the data change."""

import uuid
from collections.abc import Callable
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.domain.summaries import (
    late_tasks_sentence,
    nothing_wrong_sentence,
    targets_sentence,
    tasks_report_sentence,
)
from indicators.domain.tasks import completeness_text
from indicators.i18n import N_, column, label
from indicators.reports.apart import ReportNotMade
from indicators.reports.brief import font_missing
from indicators.reports.charts import browser_path
from indicators.reports.content import ReportPeriodError, report_period
from indicators.reports.files import MEDIA, Ask, Made, decimals, made_before, request
from indicators.reports.phrases import number, w
from indicators.reports.render_pool import ReportsBusy
from indicators.reports.word import index_rows, league_rows, no_combined_value_text, target_rows
from indicators.services.views import parse_key_text, province_label, scope
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.ui import data_table, language, plan_days, province_picker, user_box
from indicators.web.urls import url_choice, url_value

lang = language()
ds = get_dataset()
st.title(label("page_reports", lang))
user_box(lang)

chosen = province_picker(ds, lang, default="80@2025")
key = parse_key_text(ds, chosen)
plans = ds.plans[[(c, d.date()) in set(scope(ds, key)) for c, d in zip(ds.plans.province_code,
                                                                         ds.plans.province_valid_from)]]
today = date.today()
closing = [f"plan:{p}" for p in plans.sort_values("period_end", ascending=False).id]
periods = closing + [f"{y}{part}" for y in range(today.year, 2015, -1) for part in ("", "-H2", "-H1", "-Q4", "-Q3",
                                                                                     "-Q2", "-Q1")]
labels = {}
for text in periods:
    try:
        period = report_period(text, ds)
    except ReportPeriodError:
        continue
    labels[text] = getattr(period, column("label", lang))
periods = [p for p in periods if p in labels]
first_day, last_day = plan_days(ds)


def typed_period(text: str) -> str | None:
    """A period typed in the URL that the menu may not list (an older year), within the plans' years; a plan's
    term only of this province's plans (those are all listed). ReportPeriodError is a ValueError: dropped."""
    if text in labels:
        return text
    period = report_period(text, ds)
    if period.kind == "plan" or period.text != text or not first_day <= period.start <= period.end <= last_day:
        return None
    labels[text], periods[:0] = getattr(period, column("label", lang)), [text]
    return text


url_value("period", typed_period, lang)  # the URL's period among the periods, or dropped with a notice
left, right = st.columns([3, 1])
period_text = url_choice("period", periods, periods[0], label("report_period", lang), format_func=labels.get,
                         where=left)
report_lang = right.radio(label("report_language", lang), ["vi", "en"], index=1 if lang == "en" else 0,
                          format_func=lambda x: label("language_name", x), horizontal=True,
                          key="report_lang")

content = cache.report_contents(key, period_text, today)
places = decimals(ds)
st.caption(label("report_about", lang, province=md(province_label(ds, key, lang)), period=md(labels[period_text]),
                 day=content.as_of.strftime("%d/%m/%Y")))

# the two files: a file made before for this data version downloads at once; any other is made on a click, within
# the server's bounds on report requests (refused with a message when they are full), then offered for download
version = cache.data_version()
session = st.session_state.setdefault("report_session", uuid.uuid4().hex)
ICONS = {"docx": ":material/description:", "pdf": ":material/picture_as_pdf:"}
# each file's two buttons: label(f"report_make_{fmt}") makes it, label(f"report_{fmt}") downloads it
BUTTONS = (N_("report_make_docx"), N_("report_make_pdf"), N_("report_docx"), N_("report_pdf"))


@st.fragment
def offer(where, fmt: str, find: Callable[[], Made | None], ask: Callable[[], Made]) -> None:
    """One file's button: its download when ``find`` has it made already, else the button that makes it with
    ``ask`` (a click reruns only this part of the page)."""
    made = find()
    kind = "primary" if fmt == "docx" else "secondary"
    if made is None and where.button(label(f"report_make_{fmt}", lang), key=f"report_make_{fmt}", type=kind,
                                     icon=ICONS[fmt]):
        try:
            with where, st.spinner(label("report_making", lang)):
                made = ask()
        except (ReportsBusy, ReportNotMade) as refused:      # nothing made: the reason, in the reader's language
            where.warning(refused.in_language(lang))
    if made is not None:
        where.download_button(label(f"report_{fmt}", lang), made.data, file_name=made.filename, mime=MEDIA[fmt],
                              key=f"report_{fmt}", on_click="ignore", icon=ICONS[fmt], type=kind)


def offered(where, fmt: str) -> None:
    ask = Ask(key, period_text, fmt, report_lang, today)
    offer(where, fmt, partial(made_before, version, ask),
          partial(request, ds, ask, session=session, version=version, content=content))


docx_col, pdf_col = st.columns(2)
offered(docx_col, "docx")
if browser_path() is None:
    docx_col.caption(label("report_no_browser", lang))
font_problem = font_missing()
if font_problem is None:
    offered(pdf_col, "pdf")
else:
    pdf_col.warning(label("report_no_font", lang, reason=md(font_problem)))

# the contents, section by section, as the Word file has them
st.subheader(w("s1", lang))
counts = content.status_counts
st.markdown(md(targets_sentence(counts, lang)))
header = [w(c, lang) for c in ("col_id", "col_target", "col_baseline", "col_requirement", "col_deadline",
                               "col_latest", "col_status", "col_quote")]
data_table(pd.DataFrame(target_rows(content, lang, places, quotes=True), columns=header))
st.markdown(md(tasks_report_sentence(content.tasks, content.done_in_period, lang)))
if len(content.tasks_by_unit):
    by_unit = content.tasks_by_unit
    data_table(pd.DataFrame({w("col_unit", lang): by_unit.unit_name, w("col_total", lang): by_unit.total,
                             w("col_done", lang): by_unit.done, w("col_overdue", lang): by_unit.overdue,
                             w("col_not_reported", lang): by_unit.not_reported,
                             w("col_share", lang): [number(v, 2, lang, "percent") for v in by_unit.share],
                             w("col_completeness", lang): [completeness_text(c, lang) for c in by_unit.completeness]}))
st.markdown(f"**{md(w('s1_overdue', lang))}**")
if len(content.overdue):
    late = content.overdue.sort_values(["lead_names", "due"])
    data_table(pd.DataFrame({w("col_unit", lang): late.lead_names, w("col_plan", lang): late.plan_number,
                             w("col_ref", lang): late.ref, w("col_task", lang): late.task,
                             w("col_due", lang): [d.strftime("%d/%m/%Y") for d in pd.to_datetime(late.due)]}))
else:
    st.markdown(md(late_tasks_sentence(content.tasks, lang)))

st.subheader(w("s2", lang))
if len(content.indices) and not content.indices.own.all():
    st.markdown(md(no_combined_value_text(content, lang)))
data_table(pd.DataFrame(index_rows(content, lang), columns=[w(c, lang) for c in (
    "col_index", "col_year", "col_value", "col_rank", "col_change", "col_mean", "col_best", "col_source")]))
if not content.leagues:
    st.markdown(md(w("s2_units_none", lang)))
for scope_name, table in content.leagues.items():
    st.markdown(f"**{md(w(f'scope_{scope_name}', lang))}** · {content.league_year}")
    data_table(pd.DataFrame(league_rows(table, lang), columns=[w(c, lang) for c in (
        "col_rank", "col_name", "col_self", "col_appraised", "col_change", "col_share")]))

st.subheader(w("s3", lang))
for vi, en in content.shortcomings or [(nothing_wrong_sentence(counts, content.tasks, "vi"),
                                        nothing_wrong_sentence(counts, content.tasks, "en"))]:
    st.markdown("- " + md(vi if lang == "vi" else en))
st.subheader(w("s4", lang))
st.markdown(md(" · ".join(w(k, lang) for k in ("s4_1", "s4_2", "s4_3"))) + " — " + md(w("to_write", lang)))
