"""Press-figure adapter: single published figures (``published_extra/press_figures_2012_2023.csv``).

Each row of the file is one province's figure of one index in one year as a press release or a provincial
portal gave it: a score, a rank or both (the other left blank), and the page it was read from. The adapter
turns each into the project's indicators (PAR INDEX, SIPAS, PCI, DTI: the score and its ``_rank``), with the
page's address in the source.

A press figure may repeat one the project already holds (in ``published.csv``, entered by hand, or in a full
table of another adapter). :func:`merge_press` keeps one row per province, indicator and period: a press figure
that agrees with the held one (the held score rounded to the press figure's decimals, or the same rank) is left
out, the held row standing; one that disagrees is a conflict, named with both figures and both sources, and
the adapter stops until a person decides which to keep. Nothing is doubled, nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.domain.text import nfc
from indicators.reference.sources import ACTUAL_COLUMNS, SourceFormatError, actual_frame

# the file's indicator: (score code, rank code, name, publisher)
INDICATORS = {
    "PAR_INDEX": ("par_index", "par_index_rank", "PAR INDEX", "Bộ Nội vụ"),
    "SIPAS": ("sipas", "sipas_rank", "SIPAS", "Bộ Nội vụ"),
    "PCI": ("pci_total", "pci_rank", "PCI", "VCCI"),
    "DTI": ("dti", "dti_rank", "DTI", "Bộ Thông tin và Truyền thông"),
}
SOURCE = "{name} {year}, {publisher} (press figure: {page})"
KEY = ["province_code", "province_valid_from", "indicator_code", "period"]


def read_press(path: Path, registry: Registry) -> pd.DataFrame:
    """Every figure of the file in the long form, plus ``row`` (the file's row) and ``decimals`` (of a score)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns) != ["year", "province", "indicator", "score", "rank", "source"]:
        raise SourceFormatError(f"{path.name}: header is {list(table.columns)}")
    records, rows, decimals = [], [], []
    for row_no, row in table.iterrows():
        where = f"{path.name} row {row_no + 2}"
        if row.indicator not in INDICATORS or not row.source.strip() or not (row.score or row["rank"]):
            raise SourceFormatError(f"{where}: unknown indicator, no source or no figure")
        year = int(row.year)
        key = registry.resolve_in_period(nfc(row.province), date(year, 1, 1), date(year, 12, 31))
        score_code, rank_code, name, publisher = INDICATORS[row.indicator]
        source = SOURCE.format(name=name, year=year, publisher=publisher, page=nfc(row.source))
        for code, text in ((score_code, row.score), (rank_code, row["rank"])):
            if text:
                records.append({"key": key, "indicator_code": code, "period": str(year), "value": float(text),
                                "source": source})
                rows.append(row_no + 2)
                decimals.append(len(text.partition(".")[2]))
    frame = actual_frame(records, registry)
    return frame.assign(row=rows, decimals=decimals)


@dataclass
class PressMerge:
    rows: pd.DataFrame                                  # the press figures no other file holds
    confirmed: list[str] = field(default_factory=list)  # press figures equal to a held one, left out
    conflicts: list[str] = field(default_factory=list)  # press figures that disagree with a held one


def merge_press(press: pd.DataFrame, held: dict[str, pd.DataFrame], file_name: str = "press figures") -> PressMerge:
    """The press figures not already in ``held`` (file name → its actuals), checked against those that are."""
    index: dict[tuple, tuple[str, float, str]] = {}
    for name, frame in held.items():
        for key, value, source in zip(_keys(frame), frame.value, frame.source):
            index[key] = (name, float(value), source)
    merge = PressMerge(rows=press.iloc[0:0])
    keep = []
    for key, row in zip(_keys(press), press.itertuples()):
        label = f"{file_name} row {row.row}: {row.province_name} {row.indicator_code} {row.period} = {row.value:g}"
        if key not in index:
            index[key] = (f"{file_name} row {row.row}", row.value, row.source)
            keep.append(True)
            continue
        name, value, source = index[key]
        tolerance = 0.5 * 10 ** -int(row.decimals) + 1e-9
        if abs(value - row.value) <= tolerance:
            merge.confirmed.append(f"{label}, as in {name}")
        else:
            merge.conflicts.append(f"{label}, but {name} has {value:g} ({source}; press: {row.source})")
        keep.append(False)
    merge.rows = press[keep][ACTUAL_COLUMNS].reset_index(drop=True)
    return merge


def _keys(frame: pd.DataFrame) -> list[tuple]:
    return [(code, str(valid_from), indicator, str(period)) for code, valid_from, indicator, period
            in zip(frame.province_code, frame.province_valid_from, frame.indicator_code, frame.period)]
