"""Kế hoạch & mục tiêu / Plans and targets: the plans, their targets and tasks, filterable."""

import pandas as pd
import streamlit as st

from indicators import cache
from indicators.cache import get_dataset
from indicators.i18n import column, label
from indicators.ui import (
    data_table,
    download,
    language,
    plans_table,
    remember,
    targets_table,
    this_year,
    url_choices,
    year_span_from_url,
)
from indicators.views import STATUS_ORDER, filter_targets, filter_tasks, with_families

lang = language()
ds = get_dataset()
st.title(label("page_plans", lang))

plans_table(ds.plans, lang)

judged = with_families(ds, cache.judged_targets(None, this_year()))
family_names = ds.indicators.drop_duplicates("family").set_index("family")[column("family", lang)]

c1, c2, c3, c4 = st.columns(4)
chosen_provinces = url_choices("provinces", sorted(set(judged.province_name)), [], label("province", lang),
                               key="plan_provinces", where=c1, placeholder=label("all", lang))
chosen_families = url_choices("families", sorted(set(judged.family)), [], label("filter_family", lang),
                              key="plan_families", where=c2, placeholder=label("all", lang),
                              format_func=lambda f: family_names[f])
chosen_status = url_choices("status", list(STATUS_ORDER), [], label("status", lang), key="plan_status", where=c3,
                            placeholder=label("all", lang), format_func=lambda s: label(s, lang))
low, high = int(judged.deadline_year.min()), int(judged.deadline_year.max())
initial = year_span_from_url("deadline", low, high, lang)
initial = (max(low, min(initial[0], high)), max(low, min(initial[1], high)))
span = c4.slider(label("filter_deadline", lang), low, high, initial, key="plan_deadline")
remember("deadline", f"{span[0]}-{span[1]}", f"{low}-{high}")

shown = filter_targets(judged, chosen_provinces, chosen_families, chosen_status, span)

st.subheader(label("targets", lang))
if shown.empty:
    st.info(label("no_match", lang))
else:
    targets_table(shown, lang, "muc-tieu.csv", key="download_plan_targets")

st.subheader(label("tasks_of_plans", lang))
tasks = filter_tasks(ds.tasks, chosen_provinces, span)
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
