"""The one module that speaks SQL.

A :class:`Store` owns the path of the DuckDB file; every query goes through
a fresh cursor of its connection (a DuckDB connection is not thread-safe,
its cursors are), and every value is passed as a parameter. Pages and the
CLI call the methods here and receive pandas DataFrames.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from .errors import Bilingual
from .periods import parse_period
from .actual_files import ActualFile, load_actual_files
from .reference import DATA_DIR, ReferenceData, load_reference, province_keys

DEFAULT_DB = DATA_DIR / "kpi.duckdb"
SCHEMA_VERSION = "3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS region (
    code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS province (
    code VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE,
    name VARCHAR NOT NULL, full_name VARCHAR NOT NULL, name_ascii VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL, successor_code VARCHAR, successor_valid_from DATE,
    PRIMARY KEY (code, valid_from));
CREATE TABLE IF NOT EXISTS province_alias (
    alias_key VARCHAR NOT NULL, code VARCHAR NOT NULL, valid_from DATE NOT NULL,
    PRIMARY KEY (alias_key, code, valid_from));
CREATE TABLE IF NOT EXISTS indicator_family (
    code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS indicator (
    code VARCHAR PRIMARY KEY, family VARCHAR NOT NULL, parent_code VARCHAR,
    name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    unit VARCHAR NOT NULL, unit_vi VARCHAR NOT NULL, unit_en VARCHAR NOT NULL,
    decimals INTEGER NOT NULL, direction VARCHAR NOT NULL,
    min_value DOUBLE NOT NULL, max_value DOUBLE,
    publisher VARCHAR NOT NULL, frequency VARCHAR NOT NULL, first_year INTEGER, notes VARCHAR);
CREATE TABLE IF NOT EXISTS indicator_method_change (
    indicator_code VARCHAR NOT NULL, from_year INTEGER NOT NULL,
    note_vi VARCHAR NOT NULL, note_en VARCHAR NOT NULL, PRIMARY KEY (indicator_code, from_year));
CREATE TABLE IF NOT EXISTS plan (
    id VARCHAR PRIMARY KEY, number VARCHAR NOT NULL, doc_type VARCHAR NOT NULL, issuer VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, issued_on DATE NOT NULL,
    period_start VARCHAR NOT NULL, period_end VARCHAR NOT NULL, title VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS target (
    id VARCHAR PRIMARY KEY, plan_id VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, comparator VARCHAR NOT NULL,
    target_value DOUBLE NOT NULL, target_high DOUBLE,
    baseline_period VARCHAR, baseline_value DOUBLE,
    start_period VARCHAR NOT NULL, deadline_period VARCHAR NOT NULL, recurring BOOLEAN NOT NULL,
    source_quote VARCHAR NOT NULL, note VARCHAR, origin VARCHAR NOT NULL DEFAULT 'reference');
CREATE TABLE IF NOT EXISTS task (
    plan_id VARCHAR NOT NULL, ref VARCHAR NOT NULL, area VARCHAR NOT NULL, task VARCHAR NOT NULL,
    product VARCHAR, lead_body VARCHAR, partners VARCHAR,
    start_period VARCHAR NOT NULL, deadline_period VARCHAR NOT NULL, recurring BOOLEAN NOT NULL,
    note VARCHAR, PRIMARY KEY (plan_id, ref));
CREATE SEQUENCE IF NOT EXISTS import_batch_id START 1;
CREATE TABLE IF NOT EXISTS import_batch (
    id BIGINT PRIMARY KEY DEFAULT nextval('import_batch_id'),
    source VARCHAR NOT NULL, source_kind VARCHAR NOT NULL, file_name VARCHAR, file_sha256 VARCHAR,
    imported_by VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL, row_count INTEGER NOT NULL,
    note VARCHAR);
CREATE TABLE IF NOT EXISTS actual (
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL, period_kind VARCHAR NOT NULL,
    period_start DATE NOT NULL, period_end DATE NOT NULL,
    value DOUBLE NOT NULL, source VARCHAR, batch_id BIGINT NOT NULL, note VARCHAR,
    PRIMARY KEY (province_code, province_valid_from, indicator_code, period));
CREATE SEQUENCE IF NOT EXISTS history_id START 1;
CREATE TABLE IF NOT EXISTS actual_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL,
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
    old_value DOUBLE, old_source VARCHAR, old_note VARCHAR, old_batch_id BIGINT,
    new_value DOUBLE, new_source VARCHAR, new_note VARCHAR,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS target_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), batch_id BIGINT NOT NULL, action VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL, old_row VARCHAR, new_row VARCHAR,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS period_lock (
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, period VARCHAR NOT NULL,
    period_start DATE NOT NULL, period_end DATE NOT NULL, locked_by VARCHAR NOT NULL,
    locked_at TIMESTAMP NOT NULL, note VARCHAR,
    PRIMARY KEY (province_code, province_valid_from, period));
CREATE TABLE IF NOT EXISTS lock_history (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), action VARCHAR NOT NULL,
    province_code VARCHAR NOT NULL, province_valid_from DATE NOT NULL, period VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL, note VARCHAR);
CREATE TABLE IF NOT EXISTS app_user (
    name VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS audit_event (
    id BIGINT NOT NULL DEFAULT nextval('history_id'), happened_at TIMESTAMP NOT NULL, name VARCHAR NOT NULL,
    action VARCHAR NOT NULL, outcome VARCHAR NOT NULL, channel VARCHAR NOT NULL, detail VARCHAR);
CREATE TABLE IF NOT EXISTS national_value (
    indicator_code VARCHAR NOT NULL, period VARCHAR NOT NULL, statistic VARCHAR NOT NULL,
    period_end DATE NOT NULL, value DOUBLE NOT NULL, source VARCHAR NOT NULL, batch_id BIGINT NOT NULL,
    PRIMARY KEY (indicator_code, period, statistic));
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'actuals';
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS sheet VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS undone_by VARCHAR;
ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP;
ALTER TABLE plan ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'reference';
ALTER TABLE plan ADD COLUMN IF NOT EXISTS batch_id BIGINT;
ALTER TABLE target ADD COLUMN IF NOT EXISTS batch_id BIGINT;
ALTER TABLE actual_history ADD COLUMN IF NOT EXISTS new_batch_id BIGINT;
"""

# Reference tables, in the order they are emptied and refilled by build().
REFERENCE_TABLES = ("region", "province", "province_alias", "indicator_family", "indicator",
                    "indicator_method_change", "plan", "task")
ALL_TABLES = ("meta", *REFERENCE_TABLES, "target", "import_batch", "actual", "national_value", "actual_history",
              "target_history", "period_lock", "lock_history", "app_user", "audit_event")


def default_db_path() -> Path:
    """``KPI_DB`` when set, else ``data/kpi.duckdb``."""
    return Path(os.environ.get("KPI_DB") or DEFAULT_DB)


def open_read_only(path: Path | str | None = None, build: bool = True) -> "Store":
    """A read-only store on ``path``. With ``build`` (the default), a missing or unbuilt file is built first
    (that takes the write lock); without it, a reading command never writes: a missing, unbuilt or damaged
    file is a :class:`DatabaseUnusable` that says what to do."""
    reader = Store(path, read_only=True)
    if reader.path.exists():
        if built_or_refused(reader):
            return reader
        reader.close()
        if not build:
            raise DatabaseUnusable(
                f"{reader.path} chưa được dựng hoặc thuộc phiên bản cũ: chạy `python3 -m indicators build --if-needed`",
                f"{reader.path} is not built, or was built by an older version: run "
                "`python3 -m indicators build --if-needed`")
    elif not build:
        raise DatabaseUnusable(f"không có cơ sở dữ liệu {reader.path}: chạy `python3 -m indicators build --if-needed`",
                               f"there is no database at {reader.path}: run `python3 -m indicators build --if-needed`")
    writer = open_writable(reader.path)
    writer.close()
    return Store(reader.path, read_only=True)


def open_writable(path: Path | str | None = None) -> "Store":
    """The read-write store on ``path`` (built first if the file is new or from an older schema): the
    dashboard server's single connection, or a CLI command that writes while the server is stopped.
    A damaged file is a :class:`DatabaseUnusable`; a file held by another process keeps DuckDB's lock error."""
    store = Store(path)
    try:
        if not built_or_refused(store):
            store.build()
    except BaseException:
        store.close()
        raise
    return store


def built_or_refused(store: "Store") -> bool:
    """``store.is_built()``, with a file that cannot be opened at all as a :class:`DatabaseUnusable` (the store
    is closed then); DuckDB's own error is kept for a lock held by another process or connection."""
    try:
        return store.is_built()
    except duckdb.Error as exc:
        store.close()
        if not _is_damage(exc):
            raise
        raise DatabaseUnusable(*_unusable(store.path, exc)) from None


StoreError = duckdb.Error  # what the store's engine raises, for callers that must not import it


def held_by_another(exc: BaseException) -> bool:
    """Whether the error is DuckDB's file lock: another process (the dashboard server) holds the database."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _is_damage(exc: BaseException) -> bool:
    """Whether DuckDB's error says the file itself is unusable (not a lock held by another process, nor a second
    connection of this process)."""
    text = str(exc)
    if held_by_another(exc):
        return False
    return isinstance(exc, (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException)) \
        or "not a valid DuckDB database" in text or "orrupt" in text


def _unusable(path: Path, exc: BaseException) -> tuple[str, str]:
    if "No space left" in str(exc):
        return storage_failure(exc, "mở cơ sở dữ liệu", "opening the database")
    return (f"không mở được cơ sở dữ liệu {path.name}: tệp bị hỏng hoặc không phải cơ sở dữ liệu của bảng điều khiển "
            f"({type(exc).__name__}). Khôi phục bản sao lưu gần nhất: `python3 -m indicators restore <tệp>`; "
            "không có gì được ghi.",
            f"the database {path.name} cannot be opened: the file is damaged or not a database of this dashboard "
            f"({type(exc).__name__}). Restore the latest backup with `python3 -m indicators restore <file>`; "
            "nothing was written.")


@dataclass(frozen=True)
class BuildReport:
    path: Path
    counts: dict[str, int]


# A province era as one text, ``42|2004-01-01``: what views.py matches rows of several eras on (views._key_column
# builds the same from a frame).
_PROVINCE_KEY = "{t}province_code || '|' || strftime({t}province_valid_from, '%Y-%m-%d') AS province_key"

_ACTUAL_SELECT = """
    SELECT a.province_code, p.name AS province_name, a.province_valid_from, a.indicator_code,
           a.period, a.period_kind, a.period_end, a.value,
           coalesce(a.source, b.source) AS source, a.note, a.batch_id
    FROM {source} a
    JOIN province p ON p.code = a.province_code AND p.valid_from = a.province_valid_from
    JOIN import_batch b ON b.id = a.batch_id{where}
    ORDER BY a.indicator_code, a.province_valid_from, a.province_code, a.period_end, a.period"""


class Store:
    """The database behind the dashboard and the CLI."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False):
        self.path = Path(path) if path else default_db_path()
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    # --- connection ---------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            self._connection = duckdb.connect(str(self.path), read_only=self.read_only)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.connection.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(sql, params).df()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.cursor() as cur:
            row = cur.execute(sql, params).fetchone()
        return row[0] if row else None

    # --- build ------------------------------------------------------------------------

    def build(self, data_dir: Path = DATA_DIR) -> BuildReport:
        """(Re)create the reference tables from ``data_dir`` in one transaction.

        Reference tables are emptied and refilled, so running it twice gives
        the same database. Each file of ``data/actuals`` is one import batch:
        loaded when new, replaced when its bytes changed, left alone when not.
        Analysts' batches are never touched; the build refuses reference data
        that would orphan one of their actuals or clash with one.
        """
        reference = load_reference(data_dir)
        actual_files = load_actual_files(reference, data_dir)
        with self.cursor() as cur:
            cur.execute(SCHEMA)
            cur.execute("BEGIN TRANSACTION")
            try:
                _refuse_orphans(cur, reference)
                for table in REFERENCE_TABLES:
                    cur.execute(f"DELETE FROM {table}" + (" WHERE origin = 'reference'" if table == "plan" else ""))
                cur.execute("DELETE FROM target WHERE origin = 'reference'")
                _insert_reference(cur, reference)
                _sync_actual_files(cur, actual_files)
                _backfill_history(cur)
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return BuildReport(self.path, self.table_counts())

    def table_counts(self) -> dict[str, int]:
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in ALL_TABLES}

    def is_built(self) -> bool:
        """Whether the file holds this schema's tables (False for a new or older file; a file that cannot be
        opened at all raises DuckDB's error)."""
        try:
            return self.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == SCHEMA_VERSION
        except duckdb.CatalogException:
            return False

    # --- reads ------------------------------------------------------------------------

    def provinces(self) -> pd.DataFrame:
        return self.query("""
            SELECT p.code, p.name, p.full_name, p.name_ascii, p.valid_from, p.valid_to,
                   p.successor_code, p.successor_valid_from, p.region_code,
                   r.name_vi AS region_vi, r.name_en AS region_en
            FROM province p JOIN region r ON r.code = p.region_code
            ORDER BY p.valid_from, p.code""")

    def province_aliases(self) -> pd.DataFrame:
        return self.query("SELECT alias_key, code, valid_from FROM province_alias ORDER BY alias_key")

    def indicators(self) -> pd.DataFrame:
        return self.query("""
            SELECT i.*, f.name_vi AS family_vi, f.name_en AS family_en
            FROM indicator i JOIN indicator_family f ON f.code = i.family
            ORDER BY i.family, i.code""")

    def method_changes(self) -> pd.DataFrame:
        return self.query("SELECT * FROM indicator_method_change ORDER BY indicator_code, from_year")

    def plans(self) -> pd.DataFrame:
        return self.query("""
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
                   pl.number AS plan_number, pl.id AS plan_id, t.source_quote, t.note
            FROM target t
            JOIN plan pl ON pl.id = t.plan_id
            JOIN province p ON p.code = t.province_code AND p.valid_from = t.province_valid_from
            JOIN indicator i ON i.code = t.indicator_code"""
        params: list[Any] = []
        if province_keys is not None:
            if not province_keys:
                return self.query(sql + " WHERE false")
            sql += " WHERE (t.province_code, t.province_valid_from) IN (SELECT * FROM (VALUES %s))" % (
                ", ".join(["(?, ?)"] * len(province_keys)))
            for code, valid_from in province_keys:
                params += [code, valid_from]
        return self.query(sql + " ORDER BY pl.issued_on, t.id", params)

    def tasks(self) -> pd.DataFrame:
        return self.query("""
            SELECT k.*, pl.number AS plan_number, pl.province_code, p.name AS province_name
            FROM task k JOIN plan pl ON pl.id = k.plan_id
            JOIN province p ON p.code = pl.province_code AND p.valid_from = pl.province_valid_from
            ORDER BY pl.issued_on, k.plan_id, k.ref""")

    def actuals(self, province_code: str | None = None, province_valid_from: date | None = None,
                indicator_code: str | None = None, period: str | None = None) -> pd.DataFrame:
        """Actuals with their province's name and source, filtered by any of the arguments (none: all).

        The pages never read the whole table: at ten times the country's volume it is 4.7 million rows; they
        ask for one indicator (``indicator_code``), one period, or the series of some targets."""
        filters, params = [], []
        for column, value in (("province_code", province_code), ("province_valid_from", province_valid_from),
                              ("indicator_code", indicator_code), ("period", period)):
            if value is not None:  # only the filters given, so that DuckDB prunes row groups on them
                filters.append(f"a.{column} = ?")
                params.append(value)
        where = " WHERE " + " AND ".join(filters) if filters else ""
        return self.query(_ACTUAL_SELECT.format(source="actual", where=where), params)

    def indicator_actuals(self, indicator_code: str) -> pd.DataFrame:
        """One indicator's actuals, every province and period, with only what charts and rankings draw (province
        and its name, period, value, source): at ten times the country's volume the narrower read takes about two
        thirds of the time of :meth:`actuals`, because one indicator's rows are spread over the whole table."""
        return self.query("""
            WITH a AS (SELECT province_code, province_valid_from, period, period_end, value, source, batch_id
                       FROM actual WHERE indicator_code = ?)
            SELECT a.province_code, p.name AS province_name, a.province_valid_from, ? AS indicator_code, a.period,
                   a.period_end, a.value, coalesce(a.source, b.source) AS source, {key}
            FROM a
            JOIN province p ON p.code = a.province_code AND p.valid_from = a.province_valid_from
            JOIN import_batch b ON b.id = a.batch_id
            ORDER BY a.province_valid_from, a.province_code, a.period_end, a.period""".format(
            key=_PROVINCE_KEY.format(t="a.")), [indicator_code, indicator_code])

    def actual_series(self, series: pd.DataFrame) -> pd.DataFrame:
        """The actuals of every (province_code, province_valid_from, indicator_code) row of ``series``."""
        if series.empty:
            return self.query(_ACTUAL_SELECT.format(source="actual", where=" WHERE false"))
        wanted = series[["province_code", "province_valid_from", "indicator_code"]].drop_duplicates()
        wanted = wanted.assign(province_valid_from=pd.to_datetime(wanted.province_valid_from).dt.date)
        with self.cursor() as cur:
            cur.register("wanted_series", wanted)
            try:
                source = """(SELECT x.* FROM actual x SEMI JOIN wanted_series w
                             ON x.province_code = w.province_code AND x.province_valid_from = w.province_valid_from
                             AND x.indicator_code = w.indicator_code)"""
                return cur.execute(_ACTUAL_SELECT.format(source=source, where="")).df()
            finally:
                cur.unregister("wanted_series")

    def actual_coverage(self) -> pd.DataFrame:
        """How many actuals each indicator has for each province era (which indicators have data where)."""
        return self.query(f"""
            SELECT indicator_code, province_code, province_valid_from, count(*) AS figures,
                   {_PROVINCE_KEY.format(t="")}
            FROM actual GROUP BY ALL ORDER BY ALL""")

    def national_values(self, indicator_code: str | None = None) -> pd.DataFrame:
        """Figures of the whole country (national mean, …), for reference lines."""
        return self.query("""
            SELECT n.indicator_code, n.period, n.statistic, n.period_end, n.value, n.source, n.batch_id
            FROM national_value n WHERE (? IS NULL OR n.indicator_code = ?)
            ORDER BY n.indicator_code, n.period_end, n.statistic""", [indicator_code, indicator_code])

    def import_batches(self) -> pd.DataFrame:
        return self.query("SELECT * FROM import_batch ORDER BY id")

    # --- writes used by importers ------------------------------------------------------

    def add_batch(self, rows: pd.DataFrame, *, source: str, source_kind: str, imported_by: str,
                  file_name: str | None = None, file_bytes: bytes | None = None,
                  note: str | None = None) -> int:
        """Insert a batch of new actuals in one transaction and return the batch id.

        ``rows`` has the columns province_code, province_valid_from,
        indicator_code, period, value and optionally source and note. Any key
        that already exists makes the whole batch fail: nothing is overwritten.
        """
        digest = hashlib.sha256(file_bytes).hexdigest() if file_bytes is not None else None
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        frame = _actual_frame(rows)
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                batch_id = cur.execute(
                    "INSERT INTO import_batch (source, source_kind, file_name, file_sha256, imported_by,"
                    " imported_at, row_count, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    [source, source_kind, file_name, digest, imported_by, now, len(frame), note],
                ).fetchone()[0]
                if len(frame):
                    _insert_actuals(cur, frame, batch_id)
                    _log_inserts(cur, batch_id, imported_by, now)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return int(batch_id)

    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the whole database (tables, sequences, constraints) in a new file ``target``,
        made through this connection, so the running server can make it. Written under a temporary name and
        renamed when complete: a half-written backup never carries the final name, and a failed one leaves no
        file behind (a full disk is not kept full by it)."""
        target = Path(target).resolve()
        if target.exists():
            raise BackupFailed(f"{target} đã có: bản sao lưu không bao giờ ghi đè tệp",
                               f"{target} exists already; a backup never overwrites a file")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            with self.cursor() as cur:
                source = cur.execute("SELECT current_database()").fetchone()[0]
                # ATTACH takes no parameters: the path is quoted as an SQL string literal, the name as an identifier
                cur.execute(f"ATTACH {_sql_string(str(partial))} AS kpi_backup_target")
                try:
                    cur.execute(f'COPY FROM DATABASE "{source.replace(chr(34), chr(34) * 2)}" TO kpi_backup_target')
                finally:
                    cur.execute("DETACH kpi_backup_target")
            os.replace(partial, target)
        except (duckdb.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
            raise BackupFailed(*storage_failure(exc, "sao lưu", "the backup")) from None
        return target

    def integrity_problems(self) -> list[str]:
        """Rows that point at something missing (the schema declares no foreign keys)."""
        checks = {
            "province without region": "SELECT count(*) FROM province p LEFT JOIN region r ON r.code = p.region_code WHERE r.code IS NULL",
            "successor missing": "SELECT count(*) FROM province p WHERE p.successor_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM province q WHERE q.code = p.successor_code AND q.valid_from = p.successor_valid_from)",
            "alias without province": "SELECT count(*) FROM province_alias a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code = a.code AND p.valid_from = a.valid_from)",
            "target without plan": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = t.plan_id)",
            "target without indicator": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE i.code = t.indicator_code)",
            "target without province": "SELECT count(*) FROM target t WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code = t.province_code AND p.valid_from = t.province_valid_from)",
            "task without plan": "SELECT count(*) FROM task k WHERE NOT EXISTS (SELECT 1 FROM plan p WHERE p.id = k.plan_id)",
            "actual without batch": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = a.batch_id)",
            "actual without indicator": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE i.code = a.indicator_code)",
            "national value without batch": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = n.batch_id)",
            "national value without indicator": "SELECT count(*) FROM national_value n WHERE NOT EXISTS (SELECT 1 FROM indicator i WHERE i.code = n.indicator_code)",
            "actual without province": "SELECT count(*) FROM actual a WHERE NOT EXISTS (SELECT 1 FROM province p WHERE p.code = a.province_code AND p.valid_from = a.province_valid_from)",
        }
        found = []
        for label, sql in checks.items():
            n = self.scalar(sql)
            if n:
                found.append(f"{label}: {n}")
        return found


def vietnamese_order(texts) -> dict[str, int]:
    """Each distinct text's place in Vietnamese alphabetical order (Bạc Liêu < Bắc Giang < Cà Mau < Đà Nẵng), by
    DuckDB's built-in ICU collation (``COLLATE vi``): no compiled PyICU to install."""
    distinct = sorted({str(t) for t in texts})
    with duckdb.connect() as con:
        ordered = con.execute("SELECT t FROM unnest(?::VARCHAR[]) AS u(t) ORDER BY t COLLATE vi, t",
                              [distinct]).fetchall()
    return {row[0]: place for place, row in enumerate(ordered)}


class BackupFailed(Bilingual, RuntimeError):
    """A backup or a restore that could not be made; the message says why and what to do."""


class StorageFailed(Bilingual, RuntimeError):
    """A write that the disk refused (full, read-only, failing): nothing of it was kept."""


class DatabaseUnusable(Bilingual, RuntimeError):
    """The database file cannot be opened or read (damaged, not a database, disk full); the message says what
    to do."""


def storage_failure(exc: BaseException, what_vi: str, what_en: str) -> tuple[str, str]:
    """Vietnamese and English messages for a failure of the disk or of the database file while doing ``what``."""
    text = str(exc)
    if "No space left" in text or "ENOSPC" in text or getattr(exc, "errno", None) == 28:
        return (f"{what_vi} không thành công: ổ đĩa đã đầy. Giải phóng dung lượng rồi thử lại; không có gì bị ghi dở.",
                f"{what_en} failed: the disk is full. Free some space and try again; nothing was left half-written.")
    return (f"{what_vi} không thành công ({type(exc).__name__}): {text[:200]}",
            f"{what_en} failed ({type(exc).__name__}): {text[:200]}")


def backup_database(store: "Store", user: Any, target: Path | str, channel: str) -> Path:
    """A backup made by ``user`` (an admin, checked in the database), recorded in the audit."""
    from .auth import record, require  # noqa: PLC0415 - auth sits beside the store

    with store.cursor() as cur:
        acting = require(cur, user, "admin")
        try:
            path = store.backup(target)
        except BackupFailed as failed:
            record(cur, acting.name, "backup", "failed", channel, failed.en[:300])
            raise
        record(cur, acting.name, "backup", "ok", channel, path.name)
    return path


def _sql_string(text: str) -> str:
    """``text`` as an SQL string literal (for the few statements that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def backup_folder(db: Path) -> Path:
    """``$KPI_BACKUP_DIR``, or ``backups/`` beside the database."""
    return Path(os.environ.get("KPI_BACKUP_DIR") or Path(db).resolve().parent / "backups")


def default_backup_path(db: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return backup_folder(db) / f"{Path(db).stem}-{stamp}.duckdb"


def check_backup(path: Path | str) -> dict[str, int]:
    """Open a backup read-only and check it is a whole database of this schema: built, every reference
    intact, its history replaying to its actuals. Returns its table counts; raises ValueError otherwise."""
    from .importer import replay_differences  # noqa: PLC0415

    store = Store(path, read_only=True)
    try:
        if not store.is_built():
            raise ValueError(f"{path} is not a database of this dashboard (schema {SCHEMA_VERSION})")
        problems = store.integrity_problems()
        with store.cursor() as cur:
            differences = replay_differences(cur)
        if problems or differences:
            raise ValueError(f"{path} is damaged: {problems or ''} {differences} actuals differ from their history")
        return store.table_counts()
    except duckdb.Error as exc:
        raise ValueError(f"{path} is not a database of this dashboard: it cannot be opened ({exc})") from None
    finally:
        store.close()


def restore(backup: Path | str, path: Path | str | None = None) -> Path:
    """Replace the database at ``path`` by ``backup`` after checking the backup; the current file (and its
    write-ahead log) is kept beside it as ``<name>.before-restore-<time>``. The server must be stopped."""
    backup = Path(backup)
    path = Path(path) if path else default_db_path()
    check_backup(backup)
    if path.exists():
        probe = duckdb.connect(str(path))  # fails while another process (the server) holds the file
        probe.close()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f"{path.name}.before-restore-{stamp}")
    incoming = path.with_name(path.name + ".restoring")
    shutil.copyfile(backup, incoming)
    if path.exists():
        os.replace(path, kept)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, kept.with_name(kept.name + ".wal"))
    os.replace(incoming, path)
    return kept


def _actual_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Actual rows (province key, indicator, period, value, optionally source and note) ready to
    insert: each distinct period parsed once, its kind and first and last day added."""
    periods = {text: parse_period(text) for text in rows.period.astype(str).unique()}
    parsed = rows.period.astype(str).map(periods)
    return pd.DataFrame({
        "province_code": rows.province_code, "province_valid_from": rows.province_valid_from,
        "indicator_code": rows.indicator_code, "period": parsed.map(lambda p: p.text),
        "period_kind": parsed.map(lambda p: p.kind), "period_start": parsed.map(lambda p: p.start),
        "period_end": parsed.map(lambda p: p.end), "value": rows.value.astype(float),
        "source": rows["source"] if "source" in rows else None, "note": rows["note"] if "note" in rows else None})


def _insert_actuals(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame, batch_id: int) -> None:
    """Insert actual rows (a frame made by :func:`_actual_frame`) as one set; the frame is bound, not pasted."""
    frame = frame.assign(batch_id=batch_id)
    cur.register("incoming_actuals", frame)
    try:
        cur.execute("""
            INSERT INTO actual (province_code, province_valid_from, indicator_code, period, period_kind,
                                period_start, period_end, value, source, batch_id, note)
            SELECT province_code, CAST(province_valid_from AS DATE), indicator_code, period, period_kind,
                   CAST(period_start AS DATE), CAST(period_end AS DATE), CAST(value AS DOUBLE), source,
                   batch_id, note
            FROM incoming_actuals""")
    finally:
        cur.unregister("incoming_actuals")


def _sync_actual_files(cur: duckdb.DuckDBPyConnection, files: list[ActualFile]) -> None:
    """One batch per shipped file: kept when unchanged, replaced when changed, dropped when gone."""
    existing = {name: (batch_id, digest) for batch_id, name, digest in cur.execute(
        "SELECT id, file_name, file_sha256 FROM import_batch WHERE source_kind = 'reference'").fetchall()}
    listed = {f.name for f in files}
    for name, (batch_id, _) in existing.items():
        if name not in listed:
            _drop_batch(cur, batch_id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for shipped in files:
        old = existing.get(shipped.name)
        if old and old[1] == shipped.sha256:
            continue
        if old:
            _drop_batch(cur, old[0])
        batch_id = cur.execute(
            "INSERT INTO import_batch (source, source_kind, file_name, file_sha256, imported_by, imported_at,"
            " row_count, note) VALUES (?, 'reference', ?, ?, 'build', ?, ?, ?) RETURNING id",
            [shipped.source, shipped.name, shipped.sha256, now,
             len(shipped.rows), "shipped with the dashboard in data/actuals"]).fetchone()[0]
        if shipped.scope == "province":
            _refuse_clashes(cur, shipped)
            _insert_actuals(cur, _actual_frame(shipped.rows), batch_id)
            _log_inserts(cur, batch_id, "build", now)
        else:
            _insert_national(cur, shipped.rows, batch_id)


def _log_inserts(cur: duckdb.DuckDBPyConnection, batch_id: int, who: str, when: datetime) -> None:
    """The history rows of a batch whose actuals were all new."""
    cur.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code,
                                    period, new_value, new_source, new_note, new_batch_id, changed_by, changed_at)
        SELECT batch_id, 'insert', province_code, province_valid_from, indicator_code, period, value, source,
               note, batch_id, ?, ? FROM actual WHERE batch_id = ?""", [who, when, batch_id])


def _backfill_history(cur: duckdb.DuckDBPyConnection) -> None:
    """Actuals of a batch that has no history at all (stored before the history existed) get their insert
    rows, so that replaying the history always gives the stored actuals."""
    for (batch_id, who, when) in cur.execute("""
            SELECT b.id, b.imported_by, b.imported_at FROM import_batch b
            WHERE EXISTS (SELECT 1 FROM actual a WHERE a.batch_id = b.id)
              AND NOT EXISTS (SELECT 1 FROM actual_history h WHERE h.batch_id = b.id)""").fetchall():
        _log_inserts(cur, batch_id, who, when)


def _insert_national(cur: duckdb.DuckDBPyConnection, rows: pd.DataFrame, batch_id: int) -> None:
    frame = rows.assign(period_end=rows.period.map(lambda p: parse_period(p).end), batch_id=batch_id)
    cur.register("incoming_national", frame)
    try:
        cur.execute("""
            INSERT INTO national_value (indicator_code, period, statistic, period_end, value, source, batch_id)
            SELECT indicator_code, period, statistic, CAST(period_end AS DATE), CAST(value AS DOUBLE), source, batch_id
            FROM incoming_national""")
    finally:
        cur.unregister("incoming_national")


def _refuse_clashes(cur: duckdb.DuckDBPyConnection, shipped: ActualFile) -> None:
    """A shipped figure may not land on a key an analyst has already filled."""
    cur.register("shipped_keys", shipped.rows[["province_code", "province_valid_from", "indicator_code", "period"]])
    try:
        clashes = cur.execute("""
            SELECT a.province_code, a.indicator_code, a.period, a.batch_id FROM actual a
            JOIN shipped_keys s ON s.province_code = a.province_code
             AND CAST(s.province_valid_from AS DATE) = a.province_valid_from
             AND s.indicator_code = a.indicator_code AND s.period = a.period
            LIMIT 5""").fetchall()
    finally:
        cur.unregister("shipped_keys")
    if clashes:
        raise ValueError(f"actuals/{shipped.name} has figures for keys that imported batches already hold: {clashes}")


def _drop_batch(cur: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    cur.execute("""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code, period,
                                    old_value, old_source, old_note, old_batch_id, changed_by, changed_at)
        SELECT batch_id, 'drop', province_code, province_valid_from, indicator_code, period, value, source, note,
               batch_id, 'build', now()::TIMESTAMP FROM actual WHERE batch_id = ?""", [batch_id])
    cur.execute("DELETE FROM actual WHERE batch_id = ?", [batch_id])
    cur.execute("DELETE FROM national_value WHERE batch_id = ?", [batch_id])
    cur.execute("DELETE FROM import_batch WHERE id = ?", [batch_id])


def _refuse_orphans(cur: duckdb.DuckDBPyConnection, reference: ReferenceData) -> None:
    """Stop a build whose reference data no longer has what stored actuals point at."""
    known_indicators = {i["code"] for i in reference.indicators}
    known_provinces = {(p["code"], p["valid_from"]) for p in reference.provinces}
    used_indicators = {r[0] for r in cur.execute(
        "SELECT indicator_code FROM actual UNION SELECT indicator_code FROM national_value").fetchall()}
    used_indicators |= {r[0] for r in cur.execute(
        "SELECT indicator_code FROM target WHERE origin <> 'reference'").fetchall()}
    used_provinces = set(cur.execute(
        "SELECT DISTINCT province_code, province_valid_from FROM actual UNION SELECT province_code, province_valid_from"
        " FROM target WHERE origin <> 'reference' UNION SELECT province_code, province_valid_from FROM period_lock"
        ).fetchall())
    clashing = sorted({r[0] for r in cur.execute("SELECT id FROM plan WHERE origin <> 'reference'").fetchall()}
                      & {p["id"] for p in reference.plans})
    if clashing:
        raise ValueError(f"plans {clashing} were entered by an analyst and are now also in data/plans")
    missing = sorted(used_indicators - known_indicators) + sorted(f"{c}@{d}" for c, d in used_provinces - known_provinces)
    if missing:
        raise ValueError(f"stored actuals refer to {missing}, which the reference data no longer has")


def _insert_reference(cur: duckdb.DuckDBPyConnection, ref: ReferenceData) -> None:
    cur.executemany("INSERT INTO region VALUES (?, ?, ?)",
                    [[r["code"], r["name_vi"], r["name_en"]] for r in ref.regions])
    cur.executemany(
        "INSERT INTO province VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[p["code"], p["valid_from"], p["valid_to"], p["name"], p["full_name"], p["name_ascii"], p["region"],
          p["successor_code"] or None, p.get("successor_valid_from")] for p in ref.provinces])
    cur.executemany("INSERT INTO province_alias VALUES (?, ?, ?)",
                    [[key, p["code"], p["valid_from"]] for p in ref.provinces for key in sorted(province_keys(p))])
    cur.executemany("INSERT INTO indicator_family VALUES (?, ?, ?)",
                    [[f["code"], f["name_vi"], f["name_en"]] for f in ref.catalogue["families"]])
    units = ref.catalogue["units"]
    cur.executemany(
        "INSERT INTO indicator VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[i["code"], i["family"], i.get("parent"), i["name_vi"], i["name_en"], i["unit"],
          units[i["unit"]]["vi"], units[i["unit"]]["en"], i["decimals"], i["direction"], i["min_value"],
          i.get("max_value"), i["publisher"], i["frequency"], i.get("first_year"), i.get("notes")]
         for i in ref.indicators])
    changes = [[i["code"], c["from_year"], c["note_vi"], c["note_en"]]
               for i in ref.indicators for c in i.get("method_changes", [])]
    if changes:
        cur.executemany("INSERT INTO indicator_method_change VALUES (?, ?, ?, ?)", changes)
    for plan in ref.plans:
        province = plan["province"]
        cur.execute("INSERT INTO plan (id, number, doc_type, issuer, province_code, province_valid_from, issued_on,"
                    " period_start, period_end, title, source_file, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " 'reference')",
                    [plan["id"], plan["number"], plan["doc_type"], plan["issuer"], province["code"],
                     province["valid_from"], plan["issued_on"], plan["period_start"], plan["period_end"],
                     plan["title"], plan["source_file"]])
        if plan["targets"]:
            cur.executemany(
                "INSERT INTO target (id, plan_id, province_code, province_valid_from, indicator_code, comparator,"
                " target_value, target_high, baseline_period, baseline_value, start_period, deadline_period,"
                " recurring, source_quote, note, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reference')",
                [[t["id"], plan["id"], province["code"], province["valid_from"], t["indicator"], t["comparator"],
                  t["value"], t.get("value_high"), t.get("baseline_period"), t.get("baseline_value"), t["start"],
                  t["deadline"], bool(t.get("recurring", False)), " ".join(t["quote"].split()), t.get("note")]
                 for t in plan["targets"]])
        if plan["tasks"]:
            cur.executemany(
                "INSERT INTO task VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[plan["id"], k["ref"], k["area"], " ".join(k["task"].split()), k.get("product"),
                  k.get("lead_body") or None, k.get("partners") or None, k["start"], k["deadline"],
                  bool(k.get("recurring", False)), k.get("note")] for k in plan["tasks"]])
