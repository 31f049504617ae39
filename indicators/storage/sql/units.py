"""Units below the province (departments, communes, pre-2025 wards and districts), their successors and
groups; and the units an analyst adds or retires through the import engine, with their history (reference
units are data/'s, refilled by a build)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from .. import base
from .run import Executor, RowTrail, record_params

UNIT_TRAIL = RowTrail("unit_history", "unit", ("province_code", "province_valid_from", "code"))

UNIT_FIELDS = ("kind", "name", "valid_from", "valid_to", "parent_code", "lat", "lon", "area_km2", "source", "note")


class UnitReads(Executor, base.UnitReads):
    def units(self, province_key: tuple[str, date] | None = None, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
        sql = """
            SELECT u.province_code, u.province_valid_from, u.code, u.kind, u.name, u.valid_from, u.valid_to,
                   u.parent_code, u.lat, u.lon, u.area_km2, u.source, u.note, u.origin, p.name AS province_name,
                   (SELECT string_agg(s.successor_code, ';' ORDER BY s.position) FROM unit_successor s
                    WHERE s.province_code = u.province_code AND s.province_valid_from = u.province_valid_from
                      AND s.code = u.code) AS successor_codes,
                   (SELECT string_agg(s.successor_code || '@' || strftime(s.successor_province_valid_from, '%Y-%m-%d'),
                                      ';' ORDER BY s.position) FROM unit_successor s
                    WHERE s.province_code = u.province_code AND s.province_valid_from = u.province_valid_from
                      AND s.code = u.code) AS successor_keys
            FROM unit u JOIN province p ON p.code = u.province_code AND p.valid_from = u.province_valid_from
            WHERE (? IS NULL OR (u.province_code = ? AND u.province_valid_from = ?))"""
        params: list[Any] = record_params(province_key)
        if kinds:
            sql += f" AND u.kind IN ({', '.join('?' * len(kinds))})"
            params += list(kinds)
        return self._df(sql + " ORDER BY u.province_valid_from, u.province_code, u.code", params)

    def unit_validity(self) -> pd.DataFrame:
        """Every unit's key and validity, and nothing else: what a file's unit column is checked against."""
        return self._df("SELECT province_code, province_valid_from, code, valid_from, valid_to FROM unit")

    def unit_groups(self) -> pd.DataFrame:
        return self._df("SELECT code, name_vi, name_en FROM unit_group ORDER BY code")

    def unit_names(self) -> dict[tuple[str, date, str], str]:
        """(province code, province valid_from, unit code) → name, for the departments and other bodies (not the
        14,000 communes and wards: :meth:`units` reads those)."""
        rows = self._all("SELECT province_code, province_valid_from, code, name FROM unit"
                         " WHERE kind NOT IN ('commune', 'ward', 'special_zone', 'township', 'district')")
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def unit_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("SELECT * FROM unit_history WHERE (? IS NULL OR batch_id = ?) ORDER BY id",
                        [batch_id, batch_id])


class UnitWrites(Executor, base.UnitWrites):
    """Units an analyst adds or retires (the import engine's units layout)."""

    def unit_row(self, key: tuple[str, date, str]) -> dict[str, Any] | None:
        row = self._one(f"SELECT {', '.join(UNIT_FIELDS)}, origin, batch_id FROM unit WHERE province_code = ?"
                        " AND province_valid_from = ? AND code = ?", list(key))
        if row is None:
            return None
        out = dict(zip((*UNIT_FIELDS, "origin", "batch_id"), row))
        out["successors"] = [tuple(r) for r in self._all(
            "SELECT successor_code, successor_province_valid_from FROM unit_successor WHERE province_code = ?"
            " AND province_valid_from = ? AND code = ? ORDER BY position", list(key))]
        return out

    def put_unit(self, key: tuple[str, date, str], row: dict[str, Any], batch_id: int | None, *,
                 exists: bool) -> None:
        """Insert or replace an imported unit and its successors (``row["successors"]``: (code, record day))."""
        values = [row.get(c) for c in UNIT_FIELDS]
        if exists:
            self._run(f"UPDATE unit SET {', '.join(f'{c} = ?' for c in UNIT_FIELDS)}, batch_id = ?"
                      " WHERE province_code = ? AND province_valid_from = ? AND code = ?", [*values, batch_id, *key])
        else:
            self._run(f"INSERT INTO unit (province_code, province_valid_from, code, {', '.join(UNIT_FIELDS)}, origin,"
                      f" batch_id) VALUES (?, ?, ?, {', '.join('?' * len(UNIT_FIELDS))}, 'import', ?)",
                      [*key, *values, batch_id])
        self._run("DELETE FROM unit_successor WHERE province_code = ? AND province_valid_from = ? AND code = ?",
                  list(key))
        for position, (code, record_day) in enumerate(row.get("successors") or []):
            self._run("INSERT INTO unit_successor VALUES (?, ?, ?, ?, ?, ?, 'import')",
                      [*key, position, code, record_day])

    def delete_unit(self, key: tuple[str, date, str]) -> None:
        for table in ("unit_successor", "unit_alias", "unit"):
            self._run(f"DELETE FROM {table} WHERE province_code = ? AND province_valid_from = ? AND code = ?",
                      list(key))

    def log_unit(self, batch_id: int, action: str, key: tuple[str, date, str], old_row: str | None,
                 new_row: str | None, who: str, when: datetime) -> None:
        UNIT_TRAIL.log(self, batch_id, action, key, old_row, new_row, who, when)

    def unit_entries(self, batch_id: int) -> list[tuple]:
        return UNIT_TRAIL.entries(self, batch_id)

    def later_unit_batches(self, batch_id: int) -> list[int]:
        return UNIT_TRAIL.later_batches(self, batch_id)
