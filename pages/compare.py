"""So sánh / Compare: 2 to 6 provinces side by side."""

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.i18n import N_, format_number, format_value, in_language, label
from indicators.services.charts import rank_chart, small_multiples
from indicators.services.comparisons import (
    absence_notes,
    comparable_indicators,
    in_years,
    indicator_changes,
    no_figures_note,
    peers,
    rank_indicators,
)
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
from indicators.web.urls import remember, url_choice, url_choices, year_span_from_url

lang = language()
ds = get_dataset()
st.title(label("page_compare", lang))

chosen = url_choices("provinces", province_options(ds), COMPARE_PROVINCES, label("choose_provinces", lang),
                     key="compare_provinces", seed=True, max_selections=6, placeholder=label("choose", lang),
                     format_func=lambda k: province_label(ds, parse_key_text(ds, k), lang))

if chosen:
    suggestions = cache.kept(("compare_peers", chosen[0]), lambda: peers(ds, parse_key_text(ds, chosen[0])))
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


def year_range(codes: list[str]) -> tuple[int, int] | None:
    """The range of years the charts show: a slider over the years in which any province has a figure of one of
    ``codes`` (so that the years the chosen provinces miss are named too), kept in the URL (``?years=2016-2023``,
    left out for the whole range); None when none has a figure."""
    years = sorted({year for code in codes for year in cache.years_with_data(code)})
    if not years:
        return None
    whole = (years[0], years[-1])
    if len(years) == 1:
        remember("years", "", "")   # a single year leaves nothing to choose
        return whole
    asked = year_span_from_url("years", *whole, lang)
    inside = [y for y in years if asked[0] <= y <= asked[1]] or years   # the URL's span on the years offered
    span = st.select_slider(label("compare_years", lang), options=years, value=(inside[0], inside[-1]),
                            key="compare_years")
    remember("years", f"{span[0]}-{span[1]}", f"{whole[0]}-{whole[1]}")
    return span


def without_figures(frames: dict[str, pd.DataFrame], span: tuple[int, int] | None) -> dict[str, pd.DataFrame]:
    """The frames cut to ``span``; each indicator left without a figure in it is said in words instead of being
    drawn as an empty panel (and, with no figure anywhere, nothing is drawn)."""
    shown = {c: in_years(f, span) for c, f in frames.items()} if span else {}
    for code in frames:
        if code not in shown or shown[code].empty:
            st.info(md(no_figures_note(ds, code, names[code], span, lang)))
    return {c: f for c, f in shown.items() if not f.empty}


def show_absences(codes: list[str], span: tuple[int, int] | None) -> None:
    """Under a chart: the partial years and each province's missing years of ``codes`` (within ``span``), and
    (for an analyst) the way to the import where an import could fill a gap."""
    notes = {c: absence_notes(ds, keys, c, lang, span=span) for c in codes}
    if not any(notes.values()):
        return
    with st.expander(label("missing_figures", lang)):
        for code, lines in notes.items():
            if lines:
                st.markdown("**" + md(names[code]) + "**")
            for line in lines:
                st.caption(md(line))
        if any(import_helps(ds, keys, c, span=span) for c in codes) and (user := current_user()) \
                and user.can("analyst"):
            st.page_link("pages/imports.py", label=label("go_import", lang), icon=":material/upload_file:")

# One tab at a time (only the open tab is computed and drawn): small multiples, ranks, gaps to target.
tab, container = lazy_tabs(lang, ["multiples", "ranks", "gaps"])
with container:
    if tab == "multiples":
        indicators = url_choices("indicators", comparable_indicators(ds), COMPARE_DEFAULT,
                                 label("choose_indicators", lang), key="compare_indicators", max_selections=8,
                                 placeholder=label("choose", lang), format_func=lambda c: names[c])
        frames = {c: cache.province_series(tuple(keys), c, lang) for c in indicators}
        span = year_range(list(indicators))
        drawn = without_figures(frames, span)
        if drawn:
            breaks = {c: list(indicator_changes(ds, c).from_year) for c in drawn}
            chart(lambda: small_multiples(drawn, {c: names[c] for c in drawn}, lang, breaks=breaks), key="multiples",
                  kept_as=(tuple(keys), tuple(indicators), span, lang))
            download(pd.concat(drawn.values())[["label", "indicator_code", "period", "value", "source"]],
                     "so-sanh.csv", lang, key="download_compare")
        show_absences(list(indicators), span)
    elif tab == "ranks":
        rank_options = rank_indicators(ds)
        rank_code = url_choice("rank", rank_options, rank_options[0], label("rank_indicator", lang),
                               format_func=lambda c: names[c], key="rank_indicator")
        ranks = cache.province_series(tuple(keys), rank_code, lang)
        span = year_range([rank_code])
        if drawn := without_figures({rank_code: ranks}, span):
            chart(rank_chart(drawn[rank_code], names[rank_code], lang,
                             breaks=list(indicator_changes(ds, rank_code).from_year)), key="ranks")
        show_absences([rank_code], span)
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
