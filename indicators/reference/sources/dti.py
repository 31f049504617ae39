"""DTI adapter: the provincial Digital Transformation Index 2022–2024 of the Ministry of Information and
Communications (dti.gov.vn), as kept in ``pci_2017_2023/dti/dti_2022_2024.csv`` (see SOURCES.md).

The file gives each of the 63 provinces' overall score (0–1, four decimals) and rank per year; the pillar
scores were not obtained. dti.gov.vn ranks equal scores equally, with the better rank (Thanh Hóa and Yên Bái
are both 15th in 2022): the adapter keeps the file's rank and stops if it is not that ranking of the scores,
so no tie is broken. The 2024 table is the pre-merger one for the 63 provinces (DTI 2024 was announced for the
34 merged provinces); the source says so on every 2024 figure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.reference.sources import SourceFormatError, actual_frame, rank_descending
from indicators.reference.sources.names import ProvinceNames

YEARS = (2022, 2023, 2024)
PROVINCES = 63
PUBLISHER = "Bộ Thông tin và Truyền thông"
PAGES = {2022: "xep-hang-2022", 2023: "xep-hang-2023-all",
         2024: "xep-hang-2024-63-tinh, the pre-merger table of the 63 provinces"}
SOURCE = "DTI {year} ({publisher}): dti.gov.vn {page} (Tuan04-D/opendx); equal scores share the better rank"


def read_dti(folder: Path, registry: Registry) -> pd.DataFrame:
    """Score and rank of every province, 2022–2024; ``folder`` is ``pci_2017_2023`` (names) with ``dti/``."""
    path = folder / "dti" / "dti_2022_2024.csv"
    table = pd.read_csv(path, dtype={"province": str})
    if list(table.columns) != ["year", "province", "dti_score", "rank"]:
        raise SourceFormatError(f"{path.name}: header is {list(table.columns)}")
    names = ProvinceNames(folder, "dti_json", registry)
    records = []
    for year in YEARS:
        rows = table[table.year == year]
        if rows.province.nunique() != PROVINCES or len(rows) != PROVINCES or rows.isna().any().any():
            raise SourceFormatError(f"{path.name}: {year} has {len(rows)} rows, expected {PROVINCES} full rows")
        if not (rank_descending(rows.dti_score) == rows["rank"]).all():
            raise SourceFormatError(f"{path.name}: the {year} ranks are not the ranking of the scores")
        source = SOURCE.format(year=year, publisher=PUBLISHER, page=PAGES[year])
        for row_no, row in rows.iterrows():
            key = names.key(row.province, year, f"{path.name} row {row_no + 2}")
            records += [{"key": key, "indicator_code": code, "period": str(year), "value": value, "source": source}
                        for code, value in (("dti", row.dti_score), ("dti_rank", row["rank"]))]
    return actual_frame(records, registry)
