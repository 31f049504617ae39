"""Building the database from ``data/``: a service above storage. It reads and checks the reviewed reference files
and the shipped actual files (:mod:`indicators.reference`), then hands them to the store's write interface
(:meth:`~indicators.storage.base.Store.refill`), which applies the pending migrations and refills the reference
tables in one transaction. Storage itself never reads ``data/``.

``open_writable`` and ``open_read_only`` open a store the way the server and the commands do, building a new or
outdated database first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indicators.i18n import bilingual
from indicators.reference.actual_files import load_actual_files
from indicators.reference.loader import DATA_DIR, load_reference
from indicators.storage import DatabaseUnusable, Store, default_db_path, describe, is_built, open_store


def build(store: Store, data_dir: Path = DATA_DIR) -> Any:
    """(Re)build ``store`` from ``data_dir``: migrations, then the reference tables and the shipped actuals; the
    store's build report. Running it twice gives the same database; analysts' batches are never touched."""
    reference = load_reference(data_dir)
    return store.refill(reference, load_actual_files(reference, data_dir))


def open_writable(path: Path | str | None = None) -> Store:
    """The read-write store on ``path`` (built first if the file is new or from an older schema): the
    dashboard server's single connection, or a CLI command that writes while the server is stopped.
    A damaged file is a :class:`DatabaseUnusable`; a file held by another process keeps the backend's lock error
    (see :func:`indicators.storage.held_by_another`)."""
    store = open_store(path)
    try:
        if not is_built(store):
            build(store)
    except BaseException:
        store.close()
        raise
    return store


def open_read_only(path: Path | str | None = None, build: bool = True) -> Store:
    """A read-only store on ``path``. With ``build`` (the default), a missing or unbuilt file is built first
    (that takes the write lock); without it, a reading command never writes: a missing, unbuilt or damaged
    file is a :class:`DatabaseUnusable` that says what to do."""
    reader = open_store(path, read_only=True)
    if reader.exists():
        if is_built(reader):
            return reader
        reader.close()
        if not build:
            raise DatabaseUnusable(*bilingual("svc_database_not_built", database=describe(reader.path)))
    elif not build:
        raise DatabaseUnusable(*bilingual("svc_no_database", database=describe(reader.path)))
    writer = open_writable(path or default_db_path())
    writer.close()
    return open_store(path or default_db_path(), read_only=True)
