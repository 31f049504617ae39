"""The store and its sessions, written once: every aggregate's reads and writes over a
:class:`~indicators.storage.backend.Backend` it holds (composition: ``SqlStore(DuckBackend(path))``,
``SqlStore(PgBackend(url))``). A store runs each read on a cursor of its own (a DuckDB connection is not
thread-safe, its cursors are); a :class:`SqlSession` runs every statement on its transaction's cursor."""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence

import pandas as pd

from .. import base
from ..backend import Backend, Cursor
from . import migrations
from .accounts import AccountReads, AccountWrites
from .actuals import ActualReads, ActualWrites
from .batches import BatchReads, BatchWrites
from .identity import new_batch
from .locks import LockReads, LockWrites
from .progress import TaskReads, TaskWrites
from .reference import HealthReads, ReferenceReads
from .refill import refill
from .targets import TargetReads, TargetWrites
from .unit_index import UnitIndexReads, UnitIndexWrites
from .units import UnitReads, UnitWrites


class SqlReads(ReferenceReads, ActualReads, TargetReads, TaskReads, UnitReads, UnitIndexReads, AccountReads,
               LockReads, BatchReads, HealthReads):
    """Every aggregate's reads, for the store and a session alike."""


class SqlSession(ActualWrites, TargetWrites, TaskWrites, UnitWrites, UnitIndexWrites, AccountWrites, LockWrites,
                 BatchWrites, SqlReads, base.Session):
    """The reads and writes of one transaction (or, from :meth:`SqlStore.session`, of one cursor in
    autocommit: each statement is its own transaction)."""

    def __init__(self, db: Backend, cur: Cursor):
        self.db, self._cur = db, cur

    @contextmanager
    def _cursor(self) -> Iterator[Cursor]:
        yield self._cur


class BuildReport:
    def __init__(self, path: Path | str, counts: dict[str, int]):
        self.path, self.counts = path, counts


class SqlStore(SqlReads, base.Store):
    """A database of the dashboard on the backend ``db``."""

    def __init__(self, db: Backend):
        self.db = db

    # --- what the backend holds ------------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        return self.db.name

    @property
    def path(self) -> Path | str:
        """The file's path or the server's URL (messages name it through ``indicators.storage.describe``)."""
        return self.db.ref

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    @property
    def connection(self):
        """The backend's connection (tests and benchmarks inspect or damage the database through it)."""
        return self.db.connection

    def exists(self) -> bool:
        return self.db.exists()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _cursor(self) -> Iterator[Cursor]:
        with self.db.cursor() as cur:
            yield cur

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        """Any SELECT, as a frame: for tests and benchmarks that look inside the database."""
        return self._df(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._value(sql, params)

    # --- transactions ------------------------------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[SqlSession]:
        """Statements that are each their own transaction (the record of a failed sign-in must stay written
        whatever happens next)."""
        with self.db.cursor() as cur:
            yield SqlSession(self.db, cur)

    @contextmanager
    def transaction(self) -> Iterator[SqlSession]:
        """One transaction: committed when the block ends, rolled back on any error, the backend's refusals
        mapped to the seam's errors (:meth:`Backend.transaction`)."""
        with self.db.transaction() as cur:
            yield SqlSession(self.db, cur)

    @contextmanager
    def sign_in_transaction(self, name: str) -> Iterator[SqlSession]:
        with self.db.sign_in_transaction(name) as cur:
            yield SqlSession(self.db, cur)

    # --- schema, build and backups -----------------------------------------------------------------------------

    def is_built(self) -> bool:
        """Whether every migration is applied and the reference data was loaded after the last one (False for
        a new or older database; one that cannot be opened at all raises the backend's error)."""
        with self._cursor() as cur:
            if migrations.pending(cur):
                return False
            return self._value("SELECT value FROM meta WHERE key = 'schema_version'") == migrations.LATEST

    def migrate(self) -> list[str]:
        """Apply the pending migrations (each in its own transaction); their names."""
        return self.db.migrate(self)

    def applied_migrations(self) -> list[str]:
        with self._cursor() as cur:
            return migrations.applied(cur)

    def refill(self, reference: Any, actual_files: list[Any]) -> BuildReport:
        """Apply the pending migrations, then (re)fill the reference tables with ``reference`` and sync
        ``actual_files`` in one transaction (the build service, :mod:`indicators.services.building`, reads them
        from ``data/``).

        Reference tables are emptied and refilled, so running it twice gives the same database. Each shipped file
        of actuals is one import batch: loaded when new, replaced when its bytes changed, left alone when not.
        Analysts' batches are never touched; the refill refuses reference data that would orphan one of their
        actuals or clash with one."""
        self.migrate()
        with self.transaction() as session:
            refill(session._cur, reference, actual_files, partial(new_batch, session))
            session.changed("build")
            session._run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [migrations.LATEST])
        return BuildReport(self.db.describe(), self.table_counts())

    def backup(self, target: Path | str) -> Path:
        return self.db.backup(target)
