"""Xếp hạng / Rankings: every province for one indicator and year, as bars and as a map."""

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.i18n import format_number, label
from indicators.services.charts import choropleth, ranking_bar
from indicators.services.comparisons import threshold_for
from indicators.services.index_views import absence, absence_text, coverage_note
from indicators.services.views import parse_key_text, province_label, scope
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.ui import (
    boundaries,
    chart,
    current_user,
    data_table,
    download,
    language,
    lazy_tabs,
    province_picker,
    year_picker,
)
from indicators.web.urls import url_choice

lang = language()
ds = get_dataset()
st.title(label("page_rankings", lang))

names = ds.indicator_names(lang)
left, middle, right = st.columns([2, 1, 2])
indicator_code = url_choice("indicator", ds.measured, "papi_total", label("indicator", lang),
                            format_func=lambda c: names[c], where=left)
years = cache.years_with_data(indicator_code)[::-1]
with middle:
    year = year_picker(lang, years, years[0])
with right:
    highlight = province_picker(ds, lang, name="province", default="42@2004", key="highlight")
meta = ds.indicator(indicator_code)
rows = cache.ranking(indicator_code, year)
key = parse_key_text(ds, highlight)
thresholds = threshold_for(ds, scope(ds, key), indicator_code)
highlighted = {f"{k[0]}@{k[1]}" for k in scope(ds, key)}

# What the year's figures cover (đã công bố 30/63 tỉnh), and why the chosen province has none, if it has none.
if note := coverage_note(ds, indicator_code, year, len(rows), lang):
    st.info(md(note))
if not highlighted & (set(rows.feature_id) if not rows.empty else set()):
    st.caption(md(province_label(ds, key, lang) + f" · {year}: " + absence_text(ds, indicator_code, year, lang)))
    if absence(ds, indicator_code, year) in ("not_imported", "top_only") and (user := current_user()) \
            and user.can("analyst"):
        st.page_link("pages/imports.py", label=label("go_import", lang), icon=":material/upload_file:")

# One view at a time, as tabs of which only the open one is computed and drawn (?view=bars|map|table).
shown, container = lazy_tabs(lang, ["bars", "map", "table"], name="view")
era = "34" if year >= 2025 else "63"
with container:
    if shown == "bars":
        chart(lambda: ranking_bar(rows, meta, thresholds, highlighted, lang), key="bars",
              kept_as=(indicator_code, year, highlight, lang))
    elif shown == "map":
        st.subheader(label("map_era", lang, n=era))
        chart(choropleth(rows, boundaries(), era, meta, lang, absence_text(ds, indicator_code, year, lang)),
              key="map")
        st.caption(label("map_title", lang) + " · " + label("geo_source", lang))
    if not rows.empty:
        st.caption(label("sources_caption", lang, sources=md("; ".join(sorted(set(rows.source))))))
        table = pd.DataFrame({
            label("col_rank", lang): [format_number(r, 0, lang) for r in rows["rank"]],  # published, or none
            label("province", lang): rows.province_name,
            label("col_value", lang): [format_number(v, int(meta.decimals), lang, meta.unit) for v in rows.value],
            label("col_quartile", lang): [q or None for q in rows.quartile],
            label("col_source", lang): rows.source,
        })
        if shown == "table":
            data_table(table)
        download(table, f"xep-hang-{indicator_code}-{year}.csv", lang, key="download_ranking")
