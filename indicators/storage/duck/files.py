"""What a DuckDB file is outside the store: opening one that may be damaged, checking a backup file, putting a
backup in place of the database, DuckDB's own file lock, and DuckDB's Vietnamese collation."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from indicators.i18n import bilingual

from ..errors import DatabaseUnusable, is_disk_full, storage_failure
from ..sql import migrations
from ..sql.identity import new_database
from ..sql.store import SqlStore
from .backend import DuckDBStore

ENGINE_ERRORS = (duckdb.Error,)  # what DuckDB raises, for callers that must say "the database refused"


def built_or_refused(store: SqlStore) -> bool:
    """``store.is_built()``, with a file that cannot be opened at all as a :class:`DatabaseUnusable` (the store
    is closed then); DuckDB's own error is kept for a lock held by another process or connection."""
    try:
        return store.is_built()
    except duckdb.Error as exc:
        store.close()
        if not _is_damage(exc):
            raise
        raise DatabaseUnusable(*_unusable(Path(store.path), exc)) from None


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
        return storage_failure(exc, *bilingual("sto_what_opening"))
    return bilingual("sto_file_unusable", name=path.name, error=type(exc).__name__)


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
            new_database(session, "restore", backup.name)
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
