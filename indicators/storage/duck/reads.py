"""Every read of the DuckDB backend, shared by the store (a cursor per read) and a session (the
transaction's cursor): what the pages, the import engine, sign-in and the checks of a backup ask."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Iterator, Sequence

import pandas as pd

from ..base import TARGET_COLUMNS
from .progress import ProgressReads, UnitReads
from .sql import Executor
from .unit_index import IndexReads

# A province era as one text, ``42|2004-01-01``: what views.py matches rows of several eras on (views._key_column
# builds the same from a frame).
_PROVINCE_KEY = "{t}province_code || '|' || strftime({t}province_valid_from, '%Y-%m-%d') AS province_key"

_ACTUAL_SELECT = """
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


ALL_TABLES = ("meta", "region", "province", "province_alias", "indicator_family", "indicator",
              "indicator_method_change", "plan", "task", "target", "import_batch", "actual", "national_value",
              "actual_history", "target_history", "period_lock", "lock_history", "app_user", "audit_event",
              "unit", "unit_alias", "unit_successor", "unit_group", "task_progress", "task_progress_history",
              "unit_index_criterion", "unit_score", "unit_score_history", "unit_history")

INTEGRITY_CHECKS = {
    "province without region": "SELECT count(*) FROM province p LEFT JOIN region r ON r.code = p.region_code WHERE "
                               "r.code IS NULL",
    "successor missing": "SELECT count(*) FROM province p WHERE p.successor_code IS NOT NULL AND NOT EXISTS (SELECT 1 "
                         "FROM province q WHERE q.code = p.successor_code AND q.valid_from = p.successor_valid_from)",
    "alias without province": "SELECT count(*) FROM province_alias a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE "
                              "p.code = a.code AND p.valid_from = a.valid_from)",
    "target without plan": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = "
                           "t.plan_id)",
    "target without indicator": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE "
                                "i.code = t.indicator_code)",
    "target without province": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                               "= t.province_code AND p.valid_from = t.province_valid_from)",
    "unit without province": "SELECT count(*) FROM unit u WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                             "= u.province_code AND p.valid_from = u.province_valid_from)",
    "unit successor missing": "SELECT count(*) FROM unit_successor s WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE "
                              "u.code = s.successor_code AND u.province_valid_from = s.successor_province_valid_from)",
    "task without plan": "SELECT count(*) FROM task k WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = k.plan_id)",
    "actual without batch": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id "
                            "= a.batch_id)",
    "actual without indicator": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE "
                                "i.code = a.indicator_code)",
    "national value without batch": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM "
                                    "import_batch b WHERE b.id = n.batch_id)",
    "national value without indicator": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM "
                                        "indicator i WHERE i.code = n.indicator_code)",
    "actual without province": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code "
                               "= a.province_code AND p.valid_from = a.province_valid_from)",
}


class Reads(UnitReads, IndexReads, ProgressReads, Executor):
    """The reads; see :class:`indicators.storage.base.Reads` for what each one promises."""

    # --- reference -----------------------------------------------------------------------------

    def provinces(self) -> pd.DataFrame:
        return self._df("""
            SELECT p.code, p.name, p.full_name, p.name_ascii, p.valid_from, p.valid_to,
                   p.successor_code, p.successor_valid_from, p.region_code,
                   r.name_vi AS region_vi, r.name_en AS region_en
            FROM province p JOIN region r ON r.code = p.region_code
            ORDER BY p.valid_from, p.code""")

    def indicators(self) -> pd.DataFrame:
        return self._df("""
            SELECT i.*, f.name_vi AS family_vi, f.name_en AS family_en
            FROM indicator i JOIN indicator_family f ON f.code = i.family
            ORDER BY i.family, i.code""")

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
                   t.not_stated
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

    def tasks(self) -> pd.DataFrame:
        return self._df("""
            SELECT k.*, pl.number AS plan_number, pl.province_code, pl.province_valid_from, p.name AS province_name
            FROM task k JOIN plan pl ON pl.id = k.plan_id
            JOIN province p ON p.code = pl.province_code AND p.valid_from = pl.province_valid_from
            ORDER BY pl.issued_on, k.plan_id, k.ref""")

    def province_aliases(self) -> pd.DataFrame:
        return self._df("SELECT alias_key, code, valid_from FROM province_alias ORDER BY alias_key")

    def method_changes(self) -> pd.DataFrame:
        return self._df("SELECT * FROM indicator_method_change ORDER BY indicator_code, from_year")

    # --- actuals ---------------------------------------------------------------------------------

    def actuals(self, province_code: str | None = None, province_valid_from: date | None = None,
                indicator_code: str | None = None, period: str | None = None,
                unit_code: str | None = "") -> pd.DataFrame:
        source, params = self._actual_rows({
            "province_code": province_code, "province_valid_from": province_valid_from,
            "indicator_code": indicator_code, "period": period, "unit_code": unit_code})
        return self._df(_ACTUAL_SELECT.format(source=source, where=""), params)

    def _actual_rows(self, filters: dict[str, Any]) -> tuple[str, list]:
        """The rows of ``actual`` with the given columns equal to the given values (None: any), as a FROM
        clause and its parameters. Only the filters given, so that DuckDB prunes row groups on them; the
        PostgreSQL backend hands them to PostgreSQL, whose index finds them."""
        given = {column: value for column, value in filters.items() if value is not None}
        where = " AND ".join(f"{column} = ?" for column in given)
        return self._rows_of(f"SELECT * FROM actual{' WHERE ' + where if where else ''}", list(given.values()))

    def _rows_of(self, query: str, params: list) -> tuple[str, list]:
        """A FROM clause and its parameters for the rows of ``query`` (plain SQL that DuckDB and PostgreSQL read
        alike, ``?`` for each parameter). Here DuckDB runs it; the PostgreSQL backend has PostgreSQL's planner
        run it, where the indexes are."""
        return f"({query})", params

    def _execute(self, statement: str, params: list) -> None:
        """Run ``statement`` (plain SQL that DuckDB and PostgreSQL read alike, ``?`` for each parameter) where the
        rows are: here DuckDB runs it; the PostgreSQL backend has PostgreSQL run it, in the same transaction."""
        self._run(statement, params)

    def indicator_actuals(self, indicator_code: str) -> pd.DataFrame:
        # at ten times the country's volume this narrower read takes about two thirds of the time of actuals(),
        # because one indicator's rows are spread over the whole table
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
            source=source, key=_PROVINCE_KEY.format(t="a.")), [*params, indicator_code])

    def actual_series(self, series: pd.DataFrame) -> pd.DataFrame:
        if series.empty:
            return self._df(_ACTUAL_SELECT.format(source="actual", where=" WHERE false"))
        wanted = series[["province_code", "province_valid_from", "indicator_code"]].drop_duplicates()
        wanted = wanted.assign(province_valid_from=pd.to_datetime(wanted.province_valid_from).dt.date)
        with self._series_rows(wanted) as (cur, source, params):
            return cur.execute(_ACTUAL_SELECT.format(source=source, where=""), params).df()

    @contextmanager
    def _series_rows(self, wanted: pd.DataFrame) -> Iterator[tuple[Any, str, list]]:
        """A cursor, and the province rows of ``actual`` of the (province era, indicator) pairs of ``wanted`` as a
        FROM clause on it with its parameters (the PostgreSQL backend has PostgreSQL pick them)."""
        source = """(SELECT x.* FROM actual x SEMI JOIN wanted_series w
                     ON x.province_code = w.province_code AND x.province_valid_from = w.province_valid_from
                     AND x.indicator_code = w.indicator_code WHERE x.unit_code = '')"""
        with self._bound("wanted_series", wanted) as cur:
            yield cur, source, []

    # Which indicator has province figures in which province era, as this backend's planner finds it fastest:
    # DuckDB groups the whole table (faster here than a probe per pair); PostgreSQL probes its index once per
    # pair (PgReads.COVERAGE). Figures: docs/benchmarks.md.
    COVERAGE = ("SELECT indicator_code, province_code, province_valid_from FROM actual WHERE unit_code = ''"
                " GROUP BY 1, 2, 3")

    def actual_coverage(self) -> pd.DataFrame:
        source, params = self._rows_of(self.COVERAGE, [])
        return self._df(f"SELECT c.*, {_PROVINCE_KEY.format(t='c.')} FROM {source} c ORDER BY ALL", params)

    def national_values(self, indicator_code: str | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT n.indicator_code, n.period, n.statistic, n.period_end, n.value, n.source, n.batch_id
            FROM national_value n WHERE (? IS NULL OR n.indicator_code = ?)
            ORDER BY n.indicator_code, n.period_end, n.statistic""", [indicator_code, indicator_code])

    def stored_actuals(self, keys: pd.DataFrame) -> pd.DataFrame:
        """For each row of ``keys`` (position, province_code, province_valid_from, indicator_code, period) whose
        key is stored: its position and the stored value, source, note and batch."""
        with self._bound("incoming_keys", keys) as cur:
            return cur.execute(f"""
                SELECT i.position, a.value AS old_value, a.source AS old_source, a.note AS old_note,
                       a.batch_id AS old_batch_id
                FROM incoming_keys i JOIN actual a ON {KEY_JOIN}""").df()

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

    # --- the trail ---------------------------------------------------------------------------------

    def history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT h.id AS history_id, h.batch_id, h.action, h.province_code, h.province_valid_from, h.unit_code,
                   h.indicator_code, h.period, h.old_value, h.new_value, h.old_source, h.new_source, h.old_batch_id,
                   h.changed_by, h.changed_at, b.file_name, b.file_sha256
            FROM actual_history h LEFT JOIN import_batch b ON b.id = h.batch_id
            WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id])

    def target_history(self, batch_id: int | None = None) -> pd.DataFrame:
        return self._df("""
            SELECT h.id AS history_id, h.batch_id, h.action, h.target_id, h.old_row, h.new_row, h.changed_by,
                   h.changed_at, b.file_name, b.file_sha256
            FROM target_history h LEFT JOIN import_batch b ON b.id = h.batch_id
            WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id])

    def batches(self) -> pd.DataFrame:
        return self._df("""
            SELECT id, kind, source_kind, file_name, sheet, file_sha256, imported_by, imported_at, row_count, source,
                   undone_by, undone_at FROM import_batch ORDER BY id DESC""")

    def batch(self, batch_id: int) -> dict[str, Any] | None:
        row = self._one("SELECT source_kind, imported_by, undone_at, kind FROM import_batch WHERE id = ?", [batch_id])
        return None if row is None else dict(zip(("source_kind", "imported_by", "undone_at", "kind"), row))

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

    def data_version(self) -> tuple:
        # the database's identity, then the count and last id of the append-only change log: the count grows with
        # every committed change, even when two writers' ids commit out of order; and the time of the latest change,
        # so that two copies of one database that each took a different write never share a version
        return tuple(self._one("SELECT (SELECT value FROM meta WHERE key = 'database_id'), count(*),"
                               " coalesce(max(id), 0), coalesce(CAST(max(happened_at) AS VARCHAR), '')"
                               " FROM data_change"))

    # --- targets and plans, as the target import compares them --------------------------------------

    def plan_index(self) -> dict[str, dict[str, Any]]:
        rows = self._all("SELECT id, number, province_code, province_valid_from, issued_on, origin FROM plan")
        return {r[0]: dict(zip(("id", "number", "province_code", "province_valid_from", "issued_on", "origin"), r))
                for r in rows}

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

    # --- accounts and the audit ----------------------------------------------------------------------

    def account(self, name: str) -> dict[str, Any] | None:
        row = self._one("SELECT name, display_name, role, password_hash, disabled, unit_province_code,"
                        " unit_province_valid_from, unit_code FROM app_user WHERE name = ?", [name])
        return None if row is None else dict(zip(("name", "display_name", "role", "password_hash", "disabled",
                                                  "unit_province_code", "unit_province_valid_from", "unit_code"), row))

    def user_count(self) -> int:
        return int(self._value("SELECT count(*) FROM app_user"))

    def active_admins(self) -> int:
        return int(self._value("SELECT count(*) FROM app_user WHERE role = 'admin' AND NOT disabled"))

    def users(self) -> pd.DataFrame:
        return self._df("SELECT name, display_name, role, disabled, created_by, created_at, unit_province_code,"
                        " unit_province_valid_from, unit_code FROM app_user ORDER BY name")

    def failures_since_success(self, name: str, action: str = "sign_in", channel: str | None = None
                               ) -> tuple[int, Any]:
        row = self._one(*failures_query(name, action, channel))
        return int(row[0]), row[1]

    def signed_in_from(self, name: str, channel: str, since: datetime) -> bool:
        return self._one(*signed_in_query(name, channel, since)) is not None

    def audit_events(self, limit: int = 1000) -> pd.DataFrame:
        return self._df("SELECT happened_at, name, action, outcome, channel, detail FROM audit_event"
                        " ORDER BY id DESC LIMIT ?", [limit])

    # --- checks ----------------------------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        return {t: int(self._value(f"SELECT count(*) FROM {t}")) for t in ALL_TABLES}

    def integrity_problems(self) -> list[str]:
        found = []
        for label, sql in INTEGRITY_CHECKS.items():
            n = self._value(sql)
            if n:
                found.append(f"{label}: {n}")
        return found


def failures_query(name: str, action: str, channel: str | None) -> tuple[str, list]:
    """The statement of :meth:`Reads.failures_since_success` (PostgreSQL runs the same one itself). Each checked
    attempt began with a ``checking`` row, counted until a success or an unlock comes after it: so is one still
    being checked, or whose process died meanwhile."""
    same, which = ("", []) if channel is None else (" AND channel = ?", [channel])
    return (f"""
        SELECT count(*), max(happened_at) FROM audit_event
        WHERE action = ? AND name = ? AND outcome = 'checking'{same}
          AND id > coalesce((SELECT max(id) FROM audit_event WHERE action = ? AND name = ?
                             AND (outcome = 'unlocked' OR (outcome = 'ok'{same}))), -1)""",
            [action, name, *which, action, name, *which])


def signed_in_query(name: str, channel: str, since: datetime) -> tuple[str, list]:
    return ("SELECT 1 FROM audit_event WHERE action = 'sign_in' AND name = ? AND channel = ? AND outcome = 'ok'"
            " AND happened_at >= ? LIMIT 1", [name, channel, since])
