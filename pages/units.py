"""Đơn vị / Units: a department's or commune's own page (its tasks, overdue first; the targets it owns; its own
CCHC index over the years and its rank in the province), the league tables of the province's departments and
communes, and the commune map."""

import pandas as pd
import streamlit as st

from indicators.domain.league import league
from indicators.domain.plain import md
from indicators.domain.tasks import summary
from indicators.i18n import format_date, format_number, label
from indicators.services.unit_charts import commune_map, index_history
from indicators.services.views import parse_key_text, scope
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.task_ui import progress_cards, progress_form, show_saved, task_table
from indicators.web.ui import (
    COUNTRY,
    chart,
    data_table,
    day_picker,
    download,
    language,
    lazy_tabs,
    plan_days,
    province_picker,
    targets_table,
    user_box,
)
from indicators.web.urls import url_choice

lang = language()
ds = get_dataset()
st.title(label("page_units", lang))
user = user_box(lang)

chosen = province_picker(ds, lang, default="80@2025", include_country=True)
key = None if chosen == COUNTRY else parse_key_text(ds, chosen)
keys = None if key is None else scope(ds, key)
tab, box = lazy_tabs(lang, ["unit", "departments", "communes"])
index = cache.unit_index_table(keys) if keys else cache.unit_index_table([])
if key is None and tab != "communes":
    with box:
        st.info(label("choose_a_province", lang))      # a unit and a league table belong to one province
    st.stop()


def league_table(scope_name: str, file_name: str, download_key: str) -> pd.DataFrame:
    years = sorted(set(index[index.scope == scope_name].year), reverse=True) if len(index) else []
    if not years:
        st.info(label("no_index", lang))
        return pd.DataFrame()
    year = url_choice(f"{scope_name}_year", years, years[0], label("year", lang), key=f"{scope_name}_year")
    table = league(index, scope_name, year)
    shown = pd.DataFrame({
        label("col_rank", lang): ["—" if pd.isna(r) else str(int(r)) for r in table["rank"]],
        label("col_unit", lang): table.unit_code + " — " + table.unit_name.fillna(""),
        label("stage_appraised", lang): [format_number(v, 2, lang) for v in table.appraised],
        label("stage_self", lang): [format_number(v, 2, lang) for v in table["self"]],
        label("col_difference", lang): [format_number(v, 2, lang) for v in table.difference],
        label("col_max_points", lang): [format_number(v, 2, lang) for v in table.max_points],
        label("col_percent", lang): [format_number(v, 2, lang) for v in table.percent],
    })
    data_table(shown)
    download(shown, file_name, lang, key=download_key)
    return table


if tab == "unit":
    with box:
        bodies = cache.province_bodies(keys)
        if bodies.empty:
            st.info(label("no_unit_tasks", lang))
            st.stop()
        options = [f"{r.code}@{r.province_valid_from:%Y}" for r in bodies.itertuples()]
        names = {f"{r.code}@{r.province_valid_from:%Y}": f"{r.code} — {r.name}" for r in bodies.itertuples()}
        picked = url_choice("unit", options, options[0], label("choose_unit", lang), key="unit",
                            format_func=lambda o: names[o])
        unit = bodies.iloc[options.index(picked)]
        unit_key = (unit.province_code, unit.province_valid_from.date(), unit.code)
        valid = (f"{format_date(unit.valid_from.date(), lang) if not pd.isna(unit.valid_from) else '…'} – "
                 f"{format_date(unit.valid_to.date(), lang) if not pd.isna(unit.valid_to) else '…'}")
        facts = st.columns(3)
        facts[0].metric(label("unit_kind", lang), label(f"kind_{unit.kind}", lang))
        facts[1].metric(label("unit_valid", lang), valid)
        facts[2].metric(label("unit_successors", lang), unit.successor_codes if isinstance(unit.successor_codes, str)
                        else "—")
        if isinstance(unit.source, str):
            st.caption(md(label("unit_source", lang) + f": {unit.source}"))
        as_of = day_picker(lang, plan_days(ds))
        tasks = cache.unit_tasks(unit_key, as_of)
        st.subheader(label("unit_tasks", lang))
        if tasks.empty:
            st.info(label("no_unit_tasks", lang))
        else:
            progress_cards(summary(tasks), lang, as_of)
            task_table(tasks, lang, f"nhiem-vu-{unit.code}.csv", key="unit_tasks")
            show_saved("unit_progress")
            progress_form(ds, tasks, user, lang, key="unit_progress")
        st.subheader(label("unit_targets", lang))
        owned = cache.unit_targets(unit_key)
        if owned.empty:
            st.info(label("no_unit_targets", lang))
        else:
            targets_table(cache.judged_targets(tuple(keys), as_of.year).pipe(
                lambda j: j[j.target_id.isin(set(owned.target_id))]), lang, f"muc-tieu-{unit.code}.csv",
                key="download_unit_targets")
        st.subheader(label("unit_index", lang))
        mine = index[(index.unit_code == unit.code)] if len(index) else index
        if mine.empty:
            st.info(label("no_index", lang))
        else:
            chart(index_history(mine, unit["name"], lang), key="unit_index_chart")
            ranks = league(index, mine.scope.iloc[0])
            ranks = ranks[ranks.unit_code == unit.code].dropna(subset=["rank"])
            for r in ranks.sort_values("year", ascending=False).itertuples():
                st.caption(label("rank_in_province", lang, rank=int(r.rank), year=r.year))

elif tab == "departments":
    with box:
        st.subheader(label("league_departments", lang))
        league_table("department", "xep-hang-so-nganh.csv", "download_league_departments")

else:
    with box:
        st.subheader(label("league_communes", lang))
        table = league_table("commune", "xep-hang-xa-phuong.csv", "download_league_communes")
        points = cache.communes(key)
        if points.empty:
            st.info(label("no_communes", lang))
        else:
            values = None
            if len(table):
                by_code = dict(zip(table.unit_code, table.percent))
                values = points.code.map(by_code)
            chart(commune_map(points, lang, values, label("col_percent", lang)), key="commune_map")
            listing = pd.DataFrame({label("col_code", lang): points.code, label("col_unit", lang): points.name,
                                    label("unit_kind", lang): [label(f"kind_{k}", lang) for k in points.kind],
                                    label("col_area", lang): [format_number(a, 2, lang) for a in points.area_km2]})
            if key is not None:        # the country's 3,321 rows: a download, not a table to scroll
                data_table(listing)
            download(listing, "xa-phuong.csv", lang, key="download_communes")
