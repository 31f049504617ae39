"""Import batches: every write of the pages' data belongs to one, and every change the pages show is logged
in ``data_change``, whose count is the data version the pages' caches are keyed on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .. import base
from ..base import NewBatch
from .identity import new_batch
from .run import Executor, log_change

_BATCH = ("source_kind", "imported_by", "undone_at", "kind", "status")


class BatchReads(Executor, base.BatchReads):
    def batches(self) -> pd.DataFrame:
        """Every batch, the latest first, with its counts (NULL in a batch of an older version) and its status:
        refused (an attempt that wrote nothing), undone or imported (a batch of an older version has no stored
        status: it is read from ``undone_at``)."""
        return self._df("""
            SELECT id, kind, source_kind, file_name, sheet, file_sha256, imported_by, imported_at, row_count, source,
                   undone_by, undone_at, rows_added, rows_changed, rows_unchanged, rows_refused,
                   CASE WHEN status = 'refused' THEN 'refused' WHEN undone_at IS NOT NULL THEN 'undone'
                        ELSE 'imported' END AS status
            FROM import_batch ORDER BY id DESC""")

    def batch(self, batch_id: int) -> dict[str, Any] | None:
        row = self._one(f"SELECT {', '.join(_BATCH)} FROM import_batch WHERE id = ?", [batch_id])
        return None if row is None else dict(zip(_BATCH, row))


class BatchWrites(Executor, base.BatchWrites):
    def changed(self, kind: str, detail: str | None = None) -> None:
        log_change(self, kind, detail)

    def insert_batch(self, batch: NewBatch) -> int:
        batch_id = new_batch(self, batch)
        if batch.status != "refused":   # a refused attempt changes no data: the data version stays
            self.changed(batch.kind, f"batch {batch_id}")
        return batch_id

    def mark_undone(self, batch_id: int, who: str, when: datetime) -> None:
        self._run("UPDATE import_batch SET undone_by = ?, undone_at = ? WHERE id = ?", [who, when, batch_id])
        self.changed("undo", f"batch {batch_id}")
