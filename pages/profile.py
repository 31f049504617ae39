"""Hồ sơ tỉnh / Province profile: every indicator over the years against its targets."""


import streamlit as st

from indicators.domain.plain import md
from indicators.i18n import in_language, label
from indicators.services.charts import indicator_trend, spider_chart
from indicators.services.comparisons import absence_notes, indicator_changes, summarise_sources
from indicators.services.index_views import import_helps, latest_year, merger_note
from indicators.services.views import key_text, parse_key_text, province_label, scope
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.ui import (
    chart,
    current_user,
    download,
    language,
    lazy_tabs,
    province_picker,
    targets_table,
    this_year,
    year_picker,
)
from indicators.web.urls import url_choice

lang = language()
ds = get_dataset()
st.title(label("page_profile", lang))

chosen = province_picker(ds, lang, default="42@2025")
key = parse_key_text(ds, chosen)
keys = scope(ds, key)
if note := merger_note(ds, key, lang):   # formed from whom, not merged, or ended and into which province
    st.info(md(note))
with_figures = cache.years_with_figures(list(keys))
latest = latest_year(with_figures)
st.caption(label("latest_figures", lang, year=latest) if latest else label("no_figures_at_all", lang))

# One tab at a time (only the open tab is computed and drawn); a target's link opens the first.
tab, container = lazy_tabs(lang, ["trend", "papi", "targets"])
with container:
    if tab == "trend":
        available = cache.indicators_with_data(tuple(keys)) or ["papi_total"]
        names = ds.indicator_names(lang)
        indicator_code = url_choice("indicator", available, "papi_total" if "papi_total" in available else available[0],
                                    label("indicator", lang), format_func=lambda c: names[c])
        meta = ds.indicator(indicator_code)

        series = cache.province_series(tuple(keys), indicator_code, lang)
        targets = cache.threshold_for(tuple(keys), indicator_code)
        references = cache.reference_lines(indicator_code)
        if series.empty and targets.empty:
            st.info(label("no_series", lang))
        else:
            changes = indicator_changes(ds, indicator_code)
            chart(lambda: indicator_trend(series, targets, references, meta, changes, lang), key="trend",
                  kept_as=(tuple(keys), indicator_code, lang))
            sources = summarise_sources(series.source) if not series.empty else label("no_figure", lang)
            st.caption(label("sources_caption", lang, sources=md(sources)))
            for _, change in changes.iterrows():
                st.caption(label("method_note", lang, note=md(in_language(change, "note", lang))))
            download(series[["label", "indicator_code", "period", "value", "source"]],
                     f"{chosen}-{indicator_code}.csv", lang, key="download_series")
        # what the chart leaves out and why: partial years, the province's years without a figure
        if notes := absence_notes(ds, list(keys), indicator_code, lang):
            st.markdown("**" + label("missing_figures", lang) + "**")
            for note in notes:
                st.caption(md(note))
            if import_helps(ds, list(keys), indicator_code) and (user := current_user()) and user.can("analyst"):
                st.page_link("pages/imports.py", label=label("go_import", lang), icon=":material/upload_file:")
    elif tab == "papi":
        papi_years = cache.years_with_data("papi_d1_participation")
        spider_year = year_picker(lang, papi_years[::-1], papi_years[-1], name="papi_year")
        with_data = [k for k in keys if not cache.papi_dimensions(k, spider_year).value.isna().all()]
        if with_data:
            spider_key = with_data[0]
            if len(with_data) > 1:
                spider_key = st.selectbox(label("spider_for", lang), with_data,
                                          format_func=lambda k: province_label(ds, k, lang), key="spider_province",
                                          placeholder=label("choose", lang))
            dims = cache.papi_dimensions(spider_key, spider_year)
            chart(spider_chart(dims, province_label(ds, spider_key, lang), spider_year, lang), key="spider")
            st.caption(label("papi_break", lang))
        else:
            st.info(label("no_series", lang))
    else:
        as_of = this_year()
        judged = cache.judged_targets(tuple(keys), as_of)
        if judged.empty:
            st.info(label("no_targets", lang))
        else:
            targets_table(judged, lang, f"muc-tieu-{key_text(key)}.csv", key="download_targets")
