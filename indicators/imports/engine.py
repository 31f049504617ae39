"""The import engine: one path from an analyst's file to the database, for the upload page and the CLI.

1. :func:`preview` reads the file (:mod:`.reader`), finds the first layout of :data:`LAYOUTS` that recognises
   its header — targets (:mod:`.targets`) or actuals, long or wide (:mod:`.actuals`) — which checks every row
   and compares it with the database: rows to insert, to change (old → new), unchanged, rejected. Nothing is
   written.
2. :func:`commit` hands a preview to its layout, which writes it in one transaction, as one batch, after
   checking the user's role in the database, refusing a file with any rejected row, refusing changes unless
   ``replace`` was chosen, and refusing when the database moved since the preview: all or nothing. Every
   insert and change goes into the append-only history with old and new value, who, when and the batch (whose
   row holds the file's name and SHA-256, and the rows added, changed, unchanged and refused). A refused file is
   recorded as an attempt that wrote nothing (:func:`refused`).
3. :func:`undo` takes a whole batch back, row for row, as long as no later batch has changed those rows and
   no period it touches is locked (:mod:`.locks`); the undo is itself written to the history.

A new layout (the units' and tasks' sheets) is a module with a :class:`~.base.Layout` object, added to
:data:`LAYOUTS`; nothing here changes.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from indicators.i18n import bilingual
from indicators.services.auth import PermissionDenied, User, require

from ..storage import Store
from ..storage import now as _now
from . import actuals, ministry, progress, targets, unit_index, units
from .base import CommitResult, Context, ImportRefused, Layout, Preview, file_digest
from .reader import read_table, read_table_apart
from .table import FileRefused, Problem, header_key
from .writing import commit_batch, record_refused

# In the order they are asked: the first that recognises a header reads the file.
LAYOUTS: tuple[Layout, ...] = (targets.LAYOUT, progress.LAYOUT, unit_index.LAYOUT, units.LAYOUT, ministry.LAYOUT,
                               actuals.LAYOUT)
_BY_KIND = {layout.kind: layout for layout in LAYOUTS}


def layout_of(keys: list[str]) -> Layout | None:
    return next((layout for layout in LAYOUTS if layout.recognises(keys)), None)


def _is_header(keys: list[str]) -> bool:
    return layout_of(keys) is not None


def _header_problems(header: list[str], row: int) -> list[Problem]:
    layout = layout_of([header_key(h) for h in header])
    return layout.header_problems(header, row) if layout else []


def preview(store: Store, name: str, content: bytes, context: Context) -> Preview:
    """Read and check ``content`` (the bytes of a file called ``name``) against ``context`` and compare it with the
    database; nothing is written. A layout refuses at once the rows the importing user's role (as stored now)
    may not write, which :func:`commit` checks again in its transaction."""
    context = context.dated()
    typed = context.source or ""   # the file's source exactly as the analyst typed it: NFC, nothing else changed
    result = Preview(name, file_digest(content), sheet=context.sheet,
                     default_source=unicodedata.normalize("NFC", typed) if typed.strip() else None)
    try:
        table = (read_table_apart if context.apart else read_table)(
            name, content, _is_header, sheet=context.sheet, limits=context.limits, header_check=_header_problems)
    except FileRefused as refused:
        for problem in refused.problems:
            result.add(problem)
        return result
    result.sheet = table.sheet
    layout = layout_of([header_key(h) for h in table.header]) or actuals.LAYOUT
    layout.check(store, context, table, result)
    result.problems.sort(key=lambda p: p.row or 0)
    return result


def commit(store: Store, result: Preview, user: User | None, *, replace: bool = False,
           channel: str = "upload") -> CommitResult:
    """Write a checked preview as one batch, in one transaction; see the module docstring. A file with refused
    rows writes nothing; the attempt is recorded (:func:`refused`) and refused."""
    if not result.ok:
        refused(store, result, user, channel=channel)
        raise ImportRefused(*bilingual("imp_file_rejected_rows", count=result.problem_count))
    return commit_batch(_BY_KIND[result.kind], store, result, user, replace=replace, channel=channel)


def refused(store: Store, result: Preview, user: User | None, *, channel: str = "upload") -> int | None:
    """Record a refused file in the batch list (who, when, the file, the rows refused, status ``refused``); it
    writes no data and moves no data version. Nothing is recorded for a user without the reporter's role now;
    returns the record's id, or None."""
    if result.ok:
        return None
    try:
        return record_refused(store, result, user, channel=channel, source=result.default_source)
    except PermissionDenied:
        return None


def undo(store: Store, batch_id: int, user: User | None) -> int:
    """Take batch ``batch_id`` back as a whole; returns the number of rows restored."""
    now = _now()
    with store.transaction() as tx:
        acting = require(tx, user, "reporter")
        batch = tx.batch(batch_id)
        if batch is None:
            raise ImportRefused(*bilingual("imp_no_such_batch", batch=batch_id))
        if batch["source_kind"] == "reference":
            raise ImportRefused(*bilingual("imp_reference_batch"))
        if batch["status"] == "refused":   # a refused attempt wrote nothing: there is nothing to take back
            raise ImportRefused(*bilingual("imp_refused_batch", batch=batch_id))
        if batch["kind"] not in ("progress", "unit_index", "actuals") and not acting.can("analyst"):
            require(tx, acting, "analyst")   # a reporter undoes only its own progress, figures, self-assessment
        if batch["undone_at"] is not None:
            raise ImportRefused(*bilingual("imp_already_undone", batch=batch_id))
        if batch["imported_by"] != acting.name and not acting.can("admin"):
            raise PermissionDenied(*bilingual("imp_undo_importer_only", user=batch["imported_by"], batch=batch_id))
        if not acting.can("analyst"):
            _within_reporter_scope(tx, acting, batch_id, batch["kind"] or "actuals")
        restored = _BY_KIND[batch["kind"] or "actuals"].undo(tx, batch_id, acting, now)
        tx.mark_undone(batch_id, acting.name, now)
    return restored


def _within_reporter_scope(tx, acting: User, batch_id: int, kind: str) -> None:
    """A reporter undoes only what lies within the unit it holds now: a batch it imported as an analyst, or for a
    unit it no longer belongs to, is an analyst's to undo (the role and unit are read in this transaction)."""
    if kind == "progress":
        progress.check_undo_scope(tx, acting, batch_id)
        return
    allowed = {acting.unit} if acting.unit is not None else set()   # as the import checks a reporter's rows
    outside = [u for u in tx.units_of_batch(batch_id) if (u[0], pd.Timestamp(u[1]).date(), u[2]) not in allowed]
    if outside:
        raise PermissionDenied(*bilingual("imp_undo_outside_unit", batch=batch_id))
