"""Kế hoạch & mục tiêu / Plans and targets: the plans, their targets and tasks, filterable."""

import streamlit as st

from indicators.domain.tasks import by_unit, summary
from indicators.i18n import column, label
from indicators.services.views import STATUS_ORDER, filter_occurrences, filter_targets
from indicators.web import cache
from indicators.web.areas import area_filter, in_areas
from indicators.web.cache import get_dataset
from indicators.web.task_ui import progress_cards, progress_form, show_saved, task_table, unit_progress_table
from indicators.web.ui import day_picker, language, plan_days, plans_table, targets_table, this_year, user_box
from indicators.web.urls import remember, url_choices, year_span_from_url

lang = language()
ds = get_dataset()
st.title(label("page_plans", lang))

plans_table(ds.plans, lang)

judged = cache.plan_targets(this_year())
family_names = ds.indicators.drop_duplicates("family").set_index("family")[column("family", lang)]

c1, c2, c3, c4, c5 = st.columns(5)
chosen_provinces = url_choices("provinces", sorted(set(judged.province_name)), [], label("province", lang),
                               key="plan_provinces", where=c1, placeholder=label("all", lang))
chosen_families = url_choices("families", sorted(set(judged.family)), [], label("filter_family", lang),
                              key="plan_families", where=c2, placeholder=label("all", lang),
                              format_func=lambda f: family_names[f])
chosen_status = url_choices("status", list(STATUS_ORDER), [], label("status", lang), key="plan_status", where=c3,
                            placeholder=label("all", lang), format_func=lambda s: label(s, lang))
task_years = ds.tasks.deadline_period.str[:4].astype(int)
low = int(min(judged.deadline_year.min(), ds.tasks.start_period.str[:4].astype(int).min()))
high = int(max(judged.deadline_year.max(), task_years.max()))
initial = year_span_from_url("deadline", low, high, lang)
span = c4.slider(label("filter_deadline", lang), low, high, initial, key="plan_deadline")
remember("deadline", f"{span[0]}-{span[1]}", f"{low}-{high}")
chosen_areas = area_filter(lang, key="plan_areas", where=c5)     # the targets and the tasks below alike

shown = in_areas(filter_targets(judged, chosen_provinces, chosen_families, chosen_status, span), chosen_areas)
# what the tables below show is decided by these choices (and the data version): each is built once for them
chosen = (tuple(chosen_provinces), tuple(span), tuple(chosen_areas))

st.subheader(label("targets", lang))
if shown.empty:
    st.info(label("no_match", lang))
else:
    targets_table(shown, lang, "muc-tieu.csv", key="download_plan_targets",
                  kept_as=("plans", this_year(), tuple(chosen_families), tuple(chosen_status), *chosen))

st.subheader(label("task_progress", lang))
left, right = st.columns([1, 3])
as_of = day_picker(lang, plan_days(ds), where=left)
overdue_only = right.toggle(label("overdue_only", lang), key="overdue_only")
in_scope = in_areas(filter_occurrences(cache.task_occurrences(None, as_of), chosen_provinces, span), chosen_areas)
progress_cards(cache.kept(("plans_summary", as_of, *chosen), lambda: summary(in_scope)), lang, as_of)
shown = in_scope[in_scope.overdue | in_scope.not_reported] if overdue_only else in_scope
task_table(shown, lang, "nhiem-vu.csv", key="tasks", kept_as=("plans", as_of, overdue_only, *chosen))
st.subheader(label("by_unit", lang))
unit_progress_table(lambda: by_unit(in_scope, ds.lead_names), lang, key="by_unit", kept_as=("plans", as_of, *chosen))
show_saved("plan_progress")
progress_form(ds, in_scope, user_box(lang), lang, key="plan_progress")
