"""The Ministry's tables (issue 29.4): PAR INDEX, SIPAS, PCI and DTI as published, one row per province, read by
the import engine; the template written with their Vietnamese headers; the refusals of impossible tables, each
naming its row and column. The figures in these files are made up."""

import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators import imports
from indicators.cli.main import main
from indicators.imports import ImportRefused
from indicators.imports.ministry_checks import ParsedRow, TableChecks, most_provinces
from indicators.imports.ministry_tables import BY_NAME, PAR_INDEX, PCI, SIPAS, template_bytes

FILES = Path(__file__).parent / "import_files"
SOURCE = "Báo cáo Chỉ số (tệp thử)"
TODAY = date(2026, 11, 23)
PROVINCES = ["Quảng Ninh", "Hải Phòng", "Hà Tĩnh", "Đà Nẵng"]


def preview(engine, content: bytes, name: str = "table.csv", **choices):
    choices = {"year": 2019, "source": SOURCE, **choices}
    return imports.preview(engine, name, content,
                           imports.Context(engine.registry, engine.catalogue, today=TODAY, **choices))


def stored(engine, codes, period: str) -> pd.DataFrame:
    marks = ", ".join("?" for _ in codes)
    return engine.query(f"SELECT province_code, indicator_code, value, source FROM actual WHERE period = ? "
                        f"AND indicator_code IN ({marks}) AND unit_code = '' ORDER BY ALL", [period, *codes])


def filled(header: list[str], table, rows: list[list]) -> bytes:
    """The template's header with ``rows`` under it (province and figures; the STT column numbered)."""
    frame = pd.DataFrame([[i + 1, *row] for i, row in enumerate(rows)], columns=header)
    return frame.to_csv(index=False).encode("utf-8")


def figures(table, rank: int, total: float) -> list:
    """A row's figures for ``table``: each below its maximum, the total and rank given."""
    values = {"par_index": [9, 9, 13, 10, 15, 6, 14, 14], "sipas": [85, 86, 87, 88, 84], "dti": [],
              "pci": [7, 6, 6.5, 7.2, 6.1, 5.5, 6.6, 6.0, 6.3, 6.4]}[table.name]
    return [*values, total, rank]


def test_the_sample_par_index_table_imports_as_published(engine):
    """The sample appendix (a title row, decimal commas, a tie at rank 2 with equal totals, then rank 4)."""
    result = preview(engine, (FILES / "ministry_par_index_2019.csv").read_bytes())
    assert result.ok, [p.en for p in result.problems]
    assert (result.kind, result.layout, result.counts["rejected"]) == ("actuals", "par_index", 0)
    assert len(result.diff) == 4 * 10 and set(result.diff.period) == {"2019"}
    quang_ninh = result.diff[(result.diff.indicator_code == "par_index") & (result.diff.row == 4)]
    assert quang_ninh.value.tolist() == [92.09] and quang_ninh.source.tolist() == [SOURCE]


@pytest.mark.parametrize("name,year", [("par_index", 2019), ("sipas", 2019), ("pci", 2019), ("dti", 2022)])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_fill_import_round_trip(engine, name, year, kind):
    table = BY_NAME[name]
    blank = template_bytes(table, kind, engine.provinces())
    if kind == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(blank))[table.name]
        header = [c.value for c in sheet[1]]
    else:
        header = pd.read_csv(io.BytesIO(blank), encoding="utf-8-sig").columns.tolist()
    assert header == ["STT", "Tỉnh, thành phố"] + [c.header for c in table.columns]
    totals = {"par_index": [95, 90, 85, 80], "sipas": [90, 88, 86, 84], "pci": [70, 68, 66, 64],
              "dti": [0.7, 0.6, 0.5, 0.4]}[name]
    rows = [[p, *figures(table, i + 1, totals[i])] for i, p in enumerate(PROVINCES)]
    result = preview(engine, filled(header, table, rows), year=year)
    assert result.ok, [p.en for p in result.problems]
    done = imports.commit(engine, result, engine.users["lan"], replace=True)
    assert done.inserted + done.replaced + done.unchanged == len(PROVINCES) * len(table.columns)
    back = stored(engine, [table.total, table.rank], str(year))
    codes = {engine.registry.resolve(p, date(year, 12, 31))[0]: p for p in PROVINCES}
    mine = back[back.province_code.isin(codes)]
    by_province = {(codes[r.province_code], r.indicator_code): r.value for r in mine.itertuples()}
    assert by_province[("Quảng Ninh", table.total)] == pytest.approx(totals[0])
    assert by_province[("Đà Nẵng", table.rank)] == 4
    assert set(mine.source) == {SOURCE}


def test_preview_shows_inserts_and_writes_nothing(engine):
    before = engine.query("SELECT count(*) AS n FROM actual").n[0]
    result = preview(engine, (FILES / "ministry_par_index_2019.csv").read_bytes(), year=2018)
    assert result.ok and result.counts["insert"] + result.counts["change"] == 40
    assert set(result.diff.status) <= {"insert", "change", "unchanged"}
    assert engine.query("SELECT count(*) AS n FROM actual").n[0] == before


def test_a_missing_source_is_refused(engine):
    result = preview(engine, (FILES / "ministry_par_index_2019.csv").read_bytes(), source=None)
    assert not result.ok
    assert [(p.row, p.en) for p in result.problems] == [(3, "every figure needs its source: fill the source column "
                                                             "or give one for the file")]
    with pytest.raises(ImportRefused):
        imports.commit(engine, result, engine.users["lan"])


def test_a_missing_year_is_refused(engine):
    result = preview(engine, (FILES / "ministry_par_index_2019.csv").read_bytes(), year=None)
    assert [p.row for p in result.problems] == [3] and "year" in result.problems[0].en


def _par(rows: list[list]) -> bytes:
    return filled(["STT", "Tỉnh, thành phố"] + [c.header for c in PAR_INDEX.columns], PAR_INDEX, rows)


def _problems(result) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in result.problems]


def test_a_score_out_of_range_names_its_row_and_column(engine):
    rows = [[p, *figures(PAR_INDEX, i + 1, 90 - i)] for i, p in enumerate(PROVINCES)]
    rows[2][1] = 10.5          # direction: at most 10 points
    result = preview(engine, _par(rows))
    assert _problems(result) == [(4, "C (Công tác chỉ đạo, điều hành CCHC)")]
    assert "0–10" in result.problems[0].en and result.problems[0].value == "10.5"


@pytest.mark.parametrize("ranks,totals,bad_rows", [
    ([1, 2, 2, 4], [90, 89, 89, 80], []),              # a tie shares a rank, the next rank skips
    ([1, 2, 2, 3], [90, 89, 89, 80], [5]),             # after two at rank 2 comes rank 4, never 3
    ([1, 2, 3, 5], [90, 89, 88, 80], [5]),             # a gap without a tie
    ([1, 2, 2, 4], [90, 89, 88, 80], [4]),             # a shared rank with different totals
    ([1, 2, 3, 4], [90, 92, 88, 80], [3]),             # a worse rank with a higher total
    ([2, 3, 4, 5], [90, 89, 88, 80], [2, 3, 4, 5]),    # no first rank
])
def test_impossible_rank_sequences_are_refused_naming_rows(engine, ranks, totals, bad_rows):
    rows = [[p, *figures(PAR_INDEX, r, t)] for p, r, t in zip(PROVINCES, ranks, totals)]
    result = preview(engine, _par(rows))
    assert sorted({p.row for p in result.problems}) == bad_rows
    assert {p.column for p in result.problems} <= {"L (Xếp hạng)"}


def test_a_rank_past_the_provinces_of_the_year_is_refused(engine):
    rows = [[p, *figures(PAR_INDEX, 1, 90)] for p in PROVINCES[:1]]
    rows[0][-1] = 64
    result = preview(engine, _par(rows))
    assert _problems(result) == [(2, "L (Xếp hạng)")]


def test_a_province_twice_is_refused_naming_the_first_row(engine):
    rows = [[p, *figures(PAR_INDEX, i + 1, 90 - i)] for i, p in enumerate(PROVINCES + ["Ha Tinh"])]
    result = preview(engine, _par(rows))
    assert _problems(result) == [(6, "B (Tỉnh, thành phố)")] and "row 4" in result.problems[0].en


def test_more_provinces_than_the_year_had_are_refused(engine):
    """Rows past the most provinces that existed in the year are refused, each named: 2025 had 63 until 1 July
    and 34 after (a name resolves to one province, so only the table's own check can meet this: it is run on
    64 distinct provinces directly)."""
    assert most_provinces(engine.registry.provinces, 2025) == 63
    assert most_provinces(engine.registry.provinces, 2019) == 63
    rows = [ParsedRow(i + 2, (f"{i:02d}", date(2004, 1, 1))) for i in range(64)]
    problems = TableChecks(rows, lambda role: role, 63, 2025, "dti", "dti_rank", 4).run()
    assert [(p.row, p.column) for p in problems] == [(65, "province")] and "63" in problems[0].en


def test_an_unknown_province_is_refused_with_the_nearest_names(engine):
    rows = [[p, *figures(SIPAS, i + 1, 90 - i)] for i, p in enumerate(["Ha Tinhh"])]
    header = ["STT", "Tỉnh, thành phố"] + [c.header for c in SIPAS.columns]
    result = preview(engine, filled(header, SIPAS, rows))
    assert _problems(result) == [(2, "B (Tỉnh, thành phố)")]
    assert "Hà Tĩnh" in result.problems[0].en and "Hà Tĩnh" in result.problems[0].vi


def test_one_bad_row_writes_nothing(engine):
    rows = [[p, *figures(PCI, i + 1, 70 - i)] for i, p in enumerate(PROVINCES)]
    rows[3][3] = "abc"
    header = ["STT", "Tỉnh, thành phố"] + [c.header for c in PCI.columns]
    before = engine.query("SELECT count(*) AS n FROM actual").n[0]
    result = preview(engine, filled(header, PCI, rows))
    assert _problems(result) == [(5, "E (Tính minh bạch)")]
    with pytest.raises(ImportRefused):
        imports.commit(engine, result, engine.users["lan"])
    assert engine.query("SELECT count(*) AS n FROM actual").n[0] == before


def test_english_headers_and_a_year_column_are_read(engine):
    frame = pd.DataFrame([["Hà Tĩnh", 2023, 0.61, 2], ["Đà Nẵng", 2023, 0.7, 1]],
                         columns=["Province", "Year", "DTI score", "Rank"])
    result = preview(engine, frame.to_csv(index=False).encode(), year=None)
    assert result.ok and result.layout == "dti" and set(result.diff.period) == {"2023"}


def test_the_template_command_writes_each_table(tmp_path, built_db, capsys):
    for name in ("par_index", "sipas", "pci", "dti"):
        for suffix in (".csv", ".xlsx"):
            out = tmp_path / f"{name}{suffix}"
            assert main(["template", str(out), "--layout", name, "--db", str(built_db)]) == 0
            assert out.read_bytes() == template_bytes(BY_NAME[name], suffix[1:], None) or suffix == ".xlsx"
    sheet = openpyxl.load_workbook(tmp_path / "sipas.xlsx")["sipas"]
    assert [c.value for c in sheet[1]][2:] == [c.header for c in SIPAS.columns]
    capsys.readouterr()
