"""The one interface both backends implement: what the dialect-independent store (:mod:`.sql`) needs of a
database, and nothing else.

A :class:`Backend` owns the connection (a DuckDB connection: to the file itself, or to an in-memory DuckDB that
attaches PostgreSQL through the postgres extension), hands out cursors and transactions with its own errors
mapped to the seam's (:mod:`.errors`), and says where a statement runs: :meth:`Backend.rows_of` and
:meth:`Backend.execute` take plain SQL that DuckDB and PostgreSQL read alike. The store's reads and writes
(:class:`~.sql.store.SqlStore`, :class:`~.sql.store.SqlSession`) hold a backend; no backend class derives from
another."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from ..i18n import bilingual
from .errors import BackupFailed

Cursor = duckdb.DuckDBPyConnection


class Pushdown(ABC):
    """The joins of an incoming frame with a big table that a backend runs where the rows are (PostgreSQL's
    planner and indexes), rather than in DuckDB: the store's shared code calls these when the backend offers
    them (:attr:`Backend.pushdown`), and joins in DuckDB otherwise."""

    @abstractmethod
    def stored_actuals(self, cur: Cursor, keys: pd.DataFrame) -> pd.DataFrame:
        """As :meth:`~.base.ActualReads.stored_actuals`."""
    @abstractmethod
    def replace_actuals(self, cur: Cursor, batch_id: int, rows: pd.DataFrame) -> None:
        """The stored figures of ``rows``' keys replaced by ``rows``' value, source and note, under ``batch_id``."""
    @abstractmethod
    def series_source(self, wanted: pd.DataFrame) -> tuple[str, list]:
        """A FROM clause (and its parameters) of the province figures of each wanted (province era, indicator)."""


class Backend(ABC):
    """A database's connection, transactions, dialect differences, bulk loads, schema and backups."""

    name: str                  # "duckdb" or "postgresql": what ``Store.backend`` says
    ref: Path | str            # the file's path or the server's URL (messages name it by :meth:`describe`)
    read_only: bool
    coverage: str              # which indicator has figures in which province era, as this planner finds fastest
    pushdown: Pushdown | None = None

    # --- connection and transactions --------------------------------------------------------------------------

    @property
    @abstractmethod
    def connection(self) -> Cursor:
        """The open connection (opened at first use)."""
    @abstractmethod
    def close(self) -> None: ...
    @abstractmethod
    def exists(self) -> bool:
        """Whether there is a database to open (a file; a server is asked when connecting)."""
    @abstractmethod
    def cursor(self) -> AbstractContextManager[Cursor]:
        """A cursor of its own, closed after the block; the backend's unreachable or fatal states are the seam's."""
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Cursor]:
        """A cursor in one transaction: committed at the end of the block, rolled back on any error, write
        conflicts a ConflictError, a refusing disk a StorageFailed."""
    @abstractmethod
    def sign_in_transaction(self, name: str) -> AbstractContextManager[Cursor]:
        """A transaction no other sign-in transaction of ``name`` overlaps, whatever thread, process or replica."""

    # --- the dialect --------------------------------------------------------------------------------------------

    @abstractmethod
    def next_id(self, cur: Cursor, sequence: str) -> int:
        """The next value of one of the schema's sequences."""
    @abstractmethod
    def advance_sequence(self, cur: Cursor, sequence: str, past: int) -> None:
        """Move ``sequence`` on so that its next value is above ``past`` (after rows were copied in)."""
    @abstractmethod
    def rows_of(self, query: str, params: list) -> tuple[str, list]:
        """A FROM clause and its parameters for the rows of ``query`` (``?`` for each parameter), chosen where
        the rows are."""
    @abstractmethod
    def execute(self, cur: Cursor, statement: str, params: list) -> None:
        """Run ``statement`` (``?`` for each parameter) where the rows are, in ``cur``'s transaction."""

    @contextmanager
    def frame(self, cur: Cursor, name: str, frame: Any) -> Iterator[Cursor]:
        """``frame`` (pandas or Arrow) readable as the table ``name`` on ``cur`` (DuckDB scans it in place): the
        bulk load of both backends, whose statements DuckDB runs."""
        cur.register(name, frame)
        try:
            yield cur
        finally:
            cur.unregister(name)

    # --- schema and backups -------------------------------------------------------------------------------------

    @abstractmethod
    def migrate(self, store: Any) -> list[str]:
        """Apply the pending migrations to ``store``'s database (a :class:`~.sql.store.SqlStore` on this backend,
        whose transactions they run in), each in its own transaction with its record; what was applied."""
    @abstractmethod
    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the whole database in a new file ``target``."""
    @abstractmethod
    def describe(self) -> str:
        """The database as messages name it (never a password)."""


def backup_paths(target: Path | str) -> tuple[Path, Path]:
    """A new backup's final path and the temporary one it is written under; refused if the final one exists."""
    target = Path(target).resolve()
    if target.exists():
        raise BackupFailed(*bilingual("sto_backup_exists", target=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return target, partial


def rollback(cur: Cursor) -> None:
    """Roll back, quietly when there is nothing to roll back or the connection is gone."""
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def close_quietly(cur: Cursor) -> None:
    try:
        cur.close()
    except duckdb.Error:
        pass


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal (for the few statements that take no parameters: ATTACH, LOAD)."""
    return "'" + text.replace("'", "''") + "'"
