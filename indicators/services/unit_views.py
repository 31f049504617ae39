"""What the pages show of tasks and units: the occurrences of the plans' tasks with their progress and who
leads them, counts per unit, and a unit's own page. Functions over the :class:`~indicators.views.Dataset`."""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.domain.league import totals
from indicators.domain.registry import ProvinceKey
from indicators.domain.tasks import STATES, by_unit, occurrence_table, summary
from indicators.domain.units import lineage
from indicators.services.views import Dataset, plan_ids


def task_occurrences(ds: Dataset, keys: list[ProvinceKey] | None, as_of: date) -> pd.DataFrame:
    """Every occurrence of the tasks of the province's plans, with progress, due day, what is known of it on
    ``as_of`` (``state``: late, not reported, …), the lead and partner units' names; the most urgent first (late,
    then not reported), then by due day."""
    wanted = set(plan_ids(ds.plans, keys))
    tasks = ds.tasks[ds.tasks.plan_id.isin(wanted)]
    frame = occurrence_table(tasks, ds.progress, as_of)
    if not len(frame):
        return frame.assign(lead_names=[], partner_names=[])
    frame["lead_names"] = [_names(ds, codes, p, d) for codes, p, d in
                           zip(frame.lead_unit_codes, frame.province_code, frame.province_valid_from)]
    frame["partner_names"] = [_names(ds, codes, p, d) for codes, p, d in
                              zip(frame.partner_unit_codes, frame.province_code, frame.province_valid_from)]
    frame["due_year"] = pd.to_datetime(frame.due).dt.year
    urgency = frame.state.map({s: i for i, s in enumerate(STATES)})
    return frame.assign(_urgency=urgency).sort_values(["_urgency", "due", "plan_id", "ref"]) \
        .drop(columns="_urgency").reset_index(drop=True)


def _names(ds: Dataset, codes, province_code: str, valid_from) -> str:
    if not isinstance(codes, str) or not codes:
        return ""
    day = pd.Timestamp(valid_from).date()
    groups = ds.unit_groups
    return "; ".join(ds.unit_names.get((province_code, day, c)) or groups.get(c) or c for c in codes.split(";"))


def task_summary(ds: Dataset, keys: list[ProvinceKey] | None, as_of: date):
    return summary(task_occurrences(ds, keys, as_of))


def progress_by_unit(ds: Dataset, keys: list[ProvinceKey] | None, as_of: date) -> pd.DataFrame:
    frame = task_occurrences(ds, keys, as_of)
    return by_unit(frame, ds.lead_names)


def unit_tasks(ds: Dataset, unit: tuple[str, date, str], as_of: date) -> pd.DataFrame:
    """The occurrences a unit leads (or a unit it succeeded led), overdue first."""
    lineage = unit_lineage(ds, unit)
    frame = task_occurrences(ds, None, as_of)
    if not len(frame):
        return frame
    mine = [any((p, pd.Timestamp(d).date(), c) in lineage for c in str(codes or "").split(";"))
            for codes, p, d in zip(frame.lead_unit_codes, frame.province_code, frame.province_valid_from)]
    return frame[pd.Series(mine, index=frame.index)].reset_index(drop=True)


def unit_targets(ds: Dataset, unit: tuple[str, date, str]) -> pd.DataFrame:
    """The targets a unit owns (or a unit it succeeded owned)."""
    lineage = unit_lineage(ds, unit)
    t = ds.targets
    mine = [(p, pd.Timestamp(d).date(), o) in lineage for o, p, d in
            zip(t.owner_unit_code.fillna(""), t.province_code, t.province_valid_from)]
    return t[pd.Series(mine, index=t.index)]


def unit_lineage(ds: Dataset, unit: tuple[str, date, str]) -> set[tuple[str, date, str]]:
    return lineage(ds.departments, unit)


def province_bodies(ds: Dataset, keys: list[ProvinceKey]) -> pd.DataFrame:
    """The departments and other bodies of a province and of the provinces it absorbed (their plans' bodies),
    the current ones first."""
    frame = ds.departments
    mine = [(c, d.date()) in set(keys) for c, d in zip(frame.province_code, frame.province_valid_from)]
    frame = frame[pd.Series(mine, index=frame.index)].copy()
    frame["current"] = frame.valid_to.isna()
    leads: dict[tuple, int] = {}
    for codes, p, d in zip(ds.tasks.lead_unit_codes, ds.tasks.province_code, ds.tasks.province_valid_from):
        for c in str(codes or "").split(";"):
            if c:
                key = (p, pd.Timestamp(d).date(), c)
                leads[key] = leads.get(key, 0) + 1
    counts = []
    for r in frame.itertuples():
        mine = lineage(ds.departments, (r.province_code, r.province_valid_from.date(), r.code))
        counts.append(sum(leads.get(member, 0) for member in mine))
    frame["task_count"] = counts
    return frame.sort_values(["current", "task_count", "code"], ascending=[False, False, True])


def communes(ds: Dataset, key: ProvinceKey | None) -> pd.DataFrame:
    """The communes, wards and special zones of a province record (all 3,321 from 2025-07-01 when None), with
    the old wards each was made of."""
    kinds = ("commune", "ward", "special_zone", "township")
    units = ds.store.units(key, kinds=kinds) if key is not None else ds.store.units(kinds=kinds)
    if key is None:
        units = units[units.province_valid_from.astype(str).str[:10] == "2025-07-01"]
    return units.reset_index(drop=True)


def unit_index_table(ds: Dataset, keys: list[ProvinceKey]) -> pd.DataFrame:
    """Totals of the province's own index for the units of a province (and of those it absorbed)."""
    frames = [totals(ds.store.unit_scores(k), ds.store.index_criteria(k)) for k in keys]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else totals(pd.DataFrame(), pd.DataFrame())
