"""Every write of the DuckDB backend. Only a session (inside the store's one transaction helper) has them,
so nothing is written outside a transaction; each change to what the pages show is logged in
``data_change``, whose count is the data version the pages' caches are keyed on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from ..base import TARGET_COLUMNS
from .progress import ProgressWrites, UnitWrites
from .reads import KEY_JOIN, Reads
from .sql import arrow
from .unit_index import IndexWrites

_HISTORY_JOIN = ("a.province_code = h.province_code AND a.province_valid_from = h.province_valid_from"
                 " AND a.unit_code = h.unit_code AND a.indicator_code = h.indicator_code AND a.period = h.period")


class Writes(UnitWrites, IndexWrites, ProgressWrites, Reads):
    """The writes; see :class:`indicators.storage.base.Session` for what each one promises."""

    def changed(self, kind: str, detail: str | None = None) -> None:
        self._run("INSERT INTO data_change (happened_at, kind, detail) VALUES (now()::TIMESTAMP, ?, ?)",
                  [kind, detail])

    # --- accounts and the audit ----------------------------------------------------------------------

    def record_event(self, when: datetime, name: str, action: str, outcome: str, channel: str,
                     detail: str | None) -> None:
        self._run("INSERT INTO audit_event (happened_at, name, action, outcome, channel, detail)"
                  " VALUES (?, ?, ?, ?, ?, ?)", [when, name, action, outcome, channel, detail])

    def insert_user(self, name: str, display_name: str, role: str, password_hash: str, created_by: str,
                    when: datetime) -> None:
        self._run("INSERT INTO app_user (name, display_name, role, password_hash, created_by, created_at, disabled)"
                  " VALUES (?, ?, ?, ?, ?, ?, false)",
                  [name, display_name, role, password_hash, created_by, when])

    def update_user(self, name: str, *, role: str | None = None, password_hash: str | None = None,
                    disabled: bool | None = None) -> None:
        for column, value in (("role", role), ("password_hash", password_hash), ("disabled", disabled)):
            if value is not None:  # the column name comes from this tuple, never from the caller
                self._run(f"UPDATE app_user SET {column} = ? WHERE name = ?", [value, name])

    # --- batches and actuals ------------------------------------------------------------------------

    def insert_batch(self, *, source: str, source_kind: str, file_name: str | None, file_sha256: str | None,
                     imported_by: str, imported_at: datetime, row_count: int, note: str | None, kind: str,
                     sheet: str | None) -> int:
        batch_id = self._next_id("import_batch_id")
        self._run(
            "INSERT INTO import_batch (id, source, source_kind, file_name, file_sha256, imported_by, imported_at,"
            " row_count, note, kind, sheet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, source, source_kind, file_name, file_sha256, imported_by, imported_at, row_count, note, kind,
             sheet])
        self.changed(kind, f"batch {batch_id}")
        return int(batch_id)

    def write_actuals(self, batch_id: int, rows: pd.DataFrame, who: str, when: datetime) -> None:
        """Insert the rows whose status is ``insert`` and replace those whose status is ``change``, each with its
        history row (old and new value, source, note, batch)."""
        rows = rows if "unit_code" in rows else rows.assign(unit_code="")
        frame = arrow(rows[["row", "province_code", "province_valid_from", "unit_code", "indicator_code", "period",
                            "period_kind", "period_start", "period_end", "value", "source", "note", "old_value",
                            "old_source", "old_note", "old_batch_id", "status"]])
        with self._bound("rows_to_write", frame) as cur:
            cur.execute("""
                INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, unit_code,
                                            indicator_code, period, old_value, old_source, old_note, old_batch_id,
                                            new_value, new_source, new_note, new_batch_id, changed_by, changed_at)
                SELECT ?, CASE status WHEN 'insert' THEN 'insert' ELSE 'replace' END, province_code,
                       province_valid_from, unit_code, indicator_code, period, old_value, old_source, old_note,
                       old_batch_id, value, source, note, ?, ?, ? FROM rows_to_write""",
                        [batch_id, batch_id, who, when])
            cur.execute("""
                INSERT INTO actual (province_code, province_valid_from, unit_code, indicator_code, period, period_kind,
                                    period_start, period_end, value, source, batch_id, note)
                SELECT province_code, province_valid_from, unit_code, indicator_code, period, period_kind,
                       period_start, period_end, value, source, ?, note FROM rows_to_write WHERE status = 'insert'""",
                        [batch_id])
        changes = rows[rows.status == "change"]
        if len(changes):
            self._replace_actuals(batch_id, changes)

    def _replace_actuals(self, batch_id: int, rows: pd.DataFrame) -> None:
        """The stored figures of ``rows``' keys replaced by ``rows``' value, source and note, under ``batch_id``."""
        frame = arrow(rows[["province_code", "province_valid_from", "unit_code", "indicator_code", "period", "value",
                            "source", "note"]])
        with self._bound("rows_to_replace", frame) as cur:
            cur.execute(f"""
                UPDATE actual a SET value = i.value, source = i.source, note = i.note, batch_id = ?
                FROM rows_to_replace i WHERE {KEY_JOIN}""", [batch_id])

    def mark_undone(self, batch_id: int, who: str, when: datetime) -> None:
        self._run("UPDATE import_batch SET undone_by = ?, undone_at = ? WHERE id = ?", [who, when, batch_id])
        self.changed("undo", f"batch {batch_id}")

    # The reads and writes of an undo join the batch's history rows with the stored rows: on PostgreSQL they run
    # there (_rows_of, _execute), where the keys' indexes are, rather than read both tables through the extension.

    def later_actual_batches(self, batch_id: int) -> list[int]:
        """Batches that hold, now, rows that ``batch_id`` inserted or replaced."""
        source, params = self._rows_of(f"""
            SELECT DISTINCT a.batch_id FROM actual_history h JOIN actual a ON {_HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND a.batch_id <> ?""", [batch_id, batch_id])
        return [r[0] for r in self._all(f"SELECT * FROM {source} b ORDER BY 1", params)]

    def units_of_batch(self, batch_id: int) -> list[tuple[str, date, str]]:
        """Every (province, its valid_from, unit code) whose figures or scores ``batch_id`` wrote, from the history
        ('' is the province itself; '*' marks criteria of the province's unit index that the batch defined)."""
        source, params = self._rows_of("""
            SELECT DISTINCT province_code, province_valid_from, unit_code FROM actual_history WHERE batch_id = ?
            UNION SELECT DISTINCT province_code, province_valid_from, unit_code FROM unit_score_history
            WHERE batch_id = ?
            UNION SELECT DISTINCT province_code, province_valid_from, '*' FROM unit_index_criterion
            WHERE batch_id = ?""", [batch_id, batch_id, batch_id])
        return [(r[0], r[1], r[2]) for r in self._all(f"SELECT * FROM {source} u ORDER BY 1, 2, 3", params)]

    def missing_old_batches(self, batch_id: int) -> list[int]:
        """Batches whose figures ``batch_id`` replaced and which no longer exist (reference data rebuilt)."""
        source, params = self._rows_of("""
            SELECT DISTINCT h.old_batch_id FROM actual_history h WHERE h.batch_id = ? AND h.action = 'replace'
            AND NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = h.old_batch_id)""", [batch_id])
        return [r[0] for r in self._all(f"SELECT * FROM {source} m ORDER BY 1", params)]

    def locked_period_of_batch(self, batch_id: int) -> str | None:
        """A locked period that holds a row of ``batch_id``, if any."""
        if not self._value("SELECT count(*) FROM period_lock"):
            return None
        source, params = self._rows_of(f"""
            SELECT l.period FROM actual_history h JOIN actual a ON {_HISTORY_JOIN}
            JOIN period_lock l ON l.province_code = h.province_code AND l.province_valid_from = h.province_valid_from
             AND l.period_start <= a.period_start AND a.period_end <= l.period_end
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') LIMIT 1""", [batch_id])
        return self._value(f"SELECT * FROM {source} l", params)

    def undo_actuals(self, batch_id: int, who: str, when: datetime) -> int:
        """Restore what ``batch_id`` replaced and delete what it inserted, with history; the rows restored."""
        source, params = self._rows_of(f"""
            SELECT count(*) AS n FROM actual_history h JOIN actual a ON {_HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace')""", [batch_id])
        restored = int(self._value(f"SELECT * FROM {source} c", params))
        self._execute(f"""
            INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, unit_code, indicator_code,
                                        period, old_value, old_source, old_note, old_batch_id, new_value, new_source,
                                        new_note, new_batch_id, changed_by, changed_at)
            SELECT ?, 'undo', h.province_code, h.province_valid_from, h.unit_code, h.indicator_code, h.period,
                   a.value, a.source, a.note, a.batch_id, h.old_value, h.old_source, h.old_note, h.old_batch_id, ?, ?
            FROM actual_history h JOIN actual a ON {_HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') ORDER BY h.id""", [batch_id, who, when,
                                                                                          batch_id])
        self._execute(f"""
            UPDATE actual a SET value = h.old_value, source = h.old_source, note = h.old_note, batch_id = h.old_batch_id
            FROM actual_history h WHERE h.batch_id = ? AND h.action = 'replace' AND {_HISTORY_JOIN}""", [batch_id])
        self._execute("""
            DELETE FROM actual a USING actual_history h WHERE h.batch_id = ? AND h.action = 'insert'
              AND a.province_code = h.province_code AND a.province_valid_from = h.province_valid_from
              AND a.unit_code = h.unit_code AND a.indicator_code = h.indicator_code AND a.period = h.period""",
                      [batch_id])
        return restored

    # --- period locks ---------------------------------------------------------------------------------

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
        self.changed("lock" if lock else "unlock", f"{key[0]} {period}")

    # --- targets and plans -------------------------------------------------------------------------------

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
