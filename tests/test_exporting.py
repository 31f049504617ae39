import pandas as pd

from indicators.exporting import escape_cell, to_csv


def test_formula_starts_are_escaped_and_other_text_is_not():
    assert [escape_cell(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "Hà Nội", ""]] == \
        ["'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "Hà Nội", ""]


def test_numbers_stay_numbers_even_when_negative():
    text = to_csv(pd.DataFrame({"value": [-10.0, 5.5], "label": ["-10 lớp", "ok"]}))
    assert text.splitlines() == ["value,label", "-10.0,'-10 lớp", "5.5,ok"]


def test_a_byte_order_mark_is_added_on_request():
    assert to_csv(pd.DataFrame({"a": [1]}), bom=True).startswith("\ufeffa")
