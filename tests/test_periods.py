from datetime import date

import pytest

from indicators.domain.periods import PeriodError, parse_period


@pytest.mark.parametrize("text, kind, start, end", [
    ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-H1", "half", date(2024, 1, 1), date(2024, 6, 30)),
    ("2024-H2", "half", date(2024, 7, 1), date(2024, 12, 31)),
    ("2024-Q3", "quarter", date(2024, 7, 1), date(2024, 9, 30)),
    ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
    ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
])
def test_each_period_kind_has_its_first_and_last_day(text, kind, start, end):
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.text) == (kind, start, end, text)


@pytest.mark.parametrize("text", ["24", "2024-H3", "2024-Q5", "2024-13", "2024-00", "2024/05", "", "abc", "2024.5"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_a_span_is_allowed_only_for_baselines():
    with pytest.raises(PeriodError):
        parse_period("2016..2020")
    span = parse_period("2016..2020", allow_span=True)
    assert (span.start, span.end) == (date(2016, 1, 1), date(2020, 12, 31))
    with pytest.raises(PeriodError):
        parse_period("2020..2016", allow_span=True)


def test_only_periods_ending_on_31_december_close_a_year():
    assert parse_period("2024").closes_year
    assert parse_period("2024-H2").closes_year
    assert parse_period("2024-12").closes_year
    assert not parse_period("2024-Q3").closes_year


def test_a_period_sits_at_its_middle_on_the_axis_of_years():
    from indicators.domain.periods import position

    assert position("2020") == 2020.0 and position("2016..2020") == 2020.0
    assert position("2020-H1") == 2019.75 and position("2020-H2") == 2020.25
    assert position("2020-Q1") == 2019.625 and position("2020-Q4") == 2020.375
    assert position("2020-01") == 2019.5 + 0.5 / 12 and position("2020-12") == 2020.5 - 0.5 / 12
