"""PAPI adapters.

``read_papi_csv`` reads the yearly sub-dimension files (``csv/YYYY.csv``, rows P01..P63, columns
SC11..SC83) with their codebooks, as published in the ``hnks-gh/ml-mcdm`` repository (MIT; survey
by UNDP, CECODES and VFF-CRT). A dimension is the sum of its sub-dimensions and the total the sum of
the dimensions: six (maximum 60) up to 2017, eight (maximum 80) from 2018. A sub-dimension blank in
every row of a year was not measured that year (SC24 to 2017, SC83 in 2018, SC52 from 2021) and is
left out of its dimension. A blank row is a province with no published figure that year, and a
dimension blank for one province (Quảng Ninh and Đồng Tháp in 2018, Bắc Giang and Bắc Ninh in 2022)
is a figure not published: neither gets a value nor a rank, and a province missing a dimension has
no total. Ranks are among the
provinces with a figure that year, 1 for the highest score.

``read_papi_official`` reads the official 2011–2016 workbook (one sheet per year, two header rows,
official province codes in ``tinhid``, a ``Highest`` row with id 999) for the cross-check.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.reference.sources import ACTUAL_COLUMNS, SourceFormatError, rank_descending

DIMENSIONS = {
    "C01": "papi_d1_participation", "C02": "papi_d2_transparency", "C03": "papi_d3_accountability",
    "C04": "papi_d4_corruption_control", "C05": "papi_d5_procedures", "C06": "papi_d6_service_delivery",
    "C07": "papi_d7_environment", "C08": "papi_d8_e_governance",
}
EIGHT_DIMENSIONS_FROM = 2018
PUBLISHER = "UNDP, CECODES, VFF-CRT"
OFFICIAL_COLUMNS = {3: "papi_d1_participation", 8: "papi_d2_transparency", 12: "papi_d3_accountability",
                    16: "papi_d4_corruption_control", 21: "papi_d5_procedures", 26: "papi_d6_service_delivery",
                    31: "papi_total"}


def read_papi_csv(papi_dir: Path, registry: Registry) -> pd.DataFrame:
    """Every province's dimensions, total and ranks for every year file in ``papi_dir/csv``."""
    names = pd.read_csv(papi_dir / "codebook_provinces.csv", dtype=str).set_index("Variable_Code")["Variable_Name"]
    subdims = pd.read_csv(papi_dir / "codebook_subcriteria.csv", dtype=str)
    criteria = subdims.groupby("Criteria_Code")["Variable_Code"].apply(list).to_dict()
    frames = []
    for path in sorted((papi_dir / "csv").glob("*.csv")):
        year = int(path.stem)
        scores = pd.read_csv(path, dtype={"Province": str}).set_index("Province")
        frames.append(_year_rows(year, scores, names, criteria, registry, path.name))
    return pd.concat(frames, ignore_index=True)[ACTUAL_COLUMNS]


def _year_rows(year: int, scores: pd.DataFrame, names: pd.Series, criteria: dict[str, list[str]],
               registry: Registry, file_name: str) -> pd.DataFrame:
    published = scores.dropna(how="all")
    measured = [c for c in published.columns if published[c].notna().any()]
    dimension_codes = [code for code in DIMENSIONS if any(c in measured for c in criteria[code])]
    expected = 8 if year >= EIGHT_DIMENSIONS_FROM else 6
    if len(dimension_codes) != expected:
        raise SourceFormatError(f"{file_name}: {len(dimension_codes)} dimensions have figures, expected {expected}")
    wide = pd.DataFrame(index=published.index)
    for code in dimension_codes:
        part = published[[c for c in criteria[code] if c in measured]]
        blank = part.isna()
        partial = blank.any(axis=1) & ~blank.all(axis=1)
        if partial.any():
            row = partial[partial].index[0]
            raise SourceFormatError(f"{file_name}: row {row} has only some sub-dimensions of {code}")
        wide[DIMENSIONS[code]] = part.sum(axis=1, min_count=part.shape[1])
    # A province missing a dimension that year has no total, and so no total rank.
    wide["papi_total"] = wide[[DIMENSIONS[c] for c in dimension_codes]].sum(axis=1, min_count=len(dimension_codes))
    for column in list(wide.columns):
        wide[f"{column}_rank"] = rank_descending(wide[column])
    long = wide.stack().dropna().rename("value").reset_index()
    long.columns = ["papi_id", "indicator_code", "value"]
    first, last = date(year, 1, 1), date(year, 12, 31)
    keys = {pid: registry.resolve_in_period(names[pid], first, last) for pid in wide.index}
    long["province_code"] = long.papi_id.map(lambda pid: keys[pid][0])
    long["province_valid_from"] = long.papi_id.map(lambda pid: keys[pid][1])
    province_names = {pid: registry.name(key) for pid, key in keys.items()}
    long["province_name"] = long.papi_id.map(province_names)
    long["period"] = str(year)
    long["source"] = f"PAPI {year} ({PUBLISHER})"
    return long


def read_papi_official(workbook: Path, registry: Registry) -> pd.DataFrame:
    """Dimension scores and the total of the official 2011–2016 workbook, one row per figure."""
    from openpyxl import load_workbook  # noqa: PLC0415 - only the 2011–2016 workbook needs it

    book = load_workbook(workbook, read_only=True, data_only=True)
    rows = []
    for sheet in book.worksheets:
        year = int(sheet.title.split("_")[0])
        header = next(sheet.iter_rows(values_only=True, max_row=1))
        if header[0] != "tinhid" or header[31] != "Un-weighted2015PAPI":
            raise SourceFormatError(f"{workbook.name}, sheet {sheet.title}: unexpected header {header[:4]}")
        for line in sheet.iter_rows(min_row=3, values_only=True):
            if line[0] is None or int(line[0]) == 999:
                continue
            key = registry.resolve_in_period(f"{int(line[0]):02d}", date(year, 1, 1), date(year, 12, 31))
            for column, indicator in OFFICIAL_COLUMNS.items():
                if line[column] is not None:
                    rows.append({"year": year, "province_code": key[0], "province_valid_from": key[1],
                                 "indicator_code": indicator, "value": float(line[column])})
    return pd.DataFrame(rows)
