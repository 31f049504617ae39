"""Plans and their targets: what the pages judge, what the target import compares and writes, and their
history (each change as the whole row, old and new, in JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence

import pandas as pd

from .. import base
from ..base import TARGET_COLUMNS
from .run import Executor

_PLAN_INDEX = ("id", "number", "province_code", "province_valid_from", "issued_on", "origin")


class TargetReads(Executor, base.TargetReads):
    def plans(self) -> pd.DataFrame:
        return self._df("""
            SELECT pl.*, p.name AS province_name,
                   (SELECT count(*) FROM target t WHERE t.plan_id = pl.id) AS target_count,
                   (SELECT count(*) FROM task k WHERE k.plan_id = pl.id) AS task_count
            FROM plan pl JOIN province p ON p.code = pl.province_code AND p.valid_from = pl.province_valid_from
            ORDER BY pl.issued_on""")

    def targets(self, province_keys: Sequence[tuple[str, date]] | None = None) -> pd.DataFrame:
        sql = """
            SELECT t.id AS target_id, t.province_code, p.name AS province_name, t.province_valid_from,
                   t.indicator_code, i.name_vi AS indicator_name_vi, i.name_en AS indicator_name_en,
                   i.unit, i.direction, t.comparator, t.target_value, t.target_high,
                   t.baseline_period, t.baseline_value, t.start_period, t.deadline_period, t.recurring,
                   pl.number AS plan_number, pl.id AS plan_id, t.source_quote, t.note, t.owner_unit_code,
                   t.not_stated, t.reform_area
            FROM target t
            JOIN plan pl ON pl.id = t.plan_id
            JOIN province p ON p.code = t.province_code AND p.valid_from = t.province_valid_from
            JOIN indicator i ON i.code = t.indicator_code"""
        params: list[Any] = []
        if province_keys is not None:
            if not province_keys:
                return self._df(sql + " WHERE false")
            sql += " WHERE (t.province_code, t.province_valid_from) IN (SELECT * FROM (VALUES %s))" % (
                ", ".join(["(?, ?)"] * len(province_keys)))
            for code, valid_from in province_keys:
                params += [code, valid_from]
        return self._df(sql + " ORDER BY pl.issued_on, t.id", params)

    def target_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT h.id AS history_id, h.batch_id, h.action, h.target_id, h.old_row, h.new_row, h.changed_by,
                   h.changed_at, b.file_name, b.file_sha256
            FROM target_history h LEFT JOIN import_batch b ON b.id = h.batch_id
            WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id])

    def plan_index(self) -> dict[str, dict[str, Any]]:
        rows = self._all(f"SELECT {', '.join(_PLAN_INDEX)} FROM plan")
        return {r[0]: dict(zip(_PLAN_INDEX, r)) for r in rows}

    def target_keys(self) -> pd.DataFrame:
        return self._df("""
            SELECT t.id AS old_id, t.plan_id, t.indicator_code, t.deadline_period, t.origin,
                   t.target_value AS old_value, t.comparator AS old_comparator, t.target_high AS old_high,
                   t.source_quote AS old_quote
            FROM target t""")

    def target_row(self, target_id: str) -> dict[str, Any] | None:
        """The stored target as its columns (and its batch), or None."""
        row = self._one(f"SELECT {', '.join(TARGET_COLUMNS)}, batch_id FROM target WHERE id = ?", [target_id])
        return None if row is None else dict(zip(TARGET_COLUMNS + ["batch_id"], row))

    def plan_exists(self, plan_id: str) -> bool:
        return self._one("SELECT 1 FROM plan WHERE id = ?", [plan_id]) is not None

    def imported_plans(self) -> pd.DataFrame:
        return self._df("SELECT * FROM plan WHERE origin = 'import'")

    def plan_target_count(self, plan_id: str) -> int:
        return int(self._value("SELECT count(*) FROM target WHERE plan_id = ?", [plan_id]))


class TargetWrites(Executor, base.TargetWrites):
    def insert_plan(self, plan: dict[str, Any], batch_id: int) -> None:
        self._run("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, issued_on,"
                  " period_start, period_end, title, source_file, origin, batch_id)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?)",
                  [plan["id"], plan["number"], plan["doc_type"], plan["issuer"], plan["province_code"],
                   plan["province_valid_from"], plan["issued_on"], plan["period_start"], plan["period_end"],
                   plan["title"], plan["source_file"], batch_id])

    def insert_target(self, values: dict[str, Any], batch_id: int) -> None:
        self._run(f"INSERT INTO target ({', '.join(TARGET_COLUMNS)}, origin, batch_id)"
                  f" VALUES ({', '.join('?' * len(TARGET_COLUMNS))}, 'import', ?)",
                  [values[c] for c in TARGET_COLUMNS] + [batch_id])

    def update_target(self, target_id: str, values: dict[str, Any], batch_id: int) -> None:
        self._run(f"UPDATE target SET {', '.join(f'{c} = ?' for c in TARGET_COLUMNS[1:])}, batch_id = ? WHERE id = ?",
                  [values[c] for c in TARGET_COLUMNS[1:]] + [batch_id, target_id])

    def delete_target(self, target_id: str) -> None:
        self._run("DELETE FROM target WHERE id = ?", [target_id])

    def delete_imported_plan(self, plan_id: str) -> None:
        self._run("DELETE FROM plan WHERE id = ? AND origin = 'import'", [plan_id])

    def log_target(self, batch_id: int, action: str, target_id: str, old_row: str | None, new_row: str | None,
                   who: str, when: datetime) -> None:
        self._run("INSERT INTO target_history (batch_id, action, target_id, old_row, new_row, changed_by, changed_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", [batch_id, action, target_id, old_row, new_row, who, when])

    def target_entries(self, batch_id: int) -> list[tuple[str, str, str | None]]:
        """(action, target or plan id, old row) of what ``batch_id`` did, newest first."""
        return self._all("SELECT action, target_id, old_row FROM target_history WHERE batch_id = ?"
                         " AND action IN ('insert', 'replace', 'insert_plan') ORDER BY id DESC", [batch_id])

    def later_target_batches(self, batch_id: int) -> list[int]:
        return [r[0] for r in self._all("""
            SELECT DISTINCT t.batch_id FROM target_history h JOIN target t ON t.id = h.target_id
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND t.batch_id <> ?""", [batch_id, batch_id])]
