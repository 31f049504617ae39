"""PCI adapter: VCCI's Provincial Competitiveness Index workbooks, 2005–2016.

``PCI_Import.csv`` (beside the workbooks) says for each year which sheet (1-based), which rows
(1-based, inclusive) and which columns (1-based) hold the summary table. Two layouts occur:

* a plain table (``Province`` column > 0: 2005–2007, 2009): one row per province, the name in the
  ``Province`` column and each sub-index in its own column;
* ranked pairs (``Province`` = 0: 2008, 2010–2016): every sub-index is sorted on its own, with the
  province's name in the column just left of its value, so each column pair is read separately and
  the pieces are joined on the province.

The total is the weighted PCI; the rank is computed among the provinces of that year (1 = highest
total); the tier is read where the sheet publishes it (2013–2016), next to its rank.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.domain.registry import Registry, UnknownProvince
from indicators.domain.text import nfc
from indicators.reference.sources import ACTUAL_COLUMNS, SourceFormatError, rank_descending

SUB_INDICES = {
    "Entry Costs": "pci_entry_costs",
    "Land Access and Security of Tenure": "pci_land_access",
    "Transparency and Access to Information": "pci_transparency",
    "Time Costs and Regulatory Compliance": "pci_time_costs",
    "Informal Charges": "pci_informal_charges",
    "Implementation and Consistency of Policies": "pci_policy_consistency",
    "Policy Bias": "pci_policy_bias",
    "Proactivity of Provincial Leadership": "pci_proactivity",
    "Business Support Services": "pci_business_support",
    "Labor and Training": "pci_labour_training",
    "Legal Institutions": "pci_legal_institutions",
    "Unweighted Col": "pci_total_unweighted",
    "Weighted Col": "pci_total",
}
TIERS = {"rất tốt": 1, "tốt": 2, "khá": 3, "trung bình": 4, "tương đối thấp": 5, "thấp": 6,
         "excellent": 1, "very good": 2, "good": 3, "mid-high": 4, "mid-low": 5, "low": 6}
PUBLISHER = "VCCI"


def read_pci(pci_dir: Path, registry: Registry) -> pd.DataFrame:
    """Total, sub-indices, rank and (2013–2016) tier of every province, every year."""
    with (pci_dir / "PCI_Import.csv").open(encoding="utf-8", newline="") as handle:
        layouts = list(csv.DictReader(handle))
    problems: list[str] = []
    frames = [_read_year(pci_dir, layout, registry, problems) for layout in layouts]
    if problems:
        raise SourceFormatError("PCI: " + "; ".join(problems))
    return pd.concat(frames, ignore_index=True)[ACTUAL_COLUMNS]


def _sheet_rows(path: Path, sheet: int) -> list[list[Any]]:
    if path.suffix == ".xls":
        import xlrd  # noqa: PLC0415 - only the old .xls workbooks need it

        book = xlrd.open_workbook(str(path), on_demand=True)
        ws = book.sheet_by_index(sheet - 1)
        return [ws.row_values(i) for i in range(ws.nrows)]
    from openpyxl import load_workbook  # noqa: PLC0415 - loaded with the workbooks that need it

    ws = load_workbook(path, read_only=True, data_only=True).worksheets[sheet - 1]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _read_year(pci_dir: Path, layout: dict[str, str], registry: Registry, problems: list[str]) -> pd.DataFrame:
    year = int(layout["Year"])
    path = pci_dir / f"PCI_{year}.{layout['Type']}"
    rows = _sheet_rows(path, int(layout["Sheet"]))
    first, last = int(layout["Begin Row"]) - 1, int(layout["End Row"]) - 1
    table = rows[first:last + 1]
    province_col = int(layout["Province"])
    columns = {SUB_INDICES[k]: int(v) - 1 for k, v in layout.items() if k in SUB_INDICES and v}
    keys: dict[str, Any] = {}

    def key_of(name: object, where: str) -> Any:
        text = str(name).strip()
        if text not in keys:
            try:
                keys[text] = registry.resolve_in_period(text, date(year, 1, 1), date(year, 12, 31))
            except UnknownProvince as exc:
                problems.append(f"{where}: {exc}")
                keys[text] = None
        return keys[text]

    values: dict[Any, dict[str, float]] = {}
    for indicator, col in columns.items():
        name_col = province_col - 1 if province_col else col - 1
        for offset, line in enumerate(table):
            where = f"{path.name} row {first + offset + 1}, column {col + 1}"
            name, value = line[name_col], line[col]
            if name in (None, "") or value in (None, ""):
                problems.append(f"{where}: blank cell")
                continue
            key = key_of(name, where)
            if key is None:
                continue
            if indicator in values.setdefault(key, {}):
                problems.append(f"{where}: a second value of {indicator} for {registry.name(key)}")
            values[key][indicator] = float(value)
    wide = pd.DataFrame.from_dict(values, orient="index")
    wide.index = pd.MultiIndex.from_tuples(wide.index, names=["province_code", "province_valid_from"])
    wide["pci_rank"] = rank_descending(wide["pci_total"])
    tiers = {key_of(name, path.name): tier for name, tier in
             _tiers(rows, first, table, columns["pci_total"], province_col).items()}
    if tiers:
        wide["pci_tier"] = pd.Series(tiers)
    long = wide.stack().dropna().rename("value").reset_index()
    long.columns = ["province_code", "province_valid_from", "indicator_code", "value"]
    long["province_name"] = [registry.name(k) for k in zip(long.province_code, long.province_valid_from)]
    long["period"] = str(year)
    long["source"] = f"PCI {year} ({PUBLISHER})"
    return long


def _tiers(rows: list[list[Any]], first: int, table: list[list[Any]], total_col: int,
           province_col: int) -> dict[str, int]:
    """Tier per province where the header right of the total reads 'Nhóm xếp hạng' (or 'tier')."""
    header = rows[first - 1]
    for col in range(total_col + 1, min(total_col + 4, len(header))):
        label = str(header[col] or "").lower()
        if "nhóm" in label or "tier" in label:
            name_col = province_col - 1 if province_col else total_col - 1
            found = {}
            for line in table:
                tier = TIERS.get(nfc(str(line[col] or "")).lower())
                if tier is not None:
                    found[str(line[name_col]).strip()] = tier
            return found
    return {}
