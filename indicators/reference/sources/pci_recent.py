"""PCI adapter for 2017–2023: VCCI's published results as kept in ``pci_2017_2023/`` (see its SOURCES.md).

* 2017–2019 (``pci_<year>.csv``, the ``Summary`` sheet of VCCI's own download workbooks): the weighted total,
  the published rank and the ten sub-indices of all 63 provinces. The adapter checks that the total is the
  weighted sum of the sub-indices (VCCI's weights of those years) and that the ranks run 1..63.
* 2020–2022 (``pci_composite_2016_2022.csv``, totals at two decimals from a research panel): the totals, and
  a rank only where the two-decimal totals decide it. A province whose total equals another's at two
  decimals gets no rank: VCCI ranks on unrounded scores, so the order of equal totals is unknown and is never
  guessed. Every other province's rank is exact (a higher two-decimal total is a higher score). 2016–2019 of
  that file are left to the fuller tables (``pci.csv``, the rows above); the tests cross-check them.
* 2023 (``pci_2023_subindices.csv``, VCCI's data workbook): the ten sub-indices only. From PCI 2023 on VCCI
  publishes totals and ranks for the top 30 provinces only, and weighs the sub-indices anew since PCI 2022,
  so no total is recomputed here: the published top totals are press figures (``published.csv``).

Province spellings go through ``province_names.csv`` (:mod:`.names`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.reference.sources import SourceFormatError, actual_frame
from indicators.reference.sources.names import ProvinceNames

SUB_INDICES = {
    "entry_costs": "pci_entry_costs", "land_access": "pci_land_access", "transparency": "pci_transparency",
    "time_costs": "pci_time_costs", "informal_charges": "pci_informal_charges", "policy_bias": "pci_policy_bias",
    "proactivity": "pci_proactivity", "business_support": "pci_business_support",
    "labor_training": "pci_labour_training", "legal_institutions": "pci_legal_institutions",
}
# VCCI's weights of 2017–2019 (total = 10 × the weighted mean of the sub-indices)
WEIGHTS_2017_2019 = {
    "entry_costs": 0.05, "land_access": 0.05, "transparency": 0.20, "time_costs": 0.05, "informal_charges": 0.10,
    "policy_bias": 0.05, "proactivity": 0.05, "business_support": 0.20, "labor_training": 0.20,
    "legal_institutions": 0.05,
}
FULL_YEARS = (2017, 2018, 2019)
TOTAL_YEARS = (2020, 2021, 2022)
SUB_INDEX_YEAR = 2023
PROVINCES = 63
PUBLISHER = "VCCI"
SOURCE_FULL = ("PCI {year} ({publisher}): Summary sheet of VCCI's workbook 'PCI {year}.xlsx' "
               "(mdtrinh/vietnam_elections)")
SOURCE_TOTAL = ("PCI {year} ({publisher}): total at 2 decimals in the research panel Dataset.dta "
                "(tnguyentranphuoc-commits), matching pcivietnam.vn and the press")
SOURCE_RANK = ("PCI {year} ({publisher}): rank computed by this project on the 2-decimal totals, exact because no "
               "other province has the same total; provinces with equal totals are left unranked")
SOURCE_SUB_INDICES = ("PCI {year} ({publisher}): sub-indices of VCCI's data workbook pci.xlsx (ttuan8600/flask_test);"
                      " VCCI publishes no total or rank for every province since 2023")


def read_pci_recent(folder: Path, registry: Registry) -> pd.DataFrame:
    """PCI 2017–2019 in full, 2020–2022 totals with their exact ranks, 2023 sub-indices, in the long form."""
    records: list[dict] = []
    xlsx_names = ProvinceNames(folder, "pci_2017_2019_xlsx", registry)
    for year in FULL_YEARS:
        records += _full_year(folder / f"pci_{year}.csv", year, xlsx_names)
    records += _totals(folder / "pci_composite_2016_2022.csv", ProvinceNames(folder, "dataset_dta_name", registry))
    records += _sub_indices(folder / "pci_2023_subindices.csv", ProvinceNames(folder, "pci_2023_xlsx", registry))
    return actual_frame(records, registry)


def _table(path: Path, columns: list[str], years: tuple[int, ...]) -> pd.DataFrame:
    """The file, checked: the columns expected, only ``years``, 63 provinces a year, no blank figure."""
    table = pd.read_csv(path, dtype={"province": str})
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SourceFormatError(f"{path.name}: no column {missing}")
    table = table[table.year.isin(years)]
    counts = table.groupby("year").province.nunique().reindex(years, fill_value=0)
    if (counts != PROVINCES).any() or len(table) != PROVINCES * len(years):
        raise SourceFormatError(f"{path.name}: expected {PROVINCES} provinces in each of {years}, "
                                f"found {counts.to_dict()}")
    blank = table[columns].isna().any(axis=1)
    if blank.any():
        raise SourceFormatError(f"{path.name} row {int(blank.idxmax()) + 2}: a blank figure")
    return table


def _full_year(path: Path, year: int, names: ProvinceNames) -> list[dict]:
    table = _table(path, ["year", "province", "pci_score", "rank", *SUB_INDICES], (year,))
    weighted = 10 * sum(table[c] * w for c, w in WEIGHTS_2017_2019.items())
    off = (weighted - table.pci_score).abs() > 1e-4
    if off.any():
        raise SourceFormatError(f"{path.name} row {int(off.idxmax()) + 2}: the total is not the weighted sum")
    if sorted(table["rank"]) != list(range(1, PROVINCES + 1)):
        raise SourceFormatError(f"{path.name}: the ranks do not run 1..{PROVINCES} without ties")
    source = SOURCE_FULL.format(year=year, publisher=PUBLISHER)
    records = []
    for row_no, row in table.iterrows():
        key = names.key(row.province, year, f"{path.name} row {row_no + 2}")
        figures = {"pci_total": row.pci_score, "pci_rank": row["rank"],
                   **{code: row[column] for column, code in SUB_INDICES.items()}}
        records += [{"key": key, "indicator_code": code, "period": str(year), "value": value, "source": source}
                    for code, value in figures.items()]
    return records


def exact_ranks(totals: pd.Series, decimals: int = 2) -> pd.Series:
    """Rank 1 for the highest total; a total equal to another at ``decimals`` gets no rank (NaN)."""
    rounded = totals.round(decimals)
    ranks = rounded.rank(ascending=False, method="min")
    return ranks.where(~rounded.duplicated(keep=False))


def _totals(path: Path, names: ProvinceNames) -> list[dict]:
    table = _table(path, ["year", "province", "pci_score"], TOTAL_YEARS)
    records = []
    for year, rows in table.groupby("year"):
        ranks = exact_ranks(rows.pci_score)
        for row_no, row in rows.iterrows():
            key = names.key(row.province, int(year), f"{path.name} row {row_no + 2}")
            records.append({"key": key, "indicator_code": "pci_total", "period": str(year), "value": row.pci_score,
                            "source": SOURCE_TOTAL.format(year=year, publisher=PUBLISHER)})
            records.append({"key": key, "indicator_code": "pci_rank", "period": str(year), "value": ranks[row_no],
                            "source": SOURCE_RANK.format(year=year, publisher=PUBLISHER)})
    return records


def _sub_indices(path: Path, names: ProvinceNames) -> list[dict]:
    table = _table(path, ["year", "province", *SUB_INDICES], (SUB_INDEX_YEAR,))
    if {"pci_score", "rank"} & set(table.columns):
        raise SourceFormatError(f"{path.name}: a total or rank column; the 2023 file is read for sub-indices only")
    source = SOURCE_SUB_INDICES.format(year=SUB_INDEX_YEAR, publisher=PUBLISHER)
    records = []
    for row_no, row in table.iterrows():
        key = names.key(row.province, SUB_INDEX_YEAR, f"{path.name} row {row_no + 2}")
        records += [{"key": key, "indicator_code": code, "period": str(SUB_INDEX_YEAR), "value": row[column],
                     "source": source} for column, code in SUB_INDICES.items()]
    return records
