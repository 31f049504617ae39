"""Targets judged against actuals: the bridge between the store and the status rules."""

from __future__ import annotations

import pandas as pd

from indicators.domain.periods import parse_period
from indicators.domain.registry import ProvinceKey, Registry
from indicators.domain.status import Judgement, Observation, TargetRule, judge, judge_years
from indicators.i18n import format_number, label

# ``requirement`` is the formula (machine columns); ``requirement_vi`` / ``requirement_en`` are the words a reader sees
STATUS_COLUMNS = ["target_id", "plan_number", "province_code", "province_name", "indicator_code",
                  "requirement", "requirement_vi", "requirement_en", "deadline_period", "recurring", "judged_year",
                  "period", "actual", "expected", "status", "judged_on_code", "judged_on_name", "judged_indicator"]


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
    """``>= 100``, ``rank <= 10``, ``20–30``: the target as a short formula, for machine columns (a CSV meant to be
    read back, the command line); a reader sees :func:`requirement_words`."""
    value = _number(row["target_value"])
    if row["comparator"] == "between":
        return f"{value}–{_number(row['target_high'])}"
    if row["comparator"] == "rank<=":
        return f"rank <= {value}"
    return f"{row['comparator']} {value}"


# Units written after a figure in a requirement ("đạt 100 %", "từ 2 đến 3 tháng lương"): their words are the
# ``req_unit_`` labels. Counts have none (the indicator's name says what is counted); ranks, tiers and milestones
# are worded by phrases of their own.
UNIT_WORDS = ("percent", "point", "months")
COMPARATORS = (">=", ">", "<=", "<")  # worded by the ``req_`` label of the same name


def requirement_words(row: pd.Series | dict, lang: str = "vi") -> str:
    """The target's requirement as a reader says it, in ``lang`` (``vi`` or ``en``), with the indicator's unit
    (the row's ``unit``, as Store.targets gives it) and the language's number format: "nằm trong nhóm 5 tỉnh dẫn
    đầu" / "in the top 5", "đạt 100 %" / "reach 100 %", "không quá 50 %" / "at most 50 %", "từ 2 đến 3 tháng
    lương" / "between 2 and 3 months' salary", "giảm ít nhất 10 % so với 2015" / "a cut of at least 10 % against
    2015" (a change against a baseline). A comparator outside the schema's is given as its formula."""
    lang = "en" if lang == "en" else "vi"
    comparator, value = row["comparator"], float(row["target_value"])
    unit = row.get("unit") if isinstance(row.get("unit"), str) else None

    def say(phrase: str, figure: float = value, figure_unit: str | None = unit, **more: str) -> str:
        return label(f"req_{phrase}", lang, v=_figure(figure, figure_unit, lang), **more)

    ranked = {"rank<=": "top", "<=": "top", "<": "above_rank", ">=": "rank_or_lower"}
    if comparator == "rank<=" or (unit == "rank" and comparator in ranked):
        return label("req_first", lang) if ranked[comparator] == "top" and value == 1 else \
            say(ranked[comparator], figure_unit=None)
    if unit == "tier" and comparator == "<=":
        return say("tier_or_better", figure_unit=None)
    if unit == "milestone" and comparator == ">=" and value == 1:
        return label("req_done", lang)
    baseline = row.get("baseline_period")
    if comparator in ("<=", "<") and value < 0 and isinstance(baseline, str) and baseline:
        cut = say("cut" if comparator == "<=" else "cut_more", -value)
        return label("req_against", lang, words=cut, base=baseline.replace("..", "–"))
    if comparator == "between":
        return say("between", figure_unit=None, high=_figure(float(row["target_high"]), unit, lang))
    if comparator == ">=" and unit == "percent" and value == 100:
        return say("full")
    if comparator in COMPARATORS:
        return say(comparator)
    return requirement_text(row)


def _figure(value: float, unit: str | None, lang: str) -> str:
    """``value`` with as many decimals as it has (up to 4), in ``lang``'s format (Vietnamese: ``14,5``,
    ``1.000``), followed by its unit's word."""
    decimals = min(4, len(f"{value:.4f}".rstrip("0").split(".")[1]))
    text = format_number(value, decimals, lang)
    return f"{text} {label(f'req_unit_{unit}', lang)}" if unit in UNIT_WORDS else text


def not_stated(row: pd.Series | dict) -> set[str]:
    """What the plan does not state of a target or task (``deadline``, ``owner``, ``lead_body``, ``interval``,
    ``due_day``): its ``not_stated`` field, ";"-joined as stored."""
    value = row.get("not_stated") if hasattr(row, "get") else None
    return set(value.split(";")) if isinstance(value, str) and value else set()


def deadline_words(row: pd.Series | dict, lang: str = "vi") -> str:
    """The deadline as the plan gives it; where the plan states none, "không nêu" and the plan's horizon the
    dashboard judges by instead (a computed value says how it is computed)."""
    deadline = str(row["deadline_period"])
    if "deadline" not in not_stated(row):
        return deadline
    return label("dom_deadline_not_stated", lang, deadline=deadline)


def province_scope(registry: Registry, key: ProvinceKey) -> list[ProvinceKey]:
    """The province and, for a province formed in 2025, the old provinces it absorbed."""
    return [key, *registry.predecessors(key)]


def with_successors(targets: pd.DataFrame, provinces: pd.DataFrame, indicators: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """``targets`` with what reports for them after a change, where it happened before the target's deadline:
    the province that took over the target's province (``successor_code``, ``successor_valid_from``: Tây Ninh
    2021–2025 after 2025-07-01) and the indicator that replaced the target's one (``replacement_code``,
    ``replacement_from``: online services "mức độ 4" → "toàn trình" from 2022-H2)."""
    eras = provinces.set_index(["code", "valid_from"])[["valid_to", "successor_code", "successor_valid_from"]]
    replaced = {} if indicators is None or "replaced_by" not in indicators else {
        c: (r, f) for c, r, f in zip(indicators.code, indicators.replaced_by, indicators.replaced_from)
        if isinstance(r, str)}
    codes, since, new_codes, new_from = [], [], [], []
    for t in targets.itertuples():
        deadline = parse_period(t.deadline_period).end
        era = eras.loc[(t.province_code, pd.Timestamp(t.province_valid_from))]
        merged = isinstance(era.successor_code, str) and pd.notna(era.valid_to) and era.valid_to.date() < deadline
        codes.append(era.successor_code if merged else None)
        since.append(pd.Timestamp(era.successor_valid_from) if merged else pd.NaT)
        code, start = replaced.get(t.indicator_code, (None, None))
        starts = parse_period(start).start if code else None
        new_codes.append(code if code and starts <= deadline else None)
        new_from.append(pd.Timestamp(starts) if code and starts <= deadline else pd.NaT)
    return targets.assign(successor_code=pd.Series(codes, index=targets.index, dtype=object),
                          successor_valid_from=pd.Series(since, index=targets.index, dtype="datetime64[ns]"),
                          replacement_code=pd.Series(new_codes, index=targets.index, dtype=object),
                          replacement_from=pd.Series(new_from, index=targets.index, dtype="datetime64[ns]"))


def _sources(target: pd.Series) -> list[tuple[str, pd.Timestamp, str, pd.Timestamp, pd.Timestamp, bool, bool]]:
    """(province code, its valid_from, indicator, first and last-but-one period end, by successor province, by
    replacement indicator) of every series a target is judged on, each for the periods it reports."""
    low, high = pd.Timestamp.min, pd.Timestamp.max
    provinces = [(target.province_code, pd.Timestamp(target.province_valid_from), low, high, False)]
    if isinstance(target.get("successor_code"), str):
        merger = pd.Timestamp(target.successor_valid_from)
        provinces = [(target.province_code, pd.Timestamp(target.province_valid_from), low, merger, False),
                     (target.successor_code, merger, merger, high, True)]
    indicators = [(target.indicator_code, low, high, False)]
    if isinstance(target.get("replacement_code"), str):
        switch = pd.Timestamp(target.replacement_from)
        indicators = [(target.indicator_code, low, switch, False), (target.replacement_code, switch, high, True)]
    return [(code, since, indicator, max(p_low, i_low), min(p_high, i_high), by_province, by_indicator)
            for code, since, p_low, p_high, by_province in provinces
            for indicator, i_low, i_high, by_indicator in indicators if max(p_low, i_low) < min(p_high, i_high)]


def series_wanted(targets: pd.DataFrame) -> pd.DataFrame:
    """The (province_code, province_valid_from, indicator_code) series the targets are judged on: their own and,
    after a merger or a replacement before the deadline, the successor's (see :func:`with_successors`)."""
    rows = [(code, since, indicator) for _, t in targets.iterrows() for code, since, indicator, *_ in _sources(t)]
    return pd.DataFrame(rows, columns=["province_code", "province_valid_from", "indicator_code"]).drop_duplicates()


def judge_targets(targets: pd.DataFrame, actuals: pd.DataFrame, as_of_year: int) -> pd.DataFrame:
    """Every target of ``targets`` judged on ``actuals`` (the frames of Store.targets / Store.actuals): on its own
    province's figures of its own indicator and, with :func:`with_successors`, on the successor province's or the
    replacing indicator's for the periods they report (``judged_on_code`` / ``judged_on_name`` name the
    successor province, ``judged_indicator`` the replacing indicator, when the judged figure is theirs)."""
    grouped = {k: g for k, g in actuals.groupby(["province_code", "province_valid_from", "indicator_code"])} \
        if not actuals.empty else {}
    rows = []
    for _, target in targets.iterrows():
        observations, whose = [], {}
        for code, since, indicator, first, last, by_province, by_indicator in _sources(target):
            series = grouped.get((code, since, indicator))
            if series is None:
                continue
            if first != pd.Timestamp.min or last != pd.Timestamp.max:
                series = series[(series.period_end >= first) & (series.period_end < last)]
            for p, v, name in zip(series.period, series.value, series.province_name):
                observations.append(Observation(parse_period(p), float(v)))
                whose[p] = (code if by_province else None, name if by_province else None,
                            indicator if by_indicator else None)
        rule = rule_from_target(target)
        if rule.recurring:
            judged = judge_years(rule, observations, as_of_year) or [(as_of_year, judge(rule, observations,
                                                                                        as_of_year))]
        else:
            judged = [(min(as_of_year, rule.deadline.last_year), judge(rule, observations, as_of_year))]
        for year, judgement in judged:
            rows.append(_status_row(target, year, judgement, whose))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _status_row(target: pd.Series, year: int, judgement: Judgement, whose: dict[str, tuple]) -> dict:
    period = judgement.period.text if judgement.period else None
    on_code, on_name, indicator = whose.get(period, (None, None, None)) if period else (None, None, None)
    return {
        "target_id": target.target_id, "plan_number": target.plan_number,
        "province_code": target.province_code, "province_name": target.province_name,
        "indicator_code": target.indicator_code, "requirement": requirement_text(target),
        "requirement_vi": requirement_words(target, "vi"), "requirement_en": requirement_words(target, "en"),
        "deadline_period": target.deadline_period, "recurring": bool(target.recurring),
        "judged_year": year, "period": judgement.period.text if judgement.period else None,
        "actual": judgement.value, "expected": judgement.expected, "status": judgement.status.value,
        "judged_on_code": on_code, "judged_on_name": on_name, "judged_indicator": indicator,
    }


def _number(value: float) -> str:
    return f"{value:g}"
