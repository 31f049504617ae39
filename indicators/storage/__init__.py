"""The storage seam: the only package that speaks SQL or imports a database driver.

Everything above it — the import engine, sign-in, the views, the pages and the CLI — holds a
:class:`~indicators.storage.base.Store` and, to write, a :class:`~indicators.storage.base.Session` from its
:meth:`~indicators.storage.base.Store.transaction`. This module opens stores, checks and restores backups, and
names the errors; the backends live in sub-packages (``duck``: the embedded DuckDB file).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from ..reference import DATA_DIR
from .base import TARGET_COLUMNS, Session, Store
from .duck import store as _duck
from .errors import BackupFailed, ConflictError, DatabaseUnusable, StorageFailed, storage_failure
from .pg import store as _pg

DEFAULT_DB = DATA_DIR / "kpi.duckdb"
ALL_TABLES = _duck.ALL_TABLES
SCHEMA_VERSION = _duck.migrations.LATEST
StoreError = _duck.ENGINE_ERRORS  # what a backend raises that the seam did not name: "the database refused"
vietnamese_order = _duck.vietnamese_order
held_by_another = _duck.held_by_another

__all__ = ["ALL_TABLES", "TARGET_COLUMNS", "BackupFailed", "ConflictError", "DatabaseUnusable", "SCHEMA_VERSION",
           "Session", "Store", "StorageFailed", "StoreError", "backup_folder", "backups", "check_backup",
           "default_backup_path", "default_db_path", "held_by_another", "is_built", "now", "open_read_only",
           "open_store", "open_writable", "restore", "storage_failure", "vietnamese_order"]


def default_db_path() -> Path | str:
    """``KPI_DB`` when set (a DuckDB file, or a ``postgresql://`` URL), else ``data/kpi.duckdb``."""
    value = os.environ.get("KPI_DB")
    if _pg.is_url(value):
        return value
    return Path(value or DEFAULT_DB)


def open_store(path: Path | str | None = None, read_only: bool = False) -> Store:
    """A store on ``path`` (default :func:`default_db_path`): a DuckDB file, or a PostgreSQL database named by a
    ``postgresql://user@host/db`` URL; not yet opened or checked."""
    where = path or default_db_path()
    if _pg.is_url(str(where)):
        return _pg.PostgresStore(str(where), read_only=read_only)
    return _duck.DuckDBStore(Path(where), read_only=read_only)


def open_read_only(path: Path | str | None = None, build: bool = True) -> Store:
    """A read-only store on ``path``. With ``build`` (the default), a missing or unbuilt file is built first
    (that takes the write lock); without it, a reading command never writes: a missing, unbuilt or damaged
    file is a :class:`DatabaseUnusable` that says what to do."""
    reader = open_store(path, read_only=True)
    if reader.path.exists():
        if _duck.built_or_refused(reader):
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
    return open_store(reader.path, read_only=True)


def open_writable(path: Path | str | None = None) -> Store:
    """The read-write store on ``path`` (built first if the file is new or from an older schema): the
    dashboard server's single connection, or a CLI command that writes while the server is stopped.
    A damaged file is a :class:`DatabaseUnusable`; a file held by another process keeps the backend's lock error
    (see :func:`held_by_another`)."""
    store = open_store(path)
    try:
        if not is_built(store):
            store.build()
    except BaseException:
        store.close()
        raise
    return store


def is_built(store: Store) -> bool:
    """``store.is_built()``, with a file that cannot be opened at all as a :class:`DatabaseUnusable`."""
    return _duck.built_or_refused(store)


def backup_folder(db: Path) -> Path:
    """``$KPI_BACKUP_DIR``, or ``backups/`` beside the database."""
    return Path(os.environ.get("KPI_BACKUP_DIR") or Path(db).resolve().parent / "backups")


def backups(db: Path) -> list[Path]:
    """The backups in :func:`backup_folder`, newest first."""
    folder = backup_folder(db)
    return sorted(folder.glob("*.duckdb"), reverse=True) if folder.exists() else []


def default_backup_path(db: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return backup_folder(db) / f"{Path(db).stem}-{stamp}.duckdb"


def check_backup(path: Path | str) -> dict[str, int]:
    """Open a backup read-only and check it is a whole database of this schema: built, every reference
    intact, its history replaying to its actuals. Returns its table counts; raises ValueError otherwise."""
    return _duck.check_file(path)


def restore(backup: Path | str, path: Path | str | None = None) -> Path:
    """Replace the database at ``path`` by ``backup`` after checking the backup; the current file (and its
    write-ahead log) is kept beside it as ``<name>.before-restore-<time>``. The server must be stopped."""
    backup = Path(backup)
    check_backup(backup)
    return _duck.replace_file(backup, Path(path) if path else default_db_path())


def now() -> datetime:
    """The time the store records (UTC, without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


