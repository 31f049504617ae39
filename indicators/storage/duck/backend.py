"""The DuckDB backend: the embedded file the dashboard runs on by default.

A :class:`DuckBackend` owns the path of the file and one connection; every read runs on a fresh cursor of it
(a DuckDB connection is not thread-safe, its cursors are), every write in a transaction that
:meth:`DuckBackend.transaction` opens and closes — where DuckDB's errors become the seam's
(:mod:`indicators.storage.errors`). Statements run here, on the file, as they are written."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from indicators.i18n import bilingual

from ..backend import Backend, Cursor, backup_paths, close_quietly, rollback, sql_string
from ..errors import (
    BackupFailed,
    DatabaseUnusable,
    StorageFailed,
    fatal_failure,
    is_disk_full,
    storage_failure,
    write_conflict,
)
from ..sql import migrations
from ..sql.store import SqlStore

# One writer process holds a DuckDB file (its file lock), so a lock of this process serialises every sign-in
# transaction of the file; it is held for the throttle's read and reservation only, never while bcrypt runs.
_SIGN_IN_LOCK = threading.Lock()
_REOPENING = threading.Lock()   # one thread at a time forgets a store's invalidated connection


class DuckBackend(Backend):
    """One DuckDB file (or ``:memory:``)."""

    name = "duckdb"
    # Which indicator has province figures in which province era: DuckDB groups the whole table (faster here
    # than a probe per pair; figures: docs/benchmarks.md).
    coverage = ("SELECT indicator_code, province_code, province_valid_from FROM actual WHERE unit_code = ''"
                " GROUP BY 1, 2, 3")

    def __init__(self, path: Path | str, read_only: bool = False):
        self.ref = self.path = Path(path)
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    # --- connection ---------------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def describe(self) -> str:
        return str(self.path)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
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
    def _open_cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, Cursor]]:
        """A cursor and the connection it belongs to. A fatal error on it (the database invalidated, by this
        statement or by another thread's) makes the backend reopen the file and is a DatabaseUnusable that says
        the page works again at its next rerun."""
        connection = self.connection
        cur = connection.cursor()
        try:
            yield connection, cur
        except duckdb.FatalException as exc:
            close_quietly(cur)
            self._forget(connection)
            raise DatabaseUnusable(*_reopened(exc)) from None
        finally:
            close_quietly(cur)

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        with self._open_cursor() as (_, cur):
            yield cur

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """DuckDB's write conflicts (another writer changed the same rows meanwhile) become a ConflictError, a
        refusing disk a StorageFailed; every other error is raised as it is, after the rollback."""
        with self._open_cursor() as (connection, cur):
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except duckdb.FatalException as exc:  # e.g. the checkpoint of a big commit meeting a full disk
                self._forget(connection)
                raise StorageFailed(*fatal_failure(exc)) from None
            except (duckdb.TransactionException, duckdb.ConstraintException, duckdb.IOException) as exc:
                rollback(cur)
                if isinstance(exc, duckdb.IOException) or is_disk_full(exc):  # the disk, not a writer
                    raise StorageFailed(*storage_failure(exc, *bilingual("sto_what_writing"))) from None
                raise write_conflict(exc) from None
            except BaseException:
                rollback(cur)
                raise

    @contextmanager
    def sign_in_transaction(self, name: str) -> Iterator[Cursor]:
        """A transaction begun only once no other sign-in transaction of this process runs (the only process
        that can write the file)."""
        with _SIGN_IN_LOCK, self.transaction() as cur:
            yield cur

    # --- the dialect: everything runs here, as written ----------------------------------------------------------

    def next_id(self, cur: Cursor, sequence: str) -> int:
        return int(cur.execute("SELECT nextval(?)", [sequence]).fetchone()[0])

    def advance_sequence(self, cur: Cursor, sequence: str, past: int) -> None:
        """DuckDB cannot set a sequence: take its values up to ``past``."""
        current = self.next_id(cur, sequence)
        if past >= current:
            cur.execute("SELECT max(nextval(?)) FROM range(?)", [sequence, past - current + 1])

    def rows_of(self, query: str, params: list) -> tuple[str, list]:
        return f"({query})", params

    def execute(self, cur: Cursor, statement: str, params: list) -> None:
        cur.execute(statement, params)

    # --- schema and backups -------------------------------------------------------------------------------------

    def migrate(self, store: SqlStore) -> list[str]:
        return migrations.migrate(store)

    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the whole database (tables, sequences, constraints) in a new file ``target``,
        made through this connection, so the running server can make it. Written under a temporary name and
        renamed when complete: a half-written backup never carries the final name, and a failed one leaves no
        file behind (a full disk is not kept full by it)."""
        target, partial = backup_paths(target)
        try:
            with self.cursor() as cur:
                source = cur.execute("SELECT current_database()").fetchone()[0]
                # ATTACH takes no parameters: the path is quoted as an SQL string literal, the name as an identifier
                cur.execute(f"ATTACH {sql_string(str(partial))} AS kpi_backup_target")
                try:
                    cur.execute(f'COPY FROM DATABASE "{source.replace(chr(34), chr(34) * 2)}" TO kpi_backup_target')
                finally:
                    cur.execute("DETACH kpi_backup_target")
            os.replace(partial, target)
        except (duckdb.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
            raise BackupFailed(*storage_failure(exc, *bilingual("sto_what_backup"))) from None
        return target


class DuckDBStore(SqlStore):
    """The store on a DuckDB file: the shared store composed with a :class:`DuckBackend` (nothing more)."""

    def __init__(self, path: Path | str, read_only: bool = False):
        super().__init__(DuckBackend(path, read_only=read_only))


def _reopened(exc: BaseException) -> tuple[str, str]:
    if is_disk_full(exc):
        return storage_failure(exc, *bilingual("sto_what_reading_or_writing"))
    return bilingual("sto_reopened", error=type(exc).__name__)
