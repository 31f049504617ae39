"""The one write path of every import (:func:`commit_batch`): a layout says what its batch writes, this module
writes it the same way for all — in one transaction, after the importer's role is checked as held now, as one
batch whose row names the file, its SHA-256, who and when; a file that would change stored rows is refused unless
``replace`` was chosen; a batch with nothing to write is not written at all. A refused file is recorded as an
attempt that wrote nothing (:func:`record_refused`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

import pandas as pd

from indicators.i18n import bilingual
from indicators.services.auth import User, require

from ..storage import NewBatch, Session, Store
from ..storage import now as _now
from .base import CommitResult, ImportRefused, Preview


@dataclass
class Writing:
    """What one batch writes, decided by the layout inside the transaction: ``rows`` (each with its ``status``,
    insert or change), ``extra`` rows written beside them (an index file's criteria, counted as inserted), the
    rows left ``unchanged``, and the batch's ``source`` and ``note``."""

    rows: pd.DataFrame
    unchanged: int
    source: str
    note: str
    extra: int = 0
    carried: Any = None              # what the layout read in prepare and writes with (the stored rows)
    preview: Preview | None = None   # the preview being written (set by commit_batch)

    @property
    def count(self) -> int:
        return len(self.rows) + self.extra

    def result(self, batch_id: int | None) -> CommitResult:
        status = self.rows["status"] if len(self.rows) else pd.Series([], dtype=object)
        return CommitResult(batch_id, int((status == "insert").sum()) + self.extra, int((status == "change").sum()),
                            self.unchanged)


class Writer(Protocol):
    """What a layout gives :func:`commit_batch`."""

    kind: ClassVar[str]           # the batch's kind
    writer: ClassVar[str]         # the least role that may write it (a layout checks more, e.g. a reporter's unit)
    would_change: ClassVar[str]   # the message key of the refusal to change stored rows without ``replace``

    def nothing_to_write(self, result: Preview) -> bool:
        """True when the preview alone shows there is nothing to write (no transaction is opened then)."""

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        """Inside the transaction: check again what may have changed since the preview (the importer's scope,
        the stored rows) and say what the batch writes."""

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        """Write the batch's rows and their history."""


def commit_batch(layout: Writer, store: Store, result: Preview, user: User | None, *, replace: bool,
                 channel: str) -> CommitResult:
    """Write a checked preview as one batch of ``layout``'s kind, in one transaction: all or nothing."""
    counts = result.counts
    if counts["change"] and not replace:
        raise ImportRefused(*bilingual(layout.would_change, count=counts["change"]))
    if layout.nothing_to_write(result):
        return CommitResult(None, 0, 0, counts["unchanged"])
    now = _now()
    with store.transaction() as tx:
        acting = require(tx, user, layout.writer)
        writing = layout.prepare(tx, result, acting)
        writing.preview = result
        if not writing.count:
            return writing.result(None)  # an empty transaction: nothing was written
        done = writing.result(None)   # the counts the batch's row keeps, in the analyst's terms
        batch_id = tx.insert_batch(NewBatch(
            source=writing.source, source_kind=channel, file_name=result.file_name, file_sha256=result.sha256,
            imported_by=acting.name, imported_at=now, row_count=writing.count, note=writing.note, kind=layout.kind,
            sheet=result.sheet, rows_added=done.inserted, rows_changed=done.replaced, rows_unchanged=done.unchanged,
            rows_refused=0))
        layout.write(tx, writing, batch_id, acting, now)
    return writing.result(int(batch_id))


def record_refused(store: Store, result: Preview, user: User | None, *, channel: str, source: str | None) -> int:
    """Record a refused file as an attempt (who, when, the file, how many rows were refused), as DHIS2's import
    summaries do: a batch of status ``refused`` that writes no data, moves no data version and cannot be undone.
    The user must hold at least the reporter's role now; returns the record's id."""
    with store.transaction() as tx:
        acting = require(tx, user, "reporter")
        return tx.insert_batch(NewBatch(
            source=source or "", source_kind=channel, file_name=result.file_name, file_sha256=result.sha256,
            imported_by=acting.name, imported_at=_now(), row_count=0, note=None, kind=result.kind,
            sheet=result.sheet, rows_added=0, rows_changed=0, rows_unchanged=None,
            rows_refused=result.problem_count, status="refused"))


def changed_rows(result: Preview) -> pd.DataFrame:
    """The rows of a preview that insert or change something."""
    return result.diff[result.diff.status != "unchanged"]


def nothing_changed(result: Preview) -> bool:
    """Whether every row of the preview is unchanged (most layouts' :meth:`Writer.nothing_to_write`)."""
    return not len(changed_rows(result))
