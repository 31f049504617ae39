"""Kế hoạch & mục tiêu / Plans and targets: the plans, their targets and tasks, filterable."""

import pandas as pd
import streamlit as st

from indicators.i18n import label
from indicators.ui import (data_table, cached_judged, download, from_url, get_dataset, language, plans_table, remember,
                           targets_table, this_year, year_span_from_url)
from indicators.views import STATUS_ORDER

lang = language()
ds = get_dataset()
st.title(label("page_plans", lang))

plans_table(ds.plans, lang)

judged = cached_judged(None, this_year())
families = ds.indicators.set_index("code").family
family_names = ds.indicators.drop_duplicates("family").set_index("family")["family_vi" if lang == "vi" else "family_en"]
judged = judged.assign(family=judged.indicator_code.map(families),
                       deadline_year=judged.deadline_period.str[:4].astype(int))

provinces = sorted(set(judged.province_name))
c1, c2, c3, c4 = st.columns(4)
wanted = [p for p in (from_url("provinces") or "").split(",") if p in provinces]
chosen_provinces = c1.multiselect(label("province", lang), provinces, default=wanted, key="plan_provinces",
                                  placeholder=label("all", lang))
remember("provinces", chosen_provinces, [])
family_options = sorted(set(judged.family))
wanted = [f for f in (from_url("families") or "").split(",") if f in family_options]
chosen_families = c2.multiselect(label("filter_family", lang), family_options, default=wanted,
                                 placeholder=label("all", lang), format_func=lambda f: family_names[f],
                                 key="plan_families")
remember("families", chosen_families, [])
wanted = [s for s in (from_url("status") or "").split(",") if s in STATUS_ORDER]
chosen_status = c3.multiselect(label("status", lang), list(STATUS_ORDER), default=wanted,
                               placeholder=label("all", lang), format_func=lambda s: label(s, lang), key="plan_status")
remember("status", chosen_status, [])
low, high = int(judged.deadline_year.min()), int(judged.deadline_year.max())
initial = year_span_from_url("deadline", low, high, lang)
initial = (max(low, min(initial[0], high)), max(low, min(initial[1], high)))
span = c4.slider(label("filter_deadline", lang), low, high, initial, key="plan_deadline")
remember("deadline", f"{span[0]}-{span[1]}", f"{low}-{high}")

shown = judged
if chosen_provinces:
    shown = shown[shown.province_name.isin(chosen_provinces)]
if chosen_families:
    shown = shown[shown.family.isin(chosen_families)]
if chosen_status:
    shown = shown[shown.status.isin(chosen_status)]
shown = shown[shown.deadline_year.between(*span)]

st.subheader(label("targets", lang))
if shown.empty:
    st.info(label("no_match", lang))
else:
    targets_table(shown, lang, "muc-tieu.csv", key="download_plan_targets")

st.subheader(label("tasks_of_plans", lang))
tasks = ds.tasks
if chosen_provinces:
    tasks = tasks[tasks.province_name.isin(chosen_provinces)]
tasks = tasks[tasks.deadline_period.str[:4].astype(int).between(*span)]
task_table = pd.DataFrame({
    label("col_plan", lang): tasks.plan_number,
    label("province", lang): tasks.province_name,
    "#": tasks.ref,
    label("col_task", lang): tasks.task,
    label("col_product", lang): tasks["product"].fillna(""),
    label("col_lead", lang): tasks.lead_body.fillna("—"),
    label("col_partners", lang): tasks.partners.fillna(""),
    label("col_start", lang): tasks.start_period,
    label("col_deadline", lang): tasks.deadline_period,
})
data_table(task_table)
download(task_table, "nhiem-vu.csv", lang, key="download_tasks")
