"""The actuals shipped in ``data/actuals/``: read, checked row by row, and handed to the build.

Each file listed in ``data/actuals/sources.yaml`` becomes one import batch named after its source.
Province files carry the project's columns (province key, indicator, period, value, source);
the national file carries figures that belong to the whole country (a national mean), kept apart
from the provinces so a chart can draw them as a reference line. Every problem names the file,
the row (as a spreadsheet shows it, header = row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.domain.periods import PeriodError, parse_period
from indicators.domain.text import nfc
from indicators.reference.loader import DATA_DIR, ReferenceData, ReferenceDataError, read_checked_yaml
from indicators.reference.sources import ACTUAL_COLUMNS

NATIONAL_COLUMNS = ["indicator_code", "period", "statistic", "value", "source"]
STATISTICS = ("mean", "best", "median")


@dataclass(frozen=True)
class ActualFile:
    name: str
    scope: str  # "province" or "national"
    source: str
    sha256: str
    rows: pd.DataFrame


def load_actual_files(reference: ReferenceData, data_dir: Path = DATA_DIR) -> list[ActualFile]:
    """Every file of ``data/actuals/sources.yaml``, checked; raise ReferenceDataError on any problem."""
    problems: list[str] = []
    folder = data_dir / "actuals"
    spec = read_checked_yaml(folder / "sources.yaml", data_dir / "schema" / "actual_sources.schema.json", problems)
    if problems:
        raise ReferenceDataError(problems)
    checker = _RowChecker(reference, problems)
    files = []
    for entry in spec["files"]:
        path = folder / entry["file"]
        if not path.exists():
            problems.append(f"actuals/{entry['file']}: listed in sources.yaml but missing")
            continue
        content = path.read_bytes()
        rows = checker.check(entry["file"], entry["scope"], content)
        files.append(ActualFile(entry["file"], entry["scope"], " ".join(entry["source"].split()),
                                hashlib.sha256(content).hexdigest(), rows))
    listed = {e["file"] for e in spec["files"]}
    problems += [f"actuals/{p.name}: not listed in sources.yaml" for p in folder.glob("*.csv") if p.name not in listed]
    if problems:
        raise ReferenceDataError(problems)
    return files


class _RowChecker:
    def __init__(self, reference: ReferenceData, problems: list[str]):
        self.indicators = {i["code"]: i for i in reference.indicators}
        self.provinces = {(p["code"], p["valid_from"]): p for p in reference.provinces}
        self.problems = problems

    def check(self, name: str, scope: str, content: bytes) -> pd.DataFrame:
        columns = ACTUAL_COLUMNS if scope == "province" else NATIONAL_COLUMNS
        reader = csv.reader(io.StringIO(content.decode("utf-8")))
        header = next(reader, [])
        if header != columns:
            self.problems.append(f"actuals/{name}: header is {header}, expected {columns}")
            return pd.DataFrame(columns=columns)
        records, seen = [], {}
        for line_no, raw in enumerate(reader, start=2):
            where = f"actuals/{name} row {line_no}"
            if len(raw) != len(columns):
                self.problems.append(f"{where}: {len(raw)} cells, expected {len(columns)}")
                continue
            row = dict(zip(columns, (nfc(cell) for cell in raw)))
            record = self._province_row(row, where) if scope == "province" else self._national_row(row, where)
            if record is None:
                continue
            key = tuple(record[c] for c in columns[:-2]) if scope == "national" else \
                (record["province_code"], record["province_valid_from"], record["indicator_code"], record["period"])
            if key in seen:
                self.problems.append(f"{where}: same key as row {seen[key]}")
                continue
            seen[key] = line_no
            records.append(record)
        return pd.DataFrame(records, columns=columns)

    def _common(self, row: dict[str, str], where: str) -> dict[str, Any] | None:
        ok = True
        indicator = self.indicators.get(row["indicator_code"])
        if indicator is None:
            self.problems.append(f"{where}, column indicator_code: unknown indicator '{row['indicator_code']}'")
            ok = False
        try:
            period = parse_period(row["period"])
        except PeriodError as exc:
            self.problems.append(f"{where}, column period: {exc}")
            period, ok = None, False
        try:
            value = float(row["value"])
        except ValueError:
            self.problems.append(f"{where}, column value: '{row['value']}' is not a number")
            value, ok = None, False
        if ok and not (indicator["min_value"] <= value <= indicator.get("max_value", float("inf"))):
            self.problems.append(f"{where}, column value: {value:g} is outside {indicator['code']}'s range")
            ok = False
        if not row["source"]:
            self.problems.append(f"{where}, column source: every figure needs its source")
            ok = False
        if not ok:
            return None
        return {"indicator_code": row["indicator_code"], "period": period.text, "value": value,
                "source": row["source"], "_period": period}

    def _province_row(self, row: dict[str, str], where: str) -> dict[str, Any] | None:
        record = self._common(row, where)
        try:
            key = (row["province_code"], date.fromisoformat(row["province_valid_from"]))
        except ValueError:
            self.problems.append(f"{where}, column province_valid_from: not a date")
            return None
        province = self.provinces.get(key)
        if province is None:
            self.problems.append(f"{where}, column province_code: no province {key[0]} valid from {key[1]}")
            return None
        if row["province_name"] != province["name"]:
            self.problems.append(f"{where}, column province_name: '{row['province_name']}' is not "
                                 f"'{province['name']}', the name of {key[0]} valid from {key[1]}")
            return None
        if record is None:
            return None
        period = record.pop("_period")
        if not (province["valid_from"] <= period.end and (province["valid_to"] is None
                                                          or period.start <= province["valid_to"])):
            self.problems.append(f"{where}, column period: {province['name']} was not a province in {period.text}")
            return None
        return {"province_code": key[0], "province_valid_from": key[1], "province_name": province["name"], **record}

    def _national_row(self, row: dict[str, str], where: str) -> dict[str, Any] | None:
        record = self._common(row, where)
        if row["statistic"] not in STATISTICS:
            self.problems.append(f"{where}, column statistic: '{row['statistic']}' is not one of {STATISTICS}")
            return None
        if record is None:
            return None
        record.pop("_period")
        return {**record, "statistic": row["statistic"]}
