"""Suggestions ("did you mean …?", issue 30 point 5): a misspelt province, indicator or unit is answered with the
closest names, in the import's refusals, on the command line and on the pages opened by a link."""

import re

import pandas as pd
import pytest

from indicators.cli.main import main
from indicators.domain.suggest import closest, fold, suggest_code, suggest_indicator, suggest_province
from indicators.imports import Context, preview
from tests.test_app import app, open_page  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def catalogue(built_db):
    from indicators.storage import open_store

    store = open_store(built_db)
    try:
        return store.provinces(), store.province_aliases(), store.indicators()
    finally:
        store.close()


@pytest.mark.parametrize(("typed", "meant"), [
    ("Tay Ninh", ["Tây Ninh"]), ("Ha Tinh", ["Hà Tĩnh"]), ("Tây Nnh", ["Tây Ninh"]), ("tay-nin", ["Tây Ninh"]),
    ("HO CHI MINH", ["TP. Hồ Chí Minh"]), ("Lao Ca", ["Lào Cai"]), ("Dak Lak", ["Đắk Lắk"]), ("Atlantis", [])])
def test_a_misspelt_province_gets_the_closest_names(catalogue, typed, meant):
    provinces, aliases, _ = catalogue
    assert suggest_province(typed, provinces, aliases) == meant


@pytest.mark.parametrize(("typed", "meant"), [
    ("papi totl", ["papi_total"]), ("PCI-total", ["pci_total"]), ("PAPI điểm tổng", ["papi_total"]),
    ("par index", ["par_index"]), ("xyz", [])])
def test_a_misspelt_indicator_gets_the_closest_codes(catalogue, typed, meant):
    assert suggest_indicator(typed, catalogue[2]) == meant


def test_names_are_compared_without_accents_case_or_punctuation_and_each_value_once():
    assert fold("TP. Hồ  Chí-Minh") == "tphochiminh"
    pairs = [("Hà Tĩnh", 42), ("Ha Tinh", 42), ("Hòa Bình", 17)]
    assert closest("ha tinh", pairs) == [42]          # an exact match leaves out the far ones (Hòa Bình)
    assert suggest_code("42-snvv", ["42-SNV", "42-STC", "80-SNV"]) == ["42-SNV"]
    assert suggest_code("So Noi vu Ha Tnh", ["42-SNV", "42-STC"], ["Sở Nội vụ Hà Tĩnh", "Sở Tài chính Hà Tĩnh"]) == \
        ["42-SNV"]


def test_an_import_refusal_names_row_and_column_and_suggests_the_name(store):
    content = ("province,unit,indicator,period,value,source\n"
               "Tây Nnh,,satisfaction_procedures_pct,2024,85,BC\n"
               "Hà Tĩnh,,papi totl,2024,45,BC\n"
               "Hà Tĩnh,42-SNVV,satisfaction_procedures_pct,2025-H2,85,BC\n").encode("utf-8")
    result = preview(store, "sai.csv", content, Context.of(store, today=pd.Timestamp("2026-06-30").date()))
    texts = {(p.row, p.column): (p.text("vi"), p.text("en")) for p in result.problems}
    assert set(texts) == {(2, "A (province)"), (3, "C (indicator)"), (4, "B (unit)")}
    vi, en = texts[2, "A (province)"]
    assert vi.startswith("dòng 2, cột A (province): 'Tây Nnh'") and vi.endswith("bạn có muốn nói ‘Tây Ninh’?")
    assert en.startswith("row 2, column A (province): 'Tây Nnh'") and en.endswith("did you mean ‘Tây Ninh’?")
    assert texts[3, "C (indicator)"][1].endswith("did you mean ‘papi_total’?")
    assert texts[4, "B (unit)"][0].endswith("bạn có muốn nói ‘42-SNV’?")


def test_a_target_file_with_a_misspelt_indicator_suggests_its_code(store):
    content = ("plan,province,indicator,comparator,value,deadline,source\n"
               "239/KH-UBND,Hà Tĩnh,papi totl,>=,40,2020,\"trích dẫn\"\n").encode("utf-8")
    result = preview(store, "muc-tieu.csv", content, Context.of(store))
    assert [p.text("en") for p in result.problems if p.column and p.column.startswith("C")] == [
        "row 2, column C (indicator): 'papi totl' is not a known indicator code — did you mean ‘papi_total’?"]


def test_the_command_line_suggests_a_province_and_a_unit(capsys, built_db, monkeypatch):
    monkeypatch.setenv("KPI_LANG", "vi")
    assert main(["status", "--province", "Tay Nnh", "--db", str(built_db)]) == 2
    assert capsys.readouterr().err == \
        "lỗi: 'Tay Nnh' không phải mã hoặc tên tỉnh đã biết — bạn có muốn nói ‘Tây Ninh’?\n"
    monkeypatch.delenv("KPI_LANG")
    assert main(["status", "--unit", "42-SNVV", "--db", str(built_db)]) == 2
    assert capsys.readouterr().err == "error: there is no unit 42-SNVV — did you mean ‘42-SNV’?\n"
    assert main(["status", "--province", "Atlantis", "--db", str(built_db)]) == 2
    assert "did you mean" not in capsys.readouterr().err      # nothing close: no suggestion


def shown(markdown: str) -> str:
    """A notice as the reader sees it: Markdown's escapes (``tay\\-ninh``) taken out."""
    return re.sub(r"\\(\S)", r"\1", markdown)


def test_a_link_with_a_misspelt_province_suggests_it(app):  # noqa: F811
    at = open_page(app, "pages/overview.py", province="tay-ninh")
    assert not at.exception
    notice = shown(at.warning[0].value)
    assert notice.startswith("Giá trị 'tay-ninh' của tham số 'province'"), notice
    assert notice.endswith("Bạn có muốn nói ‘Tây Ninh (đến 30/06/2025)’, ‘Tây Ninh (từ 01/07/2025)’?"), notice
    assert at.selectbox(key="province").value != "tay-ninh"


def test_a_link_with_a_misspelt_indicator_or_tab_suggests_it_in_english(app):  # noqa: F811
    at = open_page(app, "pages/rankings.py", indicator="papi_totl", view="mapp", lang="en")
    assert not at.exception
    notices = [shown(w.value) for w in at.warning]
    assert len(notices) == 2, notices
    assert any("papi_totl" in n and "Did you mean ‘PAPI – total score’?" in n for n in notices), notices
    assert any("mapp" in n and "Did you mean ‘Map’?" in n for n in notices), notices
