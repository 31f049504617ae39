"""The storage seam: the only package that speaks SQL or imports a database driver.

Everything above it — the import engine, sign-in, the views, the pages and the CLI — holds a
:class:`~indicators.storage.base.Store` and, to write, a :class:`~indicators.storage.base.Session` from its
:meth:`~indicators.storage.base.Store.transaction`. This module opens stores, checks and restores backups, and
names the errors. The store is written once (``sql``) and holds its backend (``backend.Backend``) by
composition: ``duck`` (the embedded DuckDB file) or ``pg`` (a PostgreSQL server).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from indicators.paths import DEFAULT_DB
from indicators.paths import default_db_path as default_db_path

from .base import TARGET_COLUMNS, NewBatch, Session, Store
from .duck import backend as _duck
from .duck import files as _file
from .errors import BackupFailed, ConflictError, DatabaseUnusable, StorageFailed, storage_failure
from .pg import backend as _pg
from .pg import dumps as _dumps
from .pg import restore as _pg_restore
from .sql import migrations
from .sql.reference import ALL_TABLES

SCHEMA_VERSION = migrations.LATEST
StoreError = _file.ENGINE_ERRORS  # what a backend raises that the seam did not name: "the database refused"
vietnamese_order = _file.vietnamese_order
held_by_another = _file.held_by_another

__all__ = ["ALL_TABLES", "DEFAULT_DB", "TARGET_COLUMNS", "BackupFailed", "ConflictError", "DatabaseUnusable",
           "NewBatch", "SCHEMA_VERSION", "Session", "Store", "StorageFailed", "StoreError", "backup_folder", "backups",
           "check_backup", "copy_database", "database_ref", "default_backup_path", "default_db_path", "describe",
           "held_by_another", "is_built", "now", "open_store", "restore",
           "storage_failure", "vietnamese_order"]


def database_ref(text: str) -> Path | str:
    """What ``--db`` or ``KPI_DB`` names: a ``postgresql://`` URL as it is, anything else a DuckDB file's path."""
    return text if _pg.is_url(text) else Path(text)


def describe(ref: Path | str) -> str:
    """A database as messages name it: a file's path, or a URL as ``postgresql://host:port/database`` (never its
    user or password, wherever the URL writes them)."""
    return _pg.redacted(ref) if _pg.is_url(str(ref)) else str(ref)


def open_store(path: Path | str | None = None, read_only: bool = False) -> Store:
    """A store on ``path`` (default :func:`default_db_path`): a DuckDB file, or a PostgreSQL database named by a
    ``postgresql://user@host/db`` URL; not yet opened or checked."""
    where = path or default_db_path()
    if _pg.is_url(str(where)):
        return _pg.PostgresStore(str(where), read_only=read_only)
    return _duck.DuckDBStore(Path(where), read_only=read_only)


def is_built(store: Store) -> bool:
    """``store.is_built()``, with a file that cannot be opened at all as a :class:`DatabaseUnusable`."""
    return _file.built_or_refused(store)


def backup_folder(db: Path | str) -> Path:
    """``$KPI_BACKUP_DIR``, or ``backups/`` beside the database file (``data/backups`` for a PostgreSQL one)."""
    beside = DEFAULT_DB.parent if _pg.is_url(str(db)) else Path(db).resolve().parent
    return Path(os.environ.get("KPI_BACKUP_DIR") or beside / "backups")


def backups(db: Path | str) -> list[Path]:
    """The backups in :func:`backup_folder`, newest first (``.duckdb`` files, or PostgreSQL's ``.dump``)."""
    folder = backup_folder(db)
    suffix = "*.dump" if _pg.is_url(str(db)) else "*.duckdb"
    return sorted(folder.glob(suffix), reverse=True) if folder.exists() else []


def default_backup_path(db: Path | str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    if _pg.is_url(str(db)):
        return backup_folder(db) / f"{_dumps.database_name(str(db))}-{stamp}.dump"
    return backup_folder(db) / f"{Path(db).stem}-{stamp}.duckdb"


def check_backup(path: Path | str, server: Path | str | None = None) -> dict[str, int]:
    """Check that a backup is a whole database of this schema: built, every reference intact, its history
    replaying to its actuals. A DuckDB file is opened read-only; a PostgreSQL dump (``.dump``) is restored into
    a scratch database of ``server`` (default ``$KPI_DB``) and checked there. Returns its table counts; raises
    ValueError otherwise."""
    if _pg.is_url(str(path)):              # a live PostgreSQL database, checked in place
        return _pg_restore.check_database(str(path))
    if str(path).endswith(".dump"):
        server = str(server or default_db_path())
        if not _pg.is_url(server):
            raise ValueError(f"{path} is a PostgreSQL dump: checking it needs a PostgreSQL server (KPI_DB)")
        return _pg_restore.check_dump(Path(path), server)
    return _file.check_file(path)


def restore(backup: Path | str, path: Path | str | None = None) -> Path:
    """Replace the database at ``path`` by ``backup`` after checking the backup; the current database is kept
    (a file beside it as ``<name>.before-restore-<time>``; a PostgreSQL one dumped into the backup folder).
    The app servers must be stopped."""
    backup, where = Path(backup), path or default_db_path()
    if _pg.is_url(str(where)):
        if not str(backup).endswith(".dump"):
            raise ValueError(f"{backup} is not a database of this dashboard: a PostgreSQL database restores a "
                             ".dump made by `backup` (or `migrate` from a DuckDB file)")
        return _pg_restore.restore_dump(backup, str(where), backup_folder(where))
    check_backup(backup)
    return _file.replace_file(backup, Path(where))


def copy_database(source: Path | str, target: Path | str) -> dict[str, int]:
    """The whole database ``source`` copied into the new database ``target`` (a DuckDB file to PostgreSQL or
    back), checked row by row; the target's table counts."""
    from .transfer import copy_database as copy  # noqa: PLC0415 - loads both backends

    return copy(source, target)


def now() -> datetime:
    """The time the store records (UTC, without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


