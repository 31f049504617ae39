"""The plans' tasks and the progress of each occurrence. A progress row is keyed by (plan, task ref,
occurrence); its history keeps the whole row, old and new, as JSON, like a target's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .. import base
from .run import Executor, RowTrail

PROGRESS_TRAIL = RowTrail("task_progress_history", "task_progress", ("plan_id", "ref", "occurrence"))

PROGRESS_COLUMNS = ("status", "completed_on", "evidence", "evidence_date", "note")
TASK_COLUMNS = ("plan_id", "ref", "area", "task", "product", "lead_body", "partners", "start_period", "deadline_period",
                "recurring", "note", "lead_unit_codes", "partner_unit_codes", "due_in_year", "section", "not_stated",
                "reform_area")
_TASK_SELECT = ", ".join(f"k.{c}" for c in TASK_COLUMNS)


class TaskReads(Executor, base.TaskReads):
    def tasks(self) -> pd.DataFrame:
        # the columns named, so that a database whose columns were added in another order (a migration run in
        # place after one of its columns was remade) reads the same frame as a new one
        return self._df(f"""
            SELECT {_TASK_SELECT}, pl.number AS plan_number, pl.province_code, pl.province_valid_from,
                   p.name AS province_name
            FROM task k JOIN plan pl ON pl.id = k.plan_id
            JOIN province p ON p.code = pl.province_code AND p.valid_from = pl.province_valid_from
            ORDER BY pl.issued_on, k.plan_id, k.ref""")

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


class TaskWrites(Executor, base.TaskWrites):
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
        PROGRESS_TRAIL.log(self, batch_id, "insert" if old is None else "replace", key, old_json, new_json, who, when)

    def progress_entries(self, batch_id: int) -> list[tuple]:
        """(action, plan, ref, occurrence, old row) of what ``batch_id`` wrote, newest first."""
        return PROGRESS_TRAIL.entries(self, batch_id)

    def later_progress_batches(self, batch_id: int) -> list[int]:
        return PROGRESS_TRAIL.later_batches(self, batch_id)

    def restore_progress(self, batch_id: int, key: tuple[str, str, str], old: dict[str, Any] | None,
                         who: str, when: datetime) -> None:
        """Put back what the occurrence held before ``batch_id`` (nothing: delete it), with a history row."""
        if old is None:
            self._run("DELETE FROM task_progress WHERE plan_id = ? AND ref = ? AND occurrence = ?", list(key))
        else:
            self._run("UPDATE task_progress SET status = ?, completed_on = ?, evidence = ?, evidence_date = ?,"
                      " note = ?, batch_id = ? WHERE plan_id = ? AND ref = ? AND occurrence = ?",
                      [*(old["row"][c] for c in PROGRESS_COLUMNS), old["batch_id"], *key])
        PROGRESS_TRAIL.log(self, batch_id, "undo", key, None, None, who, when)
