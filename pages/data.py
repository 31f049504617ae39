"""Start page: what the database holds — provinces, indicators, plans, targets, tasks, actuals."""

import pandas as pd
import streamlit as st

from indicators.domain.plain import md
from indicators.domain.scorecard import deadline_words, requirement_words
from indicators.i18n import column, format_number, in_language, label
from indicators.web import cache
from indicators.web.cache import get_dataset
from indicators.web.ui import data_table, language, plans_table

lang = language()
st.title(label("app_title", lang))
st.caption(label("intro", lang))

ds = get_dataset()
counts = cache.table_counts()
provinces = ds.provinces
old_count = int((provinces.valid_to == pd.Timestamp("2025-06-30")).sum())
new_count = int(provinces.valid_to.isna().sum())

cards = st.columns(6)
cards[0].metric(label("provinces", lang), format_number(counts["province"], lang=lang),
                help=label("provinces_help", lang, old=old_count, new=new_count))
cards[1].metric(label("indicators", lang), format_number(counts["indicator"], lang=lang))
cards[2].metric(label("plans", lang), format_number(counts["plan"], lang=lang))
cards[3].metric(label("targets", lang), format_number(counts["target"], lang=lang))
cards[4].metric(label("tasks", lang), format_number(counts["task"], lang=lang))
cards[5].metric(label("actuals", lang), format_number(counts["actual"], lang=lang))
if counts["actual"] == 0:
    st.info(label("no_actuals", lang))

st.subheader(label("plans_table", lang))
plans = ds.plans
plans_table(plans, lang)

st.subheader(label("targets_table", lang))
choices = dict(zip(plans.id, plans.number + " · " + plans.province_name))
plan_id = st.selectbox(label("choose_plan", lang), list(choices), index=len(choices) - 2,
                       format_func=choices.get, key="plan", placeholder=label("choose", lang))
targets = ds.targets[ds.targets.plan_id == plan_id]
data_table(cache.kept(("data_targets", plan_id, lang), lambda: pd.DataFrame({
    "ID": targets.target_id,
    label("col_indicator", lang): in_language(targets, "indicator_name", lang),
    label("col_requirement", lang): [requirement_words(r, lang) for _, r in targets.iterrows()],
    label("col_deadline", lang): [deadline_words(r, lang) for r in targets.to_dict("records")],
    label("col_recurring", lang): targets.recurring,
    label("col_quote", lang): targets.source_quote,
})), file_name=f"muc-tieu-{plan_id}.csv", lang=lang, key="download_data_targets")
source_file = plans.loc[plans.id == plan_id, "source_file"].iloc[0]
st.caption(label("source_caption", lang, file=md(source_file)))

st.subheader(label("indicator_families", lang))
indicators = ds.indicators
family_column = column("family", lang)
by_family = indicators.groupby(family_column, sort=False).size().reset_index(name=label("col_count", lang))
data_table(by_family.rename(columns={family_column: label("col_family", lang)}),
             hide_index=True, width="stretch")
