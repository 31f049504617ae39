"""Units below the province: departments and agencies of a provincial People's Committee (and the other bodies
the plans name), communes, wards and special zones from 2025-07-01, and the wards and districts before it.

A unit belongs to one province record (code + the day that record began, as provinces are identified) and is
identified within it by its code; it has a validity period inside the record's, a kind, aliases (the spellings
plans use: "Sở TTTT", "Sở Thông tin và Truyền thông") and successors. A *group* ("các cơ quan, đơn vị liên
quan", "UBND các huyện") names no single unit and says so.

Read from ``data/units/departments.yaml`` (curated, with the source of every change) and
``data/units/communes.csv`` (made by :mod:`indicators.reference.sources.communes`); pure functions, no storage.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.domain.text import nfc

KINDS = ("people_committee", "department", "agency", "party", "press", "other",
         "commune", "ward", "special_zone", "township", "district")
COMMUNE_KINDS = ("commune", "ward", "special_zone")
DEPARTMENT_KINDS = ("people_committee", "department", "agency", "party", "press", "other")
COMMUNE_COLUMNS = ["code", "valid_from", "valid_to", "kind", "name", "province_code", "province_valid_from",
                   "parent_code", "lat", "lon", "area_km2", "successor_codes"]
# a mapping (a successor, the departments of the new provinces) for which no source was found says so
UNSOURCED = "chưa có nguồn"
# between two bodies in a lead or partner cell: commas, semicolons, "và", a final full stop
_SEPARATORS = re.compile(r"^(?:[\s,;.]|\bvà\b)*$", re.IGNORECASE)


@dataclass
class Units:
    rows: list[dict[str, Any]]                       # every unit, groups included (province_code None)
    sources: dict[str, dict[str, str]]
    aliases: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    # (province code, province valid_from) → [(alias folded, unit code)], longest alias first

    def resolve(self, text: str | None, province: tuple[str, str]) -> tuple[list[str], str]:
        """The codes of the units and groups a lead or partner cell names, in the order written, and what is
        left over (empty when every word of the cell was resolved)."""
        if not text or not text.strip():
            return [], ""
        remaining = " " + nfc(text).casefold() + " "
        found: list[tuple[int, str]] = []
        for alias, code in self.aliases.get(province, []) + self.aliases.get(("", ""), []):
            start = remaining.find(alias)
            while start >= 0:
                found.append((start, code))
                remaining = remaining[:start] + " " * len(alias) + remaining[start + len(alias):]
                start = remaining.find(alias)
        codes = list(dict.fromkeys(code for _, code in sorted(found)))
        left = "" if _SEPARATORS.match(remaining) else " ".join(remaining.split()).strip(" ,;.")
        return codes, left


def load_units(data_dir: Path, provinces: list[dict[str, Any]], document: dict[str, Any],
               problems: list[str]) -> Units:
    """Units from the checked departments document and the commune file; problems are appended, each with its
    file and row or item."""
    records = {(p["code"], p["valid_from"].isoformat()): p for p in provinces}
    sources = document.get("sources", {})
    rows: list[dict[str, Any]] = []
    for group in document.get("groups", []):
        rows.append({"code": group["code"], "kind": "group", "name": group["name"],
                     "name_en": group.get("name_en"), "province_code": None, "province_valid_from": None,
                     "valid_from": None, "valid_to": None, "parent_code": None, "lat": None, "lon": None,
                     "area_km2": None, "successors": [], "aliases": [group["name"], *group.get("aliases", [])],
                     "source": None, "note": None})
    for n, block in enumerate(document.get("provinces", [])):
        where = f"departments.yaml at provinces/{n}"
        record = records.get((block["province"]["code"], block["province"]["valid_from"]))
        if record is None:
            problems.append(f"{where}, field province: no province {block['province']['code']} valid from "
                            f"{block['province']['valid_from']}")
            continue
        for m, unit in enumerate(block["units"]):
            rows.append(_department(unit, record, sources, f"{where}/units/{m} ({unit['code']})", problems))
    uniform = document.get("uniform_departments")
    if uniform:
        for block in uniform["provinces"]:
            record = records.get((block["code"], block["valid_from"]))
            if record is None:
                problems.append(f"departments.yaml at uniform_departments: no province {block['code']} valid from "
                                f"{block['valid_from']}")
                continue
            for unit in uniform["units"]:
                if any(r["code"] == f"{record['code']}-{unit['suffix']}" and r["province_code"] == record["code"]
                       and r["province_valid_from"] == record["valid_from"] for r in rows):
                    continue
                rows.append(_department({"code": f"{record['code']}-{unit['suffix']}", "kind": unit["kind"],
                                         "name": f"{unit['name']} {record['name']}", "aliases": [unit["name"]],
                                         "valid_from": record["valid_from"].isoformat(),
                                         "change_source": _source_keys(uniform["source"])},
                                        record, sources, "departments.yaml at uniform_departments", problems))
    rows += _communes(data_dir / "units" / "communes.csv", records, problems)
    units = Units(rows, sources)
    _check_units(units, problems)
    _index_aliases(units)
    return units


def _department(unit: dict[str, Any], record: dict[str, Any], sources: dict[str, Any], where: str,
                problems: list[str]) -> dict[str, Any]:
    valid_from = date.fromisoformat(unit["valid_from"]) if unit.get("valid_from") else None
    valid_to = date.fromisoformat(unit["valid_to"]) if unit.get("valid_to") else record["valid_to"]
    for name in unit.get("change_source", []):
        if name not in sources:
            problems.append(f"{where}, field change_source: unknown source '{name}'")
    if unit.get("valid_to") and not unit.get("change_source"):
        problems.append(f"{where}, field change_source: a unit that ends before its province names the source")
    successor = unit.get("successor")
    successors = []
    titles = [sources[s]["title"] for s in unit.get("change_source", []) if s in sources]
    if successor:
        successors = [(successor["code"], successor.get("province_valid_from") or record["valid_from"].isoformat())]
        for name in _source_keys(successor["source"]):
            if name not in sources:
                problems.append(f"{where}, field successor: unknown source '{name}'")
        if successor["source"] == UNSOURCED:
            titles.append(f"{UNSOURCED} ({successor['code']})")
        titles += [sources[s]["title"] for s in _source_keys(successor["source"]) if s in sources]
    return {"code": unit["code"], "kind": unit["kind"], "name": unit["name"], "name_en": None,
            "province_code": record["code"], "province_valid_from": record["valid_from"],
            "valid_from": valid_from, "valid_to": valid_to, "parent_code": None, "lat": None, "lon": None,
            "area_km2": None, "successors": successors, "aliases": [unit["name"], *unit.get("aliases", [])],
            "source": "; ".join(dict.fromkeys(titles)) or None,
            "note": unit.get("note"), "_where": where}


def _source_keys(source: list[str] | str) -> list[str]:
    """The source keys of a mapping; none for one marked as having no source found."""
    return [] if source == UNSOURCED else list(source)


def _communes(path: Path, records: dict[tuple[str, str], dict[str, Any]], problems: list[str]) -> list[dict]:
    if not path.exists():
        problems.append(f"{path.name}: file missing")
        return []
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COMMUNE_COLUMNS:
            problems.append(f"{path.name}: header is {reader.fieldnames}, expected {COMMUNE_COLUMNS}")
            return []
        for line, raw in enumerate(reader, start=2):
            where = f"{path.name} row {line}"
            record = records.get((raw["province_code"], raw["province_valid_from"]))
            if record is None:
                problems.append(f"{where}, column province_code: no province {raw['province_code']} valid from "
                                f"{raw['province_valid_from']}")
                continue
            if raw["name"] != nfc(raw["name"]):
                problems.append(f"{where}, column name: text is not NFC or has outer spaces")
            if raw["kind"] not in KINDS:
                problems.append(f"{where}, column kind: unknown kind '{raw['kind']}'")
            succ_record = record["successor_valid_from"].isoformat() if record.get("successor_valid_from") else None
            rows.append({
                "code": raw["code"], "kind": raw["kind"], "name": raw["name"], "name_en": None,
                "province_code": record["code"], "province_valid_from": record["valid_from"],
                "valid_from": date.fromisoformat(raw["valid_from"]) if raw["valid_from"] else None,
                "valid_to": date.fromisoformat(raw["valid_to"]) if raw["valid_to"] else None,
                "parent_code": raw["parent_code"] or None,
                "lat": float(raw["lat"]) if raw["lat"] else None, "lon": float(raw["lon"]) if raw["lon"] else None,
                "area_km2": float(raw["area_km2"]) if raw["area_km2"] else None,
                "successors": [(code, succ_record) for code in raw["successor_codes"].split(";") if code],
                "aliases": [], "source": "vietnamadminunits 1.0.4 (MIT)", "note": None, "_where": where})
    return rows


def _check_units(units: Units, problems: list[str]) -> None:
    """One unit per code in a province record; inside the record's period; successors that exist."""
    seen: dict[tuple, str] = {}
    existing = {(r["code"], r["province_valid_from"].isoformat()) for r in units.rows if r["province_code"]}
    for row in units.rows:
        where = row.get("_where", f"departments.yaml at groups ({row['code']})")
        key = (row["province_code"], row["province_valid_from"], row["code"])
        if key in seen:
            problems.append(f"{where}: code {row['code']} already used by {seen[key]}")
        seen[key] = where
        if row["kind"] != "group" and row["kind"] not in KINDS:
            problems.append(f"{where}, field kind: unknown kind '{row['kind']}'")
        if row["valid_from"] and row["valid_to"] and row["valid_to"] < row["valid_from"]:
            problems.append(f"{where}: ends before it starts")
        for code, record_from in row["successors"]:
            if (code, record_from) not in existing:
                problems.append(f"{where}: successor {code} (of the province record from {record_from}) is not a unit")


def _index_aliases(units: Units) -> None:
    for row in units.rows:
        if not row["aliases"]:
            continue
        record = (row["province_code"], row["province_valid_from"].isoformat()) if row["province_code"] else ("", "")
        bucket = units.aliases.setdefault(record, [])
        bucket.extend((nfc(a).casefold(), row["code"]) for a in row["aliases"])
    for bucket in units.aliases.values():
        bucket.sort(key=lambda pair: -len(pair[0]))


def lineage(units: pd.DataFrame, unit: tuple[str, date, str]) -> set[tuple[str, date, str]]:
    """The unit and every unit whose successors lead to it (Sở Nội vụ of old Tây Ninh for that of the new one,
    Sở Thông tin và Truyền thông for the Sở Khoa học và Công nghệ it went into). ``units`` as the store reads
    them (with ``successor_keys``: ``code@valid_from`` of the successor's province record)."""
    by_record: dict[tuple[str, str], tuple[str, date, str]] = {}
    for r in units.itertuples():
        day = pd.Timestamp(r.province_valid_from).date()
        by_record[(r.code, day.isoformat())] = (r.province_code, day, r.code)
    earlier: dict[tuple, list[tuple]] = {}
    for r in units.itertuples():
        here = (r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code)
        for key in str(r.successor_keys or "").split(";"):
            code, _, day = key.partition("@")
            succ = by_record.get((code, day))
            if succ is not None and succ != here:
                earlier.setdefault(succ, []).append(here)
    found, todo = {unit}, [unit]
    while todo:
        for before in earlier.get(todo.pop(), []):
            if before not in found:
                found.add(before)
                todo.append(before)
    return found
