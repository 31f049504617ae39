"""Tổng quan / Overview: how the targets stand, the composite indices, the most urgent targets first."""

from datetime import date

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.domain.summaries import targets_sentence
from indicators.domain.tasks import summary
from indicators.i18n import N_, format_number, in_language, label
from indicators.reports.phrases import number
from indicators.services.changes import status_changes
from indicators.services.charts import status_bar
from indicators.services.index_views import (
    latest_year,
    merger_note,
    national_reference,
    no_combined_value,
    predecessor_line,
    reference_text,
)
from indicators.services.views import STATUS_ORDER, parse_key_text, province_label, scope, status_counts
from indicators.web import cache
from indicators.web.areas import area_filter, in_areas
from indicators.web.cache import get_dataset
from indicators.web.task_ui import progress_cards, unit_progress_table
from indicators.web.ui import (
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

lang = language()
ds = get_dataset()
st.title(label("page_overview", lang))

left, right = st.columns([2, 1])
with left:
    chosen = province_picker(ds, lang, default=COUNTRY, include_country=True)
key = None if chosen == COUNTRY else parse_key_text(ds, chosen)
keys = None if key is None else tuple(scope(ds, key))
# open at the latest year with figures for the chosen scope, not at a calendar year where everything is empty
with_figures = cache.years_with_figures(None if keys is None else list(keys))
latest = latest_year(with_figures)
with right:
    year = year_picker(lang, list(range(this_year(), 2004, -1)), latest or this_year(), text_key=N_("as_of"),
                       with_figures=with_figures)
st.caption(label("latest_figures", lang, year=latest) if latest else label("no_figures_at_all", lang))
if key is not None and (note := merger_note(ds, key, lang)):
    st.info(md(note))

judged = cache.judged_targets(keys, year)
counts = status_counts(judged)

# each group of cards in a container keyed "cards_…": two to a row on a phone (indicators/web/style.py)
cards = st.container(key="cards_status").columns(len(STATUS_ORDER))
for column, status in zip(cards, STATUS_ORDER):
    column.metric(label(status, lang), format_number(counts[status], lang=lang))
st.markdown(md(targets_sentence(counts, lang)))
# what changed since the last (yearly) report: each target's status as of this year against as of the year before
changes = cache.kept(("overview_changes", keys, year), lambda: status_changes(cache.judged_targets(keys, year - 1),
                                                                               judged))
if changes.empty:
    st.caption(label("changes_none", lang, year=year - 1))
else:
    ups, downs = int((changes.better == True).sum()), int((changes.better == False).sum())  # noqa: E712 - None apart
    with st.expander(label("changes_since", lang, n=len(changes), year=year - 1, better=ups, worse=downs,
                           other=len(changes) - ups - downs)):
        data_table(pd.DataFrame({
            "ID": changes.target_id,
            label("province", lang): changes.province_name,
            label("indicator", lang): in_language(changes, "indicator_name", lang),
            label("changes_before", lang, year=year - 1): [label(b, lang) for b in changes.before],
            label("changes_now", lang, year=year): [label(n, lang) for n in changes.status],
        }), file_name=f"thay-doi-{chosen}-{year}.csv", lang=lang, key="download_changes")
        st.caption(label("changes_how", lang, year=year, before=year - 1))
chart(lambda: status_bar(counts, {s: label(s, lang) for s in STATUS_ORDER}, lang), key="status_bar",
      kept_as=(keys, year, lang))

# the plans' tasks beside their targets: what is done, late and not reported, as of the end of the year (or today)
st.subheader(label("task_progress", lang))
as_of = min(date.today(), date(year, 12, 31))
with st.container(key="cards_tasks"):
    progress_cards(cache.kept(("overview_summary", keys, as_of),
                              lambda: summary(cache.task_occurrences(None if keys is None else list(keys), as_of))),
                   lang, as_of)
with st.expander(label("by_unit", lang)):       # completion and reporting completeness of each lead body
    unit_progress_table(lambda: cache.progress_by_unit(None if keys is None else list(keys), as_of), lang,
                        key="overview_by_unit", kept_as=("overview", keys, as_of))

st.subheader(label("composites", lang))
if key is not None:
    indices = cache.composite_summary(keys, year)
    if not indices.own.all():
        st.caption(md(no_combined_value(ds, key, lang)))
    columns = st.container(key="cards_indices").columns(indices.indicator_code.nunique())
    for column, (_, rows) in zip(columns, indices.groupby("indicator_code", sort=False)):
        first = rows.iloc[0]
        name = in_language(first, "name", lang)
        if not first.own:       # the predecessors' figures, each named; never one of them as this province's
            sources = "; ".join(dict.fromkeys(s for s in rows.source if isinstance(s, str)))
            column.markdown(f"**{md(name)}**", help=md(label("col_source", lang) + f": {sources}") if sources else None)
            column.markdown(md(predecessor_line(rows, lang, number)).replace(" — ", "  \n"))
            continue
        if first.value is None or pd.isna(first.value):
            column.metric(md(name), "—", help=label("no_figure", lang))
            continue
        delta = None if first.change is None or pd.isna(first.change) else format_number(first.change, 2, lang)
        column.metric(md(f"{name} · {first.period}"), format_number(first.value, 2, lang), delta=delta,
                      help=md(f"{first.province_name} · " + label("col_source", lang) + f": {first.source}"))
        if first["rank"] is not None and not pd.isna(first["rank"]):
            column.caption(label("rank_of", lang, rank=int(first["rank"])))
else:
    country = cache.country_composites()
    names = ds.indicator_names(lang)
    data_table(cache.kept(("overview_country", lang), lambda: pd.DataFrame({
        label("indicator", lang): country.indicator_code.map(names),
        label("year", lang): ["—" if pd.isna(v) else str(v) for v in country.full_year],
        label("col_provinces_with_data", lang): ["—" if pd.isna(v) else str(int(v)) for v in country.provinces],
        label("col_best", lang): [f"{n} · {format_number(v, 2, lang)}" if isinstance(n, str) else "—"
                                  for n, v in zip(country.best_province, country.best_value)],
        label("col_mean", lang): [reference_text(national_reference(ds, c, y if isinstance(y, str) else None),
                                                 2, lang, number) for c, y in zip(country.indicator_code,
                                                                                   country.full_year)],
        label("col_source", lang): country.source.fillna("—"),
    })), file_name="chi-so-ca-nuoc.csv", lang=lang, key="download_country")
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
    areas = area_filter(lang, key="overview_areas")
    urgent = in_areas(judged, areas)
    if urgent.empty:
        st.info(label("no_match", lang))
    else:
        targets_table(urgent, lang, f"tong-quan-{chosen}-{year}.csv", key="download_overview",
                      kept_as=("overview", keys, year, tuple(areas)))
