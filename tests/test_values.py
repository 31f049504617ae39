"""Figures as analysts type them, read per indicator unit (indicators/domain/values.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.domain.values import ValueProblem, is_missing, parse_number


@pytest.mark.parametrize("text, unit, expected", [
    ("85,5", "percent", 85.5), ("85.5", "percent", 85.5), ("85,5 %", "percent", 85.5), ("100%", "percent", 100),
    ("43,96", "point", 43.96), ("43.96", "point", 43.96), ("1.234,5", "point", 1234.5), ("1,234.5", "point", 1234.5),
    ("1.234", "count", 1234), ("1,234", "count", 1234), ("1 234", "count", 1234),
    ("1\u00a0234\u00a0567", "count", 1234567),
    ("1.234.567", "count", 1234567), ("1,234", "point", 1.234), ("12", "rank", 12), ("-3,5", "point", -3.5),
    (" 7 ", "months", 7),
])
def test_reads_decimal_comma_thousands_and_percent_per_unit(text, unit, expected):
    assert parse_number(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text, unit, reason", [
    ("", "point", "blank"), ("N/A", "point", "blank"), ("—", "percent", "blank"), ("không có", "count", "blank"),
    ("85 %", "point", "% sign"), ("abc", "point", "not a number"), ("1,2,3", "point", "more than one comma"),
    ("12,5", "rank", "whole number"), ("=A1+1", "point", "not a number"), ("1e5", "point", "not a number"),
])
def test_refuses_what_is_not_a_figure_with_a_reason_in_both_languages(text, unit, reason):
    with pytest.raises(ValueProblem) as caught:
        parse_number(text, unit)
    assert reason in caught.value.en and caught.value.vi


def test_missing_markers():
    assert is_missing(" N/A ") and is_missing("") and not is_missing("0")


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_vietnamese_and_english_writing_of_a_score_read_the_same(number):
    english = f"{number:,.2f}"
    vietnamese = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_number(english, "point") == parse_number(vietnamese, "point") == pytest.approx(float(number))
