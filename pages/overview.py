"""Tổng quan / Overview: how the targets stand, the composite indices, the most urgent targets first."""

from datetime import date

import pandas as pd
import streamlit as st

from indicators import cache
from indicators.cache import get_dataset
from indicators.charts import status_bar
from indicators.i18n import format_number, in_language, label
from indicators.plain import md
from indicators.task_ui import progress_cards
from indicators.tasks import summary
from indicators.ui import (
    COUNTRY,
    chart,
    data_table,
    language,
    plans_table,
    province_picker,
    targets_table,
    this_year,
    year_picker,
)
from indicators.views import STATUS_ORDER, parse_key_text, province_label, scope, status_counts

lang = language()
ds = get_dataset()
st.title(label("page_overview", lang))

left, right = st.columns([2, 1])
with left:
    chosen = province_picker(ds, lang, default=COUNTRY, include_country=True)
with right:
    year = year_picker(lang, list(range(this_year(), 2004, -1)), this_year(), text_key="as_of")

key = None if chosen == COUNTRY else parse_key_text(ds, chosen)
keys = None if key is None else tuple(scope(ds, key))
judged = cache.judged_targets(keys, year)
counts = status_counts(judged)

cards = st.columns(len(STATUS_ORDER))
for column, status in zip(cards, STATUS_ORDER):
    column.metric(label(status, lang), format_number(counts[status], lang=lang))
chart(status_bar(counts, {s: label(s, lang) for s in STATUS_ORDER}, lang), key="status_bar")

# the plans' tasks beside their targets: what is done and what is late, as of the end of the year (or today)
st.subheader(label("task_progress", lang))
as_of = min(date.today(), date(year, 12, 31))
progress_cards(summary(cache.task_occurrences(None if keys is None else list(keys), as_of)), lang, as_of)

st.subheader(label("composites", lang))
if key is not None:
    summary = cache.composite_summary(keys, year)
    columns = st.columns(len(summary))
    for column, (_, row) in zip(columns, summary.iterrows()):
        name = in_language(row, "name", lang)
        if row.value is None or pd.isna(row.value):
            column.metric(md(name), "—", help=label("no_figure", lang))
            continue
        delta = None if row.change is None or pd.isna(row.change) else format_number(row.change, 2, lang)
        column.metric(md(f"{name} · {row.period}"), format_number(row.value, 2, lang), delta=delta,
                      help=md(f"{row.province_name} · {label('col_source', lang)}: {row.source}"))
        if row["rank"] is not None and not pd.isna(row["rank"]):
            column.caption(label("rank_of", lang, rank=int(row["rank"])))
else:
    summary = cache.country_composites()
    names = ds.indicator_names(lang)
    data_table(pd.DataFrame({
        label("indicator", lang): summary.indicator_code.map(names),
        label("year", lang): ["—" if pd.isna(v) else str(v) for v in summary.full_year],
        label("col_provinces_with_data", lang): ["—" if pd.isna(v) else str(int(v)) for v in summary.provinces],
        label("col_best", lang): [f"{n} · {format_number(v, 2, lang)}" if isinstance(n, str) else "—"
                                  for n, v in zip(summary.best_province, summary.best_value)],
        label("col_mean", lang): [f"{format_number(m, 2, lang)} ({p})" if isinstance(p, str) else "—"
                                  for m, p in zip(summary["mean"], summary.mean_period)],
        label("col_source", lang): summary.source.fillna("—"),
    }))
    st.caption(label("country_note", lang))

if key is not None:
    inherited = cache.inherited_plans(key)
    if not inherited.empty:
        st.subheader(label("inherited_plans", lang))
        plans_table(inherited, lang)
        st.caption(label("inherited_note", lang, name=md(province_label(ds, key, lang))))

st.subheader(label("urgent", lang))
if judged.empty:
    st.info(label("no_targets", lang))
else:
    targets_table(judged, lang, f"tong-quan-{chosen}-{year}.csv", key="download_overview")
