"""Province spellings of the 2016–2024 reference files (``pci_2017_2023/``), matched through the mapping
published beside them.

``province_names.csv`` has one row per province: ``geo_ten_tinh`` (the name of the 63-province map) and, in
one column per source file, that file's spelling (``BRVT``, ``HCMC``, ``TT-Hue``, ``TP.HCM``, the panel's codes
``HNOI``, ``ĐNANG``). A spelling is looked up in the column of its file and the map's name is resolved through
the registry for the year of the figure, so every figure lands on the province valid that year (the 63 old
provinces up to 2024).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from indicators.domain.registry import ProvinceKey, Registry
from indicators.domain.text import nfc
from indicators.reference.sources import SourceFormatError

MAPPING = "province_names.csv"


class ProvinceNames:
    """The spellings of one source file (``column`` of ``province_names.csv``) resolved to province keys."""

    def __init__(self, folder: Path, column: str, registry: Registry):
        table = pd.read_csv(folder / MAPPING, dtype=str, keep_default_na=False)
        if column not in table.columns or "geo_ten_tinh" not in table.columns:
            raise SourceFormatError(f"{MAPPING}: no column {column} or geo_ten_tinh")
        self.column = column
        self.registry = registry
        self.names: dict[str, str] = {}
        for spelling, name in zip(table[column], table["geo_ten_tinh"]):
            if nfc(spelling) in self.names:
                raise SourceFormatError(f"{MAPPING}, column {column}: '{spelling}' is listed twice")
            self.names[nfc(spelling)] = nfc(name)

    def key(self, spelling: str, year: int, where: str) -> ProvinceKey:
        """The province ``spelling`` names in ``year``; a spelling the mapping lacks names the file's place."""
        name = self.names.get(nfc(str(spelling)))
        if name is None:
            raise SourceFormatError(f"{where}: '{spelling}' is not in {MAPPING}, column {self.column}")
        return self.registry.resolve_in_period(name, date(year, 1, 1), date(year, 12, 31))
