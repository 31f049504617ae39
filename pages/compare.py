"""So sánh / Compare: 2 to 6 provinces side by side."""

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.i18n import N_, format_number, format_value, in_language, label
from indicators.services.charts import rank_chart, small_multiples
from indicators.services.comparisons import absence_notes, comparable_indicators, peers, rank_indicators
from indicators.services.index_views import import_helps
from indicators.services.views import COMPARE_DEFAULT, COMPARE_PROVINCES, key_text, parse_key_text, province_label
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.ui import (
    chart,
    current_user,
    data_table,
    download,
    language,
    lazy_tabs,
    province_options,
    status_column,
    status_tags,
    this_year,
)
from indicators.web.urls import url_choice, url_choices

lang = language()
ds = get_dataset()
st.title(label("page_compare", lang))

chosen = url_choices("provinces", province_options(ds), COMPARE_PROVINCES, label("choose_provinces", lang),
                     key="compare_provinces", seed=True, max_selections=6, placeholder=label("choose", lang),
                     format_func=lambda k: province_label(ds, parse_key_text(ds, k), lang))

if chosen:
    suggestions = peers(ds, parse_key_text(ds, chosen[0]))
    with st.expander(label("peers", lang) + ": " + md(province_label(ds, parse_key_text(ds, chosen[0]), lang))):
        for group, title in (("merged", N_("peers_merged")), ("region", N_("peers_region"))):
            if suggestions[group]:
                names = ", ".join(province_label(ds, k, lang) for k in suggestions[group])
                st.markdown("**" + label(title, lang) + "**: " + md(names))
                group_keys = [chosen[0]] + [key_text(k) for k in suggestions[group]][:5]
                if st.button(label("use_peers", lang), key=f"peers_{group}"):
                    st.session_state.compare_provinces = group_keys
                    st.rerun()

if len(chosen) < 2:
    st.info(label("need_two", lang))
    st.stop()

keys = [parse_key_text(ds, k) for k in chosen]
names = ds.indicator_names(lang)


def show_absences(codes: list[str]) -> None:
    """Under a chart: the partial years and each province's missing years of ``codes``, and (for an analyst)
    the way to the import where an import could fill a gap."""
    notes = {c: absence_notes(ds, keys, c, lang) for c in codes}
    if not any(notes.values()):
        return
    with st.expander(label("missing_figures", lang)):
        for code, lines in notes.items():
            if lines:
                st.markdown("**" + md(names[code]) + "**")
            for line in lines:
                st.caption(md(line))
        if any(import_helps(ds, keys, c) for c in codes) and (user := current_user()) and user.can("analyst"):
            st.page_link("pages/imports.py", label=label("go_import", lang), icon=":material/upload_file:")

# One tab at a time (only the open tab is computed and drawn): small multiples, ranks, gaps to target.
tab, container = lazy_tabs(lang, ["multiples", "ranks", "gaps"])
with container:
    if tab == "multiples":
        indicators = url_choices("indicators", comparable_indicators(ds), COMPARE_DEFAULT,
                                 label("choose_indicators", lang), key="compare_indicators", max_selections=8,
                                 placeholder=label("choose", lang), format_func=lambda c: names[c])
        frames = {c: cache.province_series(tuple(keys), c, lang) for c in indicators}
        if indicators:
            chart(small_multiples(frames, {c: names[c] for c in indicators}, lang), key="multiples")
            download(pd.concat(frames.values())[["label", "indicator_code", "period", "value", "source"]],
                     "so-sanh.csv", lang, key="download_compare")
            show_absences(list(indicators))
    elif tab == "ranks":
        rank_options = rank_indicators(ds)
        rank_code = url_choice("rank", rank_options, rank_options[0], label("rank_indicator", lang),
                               format_func=lambda c: names[c], key="rank_indicator")
        ranks = cache.province_series(tuple(keys), rank_code, lang)
        chart(rank_chart(ranks, names[rank_code], lang), key="ranks")
        show_absences([rank_code])
    else:
        gaps = cache.gap_table(tuple(keys), this_year())
        if gaps.empty:
            st.info(label("no_targets", lang))
        else:
            table = pd.DataFrame({
                label("province", lang): gaps.province_name,
                "ID": gaps.target_id,
                label("indicator", lang): in_language(gaps, "indicator_name", lang),
                label("col_requirement", lang): gaps.requirement_vi if lang == "vi" else gaps.requirement_en,
                label("col_actual", lang): [format_value(v, u, lang) for v, u in zip(gaps.actual, gaps.unit)],
                label("col_gap", lang): [format_number(v, 2, lang) for v in gaps.gap],
                label("col_status", lang): [label(s, lang) for s in gaps.status],
            })
            data_table(status_tags(table, lang),
                         column_config=status_column(lang))
            download(table, "khoang-cach-muc-tieu.csv", lang, key="download_gaps")
