"""The one place a new identity is made: a new import batch (its id taken from the schema's sequence before its
row is written, as the postgres extension has no RETURNING), and a new database (a copy or a restore: a new
``database_id``, so that nothing cached for the source's own data versions is reused)."""

from __future__ import annotations

from typing import Any

from ..base import NewBatch
from .run import Executor, log_change

BATCH_SEQUENCE = "import_batch_id"
_BATCH_COLUMNS = ("source", "source_kind", "file_name", "file_sha256", "imported_by", "imported_at", "row_count",
                  "note", "kind", "sheet", "rows_added", "rows_changed", "rows_unchanged", "rows_refused", "status")


def new_batch(run: Executor, batch: NewBatch) -> int:
    """Write a new batch's row in ``run``'s transaction; its id."""
    batch_id = run._next_id(BATCH_SEQUENCE)
    values: list[Any] = [getattr(batch, column) for column in _BATCH_COLUMNS]
    run._run(f"INSERT INTO import_batch (id, {', '.join(_BATCH_COLUMNS)})"
             f" VALUES (?, {', '.join('?' * len(_BATCH_COLUMNS))})", [batch_id, *values])
    return int(batch_id)


def set_identity(run: Executor) -> None:
    """Give ``run``'s database a new identity (``meta.database_id``): a new database from now on."""
    run._run("INSERT OR REPLACE INTO meta VALUES ('database_id', CAST(uuid() AS VARCHAR))")


def new_database(run: Executor, kind: str, detail: str) -> None:
    """From now on ``run``'s database is a new one (a copy, a restore): a new identity, and its change log says
    where it came from."""
    set_identity(run)
    log_change(run, kind, detail)
