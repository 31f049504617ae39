"""The source adapters and the actuals they produced (data/actuals)."""

import csv
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from indicators.reference.actual_files import load_actual_files
from indicators.reference.loader import DATA_DIR, ReferenceDataError, load_reference, registry_from_reference
from indicators.reference.sources import SourceFormatError, read_actuals
from indicators.reference.sources.papi import read_papi_csv, read_papi_official
from indicators.reference.sources.pci import read_pci
from indicators.services.building import build
from tests.conftest import SHARED, import_rows

REFERENCE = load_reference()
REGISTRY = registry_from_reference(REFERENCE.provinces)
PAPI = read_actuals(DATA_DIR / "actuals" / "papi.csv")
PCI = read_actuals(DATA_DIR / "actuals" / "pci.csv")


def shared(path: str) -> Path:
    full = SHARED / "data" / path
    if not full.exists():
        pytest.skip(f"../shared/data/{path} is not beside the repository")
    return full


def figure(frame: pd.DataFrame, code: str, indicator: str, year: int) -> float:
    match = frame[(frame.province_code == code) & (frame.indicator_code == indicator) & (frame.period == str(year))]
    assert len(match) == 1, (code, indicator, year, len(match))
    return float(match.value.iloc[0])


# --- PAPI -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def papi_from_source():
    return read_papi_csv(shared("papi"), REGISTRY)


def test_the_shipped_papi_file_is_what_the_adapter_produces(papi_from_source, tmp_path):
    from indicators.reference.sources import write_actuals
    write_actuals(papi_from_source, tmp_path / "papi.csv")
    assert (tmp_path / "papi.csv").read_bytes() == (DATA_DIR / "actuals" / "papi.csv").read_bytes()


def test_papi_dimension_sums_reproduce_the_official_workbook():
    official = read_papi_official(shared("papi_official/PAPI_2011-2016.xlsx"), REGISTRY)
    merged = official.assign(period=official.year.astype(str)).merge(
        PAPI.assign(province_valid_from=pd.to_datetime(PAPI.province_valid_from).dt.date),
        on=["province_code", "province_valid_from", "indicator_code", "period"], how="left")
    both = merged.dropna(subset=["value_y"])
    assert len(both) >= 2600
    assert (both.value_x - both.value_y).abs().max() < 1e-4
    # the only official figures without a shipped counterpart are the two provinces unpublished in 2014
    missing = merged[merged.value_y.isna()]
    assert set(zip(missing.year, missing.province_code)) <= {(2014, "24"), (2014, "87")}


@pytest.mark.parametrize("code, year, total, rank", [
    ("01", 2023, 43.96, None), ("79", 2023, 41.78, None), ("68", 2024, 41.02, 54)])
def test_published_papi_figures_hold_exactly(code, year, total, rank):
    assert round(figure(PAPI, code, "papi_total", year), 2) == total
    if rank is not None:
        assert figure(PAPI, code, "papi_total_rank", year) == rank


def test_unpublished_provinces_have_no_figure_and_no_rank():
    for year, codes in {2014: ["24", "87"], 2021: ["22", "24", "27"], 2023: ["22", "74"], 2024: ["26", "82"]}.items():
        rows = PAPI[(PAPI.period == str(year)) & PAPI.province_code.isin(codes)]
        assert rows.empty, year
        ranks = PAPI[(PAPI.period == str(year)) & (PAPI.indicator_code == "papi_total_rank")]
        assert ranks.value.max() == 63 - len(codes) and len(ranks) == 63 - len(codes)


def test_a_dimension_not_published_for_one_province_leaves_it_without_a_total():
    quang_ninh_2018 = PAPI[(PAPI.province_code == "22") & (PAPI.period == "2018")]
    indicators = set(quang_ninh_2018.indicator_code)
    assert "papi_d1_participation" in indicators
    assert not {"papi_d2_transparency", "papi_d4_corruption_control", "papi_total", "papi_total_rank"} & indicators


def test_six_dimensions_to_2017_and_eight_from_2018():
    years = PAPI.period.astype(int)
    assert PAPI[(years < 2018) & PAPI.indicator_code.str.startswith(("papi_d7", "papi_d8"))].empty
    totals = PAPI[PAPI.indicator_code == "papi_total"]
    assert totals[totals.period.astype(int) < 2018].value.max() <= 60
    assert totals[totals.period.astype(int) >= 2018].value.min() > 30


def test_papi_covers_63_provinces_from_2011_to_2024():
    totals = PAPI[PAPI.indicator_code == "papi_total"]
    assert sorted(totals.period.unique()) == [str(y) for y in range(2011, 2025)]
    assert totals.province_code.nunique() == 63


def _write_papi_folder(tmp_path: Path, rows: dict[str, dict[str, float | None]]) -> Path:
    papi = tmp_path / "papi"
    (papi / "csv").mkdir(parents=True)
    source = SHARED / "data" / "papi"
    if not source.exists():
        pytest.skip("../shared/data/papi is not beside the repository")
    for name in ("codebook_provinces.csv", "codebook_subcriteria.csv"):
        shutil.copy(source / name, papi / name)
    columns = pd.read_csv(source / "codebook_subcriteria.csv").Variable_Code.tolist()
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.index.name = "Province"
    frame.to_csv(papi / "csv" / "2019.csv")
    return papi


def test_a_partly_blank_dimension_is_refused_with_its_row(tmp_path):
    full = {c: 1.0 for c in pd.read_csv(shared("papi/codebook_subcriteria.csv")).Variable_Code}
    broken = {**full, "SC32": None}
    papi = _write_papi_folder(tmp_path, {"P01": full, "P02": broken})
    with pytest.raises(SourceFormatError, match="2019.csv: row P02 has only some sub-dimensions of C03"):
        read_papi_csv(papi, REGISTRY)


# --- PCI --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pci_from_source():
    return read_pci(shared("pci"), REGISTRY)


def test_the_shipped_pci_file_is_what_the_adapter_produces(pci_from_source, tmp_path):
    from indicators.reference.sources import write_actuals
    write_actuals(pci_from_source, tmp_path / "pci.csv")
    assert (tmp_path / "pci.csv").read_bytes() == (DATA_DIR / "actuals" / "pci.csv").read_bytes()


def test_pci_covers_2005_to_2016_with_ha_tay_until_2008():
    totals = PCI[PCI.indicator_code == "pci_total"]
    counts = totals.groupby("period").size().to_dict()
    assert counts["2005"] == 42 and counts["2006"] == 64 and counts["2016"] == 63
    assert sorted(totals[totals.province_code == "28"].period) == ["2005", "2006", "2007", "2008"]


def test_pci_2016_top_province_as_published():
    assert round(figure(PCI, "48", "pci_total", 2016), 2) == 70.00
    assert figure(PCI, "48", "pci_rank", 2016) == 1
    assert figure(PCI, "48", "pci_tier", 2016) == 1
    assert round(figure(PCI, "22", "pci_entry_costs", 2016), 4) == 9.2832


def test_computed_pci_ranks_equal_the_published_ranks():
    from indicators.reference.sources.pci import _sheet_rows
    for year in (2013, 2014, 2015, 2016):
        rows = _sheet_rows(shared(f"pci/PCI_{year}.xlsx"), 1)
        published = {REGISTRY.resolve_in_period(r[21], date(year, 1, 1), date(year, 12, 31))[0]: r[23]
                     for r in rows[1:64]}
        assert len(published) == 63, year
        for code, rank in published.items():
            assert figure(PCI, code, "pci_rank", year) == rank, (year, code)


def test_an_unknown_province_name_in_a_pci_sheet_is_an_error(tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["Thứ tự", "Tỉnh", "Gia nhập", None, "PCI"])
    sheet.append([1, "Đà Nẵng", 9.1, "Đà Nẵng", 70.0])
    sheet.append([2, "Atlantis", 8.0, "Atlantis", 60.0])
    book.save(tmp_path / "PCI_2016.xlsx")
    with (tmp_path / "PCI_Import.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Year", "Type", "Sheet", "Begin Row", "End Row", "Province", "Entry Costs", "Weighted Col"])
        writer.writerow([2016, "xlsx", 1, 2, 3, 0, 3, 5])
    with pytest.raises(SourceFormatError, match="'Atlantis' is not a known province"):
        read_pci(tmp_path, REGISTRY)


# --- the shipped files and their batches ----------------------------------------------------

def test_every_shipped_figure_names_its_source():
    files = load_actual_files(REFERENCE)
    assert {f.name for f in files} == {"papi.csv", "pci.csv", "pci_2017_2023.csv", "dti.csv", "published.csv",
                                       "press.csv", "national.csv"}
    assert files and all(f.rows.source.str.len().min() > 5 for f in files)


@pytest.mark.parametrize("row, message", [
    ("22,2004-01-01,Quảng Ninh,par_index,2021,190,x", "row 2, column value: 190 is outside par_index's range"),
    ("22,2004-01-01,Quang Ninh,par_index,2021,90,x", "row 2, column province_name"),
    ("22,2004-01-01,Quảng Ninh,par_indx,2021,90,x", "row 2, column indicator_code: unknown indicator"),
    ("22,2004-01-01,Quảng Ninh,par_index,2021-H3,90,x", "row 2, column period"),
    ("22,2004-01-01,Quảng Ninh,par_index,2021,90,", "row 2, column source"),
    ("28,2004-01-01,Hà Tây,par_index,2012,80,x", "row 2, column period: Hà Tây was not a province in 2012"),
    ("22,2025-07-01,Quảng Ninh,par_index,2021,90,x", "row 2, column period: Quảng Ninh was not a province in 2021"),
])
def test_a_bad_row_in_a_shipped_file_is_named_by_row_and_column(data_copy, row, message):
    path = data_copy / "actuals" / "published.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        load_actual_files(load_reference(data_copy), data_copy)
    assert any(f"actuals/published.csv {message}" in p for p in raised.value.problems), raised.value.problems


def test_a_duplicate_key_in_a_shipped_file_is_refused(data_copy):
    path = data_copy / "actuals" / "published.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="row 3: same key as row 2"):
        load_actual_files(load_reference(data_copy), data_copy)


def test_each_shipped_file_is_one_batch_named_after_its_source(store):
    batches = store.batches().query("source_kind == 'reference'")
    assert sorted(batches.file_name) == ["dti.csv", "national.csv", "papi.csv", "pci.csv", "pci_2017_2023.csv",
                                         "press.csv", "published.csv"]
    assert batches.set_index("file_name").source["papi.csv"].startswith("PAPI 2011–2024")
    assert set(batches.imported_by) == {"build"}


def test_a_changed_shipped_file_replaces_its_batch_and_nothing_else(store, data_copy):
    before = store.batches().set_index("file_name")
    path = data_copy / "actuals" / "published.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")  # drop the last two figures
    build(store, data_copy)
    after = store.batches().set_index("file_name")
    assert after.id["papi.csv"] == before.id["papi.csv"]
    assert after.id["published.csv"] != before.id["published.csv"]
    assert after.row_count["published.csv"] == before.row_count["published.csv"] - 2
    assert "2024" not in set(store.actuals(province_code="68", indicator_code="pci_rank").period)


def test_a_shipped_figure_may_not_land_on_an_analyst_figure(store, data_copy):
    import_rows(store, [("22", date(2004, 1, 1), "par_index", "2021", 88.0)], source="analyst")
    path = data_copy / "actuals" / "published.csv"
    path.write_text(path.read_text(encoding="utf-8") + '22,2004-01-01,Quảng Ninh,par_index,2021,89,"x"\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="imported batches already hold"):
        build(store, data_copy)


def test_national_means_are_kept_apart_from_the_provinces(store):
    national = store.national_values("par_index")
    assert list(zip(national.period, national.statistic, national.value)) == [("2023", "mean", 86.98), ("2024", "mean",
                                                                                                        88.37)]
    assert store.actuals(indicator_code="par_index").province_code.nunique() > 5


@pytest.mark.parametrize(("lang", "says"), [("en", "these are not there: papi, pci"),
                                            ("vi", "nhưng không thấy: papi, pci")])
def test_sources_without_the_shared_folder_says_what_it_needs(tmp_path, lang, says):
    """Issue 30: in a fresh clone without ../shared the maintainers' command explains itself, in the reader's
    language, instead of raising Errno 2, and writes nothing."""
    import os
    import subprocess
    import sys

    before = {p.name: p.stat().st_mtime_ns for p in (DATA_DIR / "actuals").iterdir()}
    done = subprocess.run([sys.executable, "-m", "indicators", "sources", "--shared", str(tmp_path / "shared")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "KPI_LANG": lang, "KPI_DB": str(tmp_path / "kpi.duckdb")})
    assert done.returncode == 2 and "Errno" not in done.stderr and "Traceback" not in done.stderr
    assert says in done.stderr and "docs/data-sources.md" in done.stderr and str(tmp_path / "shared") in done.stderr
    assert {p.name: p.stat().st_mtime_ns for p in (DATA_DIR / "actuals").iterdir()} == before
