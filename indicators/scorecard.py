"""Targets judged against actuals: the bridge between the store and the status rules."""

from __future__ import annotations

import pandas as pd

from .periods import parse_period
from .registry import ProvinceKey, Registry
from .status import Judgement, Observation, TargetRule, judge, judge_years

STATUS_COLUMNS = ["target_id", "plan_number", "province_code", "province_name", "indicator_code",
                  "requirement", "deadline_period", "recurring", "judged_year", "period", "actual",
                  "expected", "status", "judged_on_code", "judged_on_name"]


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


def with_successors(targets: pd.DataFrame, provinces: pd.DataFrame) -> pd.DataFrame:
    """``targets`` with the province that reports for each target's own province after it was merged
    (``successor_code``, ``successor_valid_from``), where that happened before the target's deadline: a plan's
    remaining periods are judged on the successor's figures (Tây Ninh 2021–2025 after 2025-07-01)."""
    eras = provinces.set_index(["code", "valid_from"])[["valid_to", "successor_code", "successor_valid_from"]]
    codes, since = [], []
    for t in targets.itertuples():
        era = eras.loc[(t.province_code, pd.Timestamp(t.province_valid_from))]
        ends = era.valid_to
        merged = isinstance(era.successor_code, str) and pd.notna(ends) \
            and ends.date() < parse_period(t.deadline_period).end
        codes.append(era.successor_code if merged else None)
        since.append(pd.Timestamp(era.successor_valid_from) if merged else pd.NaT)
    return targets.assign(successor_code=pd.Series(codes, index=targets.index, dtype=object),
                          successor_valid_from=pd.Series(since, index=targets.index, dtype="datetime64[ns]"))


def series_wanted(targets: pd.DataFrame) -> pd.DataFrame:
    """The (province_code, province_valid_from, indicator_code) series the targets are judged on: their own
    province's and, where it was merged before the deadline, its successor's."""
    own = targets[["province_code", "province_valid_from", "indicator_code"]]
    if "successor_code" not in targets:
        return own
    later = targets[targets.successor_code.notna()]
    later = pd.DataFrame({"province_code": later.successor_code, "province_valid_from": later.successor_valid_from,
                          "indicator_code": later.indicator_code})
    return pd.concat([own, later], ignore_index=True).drop_duplicates()


def judge_targets(targets: pd.DataFrame, actuals: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """Every target of ``targets`` judged on ``actuals`` (the frames of Store.targets / Store.actuals): on its own
    province's figures and, with :func:`with_successors`, on the successor's for the periods that end after the
    merger (``judged_on_*`` name the successor when its figure is the one judged)."""
    if not actuals.empty and not targets.empty:  # only the series the targets are judged on
        provinces = set(targets.province_code)
        if "successor_code" in targets:
            provinces |= set(targets.successor_code.dropna())
        actuals = actuals[actuals.indicator_code.isin(set(targets.indicator_code))
                          & actuals.province_code.isin(provinces)]
    grouped = {k: g for k, g in actuals.groupby(["province_code", "province_valid_from", "indicator_code"])} \
        if not actuals.empty else {}
    rows = []
    for _, target in targets.iterrows():
        series = grouped.get((target.province_code, pd.Timestamp(target.province_valid_from), target.indicator_code))
        observations = [] if series is None else [
            Observation(parse_period(p), float(v)) for p, v in zip(series.period, series.value)]
        successor = _successor_observations(target, grouped)
        observations += [o for o, _ in successor]
        by_successor = {o.period.text: name for o, name in successor}
        rule = rule_from_target(target)
        if rule.recurring:
            judged = judge_years(rule, observations, as_of_year) or [(as_of_year, judge(rule, observations,
                                                                                        as_of_year))]
        else:
            judged = [(min(as_of_year, rule.deadline.last_year), judge(rule, observations, as_of_year))]
        for year, judgement in judged:
            rows.append(_status_row(target, year, judgement, by_successor))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _successor_observations(target: pd.Series, grouped: dict) -> list[tuple[Observation, str]]:
    """The successor province's figures for the periods that end on or after the day it took over."""
    code = target.get("successor_code")
    if not isinstance(code, str):
        return []
    since = pd.Timestamp(target.successor_valid_from)
    series = grouped.get((code, since, target.indicator_code))
    if series is None:
        return []
    later = series[series.period_end >= since]
    return [(Observation(parse_period(p), float(v)), name)
            for p, v, name in zip(later.period, later.value, later.province_name)]


def _status_row(target: pd.Series, year: int, judgement: Judgement, by_successor: dict[str, str]) -> dict:
    period = judgement.period.text if judgement.period else None
    successor = by_successor.get(period) if period else None
    return {
        "target_id": target.target_id, "plan_number": target.plan_number,
        "province_code": target.province_code, "province_name": target.province_name,
        "indicator_code": target.indicator_code, "requirement": requirement_text(target),
        "deadline_period": target.deadline_period, "recurring": bool(target.recurring),
        "judged_year": year, "period": judgement.period.text if judgement.period else None,
        "actual": judgement.value, "expected": judgement.expected, "status": judgement.status.value,
        "judged_on_code": target.successor_code if successor else None, "judged_on_name": successor,
    }


def _number(value: float) -> str:
    return f"{value:g}"
