"""The DuckDB backend: the embedded file the dashboard runs on by default.

A :class:`DuckDBStore` owns the path of the file and one connection; every read runs on a fresh cursor of it
(a DuckDB connection is not thread-safe, its cursors are), every write in a :class:`Session` that
:meth:`DuckDBStore.transaction` opens and closes — the one place where BEGIN, COMMIT and ROLLBACK are written
and DuckDB's errors become the seam's (:mod:`indicators.storage.errors`)."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from .. import base
from ..errors import (
    BackupFailed,
    DatabaseUnusable,
    StorageFailed,
    fatal_failure,
    is_disk_full,
    storage_failure,
    write_conflict,
)
from . import build as building
from . import migrations
from .reads import ALL_TABLES, Reads
from .writes import Writes

ENGINE_ERRORS = (duckdb.Error,)  # what DuckDB raises, for callers that must say "the database refused"
# One writer process holds a DuckDB file (its file lock), so a lock of this process serialises every sign-in
# transaction of the file; it is held for the throttle's read and reservation only, never while bcrypt runs.
_SIGN_IN_LOCK = threading.Lock()


class Session(Writes, base.Session):
    """The reads and writes of one transaction (or, from :meth:`DuckDBStore.session`, of one cursor in
    autocommit: each statement is its own transaction)."""

    def __init__(self, cur: duckdb.DuckDBPyConnection):
        self._cur = cur

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self._cur


class DuckDBStore(Reads, base.Store):
    """The database behind the dashboard and the CLI, in one DuckDB file."""

    backend = "duckdb"

    def __init__(self, path: Path | str, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    # --- connection ---------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether there is a database to open (a file; a server is asked when connecting)."""
        return self.path.exists()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The connection (tests and benchmarks inspect or damage the file through it; the code never does)."""
        if self._connection is None:
            self._connection = duckdb.connect(str(self.path), read_only=self.read_only)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _forget(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Close ``connection`` after DuckDB invalidated its database (a fatal error, such as a checkpoint that
        the full disk refused): every later statement on it would fail until a restart. The next statement
        opens the file again (DuckDB drops what the failed transaction wrote); a connection another thread
        opened meanwhile is kept."""
        with _REOPENING:
            if self._connection is not connection:
                return
            self._connection = None
        try:
            connection.close()
        except duckdb.Error:
            pass

    @contextmanager
    def _open_cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]]:
        """A cursor and the connection it belongs to. A fatal error on it (the database invalidated, by this
        statement or by another thread's) makes the store reopen the file and is a DatabaseUnusable that says the
        page works again at its next rerun."""
        connection = self.connection
        cur = connection.cursor()
        try:
            yield connection, cur
        except duckdb.FatalException as exc:
            _close_quietly(cur)
            self._forget(connection)
            raise DatabaseUnusable(*_reopened(exc)) from None
        finally:
            _close_quietly(cur)

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._open_cursor() as (_, cur):
            yield cur

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        """Any SELECT, as a frame: for tests and benchmarks that look inside the file."""
        return self._df(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._value(sql, params)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Statements that are each their own transaction (the record of a failed sign-in must stay written
        whatever happens next)."""
        with self._cursor() as cur:
            yield Session(cur)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error. DuckDB's write conflicts
        (another writer changed the same rows meanwhile) become a ConflictError, a refusing disk a
        StorageFailed; every other error is raised as it is, after the rollback."""
        with self._open_cursor() as (connection, cur):
            cur.execute("BEGIN TRANSACTION")
            try:
                yield Session(cur)
                cur.execute("COMMIT")
            except duckdb.FatalException as exc:  # e.g. the checkpoint of a big commit meeting a full disk
                self._forget(connection)
                raise StorageFailed(*fatal_failure(exc)) from None
            except (duckdb.TransactionException, duckdb.ConstraintException, duckdb.IOException) as exc:
                _rollback(cur)
                if isinstance(exc, duckdb.IOException) or is_disk_full(exc):  # the disk, not a writer
                    raise StorageFailed(*storage_failure(exc, "ghi", "writing")) from None
                raise write_conflict(exc) from None
            except BaseException:
                _rollback(cur)
                raise

    @contextmanager
    def sign_in_transaction(self, name: str) -> Iterator[Session]:
        """A transaction begun only once no other sign-in transaction of this process runs (the only process
        that can write the file)."""
        with _SIGN_IN_LOCK, self.transaction() as session:
            yield session

    # --- schema and build ----------------------------------------------------------------------------

    def is_built(self) -> bool:
        """Whether every migration is applied and the reference data was loaded after the last one (False for
        a new or older file; a file that cannot be opened at all raises DuckDB's error)."""
        with self._cursor() as cur:
            if migrations.pending(cur):
                return False
            return self._value("SELECT value FROM meta WHERE key = 'schema_version'") == migrations.LATEST

    def migrate(self) -> list[str]:
        """Apply the pending migrations (each in its own transaction); their names."""
        return migrations.migrate(self)

    def applied_migrations(self) -> list[str]:
        with self._cursor() as cur:
            return migrations.applied(cur)

    def refill(self, reference: Any, actual_files: list[Any]) -> "BuildReport":
        """Apply the pending migrations, then (re)fill the reference tables with ``reference`` and sync
        ``actual_files`` in one transaction (the build service, :mod:`indicators.services.building`, reads them
        from ``data/``).

        Reference tables are emptied and refilled, so running it twice gives the same database. Each shipped file
        of actuals is one import batch: loaded when new, replaced when its bytes changed, left alone when not.
        Analysts' batches are never touched; the refill refuses reference data that would orphan one of their
        actuals or clash with one."""
        self.migrate()
        with self.transaction() as session:
            building.refill(session._cur, reference, actual_files, session._next_id)
            session.changed("build")
            session._run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [migrations.LATEST])
        return BuildReport(self.path, self.table_counts())

    # --- backups ---------------------------------------------------------------------------------------

    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the whole database (tables, sequences, constraints) in a new file ``target``,
        made through this connection, so the running server can make it. Written under a temporary name and
        renamed when complete: a half-written backup never carries the final name, and a failed one leaves no
        file behind (a full disk is not kept full by it)."""
        target, partial = backup_paths(target)
        try:
            with self._cursor() as cur:
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


def backup_paths(target: Path | str) -> tuple[Path, Path]:
    """A new backup's final path and the temporary one it is written under; refused if the final one exists."""
    target = Path(target).resolve()
    if target.exists():
        raise BackupFailed(f"{target} đã có: bản sao lưu không bao giờ ghi đè tệp",
                           f"{target} exists already; a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return target, partial


class BuildReport:
    def __init__(self, path: Path, counts: dict[str, int]):
        self.path, self.counts = path, counts


_REOPENING = threading.Lock()   # one thread at a time forgets a store's invalidated connection


def _close_quietly(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.close()
    except duckdb.Error:
        pass


def _reopened(exc: BaseException) -> tuple[str, str]:
    if is_disk_full(exc):
        return storage_failure(exc, "đọc hoặc ghi cơ sở dữ liệu", "reading or writing the database")
    return ("cơ sở dữ liệu gặp lỗi nghiêm trọng và đã được mở lại: tải lại trang",
            f"the database hit a fatal error and was reopened: reload the page ({type(exc).__name__})")


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _sql_string(text: str) -> str:
    """``text`` as an SQL string literal (for the few statements that take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


# --- opening a file ------------------------------------------------------------------------------------

def built_or_refused(store: DuckDBStore) -> bool:
    """``store.is_built()``, with a file that cannot be opened at all as a :class:`DatabaseUnusable` (the store
    is closed then); DuckDB's own error is kept for a lock held by another process or connection."""
    try:
        return store.is_built()
    except duckdb.Error as exc:
        store.close()
        if not _is_damage(exc):
            raise
        raise DatabaseUnusable(*_unusable(store.path, exc)) from None


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
    if is_disk_full(exc):
        return storage_failure(exc, "mở cơ sở dữ liệu", "opening the database")
    return (f"không mở được cơ sở dữ liệu {path.name}: tệp bị hỏng hoặc không phải cơ sở dữ liệu của bảng điều khiển "
            f"({type(exc).__name__}). Khôi phục bản sao lưu gần nhất: `python3 -m indicators restore <tệp>`; "
            "không có gì được ghi.",
            f"the database {path.name} cannot be opened: the file is damaged or not a database of this dashboard "
            f"({type(exc).__name__}). Restore the latest backup with `python3 -m indicators restore <file>`; "
            "nothing was written.")


def check_file(path: Path | str) -> dict[str, int]:
    """Open a backup read-only and check it is a whole database of this schema: built, every reference
    intact, its history replaying to its actuals. Returns its table counts; raises ValueError otherwise."""
    store = DuckDBStore(path, read_only=True)
    try:
        if not store.is_built():
            raise ValueError(f"{path} is not a database of this dashboard (schema {migrations.LATEST})")
        problems = store.integrity_problems()
        differences = store.replay_differences()
        if problems or differences:
            raise ValueError(f"{path} is damaged: {problems or ''} {differences} actuals differ from their history")
        return store.table_counts()
    except duckdb.Error as exc:
        raise ValueError(f"{path} is not a database of this dashboard: it cannot be opened ({exc})") from None
    finally:
        store.close()


def replace_file(backup: Path, path: Path) -> Path:
    """Put the checked ``backup`` in place of ``path``; the current file (and its write-ahead log) is kept beside
    it as ``<name>.before-restore-<time>``. Refused while another process (the server) holds the file. The restored
    file is a new database (a new identity): figures cached for the backup's own versions are never reused."""
    if path.exists():
        probe = duckdb.connect(str(path))  # fails while another process (the server) holds the file
        probe.close()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f"{path.name}.before-restore-{stamp}")
    incoming = path.with_name(path.name + ".restoring")
    shutil.copyfile(backup, incoming)
    restored = DuckDBStore(incoming)
    try:
        with restored.transaction() as session:
            session._run("UPDATE meta SET value = CAST(uuid() AS VARCHAR) WHERE key = 'database_id'")
            session.changed("restore", backup.name)
    finally:
        restored.close()
    if path.exists():
        os.replace(path, kept)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, kept.with_name(kept.name + ".wal"))
    os.replace(incoming, path)
    return kept


def vietnamese_order(texts) -> dict[str, int]:
    """Each distinct text's place in Vietnamese alphabetical order (Bạc Liêu < Bắc Giang < Cà Mau < Đà Nẵng), by
    DuckDB's built-in ICU collation (``COLLATE vi``): no compiled PyICU to install."""
    distinct = sorted({str(t) for t in texts})
    with duckdb.connect() as con:
        ordered = con.execute("SELECT t FROM unnest(?::VARCHAR[]) AS u(t) ORDER BY t COLLATE vi, t",
                              [distinct]).fetchall()
    return {row[0]: place for place, row in enumerate(ordered)}


__all__ = ["ALL_TABLES", "DuckDBStore", "ENGINE_ERRORS", "Session", "built_or_refused", "check_file",
           "held_by_another", "replace_file", "vietnamese_order"]
