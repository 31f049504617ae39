"""The status rules, one behaviour per test."""

import pytest

from indicators.domain.periods import parse_period as P
from indicators.domain.status import Observation, Status, TargetRule, judge, judge_years, meets


def rule(comparator=">=", value=100.0, start="2016", deadline="2020", **kw) -> TargetRule:
    return TargetRule(comparator=comparator, value=value, start=P(start), deadline=P(deadline), **kw)


def obs(*pairs) -> list[Observation]:
    return [Observation(P(p), v) for p, v in pairs]


@pytest.mark.parametrize("comparator, value, actual, expected", [
    (">=", 80, 80, True), (">=", 80, 79.9, False),
    (">", 80, 80, False), (">", 80, 80.1, True),
    ("<=", -10, -10, True), ("<=", -10, -9, False),
    ("<", 50, 50, False), ("<", 50, 49, True),
    ("rank<=", 10, 10, True), ("rank<=", 10, 11, False), ("rank<=", 10, 1, True),
])
def test_meets_applies_each_comparator(comparator, value, actual, expected):
    assert meets(rule(comparator, value), actual) is expected


def test_a_range_is_met_inside_and_beyond_on_the_better_side_only():
    higher = rule("between", 20, value_high=30, higher_is_better=True)
    assert [meets(higher, v) for v in (19.9, 20, 25, 30, 45)] == [False, True, True, True, True]
    lower = rule("between", 2, value_high=3, higher_is_better=False)
    assert [meets(lower, v) for v in (1, 2, 3, 3.1)] == [True, True, True, False]


def test_a_range_needs_an_upper_bound():
    with pytest.raises(ValueError):
        rule("between", 20)
    with pytest.raises(ValueError):
        rule("between", 20, value_high=10)


def test_unknown_comparator_is_refused():
    with pytest.raises(ValueError):
        rule("==", 1)


def test_not_due_before_the_target_starts():
    assert judge(rule(start="2018"), obs(("2017", 100)), 2017).status is Status.NOT_DUE


def test_no_data_without_any_actual():
    assert judge(rule(), [], 2018).status is Status.NO_DATA


def test_achieved_when_the_latest_actual_meets_the_target():
    result = judge(rule(), obs(("2016", 50), ("2018", 100)), 2019)
    assert (result.status, result.period.text, result.value) == (Status.ACHIEVED, "2018", 100)


def test_missed_when_the_deadline_passed_unmet_a_final_status():
    assert judge(rule(), obs(("2020", 99)), 2021).status is Status.MISSED
    assert judge(rule(), obs(("2020", 99)), 2030).status is Status.MISSED  # and it stays so


def test_a_figure_after_the_deadline_does_not_count():
    result = judge(rule(deadline="2020"), obs(("2020", 90), ("2022", 100)), 2023)
    assert (result.status, result.period.text) == (Status.MISSED, "2020")


def test_on_track_when_at_or_ahead_of_the_straight_line_from_the_baseline():
    # baseline 0 at 2015, target -10 by 2021: by 2018 the line expects -5
    headcount = rule("<=", -10, start="2016", deadline="2021", baseline_period=P("2015"), baseline_value=0)
    result = judge(headcount, obs(("2018", -5.5)), 2018)
    assert result.status is Status.ON_TRACK
    assert result.expected == pytest.approx(-5.0, abs=0.01)


def test_at_risk_when_behind_the_line_but_past_half_of_it():
    headcount = rule("<=", -10, start="2016", deadline="2021", baseline_period=P("2015"), baseline_value=0)
    assert judge(headcount, obs(("2018", -3)), 2018).status is Status.AT_RISK


def test_off_track_when_less_than_half_of_the_expected_progress():
    headcount = rule("<=", -10, start="2016", deadline="2021", baseline_period=P("2015"), baseline_value=0)
    assert judge(headcount, obs(("2018", -1)), 2018).status is Status.OFF_TRACK
    assert judge(headcount, obs(("2018", 2)), 2018).status is Status.OFF_TRACK


def test_a_span_baseline_is_measured_from_its_last_year():
    budget = rule("<=", -10, start="2021", deadline="2025", baseline_period=P("2016..2020", allow_span=True),
                  baseline_value=0)
    assert judge(budget, obs(("2023", -6.5)), 2023).status is Status.ON_TRACK


def test_without_a_baseline_the_last_actual_before_the_start_is_the_baseline():
    satisfaction = rule(">", 80, start="2016", deadline="2020")
    # 2015: 60 → 2020: 80; by 2018 the line expects 72
    assert judge(satisfaction, obs(("2011", 10), ("2015", 60), ("2018", 73)), 2018).status is Status.ON_TRACK
    assert judge(satisfaction, obs(("2011", 10), ("2015", 60), ("2018", 67)), 2018).status is Status.AT_RISK
    assert judge(satisfaction, obs(("2011", 10), ("2015", 60), ("2018", 62)), 2018).status is Status.OFF_TRACK


def test_a_single_unmet_actual_before_the_deadline_is_at_risk():
    assert judge(rule(), obs(("2017", 70)), 2017).status is Status.AT_RISK


def test_a_target_met_earlier_that_slipped_is_at_risk():
    assert judge(rule(), obs(("2016", 100), ("2017", 95)), 2017).status is Status.AT_RISK


def test_rank_targets_are_lower_is_better_along_the_line():
    par = rule("rank<=", 10, start="2016", deadline="2020")
    # rank 30 in 2015 → 10 by 2020; by 2018 the line expects 18
    assert judge(par, obs(("2015", 30), ("2018", 15)), 2018).status is Status.ON_TRACK
    assert judge(par, obs(("2015", 30), ("2018", 28)), 2018).status is Status.OFF_TRACK
    assert judge(par, obs(("2015", 30), ("2018", 9)), 2018).status is Status.ACHIEVED


def test_a_range_below_its_bound_moves_towards_the_lower_bound():
    level4 = rule("between", 20, value_high=30, start="2016", deadline="2020", higher_is_better=True)
    assert judge(level4, obs(("2015", 0), ("2018", 13)), 2018).status is Status.ON_TRACK
    assert judge(level4, obs(("2015", 0), ("2018", 25)), 2018).status is Status.ACHIEVED


def test_recurring_targets_are_judged_year_by_year():
    papi = rule("rank<=", 5, start="2016", deadline="2020", recurring=True)
    years = judge_years(papi, obs(("2016", 3), ("2017", 8), ("2019", 5)), 2026)
    assert [(y, j.status) for y, j in years] == [
        (2016, Status.ACHIEVED), (2017, Status.MISSED), (2018, Status.NO_DATA),
        (2019, Status.ACHIEVED), (2020, Status.NO_DATA)]


def test_a_recurring_target_stands_as_its_latest_judged_year():
    papi = rule("rank<=", 5, start="2016", deadline="2020", recurring=True)
    history = obs(("2016", 3), ("2017", 8))
    assert judge(papi, history, 2016).status is Status.ACHIEVED
    assert judge(papi, history, 2017).status is Status.MISSED  # the year is over: its figure is final
    assert judge(papi, history, 2024).status is Status.NO_DATA  # the deadline year 2020 has no figure


def test_a_recurring_year_on_a_part_year_figure_that_misses_is_at_risk():
    reviewed = rule(">=", 100, recurring=True)
    assert judge(reviewed, obs(("2018-H1", 60)), 2018).status is Status.AT_RISK
    assert judge(reviewed, obs(("2018-H1", 60), ("2018-H2", 90)), 2018).status is Status.MISSED


def test_recurring_year_by_year_stops_at_the_as_of_year():
    reviewed = rule(">=", 100, recurring=True)
    assert [y for y, _ in judge_years(reviewed, [], 2018)] == [2016, 2017, 2018]
