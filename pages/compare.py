"""So sánh / Compare: 2 to 6 provinces side by side."""

import pandas as pd
import streamlit as st

from indicators.charts import rank_chart, small_multiples
from indicators.i18n import format_number, format_value, label
from indicators.plain import md
from indicators.ui import (data_table, chart, download, from_url, get_dataset, language, lazy_tabs, province_options,
                           remember, status_column, status_tags, this_year, view)
from indicators.views import key_text, parse_key_text, peers, province_label

lang = language()
ds = get_dataset()
st.title(label("page_compare", lang))

options = province_options(ds)
default = ["42@2004", "40@2004", "38@2004"]
wanted = [k for k in (from_url("provinces") or ",".join(default)).split(",") if k in options][:6] or default
if "compare_provinces" not in st.session_state:
    st.session_state.compare_provinces = wanted
chosen = st.multiselect(label("choose_provinces", lang), options, max_selections=6, key="compare_provinces",
                        placeholder=label("choose", lang),
                        format_func=lambda k: province_label(ds, parse_key_text(ds, k), lang))
remember("provinces", chosen, default)

if chosen:
    suggestions = peers(ds, parse_key_text(ds, chosen[0]))
    with st.expander(f"{label('peers', lang)}: {md(province_label(ds, parse_key_text(ds, chosen[0]), lang))}"):
        for group in ("merged", "region"):
            if suggestions[group]:
                names = ", ".join(province_label(ds, k, lang) for k in suggestions[group])
                st.markdown(f"**{label('peers_' + group, lang)}**: {md(names)}")
                group_keys = [chosen[0]] + [key_text(k) for k in suggestions[group]][:5]
                if st.button(label("use_peers", lang), key=f"peers_{group}"):
                    st.session_state.compare_provinces = group_keys
                    st.rerun()

if len(chosen) < 2:
    st.info(label("need_two", lang))
    st.stop()

keys = [parse_key_text(ds, k) for k in chosen]
names = ds.indicator_names(lang)
measured = set(ds.measured)
candidates = [c for c in ("papi_total", "pci_total", "par_index", "sipas", "papi_d5_procedures",
                          "papi_d8_e_governance", "pci_transparency", "pci_time_costs") if c in measured]
candidates += [c for c in ds.indicators.code if c not in candidates and c in measured
               and not c.endswith("_rank") and c != "pci_tier"]
default_indicators = ["papi_total", "pci_total"]
wanted_indicators = [c for c in (from_url("indicators") or ",".join(default_indicators)).split(",") if c in candidates]
# One tab at a time (only the open tab is computed and drawn): small multiples, ranks, gaps to target.
tab, container = lazy_tabs(lang, ["multiples", "ranks", "gaps"])
with container:
    if tab == "multiples":
        indicators = st.multiselect(label("choose_indicators", lang), candidates,
                                    default=wanted_indicators or default_indicators, max_selections=8,
                                    placeholder=label("choose", lang), format_func=lambda c: names[c],
                                    key="compare_indicators")
        remember("indicators", indicators, default_indicators)

        frames = {c: view("province_series", tuple(keys), c, lang) for c in indicators}
        if indicators:
            chart(small_multiples(frames, {c: names[c] for c in indicators}, lang), key="multiples")
            download(pd.concat(frames.values())[["label", "indicator_code", "period", "value", "source"]],
                     "so-sanh.csv", lang, key="download_compare")
    elif tab == "ranks":
        rank_options = [c for c in ("papi_total_rank", "pci_rank", "par_index_rank", "sipas_rank") if c in measured]
        rank_default = rank_options[0]
        current = from_url("rank", rank_default)
        rank_code = st.selectbox(label("rank_indicator", lang), rank_options,
                                 index=rank_options.index(current if current in rank_options else rank_default),
                                 format_func=lambda c: names[c], key="rank_indicator")
        remember("rank", rank_code, rank_default)
        ranks = view("province_series", tuple(keys), rank_code, lang)
        chart(rank_chart(ranks, names[rank_code], lang), key="ranks")
    else:
        gaps = view("gap_table", tuple(keys), this_year())
        if gaps.empty:
            st.info(label("no_targets", lang))
        else:
            name_col = "indicator_name_vi" if lang == "vi" else "indicator_name_en"
            table = pd.DataFrame({
                label("province", lang): gaps.province_name,
                "ID": gaps.target_id,
                label("indicator", lang): gaps[name_col],
                label("col_requirement", lang): gaps.requirement,
                label("col_actual", lang): [format_value(v, u, lang) for v, u in zip(gaps.actual, gaps.unit)],
                label("col_gap", lang): [format_number(v, 2, lang) for v in gaps.gap],
                label("col_status", lang): [label(s, lang) for s in gaps.status],
            })
            data_table(status_tags(table, lang),
                         column_config=status_column(lang))
            download(table, "khoang-cach-muc-tieu.csv", lang, key="download_gaps")
