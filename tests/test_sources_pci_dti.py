"""PCI 2017–2023, DTI 2022–2024 and the press figures (issue 29, points 1 and 2): the adapters against the shared
files, the figures SOURCES.md quotes, ranks never derived from equal totals, and PCI's method changes."""

from pathlib import Path

import pandas as pd
import pytest

from indicators.reference.actual_files import load_actual_files
from indicators.reference.loader import DATA_DIR, load_reference, registry_from_reference
from indicators.reference.sources import SourceFormatError, read_actuals, write_actuals
from indicators.reference.sources.dti import read_dti
from indicators.reference.sources.names import ProvinceNames
from indicators.reference.sources.pci_recent import SUB_INDICES, exact_ranks, read_pci_recent
from indicators.reference.sources.press import merge_press, read_press
from indicators.reference.sources.produce import HAND_ENTERED, PRESS_FILE, press_rows
from tests.conftest import SHARED

REFERENCE = load_reference()
REGISTRY = registry_from_reference(REFERENCE.provinces)
ACTUALS = DATA_DIR / "actuals"
PCI = read_actuals(ACTUALS / "pci_2017_2023.csv")
DTI = read_actuals(ACTUALS / "dti.csv")
PRESS = read_actuals(ACTUALS / "press.csv")
PUBLISHED = read_actuals(ACTUALS / "published.csv")
HELD_FILES = ("papi.csv", "pci.csv", "pci_2017_2023.csv", "dti.csv", HAND_ENTERED)


def shared(path: str) -> Path:
    full = SHARED / "data" / path
    if not full.exists():
        pytest.skip(f"../shared/data/{path} is not beside the repository")
    return full


def code(name: str) -> str:
    return REGISTRY.resolve(name, pd.Timestamp("2020-01-01").date())[0]


def figure(frame: pd.DataFrame, name: str, indicator: str, year: int) -> float | None:
    match = frame[(frame.province_code == code(name)) & (frame.indicator_code == indicator)
                  & (frame.period == str(year))]
    assert len(match) <= 1, (name, indicator, year)
    return None if match.empty else float(match.value.iloc[0])


# --- regeneration is stable ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pci_from_source():
    return read_pci_recent(shared("pci_2017_2023"), REGISTRY)


@pytest.fixture(scope="module")
def dti_from_source():
    shared("pci_2017_2023/dti/dti_2022_2024.csv")
    return read_dti(shared("pci_2017_2023"), REGISTRY)


@pytest.mark.parametrize("name", ["pci_2017_2023.csv", "dti.csv", "press.csv"])
def test_the_shipped_file_is_what_the_adapter_writes_now(name, pci_from_source, dti_from_source, tmp_path):
    if name == "press.csv":
        held = {n: read_actuals(ACTUALS / n) for n in HELD_FILES}
        frame = press_rows(shared(""), REGISTRY, held)
    else:
        frame = pci_from_source if name == "pci_2017_2023.csv" else dti_from_source
    write_actuals(frame, tmp_path / name)
    assert (tmp_path / name).read_bytes() == (ACTUALS / name).read_bytes()


def test_every_row_names_its_source_and_press_rows_their_page():
    for frame in (PCI, DTI, PRESS):
        assert frame.source.str.len().min() > 20
    assert PRESS.source.str.contains("(press figure: http", regex=False).all()
    assert len(PRESS) > 50


def test_no_province_indicator_and_period_is_held_by_two_shipped_files():
    files = load_actual_files(REFERENCE)
    province_rows = pd.concat([f.rows.assign(file=f.name) for f in files if f.scope == "province"])
    doubled = province_rows[province_rows.duplicated(["province_code", "province_valid_from", "indicator_code",
                                                      "period"], keep=False)]
    assert doubled.empty, doubled[["file", "province_name", "indicator_code", "period"]].head()
    assert {"pci_2017_2023.csv", "dti.csv", "press.csv"} <= set(province_rows.file)


# --- PCI: spot values quoted from SOURCES.md -----------------------------------------------------------

@pytest.mark.parametrize("year, total", [(2017, 70.69), (2018, 70.36), (2019, 73.40)])
def test_quang_ninh_first_2017_to_2019(year, total):
    # "Quảng Ninh is 1st in all three years, with 70.69 (2017), 70.36 (2018) and 73.40 (2019)."
    assert round(figure(PCI, "Quảng Ninh", "pci_total", year), 2) == total
    assert figure(PCI, "Quảng Ninh", "pci_rank", year) == 1


def test_2017_to_2019_hold_total_rank_and_ten_sub_indices_for_63_provinces():
    full = PCI[PCI.period.isin(["2017", "2018", "2019"])]
    counts = full.groupby(["period", "indicator_code"]).size()
    assert set(counts) == {63}
    assert set(full.indicator_code) == {"pci_total", "pci_rank", *SUB_INDICES.values()}


@pytest.mark.parametrize("name, year, total", [
    # "2020: Quảng Ninh 75.09, Đồng Tháp 72.81, Long An 70.37 and Lâm Đồng 64.43 match."
    ("Quảng Ninh", 2020, 75.09), ("Đồng Tháp", 2020, 72.81), ("Long An", 2020, 70.37), ("Lâm Đồng", 2020, 64.43),
    # "2021: scores of the top 21 provinces match pcivietnam.vn (Quảng Ninh 73.02 … Bình Thuận 65.96)."
    ("Quảng Ninh", 2021, 73.02), ("Bình Thuận", 2021, 65.96),
    # "2022: … the top 10 (Quảng Ninh 72.95 … Long An 68.45), Nghệ An 66.60, Hà Giang 64.39, Lâm Đồng 67.62 and
    # Cao Bằng 59.58."
    ("Quảng Ninh", 2022, 72.95), ("Long An", 2022, 68.45), ("Nghệ An", 2022, 66.60), ("Hà Giang", 2022, 64.39),
    ("Lâm Đồng", 2022, 67.62), ("Cao Bằng", 2022, 59.58),
])
def test_pci_totals_2020_to_2022_as_published(name, year, total):
    assert figure(PCI, name, "pci_total", year) == total


@pytest.mark.parametrize("name, year, rank", [
    # "The implied ranks are right: Hà Nội 20, HCMC 27, Bắc Kạn 35, Cao Bằng 63."
    ("Hà Nội", 2022, 20), ("TP. Hồ Chí Minh", 2022, 27), ("Bắc Kạn", 2022, 35), ("Cao Bằng", 2022, 63),
    # "Bắc Kạn's ranks for 2018–2022 are 60, 59, 59, 48, 35, as reported by Báo Bắc Kạn."
    ("Bắc Kạn", 2018, 60), ("Bắc Kạn", 2019, 59), ("Bắc Kạn", 2020, 59), ("Bắc Kạn", 2021, 48),
])
def test_pci_ranks_as_reported(name, year, rank):
    assert figure(PCI, name, "pci_rank", year) == rank


def test_equal_totals_at_two_decimals_get_no_rank():
    # 2022: Hà Giang and Bình Thuận both 64.39, Hà Nam and Gia Lai both 64.00; 2021: Bắc Giang, Nghệ An and Cà Mau
    # all 64.74 — VCCI's order among them is unknown, so none has a rank in any shipped file
    ties = {2022: ["Hà Giang", "Bình Thuận", "Hà Nam", "Gia Lai"], 2021: ["Bắc Giang", "Nghệ An", "Cà Mau"]}
    for year, names in ties.items():
        totals = {n: figure(PCI, n, "pci_total", year) for n in names}
        assert len(set(totals.values())) < len(totals), totals
        for frame in (PCI, PRESS, PUBLISHED):
            assert [figure(frame, n, "pci_rank", year) for n in names] == [None] * len(names), (year, names)
    for year in (2020, 2021, 2022):
        rows = PCI[PCI.period == str(year)]
        totals = rows[rows.indicator_code == "pci_total"].set_index("province_code").value
        ranked = set(rows[rows.indicator_code == "pci_rank"].province_code)
        tied = set(totals[totals.duplicated(keep=False)].index)
        assert tied and not tied & ranked and len(ranked) == 63 - len(tied), year


def test_exact_ranks_leave_ties_unranked_and_rank_the_rest_exactly():
    ranks = exact_ranks(pd.Series([70.004, 69.996, 68.5, 71.2]))  # the first two are 70.00 at two decimals
    assert ranks.isna().tolist() == [True, True, False, False]
    assert ranks[2] == 4 and ranks[3] == 1


def test_the_2023_sub_indices_as_the_press_reported_and_no_2023_total_computed():
    # "Quảng Ninh: time costs 8.54 (1st), business support 7.72 (2nd), informal charges 7.72 (3rd)."
    assert round(figure(PCI, "Quảng Ninh", "pci_time_costs", 2023), 2) == 8.54
    assert round(figure(PCI, "Quảng Ninh", "pci_business_support", 2023), 2) == 7.72
    assert round(figure(PCI, "Quảng Ninh", "pci_informal_charges", 2023), 2) == 7.72
    time_costs = PCI[(PCI.period == "2023") & (PCI.indicator_code == "pci_time_costs")]
    assert time_costs.value.idxmax() == time_costs[time_costs.province_code == code("Quảng Ninh")].index[0]
    # "HCMC: equal competition 5.92, the 2023 value quoted in the 2024 report."
    assert round(figure(PCI, "TP. Hồ Chí Minh", "pci_policy_bias", 2023), 2) == 5.92
    assert PCI[(PCI.period == "2023") & PCI.indicator_code.isin(["pci_total", "pci_rank"])].empty


def test_pci_2023_and_2024_totals_are_only_the_published_top_figures():
    # "The published 2023 totals of the top provinces (Quảng Ninh 71.25, Long An 70.94, … Bến Tre 69.2 7th)";
    # 2024: "Hải Phòng 74.84, … HCMC 67.89 (29th)"
    assert figure(PUBLISHED, "Quảng Ninh", "pci_total", 2023) == 71.25
    assert figure(PUBLISHED, "Bến Tre", "pci_rank", 2023) == 7
    assert figure(PUBLISHED, "Hải Phòng", "pci_total", 2024) == 74.84
    assert figure(PUBLISHED, "TP. Hồ Chí Minh", "pci_rank", 2024) == 29
    for year in ("2023", "2024"):
        totals = pd.concat([f[(f.period == year) & (f.indicator_code == "pci_total")] for f in (PCI, PRESS, PUBLISHED)])
        assert 0 < len(totals) <= 30
        assert totals.source.str.contains("press", case=False).all()


def test_the_2017_to_2019_tables_are_the_workbooks_summary_sheets():
    from openpyxl import load_workbook
    for year in (2017, 2018, 2019):
        sheet = load_workbook(shared(f"pci_2017_2023/PCI {year}.xlsx"), read_only=True, data_only=True)["Summary"]
        rows = list(sheet.iter_rows(min_row=2, max_row=64, values_only=True))
        names = ProvinceNames(shared("pci_2017_2023"), "pci_2017_2019_xlsx", REGISTRY)
        for row in rows:
            key = names.key(row[0], year, "Summary")
            mine = PCI[(PCI.province_code == key[0]) & (PCI.period == str(year))].set_index("indicator_code").value
            assert mine["pci_rank"] == row[1] and abs(mine["pci_total"] - row[2]) < 1e-5, (year, row[0])
            apart = [c for c, v in zip(SUB_INDICES.values(), row[3:13]) if not abs(mine[c] - v) < 1e-5]
            assert len(row[3:13]) == 10 and apart == [], (year, row[0])


def test_the_panel_totals_agree_with_the_full_tables_at_two_decimals():
    # "All 189 scores match Dataset.dta (below) at 2 decimals." — and 2016 with pci.csv
    panel = pd.read_csv(shared("pci_2017_2023/pci_composite_2016_2022.csv"))
    names = ProvinceNames(shared("pci_2017_2023"), "dataset_dta_name", REGISTRY)
    held = pd.concat([read_actuals(ACTUALS / "pci.csv"), PCI])
    held = held[held.indicator_code == "pci_total"].set_index(["province_code", "period"]).value
    checked = 0
    for row in panel[panel.year <= 2019].itertuples():
        key = names.key(row.province, row.year, "panel")
        assert round(held[(key[0], str(row.year))], 2) == round(row.pci_score, 2), (row.year, row.province)
        checked += 1
    assert checked == 4 * 63


# --- DTI ---------------------------------------------------------------------------------------------

def test_dti_as_published_on_dti_gov_vn():
    # "2022: … the top-5 scores 0.8002 …"; "Trà Vinh is 25th with 0.6077"
    assert figure(DTI, "Đà Nẵng", "dti", 2022) == 0.8002 and figure(DTI, "Đà Nẵng", "dti_rank", 2022) == 1
    assert figure(DTI, "Trà Vinh", "dti", 2022) == 0.6077 and figure(DTI, "Trà Vinh", "dti_rank", 2022) == 25
    # "Thanh Hóa and Yên Bái are both 15th in 2022": a tie keeps the better rank, as dti.gov.vn gives it
    assert figure(DTI, "Thanh Hóa", "dti_rank", 2022) == figure(DTI, "Yên Bái", "dti_rank", 2022) == 15
    # 2024: "the pre-merger order HCMC, Đà Nẵng, Hải Phòng, Hà Nội, Huế … Hà Nội's 0.8241 and Huế's 0.7951"
    order = ["TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Hà Nội", "Huế"]
    assert [figure(DTI, n, "dti_rank", 2024) for n in order] == [1, 2, 3, 4, 5]
    assert figure(DTI, "Hà Nội", "dti", 2024) == 0.8241 and figure(DTI, "Huế", "dti", 2024) == 0.7951
    assert DTI.groupby(["period", "indicator_code"]).size().to_dict() == {
        (str(y), c): 63 for y in (2022, 2023, 2024) for c in ("dti", "dti_rank")}


def test_dti_is_a_family_of_its_own_with_its_method_in_a_note():
    families = {f["code"] for f in REFERENCE.catalogue["families"]}
    indicators = {i["code"]: i for i in REFERENCE.indicators}
    assert "dti" in families and indicators["dti_rank"]["parent"] == "dti"
    assert "922/QĐ-BTTTT" in indicators["dti"]["notes"] and "pillars" in indicators["dti"]["notes"]


# --- press figures ---------------------------------------------------------------------------------

def test_press_figures_with_their_pages():
    # SOURCES.md: "PAR INDEX 2023 Hải Phòng: 91.81 here, 91.87 above …: store the one whose source you cite"
    assert figure(PRESS, "Hải Phòng", "par_index", 2023) == 91.81
    assert figure(PUBLISHED, "Hải Phòng", "par_index", 2023) is None
    row = PRESS[(PRESS.province_code == "31") & (PRESS.indicator_code == "par_index") & (PRESS.period == "2023")]
    assert "doanhnghiephoinhap.vn" in row.source.iloc[0]
    assert figure(PRESS, "Quảng Ngãi", "par_index", 2020) == 73.25
    assert figure(PRESS, "Quảng Ngãi", "par_index_rank", 2020) == 63
    assert figure(PRESS, "Đà Nẵng", "dti", 2020) == 0.4874


@pytest.fixture(scope="module")
def press_from_source():
    return read_press(shared(PRESS_FILE), REGISTRY)


def test_a_press_figure_already_held_is_confirmed_not_doubled(press_from_source):
    held = {n: read_actuals(ACTUALS / n) for n in HELD_FILES}
    merge = merge_press(press_from_source, held, "press")
    assert not merge.conflicts
    assert len(merge.rows) + len(merge.confirmed) == len(press_from_source)
    # the 21 PCI 2021 scores of pcivietnam.vn equal the panel's totals, and their ranks the ranks read from them
    pci_2021 = [c for c in merge.confirmed if "pci_total 2021" in c and "pci_2017_2023.csv" in c]
    assert len(pci_2021) == 21


def test_a_press_figure_that_disagrees_stops_the_adapter_naming_both(press_from_source, tmp_path):
    held = {n: read_actuals(ACTUALS / n) for n in HELD_FILES}
    hand = held[HAND_ENTERED]
    wrong = hand.copy()
    wrong.loc[(wrong.province_code == "22") & (wrong.indicator_code == "par_index") & (wrong.period == "2023"),
              "value"] = 92.81
    merge = merge_press(press_from_source, {**held, HAND_ENTERED: wrong}, "press")
    assert len(merge.conflicts) == 1
    assert "Quảng Ninh par_index 2023 = 92.18, but published.csv has 92.81" in merge.conflicts[0]
    with pytest.raises(SourceFormatError, match="disagree"):
        press_rows(shared(""), REGISTRY, {**held, HAND_ENTERED: wrong})


def test_a_spelling_missing_from_the_mapping_is_named_with_its_file():
    names = ProvinceNames(shared("pci_2017_2023"), "pci_2023_xlsx", REGISTRY)
    assert names.key("TP.HCM", 2023, "x") == (code("TP. Hồ Chí Minh"), REGISTRY.resolve("79", pd.Timestamp(
        "2023-01-01").date())[1])
    with pytest.raises(SourceFormatError, match="pci_2023_subindices.csv row 9: 'Atlantis' is not in"):
        names.key("Atlantis", 2023, "pci_2023_subindices.csv row 9")


# --- method changes (point 2) -------------------------------------------------------------------------

def test_pci_method_changes_of_2021_and_2022_are_recorded():
    indicators = {i["code"]: i for i in REFERENCE.indicators}
    years = {c: {m["from_year"] for m in indicators[c].get("method_changes", [])} for c in indicators}
    assert {2021, 2022} <= years["pci_total"]
    for redefined in ("pci_policy_bias", "pci_business_support", "pci_labour_training", "pci_legal_institutions"):
        assert 2021 in years[redefined], redefined
    assert 2018 in years["papi_total"]  # the precedent


def test_the_built_database_breaks_pci_across_2021_and_2022(store):
    from indicators.services.index_views import comparable
    changes = store.method_changes()
    pci = changes[changes.indicator_code == "pci_total"]
    assert set(pci.from_year) == {2021, 2022}

    class _Changes:
        method_changes = changes

    assert comparable(_Changes, "pci_total", 2017, 2019)
    assert not comparable(_Changes, "pci_total", 2019, 2021)
    assert not comparable(_Changes, "pci_total", 2021, 2022)
    dti = store.actuals(indicator_code="dti")
    assert len(dti[dti.period == "2022"]) == 63
