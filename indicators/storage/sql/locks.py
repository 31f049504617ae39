"""Periods locked against imports, and the history of locking and unlocking them."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from .. import base
from .run import Executor, log_change


class LockReads(Executor, base.LockReads):
    def locks(self) -> pd.DataFrame:
        return self._df("""
            SELECT l.province_code, l.province_valid_from, p.name AS province_name, l.period, l.locked_by, l.locked_at,
                   l.note
            FROM period_lock l JOIN province p ON p.code = l.province_code AND p.valid_from = l.province_valid_from
            ORDER BY l.locked_at DESC""")

    def lock_history(self) -> pd.DataFrame:
        return self._df("SELECT * FROM lock_history ORDER BY id")

    def is_locked(self, key: tuple[str, date], period: str) -> bool:
        return self._one("SELECT 1 FROM period_lock WHERE province_code = ? AND province_valid_from = ? AND period = ?",
                         [key[0], key[1], period]) is not None

    def locked_rows(self, frame: pd.DataFrame) -> list[tuple]:
        """(row, period, locked period, by, at) for each row of ``frame`` inside a locked period of its province."""
        if not self._value("SELECT count(*) FROM period_lock"):
            return []
        with self._bound("rows_to_check", frame) as cur:
            return cur.execute("""
                SELECT r.row, r.period, l.period, l.locked_by, l.locked_at FROM rows_to_check r
                JOIN period_lock l ON l.province_code = r.province_code
                 AND l.province_valid_from = CAST(r.province_valid_from AS DATE)
                 AND CAST(r.period_start AS DATE) >= l.period_start AND CAST(r.period_end AS DATE) <= l.period_end
                ORDER BY r.row""").fetchall()


class LockWrites(Executor, base.LockWrites):
    def set_lock(self, key: tuple[str, date], period: str, start: date, end: date, who: str, when: datetime,
                 note: str | None, *, lock: bool) -> None:
        where = [key[0], key[1], period]
        if lock:
            self._run("INSERT INTO period_lock VALUES (?, ?, ?, ?, ?, ?, ?, ?)", where + [start, end, who, when, note])
        else:
            self._run("DELETE FROM period_lock WHERE province_code = ? AND province_valid_from = ? AND period = ?",
                      where)
        self._run("INSERT INTO lock_history (action, province_code, province_valid_from, period, changed_by,"
                  " changed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  ["lock" if lock else "unlock", *where, who, when, note])
        log_change(self, "lock" if lock else "unlock", f"{key[0]} {period}")
