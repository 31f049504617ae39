"""Attack F15 of issue 25 (its text part), replayed: bidirectional controls (U+202E and the rest) and other control
characters never take effect. Imports refuse them in names, codes and sources, naming the row and the column
(free text such as a note may hold line breaks, never controls); every way out shows them as a visible mark."""

import pytest

from indicators.domain.plain import html, md
from indicators.domain.text import control_characters, visible_controls
from indicators.reports.word import clean
from indicators.services.exporting import on_screen, safe_frame, to_csv
from tests.test_unit_actuals import UNITS, _preview

RLO = "\u202e"
HEADER = "province,unit,indicator,period,value,source,note\n"


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c",
                                  "\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_every_control_is_found_and_shown_as_a_mark(char):
    name = f"U+{ord(char):04X}"
    assert control_characters(f"Sở{char}Nội vụ") == [name]
    assert visible_controls(f"a{char}b") == f"a⟨{name}⟩b"
    for way_out in (md, html, clean):
        assert char not in way_out(f"a{char}b") and f"{ord(char):04X}⟩b" in way_out(f"a{char}b")


def test_line_breaks_are_controls_in_names_but_not_in_free_text():
    assert control_characters("Sở\nNội vụ") == ["U+000A"]
    assert control_characters("dòng 1\ndòng 2\tx", free_text=True) == []
    assert visible_controls("dòng 1\ndòng 2") == "dòng 1\ndòng 2"


def test_tables_and_downloads_show_the_marks():
    import pandas as pd

    frame = pd.DataFrame({"name": [f"exe.{RLO}gpj", "=1+1"], "value": [1.0, 2.0]})
    assert on_screen(frame).name.tolist() == ["exe.⟨U+202E⟩gpj", "=1+1"]      # the page: marks, no apostrophe
    assert safe_frame(frame).name.tolist() == ["exe.⟨U+202E⟩gpj", "'=1+1"]    # a file: marks and the escape
    text = to_csv(frame)
    assert RLO not in text and "exe.⟨U+202E⟩gpj" in text


def _problems(result):
    return [(p.row, p.column.split(" ")[0], p.en) for p in result.problems]


def test_an_actuals_source_with_an_override_is_refused_naming_row_and_column(store):
    result = _preview(store, HEADER + "80,,dossiers_online_pct,2025-H2,58,Báo cáo 1/BC-UBND,\n"
                                      f"80,,dossiers_online_pct,2025-H1,57,Báo cáo {RLO}2/BC-UBND,\n")
    assert not result.ok
    assert _problems(result) == [(3, "F", "the cell holds control characters (U+202E): remove them in the original "
                                          "file")]


def test_a_note_may_hold_a_line_break_but_not_a_control(store):
    ok = _preview(store, HEADER + '80,,dossiers_online_pct,2025-H2,58,Báo cáo 1,"dòng 1\ndòng 2"\n')
    assert ok.ok, _problems(ok)
    bad = _preview(store, HEADER + f"80,,dossiers_online_pct,2025-H2,58,Báo cáo 1,x{RLO}y\n")
    assert _problems(bad) == [(2, "G", "the cell holds control characters (U+202E): remove them in the original "
                                       "file")]


def test_a_unit_name_with_a_control_or_a_line_break_is_refused(store):
    result = _preview(store, UNITS + f"80,80-BQLA,Ban {RLO}A,agency,2025-07-01,,,Quyết định 1\n"
                                     '80,80-BQLB,"Ban\nB",agency,2025-07-01,,,Quyết định 1\n')
    assert not result.ok
    found = _problems(result)
    assert (2, "B", "the cell holds control characters (U+202E): remove them in the original file") in found \
        or any(row == 2 and "U+202E" in text for row, _, text in found), found
    assert any(row == 3 and "U+000A" in text for row, _, text in found), found
