"""Actuals: the figures of each province (and of its units), their history, and the writes and undo of a batch
of them. On PostgreSQL, the joins of an import's rows with the stored ones run there (the backend's
:class:`~indicators.storage.backend.Pushdown`), where the keys' indexes are."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Iterator

import pandas as pd

from .. import base
from .run import Executor, arrow

# A province era as one text, ``42|2004-01-01``: what views.py matches rows of several eras on (views._key_column
# builds the same from a frame).
PROVINCE_KEY = "{t}province_code || '|' || strftime({t}province_valid_from, '%Y-%m-%d') AS province_key"

ACTUAL_SELECT = """
    SELECT a.province_code, p.name AS province_name, a.province_valid_from, a.indicator_code,
           a.period, a.period_kind, a.period_end, a.value,
           coalesce(a.source, b.source) AS source, a.note, a.batch_id, a.unit_code
    FROM {source} a
    JOIN province p ON p.code = a.province_code AND p.valid_from = a.province_valid_from
    JOIN import_batch b ON b.id = a.batch_id{where}
    ORDER BY a.indicator_code, a.province_valid_from, a.province_code, a.unit_code, a.period_end, a.period"""

# How a row of an incoming frame ``i`` meets the stored actual ``a`` of the same key.
KEY_JOIN = ("a.province_code = i.province_code AND a.province_valid_from = CAST(i.province_valid_from AS DATE)"
            " AND a.unit_code = i.unit_code AND a.indicator_code = i.indicator_code AND a.period = i.period")
# How a history row ``h`` meets the stored actual ``a`` of its key.
HISTORY_JOIN = ("a.province_code = h.province_code AND a.province_valid_from = h.province_valid_from"
                " AND a.unit_code = h.unit_code AND a.indicator_code = h.indicator_code AND a.period = h.period")


class ActualReads(Executor, base.ActualReads):
    def actuals(self, province_code: str | None = None, province_valid_from: date | None = None,
                indicator_code: str | None = None, period: str | None = None,
                unit_code: str | None = "") -> pd.DataFrame:
        source, params = self._actual_rows({
            "province_code": province_code, "province_valid_from": province_valid_from,
            "indicator_code": indicator_code, "period": period, "unit_code": unit_code})
        return self._df(ACTUAL_SELECT.format(source=source, where=""), params)

    def _actual_rows(self, filters: dict[str, Any]) -> tuple[str, list]:
        """The rows of ``actual`` with the given columns equal to the given values (None: any), as a FROM
        clause and its parameters. Only the filters given, so that DuckDB prunes row groups on them, and
        PostgreSQL's index finds them."""
        given = {column: value for column, value in filters.items() if value is not None}
        where = " AND ".join(f"{column} = ?" for column in given)
        return self._rows_of(f"SELECT * FROM actual{' WHERE ' + where if where else ''}", list(given.values()))

    def indicator_actuals(self, indicator_code: str) -> pd.DataFrame:
        # narrower than actuals(): one indicator's rows are spread over the whole table (docs/benchmarks.md)
        source, params = self._actual_rows({"indicator_code": indicator_code, "unit_code": ""})
        return self._df("""
            WITH a AS (SELECT province_code, province_valid_from, period, period_end, value, source, batch_id
                       FROM {source})
            SELECT a.province_code, p.name AS province_name, a.province_valid_from, ? AS indicator_code, a.period,
                   a.period_end, a.value, coalesce(a.source, b.source) AS source, {key}
            FROM a
            JOIN province p ON p.code = a.province_code AND p.valid_from = a.province_valid_from
            JOIN import_batch b ON b.id = a.batch_id
            ORDER BY a.province_valid_from, a.province_code, a.period_end, a.period""".format(
            source=source, key=PROVINCE_KEY.format(t="a.")), [*params, indicator_code])

    def actual_series(self, series: pd.DataFrame) -> pd.DataFrame:
        if series.empty:
            return self._df(ACTUAL_SELECT.format(source="actual", where=" WHERE false"))
        wanted = series[["province_code", "province_valid_from", "indicator_code"]].drop_duplicates()
        wanted = wanted.assign(province_valid_from=pd.to_datetime(wanted.province_valid_from).dt.date)
        with self._series_rows(wanted) as (cur, source, params):
            return cur.execute(ACTUAL_SELECT.format(source=source, where=""), params).df()

    @contextmanager
    def _series_rows(self, wanted: pd.DataFrame) -> Iterator[tuple[Any, str, list]]:
        """A cursor, and the province rows of ``actual`` of the (province era, indicator) pairs of ``wanted`` as a
        FROM clause on it with its parameters (chosen by PostgreSQL where the backend pushes them down)."""
        if self.db.pushdown is not None:
            with self._cursor() as cur:
                yield cur, *self.db.pushdown.series_source(wanted)
            return
        source = """(SELECT x.* FROM actual x SEMI JOIN wanted_series w
                     ON x.province_code = w.province_code AND x.province_valid_from = w.province_valid_from
                     AND x.indicator_code = w.indicator_code WHERE x.unit_code = '')"""
        with self._bound("wanted_series", wanted) as cur:
            yield cur, source, []

    def actual_coverage(self) -> pd.DataFrame:
        source, params = self._rows_of(self.db.coverage, [])
        return self._df(f"SELECT c.*, {PROVINCE_KEY.format(t='c.')} FROM {source} c ORDER BY ALL", params)

    def national_values(self, indicator_code: str | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT n.indicator_code, n.period, n.statistic, n.period_end, n.value, n.source, n.batch_id
            FROM national_value n WHERE (? IS NULL OR n.indicator_code = ?)
            ORDER BY n.indicator_code, n.period_end, n.statistic""", [indicator_code, indicator_code])

    def stored_actuals(self, keys: pd.DataFrame) -> pd.DataFrame:
        """For each row of ``keys`` (position, province_code, province_valid_from, indicator_code, period) whose
        key is stored: its position and the stored value, source, note and batch."""
        if self.db.pushdown is not None:
            with self._cursor() as cur:
                return self.db.pushdown.stored_actuals(cur, keys)
        with self._bound("incoming_keys", keys) as cur:
            return cur.execute(f"""
                SELECT i.position, a.value AS old_value, a.source AS old_source, a.note AS old_note,
                       a.batch_id AS old_batch_id
                FROM incoming_keys i JOIN actual a ON {KEY_JOIN}""").df()

    def history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT h.id AS history_id, h.batch_id, h.action, h.province_code, h.province_valid_from, h.unit_code,
                   h.indicator_code, h.period, h.old_value, h.new_value, h.old_source, h.new_source, h.old_batch_id,
                   h.changed_by, h.changed_at, b.file_name, b.file_sha256
            FROM actual_history h LEFT JOIN import_batch b ON b.id = h.batch_id
            WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id])

    def replay_differences(self) -> int:
        return int(self._value("""
            WITH last AS (
                SELECT province_code, province_valid_from, unit_code, indicator_code, period, new_value, new_source,
                       new_note, new_batch_id
                FROM actual_history
                QUALIFY row_number() OVER (PARTITION BY province_code, province_valid_from, unit_code, indicator_code,
                                           period ORDER BY id DESC) = 1),
            replayed AS (SELECT * FROM last WHERE new_value IS NOT NULL),
            stored AS (SELECT province_code, province_valid_from, unit_code, indicator_code, period, value, source,
                              note, batch_id FROM actual)
            SELECT (SELECT count(*) FROM (SELECT * FROM replayed EXCEPT SELECT * FROM stored))
                 + (SELECT count(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM replayed))"""))


_WRITTEN = ["row", "province_code", "province_valid_from", "unit_code", "indicator_code", "period", "period_kind",
            "period_start", "period_end", "value", "source", "note", "old_value", "old_source", "old_note",
            "old_batch_id", "status"]


class ActualWrites(Executor, base.ActualWrites):
    # The reads and writes of an undo join the batch's history rows with the stored rows: on PostgreSQL they run
    # there (_rows_of, _execute), where the keys' indexes are, rather than read both tables through the extension.

    def write_actuals(self, batch_id: int, rows: pd.DataFrame, who: str, when: datetime) -> None:
        """Insert the rows whose status is ``insert`` and replace those whose status is ``change``, each with its
        history row (old and new value, source, note, batch)."""
        rows = rows if "unit_code" in rows else rows.assign(unit_code="")
        with self._bound("rows_to_write", arrow(rows[_WRITTEN])) as cur:
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
        if self.db.pushdown is not None:
            with self._cursor() as cur:
                return self.db.pushdown.replace_actuals(cur, batch_id, rows)
        frame = arrow(rows[["province_code", "province_valid_from", "unit_code", "indicator_code", "period", "value",
                            "source", "note"]])
        with self._bound("rows_to_replace", frame) as cur:
            cur.execute(f"""
                UPDATE actual a SET value = i.value, source = i.source, note = i.note, batch_id = ?
                FROM rows_to_replace i WHERE {KEY_JOIN}""", [batch_id])

    def later_actual_batches(self, batch_id: int) -> list[int]:
        """Batches that hold, now, rows that ``batch_id`` inserted or replaced."""
        source, params = self._rows_of(f"""
            SELECT DISTINCT a.batch_id FROM actual_history h JOIN actual a ON {HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND a.batch_id <> ?""", [batch_id, batch_id])
        return [r[0] for r in self._all(f"SELECT * FROM {source} b ORDER BY 1", params)]

    def units_of_batch(self, batch_id: int) -> list[base.UnitKey]:
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
            SELECT l.period FROM actual_history h JOIN actual a ON {HISTORY_JOIN}
            JOIN period_lock l ON l.province_code = h.province_code AND l.province_valid_from = h.province_valid_from
             AND l.period_start <= a.period_start AND a.period_end <= l.period_end
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') LIMIT 1""", [batch_id])
        return self._value(f"SELECT * FROM {source} l", params)

    def undo_actuals(self, batch_id: int, who: str, when: datetime) -> int:
        """Restore what ``batch_id`` replaced and delete what it inserted, with history; the rows restored."""
        source, params = self._rows_of(f"""
            SELECT count(*) AS n FROM actual_history h JOIN actual a ON {HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace')""", [batch_id])
        restored = int(self._value(f"SELECT * FROM {source} c", params))
        self._execute(f"""
            INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, unit_code, indicator_code,
                                        period, old_value, old_source, old_note, old_batch_id, new_value, new_source,
                                        new_note, new_batch_id, changed_by, changed_at)
            SELECT ?, 'undo', h.province_code, h.province_valid_from, h.unit_code, h.indicator_code, h.period,
                   a.value, a.source, a.note, a.batch_id, h.old_value, h.old_source, h.old_note, h.old_batch_id, ?, ?
            FROM actual_history h JOIN actual a ON {HISTORY_JOIN}
            WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') ORDER BY h.id""", [batch_id, who, when,
                                                                                          batch_id])
        self._execute(f"""
            UPDATE actual a SET value = h.old_value, source = h.old_source, note = h.old_note, batch_id = h.old_batch_id
            FROM actual_history h WHERE h.batch_id = ? AND h.action = 'replace' AND {HISTORY_JOIN}""", [batch_id])
        self._execute(f"""
            DELETE FROM actual a USING actual_history h WHERE h.batch_id = ? AND h.action = 'insert'
              AND {HISTORY_JOIN}""", [batch_id])
        return restored
