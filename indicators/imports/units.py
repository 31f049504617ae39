"""The units layout: analysts add a unit below the province (a department set up, a commune created by a later
resolution) or retire one (its last day and its successor), with the legal source of the change.

Columns (Vietnamese or English headers): ``province`` (code or name), ``code``, ``name``, ``kind``
(department, agency, party, press, other, commune, ward, special_zone), ``source`` (the decision or resolution),
and optionally ``province_valid_from`` (which record of the province), ``valid_from``, ``valid_to``,
``successor_code`` (a unit of the same province record, or of the record that succeeded it), ``note``. The
units shipped in ``data/units`` are changed there, not here. A row equal to the stored unit is unchanged; a
changed one (a retirement) needs ``replace``. The history keeps each unit's row, old and new, as JSON; a batch
is undone as a whole.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd

from indicators.domain.registry import Registry
from indicators.domain.text import nfc
from indicators.domain.units import COMMUNE_KINDS, DEPARTMENT_KINDS
from indicators.i18n import N_, bilingual
from indicators.services.auth import User

from ..storage import ConflictError, Session, Store
from .aliases import ACTUAL_ALIASES
from .base import Context, Preview, refuse_if_changed_later
from .table import Problem, RowCells, Table, header_key, repeated_columns, role_of, unknown_headers
from .writing import Writing, changed_rows, nothing_changed

UNIT_ALIASES: dict[str, set[str]] = {
    "province": ACTUAL_ALIASES["province"] - {"donvi"},
    "province_valid_from": {"provincevalidfrom", "tinhhieuluctu"},
    "code": {"code", "unitcode", "madonvi", "ma"},
    "name": {"name", "unitname", "tendonvi", "ten"},
    "kind": {"kind", "loai", "loaidonvi"},
    "valid_from": {"validfrom", "hieuluctu", "tungay"},
    "valid_to": {"validto", "hieulucden", "denngay"},
    "successor_code": {"successorcode", "successorcodes", "donvikethua", "makethua"},
    "source": {"source", "cancu", "vanban", "nguon"},
    "note": {"note", "ghichu"},
    "info": {"provincename", "parentcode", "lat", "lon", "areakm2", "tentinh"},
}
KINDS = (*DEPARTMENT_KINDS, *COMMUNE_KINDS)
FIELDS = ("kind", "name", "valid_from", "valid_to", "source", "note")


def unit_role(key: str) -> str | None:
    return role_of(key, UNIT_ALIASES)


class UnitsLayout:
    kind: ClassVar[str] = "units"
    writer: ClassVar[str] = "analyst"
    would_change: ClassVar[str] = N_("imp_units_would_change")

    def recognises(self, keys: list[str]) -> bool:
        roles = {unit_role(k) for k in keys}
        return {"code", "name", "kind"} <= roles and "indicator" not in roles

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return unknown_headers(header, row, unit_role)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        result.kind, result.layout = "units", "units"
        roles = [unit_role(header_key(h)) for h in table.header]
        for problem in repeated_columns(table, [r if r != "info" else None for r in roles]):
            result.add(problem)
        for role in ("province", "code", "name", "kind", "source"):
            if role not in roles:
                result.add(Problem(*bilingual("imp_missing_column", role=role), row=table.header_row))
        if not result.ok:
            return
        at = {r: roles.index(r) for r in UNIT_ALIASES if r in roles and r != "info"}
        units = store.units()
        known = {(r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code) for r in units.itertuples()}
        stored = {(r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code): r for r in units.itertuples()}
        records = []
        seen: dict[tuple, int] = {}
        for row_no, cells in table.rows:
            record = _row(row_no, cells, at, table, context, result)
            if record is None:
                continue
            key = (record["province_code"], record["province_valid_from"], record["code"])
            if key in seen:
                result.add(Problem(*bilingual("imp_duplicate_unit", first=seen[key]), row=row_no))
                continue
            seen[key] = row_no
            records.append(record)
        incoming = {(r["province_code"], r["province_valid_from"], r["code"]) for r in records}
        for record in records:
            successor = record.pop("_successor")
            if successor:
                record["successors"] = _successor(record, successor, known | incoming, result)
            else:
                record["successors"] = []
            old = stored.get((record["province_code"], record["province_valid_from"], record["code"]))
            record["status"] = _status(record, old, result)
        _refuse_circular_successors(records, units, result)
        if not records and result.ok:
            result.add(Problem(*bilingual("imp_no_unit_rows"), row=table.header_row))
        if result.ok:
            result.version = store.data_version()
            result.diff = pd.DataFrame.from_records(records)

    def nothing_to_write(self, result: Preview) -> bool:
        return nothing_changed(result)

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        if tx.data_version() != result.version:
            raise ConflictError(*bilingual("imp_database_changed_since_preview"))
        return Writing(changed_rows(result), result.counts["unchanged"], source=f"units {result.file_name}",
                       note="units")

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        for r in writing.rows.to_dict("records"):
            key = (r["province_code"], r["province_valid_from"], r["code"])
            old = tx.unit_row(key)
            tx.put_unit(key, r, batch_id, exists=old is not None)
            tx.log_unit(batch_id, "insert" if old is None else "replace", key, _json(old), _json(r), acting.name,
                        now)
        tx.changed("units", f"batch {batch_id}")

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        refuse_if_changed_later(tx.later_unit_batches(batch_id), *bilingual("imp_these_units"))
        entries = tx.unit_entries(batch_id)
        for _action, province_code, valid_from, code, old_row in entries:
            key = (province_code, pd.Timestamp(valid_from).date(), code)
            if old_row is None:
                tx.delete_unit(key)
            else:
                old = json.loads(old_row)
                old["successors"] = [tuple(s) for s in old.get("successors", [])]
                for field in ("valid_from", "valid_to"):
                    old[field] = date.fromisoformat(old[field]) if old.get(field) else None
                tx.put_unit(key, old, old.get("batch_id"), exists=True)
            tx.log_unit(batch_id, "undo", key, None, None, acting.name, now)
        return len(entries)


LAYOUT = UnitsLayout()


def _json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    keep = {k: row.get(k) for k in (*FIELDS, "parent_code", "lat", "lon", "area_km2", "batch_id", "successors")}
    return json.dumps(keep, ensure_ascii=False, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def _row(row_no: int, cells: list, at: dict[str, int], table: Table, context: Context,
         result: Preview) -> dict[str, Any] | None:
    cells_ = RowCells(table, at, row_no, cells, skip=())
    if cells_.blank:
        return None
    texts, problem, problems = cells_.texts, cells_.problem, cells_.problems
    cells_.check(("province", "code", "name", "kind"))
    if not texts.get("source"):
        problem("source", *bilingual("imp_unit_needs_source"))
    days = _days(cells_)
    if texts.get("kind") and texts["kind"] not in KINDS:
        problem("kind", *bilingual("imp_unit_kind", kinds=", ".join(KINDS)))
    if texts.get("code") and not re.fullmatch(r"[0-9A-Z][0-9A-Z-]{0,31}", texts["code"]):
        problem("code", *bilingual("imp_unit_code"))
    if problems:
        return cells_.refuse(result)
    if days.get("valid_from") and days.get("valid_to") and days["valid_to"] < days["valid_from"]:
        problem("valid_to", *bilingual("imp_ends_before_start"))
    registry = context.registry
    try:
        province = _province(registry, texts["province"], days, context.today)
    except LookupError:
        problem("province", *bilingual("imp_province_not_on_day"))
        return cells_.refuse(result)
    era = next(e for e in registry.eras(province[0]) if e.valid_from == province[1])
    for role in ("valid_from", "valid_to"):
        day = days.get(role)
        if day and (day < era.valid_from or (era.valid_to and day > era.valid_to)):
            problem(role, *bilingual("imp_outside_province_validity"))
    if problems:
        return cells_.refuse(result)
    return {"row": row_no, "province_code": province[0], "province_valid_from": province[1], "code": texts["code"],
            "kind": texts["kind"], "name": nfc(texts["name"]), "valid_from": days.get("valid_from"),
            "valid_to": days.get("valid_to") or era.valid_to, "source": texts["source"],
            "note": texts.get("note") or None, "_successor": texts.get("successor_code", "")}


def _days(cells: RowCells) -> dict[str, date | None]:
    """The row's days (valid from, valid to, the province record's day); a cell that is not a date is refused."""
    days: dict[str, date | None] = {}
    for role in ("valid_from", "valid_to", "province_valid_from"):
        text = cells.texts.get(role)
        try:
            days[role] = date.fromisoformat(text[:10]) if text else None
        except ValueError:
            cells.problem(role, *bilingual("imp_not_iso_date"))
    return days


def _province(registry: Registry, text: str, days: dict[str, date | None], today: date) -> tuple[str, date]:
    """The province record the row belongs to: the one of its given day, else the one valid when the unit is;
    raises LookupError when there is none."""
    record_day = days.get("province_valid_from")
    if record_day:
        eras = [e for e in registry.eras(text) if e.valid_from == record_day]
        if not eras:
            raise LookupError(text)
        return eras[0].code, eras[0].valid_from
    return registry.resolve(text, days.get("valid_from") or days.get("valid_to") or today)


def _successor(record: dict, code: str, known: set, result: Preview) -> list[tuple]:
    """The successor as (code, province record day): in the same record, or in the record that succeeded it."""
    same = (record["province_code"], record["province_valid_from"], code)
    if code == record["code"]:
        result.add(Problem(*bilingual("imp_unit_succeeds_itself"), row=record["row"],
                           column="successor_code", value=code))
        return []
    if same in known:
        return [(code, record["province_valid_from"].isoformat())]
    later = [k for k in known if k[2] == code and k[1] > record["province_valid_from"]]
    if later:
        return [(code, min(later, key=lambda k: k[1])[1].isoformat())]
    result.add(Problem(*bilingual("imp_no_successor_unit", code=code), row=record["row"],
                       column="successor_code", value=code))
    return []


def _refuse_circular_successors(records: list[dict], units: pd.DataFrame, result: Preview) -> None:
    """Successions must lead forward: the stored successors, with the file's rows in place of the units they
    change, may not come back to a unit they started from (A → B → A). Each file row on such a circle is refused,
    and its message names the circle."""
    by_record: dict[tuple[str, str], tuple] = {}
    following: dict[tuple, list[tuple]] = {}
    for r in units.itertuples():
        day = pd.Timestamp(r.province_valid_from).date()
        by_record[(r.code, day.isoformat())] = (r.province_code, day, r.code)
    for record in records:
        node = (record["province_code"], record["province_valid_from"], record["code"])
        by_record[(record["code"], record["province_valid_from"].isoformat())] = node
    for r in units.itertuples():
        here = (r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code)
        following[here] = [k for k in (by_record.get(tuple(key.partition("@")[::2]))
                                       for key in str(r.successor_keys or "").split(";") if key) if k]
    rows = {}
    for record in records:
        node = (record["province_code"], record["province_valid_from"], record["code"])
        following[node] = [k for k in (by_record.get(s) for s in record["successors"]) if k]
        rows[node] = record["row"]
    for start, row in rows.items():
        path, step = [start], following.get(start, [])
        while step:   # a unit has one successor line in practice; every branch is followed
            nxt = step[0]
            if nxt == start:
                circle = " → ".join(n[2] for n in [*path, start])
                result.add(Problem(*bilingual("imp_circular_succession", circle=circle), row=row,
                                   column="successor_code", value=start[2]))
                break
            if nxt in path:
                break          # a circle that does not pass through this row's unit: refused at its own rows
            path.append(nxt)
            step = following.get(nxt, []) + step[1:]


def _status(record: dict, old, result: Preview) -> str:
    if old is None:
        return "insert"
    same = (old.kind == record["kind"] and old.name == record["name"]
            and _day(old.valid_from) == record["valid_from"] and _day(old.valid_to) == record["valid_to"]
            and (old.source or None) == record["source"]
            and [s.split("@")[0] for s in str(old.successor_keys or "").split(";") if s]
            == [c for c, _ in record["successors"]])
    if not same and old.origin == "reference":
        result.add(Problem(*bilingual("imp_shipped_unit"), row=record["row"]))
    return "unchanged" if same else "change"


def _day(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
