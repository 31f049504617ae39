"""Load and check the reviewed reference files under ``data/``.

Everything the database is built from passes through here: the region and
province registries (CSV), the indicator catalogue (YAML, JSON Schema) and
one YAML file per plan (JSON Schema). Each problem is reported with the file,
the row or item, and the column or field, and all problems are collected
before anything is raised, so a reviewer sees the whole list at once.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from indicators.domain.periods import PeriodError, parse_period
from indicators.domain.registry import Registry, province_keys
from indicators.domain.rules import target_problems
from indicators.domain.text import fold_ascii, nfc
from indicators.domain.units import Units, load_units

from .reform_areas import FILE as AREAS_FILE
from .reform_areas import assign_areas

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
PROVINCE_COLUMNS = ["code", "valid_from", "valid_to", "name", "full_name", "name_ascii",
                    "region", "successor_code", "aliases"]
REGION_COLUMNS = ["code", "name_vi", "name_en"]


class ReferenceDataError(ValueError):
    """The reference files are inconsistent; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("reference data has %d problem(s):\n- %s" % (len(problems), "\n- ".join(problems)))


@dataclass
class ReferenceData:
    regions: list[dict[str, str]]
    provinces: list[dict[str, Any]]
    catalogue: dict[str, Any]
    plans: list[dict[str, Any]]
    files: dict[str, Path] = field(default_factory=dict)
    units: Units | None = None

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self.catalogue["indicators"]


def load_reference(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Read every reference file under ``data_dir``; raise ReferenceDataError on any problem."""
    problems: list[str] = []
    regions = _read_csv(data_dir / "regions.csv", REGION_COLUMNS, problems)
    provinces = _read_csv(data_dir / "provinces.csv", PROVINCE_COLUMNS, problems)
    catalogue = read_checked_yaml(data_dir / "indicators.yaml", data_dir / "schema" / "indicators.schema.json",
                                  problems)
    plan_files = sorted((data_dir / "plans").glob("*.yaml"))
    plan_schema = data_dir / "schema" / "plan.schema.json"
    plans = [p for p in (read_checked_yaml(f, plan_schema, problems) for f in plan_files) if p]
    departments = read_checked_yaml(data_dir / "units" / "departments.yaml",
                                    data_dir / "schema" / "units.schema.json", problems)
    areas = read_checked_yaml(data_dir / AREAS_FILE, data_dir / "schema" / "reform_areas.schema.json", problems)
    for plan, path in zip(plans, plan_files):
        plan["_file"] = path.name
    units = None
    if not problems:
        _check_regions(regions, problems)
        provinces = _check_provinces(provinces, {r["code"] for r in regions}, problems)
        _check_catalogue(catalogue, problems)
    if not problems:
        units = load_units(data_dir, provinces, departments, problems)
        _check_plans(plans, provinces, catalogue, problems)
        _resolve_bodies(plans, units, problems)
        assign_areas(areas, plans, catalogue, problems)
    if problems:
        raise ReferenceDataError(problems)
    files = {"regions": data_dir / "regions.csv", "provinces": data_dir / "provinces.csv",
             "indicators": data_dir / "indicators.yaml", "departments": data_dir / "units" / "departments.yaml",
             "communes": data_dir / "units" / "communes.csv", "reform_areas": data_dir / AREAS_FILE}
    files.update({f"plan:{p['id']}": data_dir / "plans" / p["_file"] for p in plans})
    return ReferenceData(regions, provinces, catalogue, plans, files, units)


def _resolve_bodies(plans: list[dict[str, Any]], units: Units, problems: list[str]) -> None:
    """Every lead and partner of a task, and every target's owner, resolved to units or groups of the plan's
    province (``_lead``, ``_partners``, ``_owner``); a word left over is a problem, so nothing goes unresolved."""
    for plan in plans:
        record = (plan["province"]["code"], plan["province"]["valid_from"])
        targets = {t["id"]: t for t in plan["targets"]}
        for n, entry in enumerate(plan.get("owners", [])):
            for target_id in entry["targets"]:
                if target_id not in targets:
                    problems.append(f"{plan['_file']} at owners/{n}, field targets: no target {target_id}")
                elif "owner" in targets[target_id]:
                    problems.append(f"{plan['_file']} at owners/{n}, field targets: {target_id} has two owners")
                else:
                    targets[target_id].update(owner=entry["owner"], owner_basis=entry["basis"])
        cells = [(f"tasks/{n} ({t['ref']})", t, field_name, out)
                 for n, t in enumerate(plan["tasks"])
                 for field_name, out in (("lead_body", "_lead"), ("partners", "_partners"))]
        cells += [(f"targets/{n} ({t['id']})", t, "owner", "_owner") for n, t in enumerate(plan["targets"])]
        for n, target in enumerate(plan["targets"]):
            if ("owner" in target) == ("owner" in target.get("not_stated", [])):
                problems.append(f"{plan['_file']} at targets/{n} ({target['id']}): a target has an owner "
                                "(owners) or says 'owner' in not_stated, one of the two")
        for where, item, field_name, out in cells:
            codes, left = units.resolve(item.get(field_name), record)
            if field_name == "lead_body" and not codes and not left:
                codes = ["G-KHONG-NEU"]     # the plan names no lead body: said, not left blank
            if left:
                problems.append(f"{plan['_file']} at {where}, field {field_name}: no unit or group of province "
                                f"{record[0]} is named '{left}'")
            item[out] = codes


# --- reading -----------------------------------------------------------------------

def _read_csv(path: Path, columns: list[str], problems: list[str]) -> list[dict[str, str]]:
    if not path.exists():
        problems.append(f"{path.name}: file missing")
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != columns:
            problems.append(f"{path.name}: header is {header}, expected {columns}")
            return []
        rows = []
        for line_no, raw in enumerate(reader, start=2):
            if len(raw) != len(columns):
                problems.append(f"{path.name} row {line_no}: {len(raw)} cells, expected {len(columns)}")
                continue
            row = {}
            for column, value in zip(columns, raw):
                if value != nfc(value):
                    problems.append(f"{path.name} row {line_no}, column {column}: text is not NFC or has outer spaces")
                row[column] = nfc(value)
            row["_row"] = line_no
            rows.append(row)
    return rows


def read_checked_yaml(path: Path, schema_path: Path, problems: list[str]) -> dict[str, Any]:
    if not path.exists():
        problems.append(f"{path.name}: file missing")
        return {}
    document = _dates_to_text(yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER))
    validator = _validator(schema_path.read_text(encoding="utf-8"))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        problems.append(f"{path.name} at {where}: {error.message}")
    return document if not errors else {}


# libyaml's safe loader when PyYAML was built with it (much faster than the pure-Python one), else that one
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=8)
def _validator(schema_text: str) -> jsonschema.Draft202012Validator:
    """A compiled validator per schema text (a build reads every plan file against the same schema)."""
    return jsonschema.Draft202012Validator(json.loads(schema_text), format_checker=jsonschema.FormatChecker())


def _dates_to_text(node: Any) -> Any:
    """YAML reads 2016-07-29 as a date; the schema and the database take ISO text."""
    if isinstance(node, dict):
        return {k: _dates_to_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_to_text(v) for v in node]
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, str):
        return nfc(node)
    return node


# --- checks --------------------------------------------------------------------------

def _check_regions(regions: list[dict[str, str]], problems: list[str]) -> None:
    seen = set()
    for row in regions:
        if row["code"] in seen:
            problems.append(f"regions.csv row {row['_row']}, column code: duplicate {row['code']}")
        seen.add(row["code"])


def _parse_date(text: str, where: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}: '{text}' is not a date (YYYY-MM-DD)")
        return None


def _check_provinces(rows: list[dict[str, str]], region_codes: set[str],
                     problems: list[str]) -> list[dict[str, Any]]:
    provinces: list[dict[str, Any]] = []
    keys: set[tuple[str, date]] = set()
    for row in rows:
        where = f"provinces.csv row {row['_row']}"
        if not re.fullmatch(r"\d{2}", row["code"]):
            problems.append(f"{where}, column code: '{row['code']}' is not a two-digit code")
        valid_from = _parse_date(row["valid_from"], f"{where}, column valid_from", problems)
        valid_to = _parse_date(row["valid_to"], f"{where}, column valid_to", problems) if row["valid_to"] else None
        if valid_from and valid_to and valid_to < valid_from:
            problems.append(f"{where}, column valid_to: ends before it starts")
        if row["region"] not in region_codes:
            problems.append(f"{where}, column region: unknown region '{row['region']}'")
        if row["name_ascii"] != fold_ascii(row["name"]):
            problems.append(f"{where}, column name_ascii: expected '{fold_ascii(row['name'])}'")
        if bool(row["valid_to"]) != bool(row["successor_code"]):
            problems.append(f"{where}, column successor_code: a province that ends needs a successor, and only such a "
                            f"one")
        if (row["code"], valid_from) in keys:
            problems.append(f"{where}: duplicate key ({row['code']}, {row['valid_from']})")
        keys.add((row["code"], valid_from))
        aliases = [a.strip() for a in row["aliases"].split(";") if a.strip()]
        provinces.append({**row, "valid_from": valid_from, "valid_to": valid_to, "aliases": aliases})
    _check_successors(provinces, problems)
    _check_overlaps(provinces, problems)
    _check_alias_clashes(provinces, problems)
    return provinces


def _valid_on(province: dict[str, Any], day: date) -> bool:
    return province["valid_from"] <= day and (province["valid_to"] is None or day <= province["valid_to"])


def _check_successors(provinces: list[dict[str, Any]], problems: list[str]) -> None:
    """A province that ends has a successor valid on the next day (Hà Tây → Hà Nội in 2008, the 2025 merger)."""
    for p in provinces:
        if not p["successor_code"] or p["valid_to"] is None:
            continue
        next_day = p["valid_to"] + timedelta(days=1)
        match = [q for q in provinces if q["code"] == p["successor_code"] and _valid_on(q, next_day)]
        if not match:
            problems.append(f"provinces.csv row {p['_row']}, column successor_code: no province {p['successor_code']} "
                            f"is valid on {next_day}")
        else:
            p["successor_valid_from"] = match[0]["valid_from"]


def _check_overlaps(provinces: list[dict[str, Any]], problems: list[str]) -> None:
    by_code: dict[str, list[dict[str, Any]]] = {}
    for p in provinces:
        by_code.setdefault(p["code"], []).append(p)
    for code, eras in by_code.items():
        eras.sort(key=lambda p: p["valid_from"])
        for earlier, later in zip(eras, eras[1:]):
            if earlier["valid_to"] is None or earlier["valid_to"] >= later["valid_from"]:
                problems.append(f"provinces.csv row {later['_row']}: code {code} overlaps row {earlier['_row']}")


def _check_alias_clashes(provinces: list[dict[str, Any]], problems: list[str]) -> None:
    """No name may point at two provinces valid on the same day."""
    keys = [province_keys(p) for p in provinces]  # once each: the pairs below are n²
    for i, p in enumerate(provinces):
        for j in range(i + 1, len(provinces)):
            q = provinces[j]
            overlap = p["valid_from"] <= (q["valid_to"] or date.max) and q["valid_from"] <= (p["valid_to"] or date.max)
            if not overlap:
                continue
            shared = keys[i] & keys[j]
            if shared:
                problems.append(f"provinces.csv rows {p['_row']} and {q['_row']}: the name(s) {sorted(shared)} "
                                "point at both")


def _check_catalogue(catalogue: dict[str, Any], problems: list[str]) -> None:
    families = {f["code"] for f in catalogue["families"]}
    codes = [i["code"] for i in catalogue["indicators"]]
    for dup in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"indicators.yaml: duplicate indicator code {dup}")
    for n, ind in enumerate(catalogue["indicators"]):
        where = f"indicators.yaml at indicators/{n} ({ind['code']})"
        if ind["family"] not in families:
            problems.append(f"{where}, field family: unknown family '{ind['family']}'")
        if "parent" in ind and ind["parent"] not in codes:
            problems.append(f"{where}, field parent: unknown indicator '{ind['parent']}'")
        if ind["unit"] not in catalogue["units"]:
            problems.append(f"{where}, field unit: unit '{ind['unit']}' has no labels")
        if "max_value" in ind and ind["max_value"] < ind["min_value"]:
            problems.append(f"{where}, field max_value: below min_value")
        if ind["unit"] in ("rank", "tier") and ind["direction"] != "lower":
            problems.append(f"{where}, field direction: ranks and tiers are lower-is-better")
        replaced = ind.get("replaced_by")
        if replaced:
            successor = next((i for i in catalogue["indicators"] if i["code"] == replaced["indicator"]), None)
            if successor is None:
                problems.append(f"{where}, field replaced_by: unknown indicator '{replaced['indicator']}'")
            elif (successor["unit"], successor["direction"]) != (ind["unit"], ind["direction"]):
                problems.append(f"{where}, field replaced_by: {successor['code']} has another unit or direction")


def _check_plans(plans: list[dict[str, Any]], provinces: list[dict[str, Any]],
                 catalogue: dict[str, Any], problems: list[str]) -> None:
    indicators = {i["code"]: i for i in catalogue["indicators"]}
    province_index = {(p["code"], p["valid_from"].isoformat()): p for p in provinces}
    plan_ids: set[str] = set()
    target_ids: set[str] = set()
    for plan in plans:
        where = plan["_file"]
        if plan["id"] in plan_ids:
            problems.append(f"{where}, field id: duplicate plan id {plan['id']}")
        plan_ids.add(plan["id"])
        key = (plan["province"]["code"], plan["province"]["valid_from"])
        province = province_index.get(key)
        if province is None:
            problems.append(f"{where}, field province: no province {key[0]} valid from {key[1]}")
        elif not _valid_on(province, date.fromisoformat(plan["issued_on"])):
            problems.append(f"{where}, field province: province {key[0]} was not valid on {plan['issued_on']}")
        for n, target in enumerate(plan["targets"]):
            _check_target(target, f"{where} at targets/{n} ({target['id']})", indicators, target_ids, problems)
        refs = [t["ref"] for t in plan["tasks"]]
        for dup in sorted({r for r in refs if refs.count(r) > 1}):
            problems.append(f"{where}: duplicate task ref {dup}")
        for n, task in enumerate(plan["tasks"]):
            if parse_period(task["deadline"]).end < parse_period(task["start"]).start:
                problems.append(f"{where} at tasks/{n}, field deadline: before the start")
            _check_not_stated(plan, task, f"{where} at tasks/{n} ({task['ref']})", problems)
        for n, target in enumerate(plan["targets"]):
            _check_not_stated(plan, target, f"{where} at targets/{n} ({target['id']})", problems)


def _check_not_stated(plan: dict[str, Any], item: dict[str, Any], where: str, problems: list[str]) -> None:
    """What the plan does not state is said, consistently (see ``not_stated`` in plan.schema.json), and kept:
    ``deadline_stated`` is False where the deadline field only holds the plan's own end (its horizon)."""
    said = set(item.get("not_stated", []))
    item["not_stated"] = sorted(said)
    item["deadline_stated"] = "deadline" not in said
    if "deadline" in said and item["deadline"] != plan["period_end"]:
        problems.append(f"{where}, field deadline: not stated, so it must be the plan's period_end "
                        f"{plan['period_end']}, not {item['deadline']}")
    if "task" not in item:
        return
    item["paraphrase"] = bool(item.get("paraphrase", False))
    if ("lead_body" in said) != (not item["lead_body"].strip()):
        problems.append(f"{where}, field not_stated: an empty lead_body and 'lead_body' go together")
    if said & {"interval", "due_day"} and not item.get("recurring"):
        problems.append(f"{where}, field not_stated: 'interval' and 'due_day' are said of a recurring task only")
    if "due_day" in said and item.get("due_in_year"):
        problems.append(f"{where}, field not_stated: 'due_day' with a due_in_year")


def _check_target(target: dict[str, Any], where: str, indicators: dict[str, Any],
                  target_ids: set[str], problems: list[str]) -> None:
    if target["id"] in target_ids:
        problems.append(f"{where}, field id: duplicate target id")
    target_ids.add(target["id"])
    indicator = indicators.get(target["indicator"])
    if indicator is None:
        problems.append(f"{where}, field indicator: unknown indicator '{target['indicator']}'")
        return
    values = {name: target[name] for name in ("value", "value_high") if name in target}
    try:
        start, deadline = parse_period(target["start"]), parse_period(target["deadline"])
        if "baseline_period" in target:
            parse_period(target["baseline_period"], allow_span=True)
    except PeriodError as exc:
        problems.append(f"{where}: {exc}")
        start = deadline = None
    for name, _, en in target_problems(indicator, target["comparator"], values, start, deadline):
        problems.append(f"{where}, field {name}: {en}")


def registry_from_reference(provinces: list[dict]) -> Registry:
    """A registry straight from the reference files, for code that runs before the database exists."""
    frame = pd.DataFrame([{
        "code": p["code"], "name": p["name"], "full_name": p["full_name"],
        "valid_from": pd.Timestamp(p["valid_from"]),
        "valid_to": pd.Timestamp(p["valid_to"]) if p["valid_to"] else pd.NaT,
        "successor_code": p["successor_code"] or None,
        "successor_valid_from": pd.Timestamp(p["successor_valid_from"]) if p.get("successor_valid_from") else pd.NaT,
    } for p in provinces])
    aliases = pd.DataFrame([{"alias_key": key, "code": p["code"], "valid_from": pd.Timestamp(p["valid_from"])}
                            for p in provinces for key in sorted(province_keys(p))])
    return Registry(frame, aliases)
