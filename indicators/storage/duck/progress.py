"""Reads and writes of units and task progress for the DuckDB backend (mixed into :mod:`.reads` and
:mod:`.writes`). A progress row is keyed by (plan, task ref, occurrence); its history keeps the whole row, old
and new, as JSON, like a target's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from .sql import Executor

PROGRESS_COLUMNS = ("status", "completed_on", "evidence", "evidence_date", "note")


def record_params(province_key: tuple[str, date] | None) -> list[Any]:
    """The parameters of ``(? IS NULL OR (province_code = ? AND province_valid_from = ?))``: one province
    record, or every one."""
    return [None, None, None] if province_key is None else [province_key[0], *province_key]


class ProgressReads(Executor):
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

    def task_progress(self) -> pd.DataFrame:
        return self._df("""
            SELECT plan_id, ref, occurrence, status, completed_on, evidence, evidence_date, note, batch_id
            FROM task_progress ORDER BY plan_id, ref, occurrence""")

    def progress_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT h.id AS history_id, h.batch_id, h.action, h.plan_id, h.ref, h.occurrence, h.old_row, h.new_row,
                   h.changed_by, h.changed_at, b.file_name, b.file_sha256
            FROM task_progress_history h LEFT JOIN import_batch b ON b.id = h.batch_id
            WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id])


class ProgressWrites(ProgressReads):
    def write_progress(self, key: tuple[str, str, str], row: dict[str, Any], old: dict[str, Any] | None,
                       batch_id: int, old_json: str | None, new_json: str, who: str, when: datetime) -> None:
        """Insert or replace the progress of one occurrence, with its history row."""
        values = [row[c] for c in PROGRESS_COLUMNS]
        if old is None:
            self._run("INSERT INTO task_progress VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [*key, *values, batch_id])
        else:
            self._run("UPDATE task_progress SET status = ?, completed_on = ?, evidence = ?, evidence_date = ?,"
                      " note = ?, batch_id = ? WHERE plan_id = ? AND ref = ? AND occurrence = ?",
                      [*values, batch_id, *key])
        self._log_progress(batch_id, "insert" if old is None else "replace", key, old_json, new_json, who, when)

    def _log_progress(self, batch_id: int, action: str, key: tuple[str, str, str], old_json: str | None,
                      new_json: str | None, who: str, when: datetime) -> None:
        self._run("INSERT INTO task_progress_history (batch_id, action, plan_id, ref, occurrence, old_row, new_row,"
                  " changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [batch_id, action, *key, old_json, new_json, who, when])

    def progress_entries(self, batch_id: int) -> list[tuple]:
        """(action, plan, ref, occurrence, old row) of what ``batch_id`` wrote, newest first."""
        return self._all("SELECT action, plan_id, ref, occurrence, old_row FROM task_progress_history"
                         " WHERE batch_id = ? AND action IN ('insert', 'replace') ORDER BY id DESC", [batch_id])

    def later_progress_batches(self, batch_id: int) -> list[int]:
        return [r[0] for r in self._all("""
            SELECT DISTINCT p.batch_id FROM task_progress_history h JOIN task_progress p
              ON p.plan_id = h.plan_id AND p.ref = h.ref AND p.occurrence = h.occurrence
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND p.batch_id <> ?""", [batch_id, batch_id])]

    def restore_progress(self, batch_id: int, key: tuple[str, str, str], old: dict[str, Any] | None,
                         who: str, when: datetime) -> None:
        """Put back what the occurrence held before ``batch_id`` (nothing: delete it), with a history row."""
        if old is None:
            self._run("DELETE FROM task_progress WHERE plan_id = ? AND ref = ? AND occurrence = ?", list(key))
        else:
            self._run("UPDATE task_progress SET status = ?, completed_on = ?, evidence = ?, evidence_date = ?,"
                      " note = ?, batch_id = ? WHERE plan_id = ? AND ref = ? AND occurrence = ?",
                      [*(old["row"][c] for c in PROGRESS_COLUMNS), old["batch_id"], *key])
        self._log_progress(batch_id, "undo", key, None, None, who, when)

    def set_user_unit(self, name: str, unit: tuple[str, date, str] | None) -> None:
        self._run("UPDATE app_user SET unit_province_code = ?, unit_province_valid_from = ?, unit_code = ?"
                  " WHERE name = ?", [*(unit or (None, None, None)), name])


UNIT_FIELDS = ("kind", "name", "valid_from", "valid_to", "parent_code", "lat", "lon", "area_km2", "source", "note")


class UnitReads(Executor):
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

    def unit_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("SELECT * FROM unit_history WHERE (? IS NULL OR batch_id = ?) ORDER BY id",
                        [batch_id, batch_id])


class UnitWrites(UnitReads):
    """Units an analyst adds or retires (the import engine's units layout); reference units are data/'s."""

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
        self._run("INSERT INTO unit_history (batch_id, action, province_code, province_valid_from, code, old_row,"
                  " new_row, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  [batch_id, action, *key, old_row, new_row, who, when])

    def unit_entries(self, batch_id: int) -> list[tuple]:
        return self._all("SELECT action, province_code, province_valid_from, code, old_row FROM unit_history"
                         " WHERE batch_id = ? AND action IN ('insert', 'replace') ORDER BY id DESC", [batch_id])

    def later_unit_batches(self, batch_id: int) -> list[int]:
        return [r[0] for r in self._all("""
            SELECT DISTINCT u.batch_id FROM unit_history h JOIN unit u ON u.province_code = h.province_code
             AND u.province_valid_from = h.province_valid_from AND u.code = h.code
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND u.batch_id <> ?""", [batch_id, batch_id])]
