"""The province's own CCHC index of its units: criteria per province, year and scope (departments or communes),
and each unit's points at each stage (``self``: the unit's self-assessment; ``appraised``: Sở Nội vụ's
appraisal, what is published and ranked)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from .. import base
from .run import Executor, record_params

_KEY = ("s.province_code = i.province_code AND s.province_valid_from = CAST(i.province_valid_from AS DATE)"
        " AND s.unit_code = i.unit_code AND s.year = i.year AND s.stage = i.stage"
        " AND s.criterion_code = i.criterion_code")


class UnitIndexReads(Executor, base.UnitIndexReads):
    def index_criteria(self, province_key: tuple[str, date] | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT province_code, province_valid_from, year, scope, code, name, max_points, batch_id
            FROM unit_index_criterion
            WHERE (? IS NULL OR (province_code = ? AND province_valid_from = ?))
            ORDER BY province_code, year, scope, code""", record_params(province_key))

    def index_units(self) -> pd.DataFrame:
        """Every unit's key, kind, name and validity (no successors): what an index file's units are checked
        against."""
        return self._df("SELECT province_code, province_valid_from, code, kind, name, valid_from, valid_to FROM unit")

    def unit_scores(self, province_key: tuple[str, date] | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT s.province_code, s.province_valid_from, s.unit_code, u.name AS unit_name, u.kind AS unit_kind,
                   s.year, s.stage, s.criterion_code, s.points, s.note, s.batch_id
            FROM unit_score s LEFT JOIN unit u ON u.province_code = s.province_code
             AND u.province_valid_from = s.province_valid_from AND u.code = s.unit_code
            WHERE (? IS NULL OR (s.province_code = ? AND s.province_valid_from = ?))
            ORDER BY s.province_code, s.year, s.unit_code, s.stage, s.criterion_code""",
                        record_params(province_key))

    def stored_scores(self, keys: pd.DataFrame) -> pd.DataFrame:
        """For each row of ``keys`` (position + the six key columns) that is stored: position, old points, note
        and batch."""
        with self._bound("incoming_scores", keys) as cur:
            return cur.execute(f"""
                SELECT i.position, s.points AS old_points, s.note AS old_note, s.batch_id AS old_batch_id
                FROM incoming_scores i JOIN unit_score s ON {_KEY}""").df()

    def score_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("SELECT * FROM unit_score_history WHERE (? IS NULL OR batch_id = ?) ORDER BY id",
                        [batch_id, batch_id])


class UnitIndexWrites(Executor, base.UnitIndexWrites):
    def write_criteria(self, rows: pd.DataFrame, batch_id: int) -> None:
        """Criteria a batch defines for the first time (those already stored were checked to be the same)."""
        with self._bound("incoming_criteria", rows) as cur:
            cur.execute("""
                INSERT INTO unit_index_criterion SELECT province_code, CAST(province_valid_from AS DATE),
                    CAST(year AS INTEGER), scope, code, name, CAST(max_points AS DOUBLE), ?
                FROM incoming_criteria""", [batch_id])

    def write_scores(self, rows: pd.DataFrame, batch_id: int, who: str, when: datetime) -> None:
        """Insert the rows whose status is ``insert`` and replace those whose status is ``change``, with history."""
        with self._bound("incoming_scores", rows) as cur:
            cur.execute("""
                INSERT INTO unit_score_history (batch_id, action, province_code, province_valid_from, unit_code, year,
                    stage, criterion_code, old_points, old_note, old_batch_id, new_points, new_note, changed_by,
                    changed_at)
                SELECT ?, CASE status WHEN 'insert' THEN 'insert' ELSE 'replace' END, province_code,
                       CAST(province_valid_from AS DATE), unit_code, year, stage, criterion_code, old_points, old_note,
                       old_batch_id, points, note, ?, ? FROM incoming_scores""", [batch_id, who, when])
            cur.execute(f"""
                UPDATE unit_score s SET points = i.points, note = i.note, batch_id = ?
                FROM incoming_scores i WHERE i.status = 'change' AND {_KEY}""", [batch_id])
            cur.execute("""
                INSERT INTO unit_score SELECT province_code, CAST(province_valid_from AS DATE), unit_code, year, stage,
                    criterion_code, points, note, ? FROM incoming_scores WHERE status = 'insert'""", [batch_id])

    def later_score_batches(self, batch_id: int) -> list[int]:
        return [r[0] for r in self._all("""
            SELECT DISTINCT s.batch_id FROM unit_score_history h JOIN unit_score s
              ON s.province_code = h.province_code AND s.province_valid_from = h.province_valid_from
             AND s.unit_code = h.unit_code AND s.year = h.year AND s.stage = h.stage
             AND s.criterion_code = h.criterion_code
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND s.batch_id <> ?""", [batch_id, batch_id])]

    def undo_scores(self, batch_id: int, who: str, when: datetime) -> int:
        """Restore what ``batch_id`` replaced, delete what it inserted and the criteria it defined; with history."""
        join = ("s.province_code = h.province_code AND s.province_valid_from = h.province_valid_from"
                " AND s.unit_code = h.unit_code AND s.year = h.year AND s.stage = h.stage"
                " AND s.criterion_code = h.criterion_code")
        self._run(f"""
            INSERT INTO unit_score_history (batch_id, action, province_code, province_valid_from, unit_code, year,
                stage, criterion_code, old_points, old_note, old_batch_id, new_points, new_note, changed_by, changed_at)
            SELECT ?, 'undo', h.province_code, h.province_valid_from, h.unit_code, h.year, h.stage, h.criterion_code,
                   s.points, s.note, s.batch_id, h.old_points, h.old_note, ?, ?
            FROM unit_score_history h JOIN unit_score s ON {join}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') ORDER BY h.id""",
                  [batch_id, who, when, batch_id])
        restored = self._value(f"""
            UPDATE unit_score s SET points = h.old_points, note = h.old_note, batch_id = h.old_batch_id
            FROM unit_score_history h WHERE h.batch_id = ? AND h.action = 'replace' AND {join}""", [batch_id])
        deleted = self._value(f"""
            DELETE FROM unit_score s USING unit_score_history h WHERE h.batch_id = ? AND h.action = 'insert'
              AND {join}""", [batch_id])
        if self._value("SELECT count(*) FROM unit_score s JOIN unit_index_criterion c ON c.batch_id = ?"
                       " AND c.province_code = s.province_code AND c.province_valid_from = s.province_valid_from"
                       " AND c.year = s.year AND c.code = s.criterion_code", [batch_id]) == 0:
            self._run("DELETE FROM unit_index_criterion WHERE batch_id = ?", [batch_id])
        return int(restored or 0) + int(deleted or 0)
