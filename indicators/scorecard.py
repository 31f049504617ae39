"""Targets judged against actuals: the bridge between the store and the status rules."""

from __future__ import annotations

import pandas as pd

from .periods import parse_period
from .registry import ProvinceKey, Registry
from .status import Judgement, Observation, TargetRule, judge, judge_years

STATUS_COLUMNS = ["target_id", "plan_number", "province_code", "province_name", "indicator_code",
                  "requirement", "deadline_period", "recurring", "judged_year", "period", "actual",
                  "expected", "status"]


def rule_from_target(row: pd.Series | dict) -> TargetRule:
    baseline = row.get("baseline_period")
    high = row.get("target_high")
    return TargetRule(
        comparator=row["comparator"], value=float(row["target_value"]),
        value_high=None if high is None or pd.isna(high) else float(high),
        start=parse_period(row["start_period"]), deadline=parse_period(row["deadline_period"]),
        higher_is_better=row["direction"] == "higher", recurring=bool(row["recurring"]),
        baseline_period=parse_period(baseline, allow_span=True) if isinstance(baseline, str) else None,
        baseline_value=None if pd.isna(row.get("baseline_value")) else float(row["baseline_value"]))


def requirement_text(row: pd.Series | dict) -> str:
    """``>= 100``, ``rank <= 10``, ``20–30``: the target as a short formula."""
    value = _number(row["target_value"])
    if row["comparator"] == "between":
        return f"{value}–{_number(row['target_high'])}"
    if row["comparator"] == "rank<=":
        return f"rank <= {value}"
    return f"{row['comparator']} {value}"


def province_scope(registry: Registry, key: ProvinceKey) -> list[ProvinceKey]:
    """The province and, for a province formed in 2025, the old provinces it absorbed."""
    return [key, *registry.predecessors(key)]


def judge_targets(targets: pd.DataFrame, actuals: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """Every target of ``targets`` judged on ``actuals`` (the frames of Store.targets / Store.actuals)."""
    if not actuals.empty and not targets.empty:  # only the series the targets are judged on
        actuals = actuals[actuals.indicator_code.isin(set(targets.indicator_code))
                          & actuals.province_code.isin(set(targets.province_code))]
    grouped = {k: g for k, g in actuals.groupby(["province_code", "indicator_code"])} if not actuals.empty else {}
    rows = []
    for _, target in targets.iterrows():
        series = grouped.get((target.province_code, target.indicator_code))
        if series is not None:
            series = series[series.province_valid_from.dt.date == target.province_valid_from.date()]
        observations = [] if series is None else [
            Observation(parse_period(p), float(v)) for p, v in zip(series.period, series.value)]
        rule = rule_from_target(target)
        if rule.recurring:
            judged = judge_years(rule, observations, as_of_year) or [(as_of_year, judge(rule, observations,
                                                                                        as_of_year))]
        else:
            judged = [(min(as_of_year, rule.deadline.last_year), judge(rule, observations, as_of_year))]
        for year, judgement in judged:
            rows.append(_status_row(target, year, judgement))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _status_row(target: pd.Series, year: int, judgement: Judgement) -> dict:
    return {
        "target_id": target.target_id, "plan_number": target.plan_number,
        "province_code": target.province_code, "province_name": target.province_name,
        "indicator_code": target.indicator_code, "requirement": requirement_text(target),
        "deadline_period": target.deadline_period, "recurring": bool(target.recurring),
        "judged_year": year, "period": judgement.period.text if judgement.period else None,
        "actual": judgement.value, "expected": judgement.expected, "status": judgement.status.value,
    }


def _number(value: float) -> str:
    return f"{value:g}"
