"""Communes, wards and special zones from 2025-07-01, and the wards and districts before it, with the
old → new conversion, carried into the project's own ``data/units/communes.csv``.

Source: the PyPI package ``vietnamadminunits`` 1.0.4 (MIT, github.com/tranngocminhhieu/vietnamadminunits), its
``data/dataset.db`` (tables ``admin_units``: the 3,321 units of the 34 provinces with official code, coordinates
and area; ``admin_units_legacy``: the 10,040 wards of the 696 districts of the 63 provinces) and
``data/converter_2025.json`` (which old ward went into which new unit; a ward divided between several new units
lists each, one of them marked as the default). Read with the standard library, not through the package's
parser, so that the file is the same whatever the package's address matching does.

The old list is the one in force until 2025-06-30; the day each old unit began is not in the source and is left
blank (``valid_from``), never guessed. A district has no successor: the level was abolished and its communes
are mapped one by one.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import unicodedata
from pathlib import Path

from indicators.reference.sources import SourceFormatError

NEW_FROM = "2025-07-01"
OLD_TO = "2025-06-30"
OLD_PROVINCE_FROM = "2004-01-01"
SOURCE = ("vietnamadminunits 1.0.4 (MIT, github.com/tranngocminhhieu/vietnamadminunits): dataset.db "
          "admin_units, admin_units_legacy; converter_2025.json")
COLUMNS = ("code", "valid_from", "valid_to", "kind", "name", "province_code", "province_valid_from",
           "parent_code", "lat", "lon", "area_km2", "successor_codes")

KINDS = {"Xã": "commune", "Phường": "ward", "Đặc khu": "special_zone", "Thị trấn": "township",
         "Huyện": "district", "Quận": "district", "Thị xã": "district", "Thành phố": "district"}


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def package_data() -> Path:
    """Where the installed package keeps its data (a test dependency; generating the file needs it)."""
    import vietnamadminunits  # noqa: PLC0415 — only the generator needs the package

    return Path(vietnamadminunits.__file__).parent / "data"


def read_units(data: Path) -> list[dict[str, str]]:
    """Every unit of both lists as rows of :data:`COLUMNS`, the new list first, each list in code order."""
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    try:
        new = db.execute("SELECT provinceCode, provinceKey, wardCode, wardKey, ward, wardType, wardLat, wardLon,"
                         " wardAreaKm2 FROM admin_units ORDER BY wardCode").fetchall()
        old = db.execute("SELECT provinceCode, provinceKey, districtCode, districtKey, district, districtType,"
                         " districtLat, districtLon, wardCode, wardKey, ward, wardType, wardLat, wardLon"
                         " FROM admin_units_legacy ORDER BY districtCode, wardCode").fetchall()
    finally:
        db.close()
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    new_code = {(p_key, w_key): code for _, p_key, code, w_key, *_ in new}
    successors = _successors(converter, new_code)

    rows = [_row((code, NEW_FROM, "", KINDS[_nfc(kind)], name, province, NEW_FROM, "", lat, lon, area, ""))
            for province, _, code, _, name, kind, lat, lon, area in new]
    districts: dict[str, list] = {}
    wards = []
    for (province, p_key, d_code, d_key, d_name, d_kind, d_lat, d_lon,
         w_code, w_key, w_name, w_kind, w_lat, w_lon) in old:
        districts.setdefault(d_code, [province, d_name, d_kind, d_lat, d_lon])
        if not w_code:      # an island district with no ward below it (Bạch Long Vĩ, Cồn Cỏ, …)
            continue
        key = f"{p_key}_{d_key}_{w_key}"
        wards.append(_row((w_code, "", OLD_TO, KINDS[_nfc(w_kind)], w_name, province, OLD_PROVINCE_FROM, d_code,
                           w_lat, w_lon, None, ";".join(successors.get(key, [])))))
    rows += [_row((code, "", OLD_TO, KINDS[_nfc(kind)], name, province, OLD_PROVINCE_FROM, "", lat, lon, None, ""))
             for code, (province, name, kind, lat, lon) in sorted(districts.items())]
    return rows + wards


def _successors(converter: dict, new_code: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    """Old ward key → the codes of the new units it went into, the default one first."""
    out: dict[str, list[str]] = {}
    for p_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for w_key, old_keys in wards.items():
            code = new_code.get((p_key, w_key))
            if code is None:
                raise SourceFormatError(f"converter names a new unit {p_key}/{w_key} the dataset does not have")
            for old_key in old_keys:
                out.setdefault(old_key, []).append(code)
    for p_key, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            codes = [new_code[(p_key, part["newWardKey"])]
                     for part in sorted(parts, key=lambda part: not part["isDefaultNewWard"])]
            out[old_key] = list(dict.fromkeys(out.get(old_key, []) + codes))
    return out


def _row(fields: tuple) -> dict[str, str]:
    """One unit's row of :data:`COLUMNS` from its fields in that order: the name in NFC, the coordinates to 5
    places and the area to 2."""
    code, valid_from, valid_to, kind, name, province, province_from, parent, lat, lon, area, successors = fields
    return dict(zip(COLUMNS, (code, valid_from, valid_to, kind, _nfc(name), province, province_from, parent,
                              _number(lat, 5), _number(lon, 5), _number(area, 2), successors), strict=True))


def write(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "data/units/communes.csv"
    units = read_units(package_data())
    write(units, target)
    print(f"{len(units)} units written to {target}")
