"""The actuals layout: figures of provinces, long or wide (:mod:`.actual_rows` checks the rows), compared with
what is stored (:mod:`.compare`), committed as one batch with the history of every insert and change, and
undone as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pandas as pd

from indicators.i18n import N_, bilingual, label
from indicators.services.auth import PermissionDenied, User

from ..storage import ConflictError, Session, Store
from .actual_rows import ActualChecker
from .aliases import has_unit_column, is_actuals_header, unknown_columns
from .base import Context, ImportRefused, Preview, refuse_if_changed_later
from .compare import changed_since_preview, compare_actuals
from .table import Problem, Table
from .writing import Writing

_INCOMING = ["row", "province_code", "province_valid_from", "unit_code", "indicator_code", "period", "period_kind",
             "period_start", "period_end", "value", "source", "note"]


class ActualsLayout:
    kind: ClassVar[str] = "actuals"
    writer: ClassVar[str] = "reporter"
    would_change: ClassVar[str] = N_("imp_actuals_would_change")

    def recognises(self, keys: list[str]) -> bool:
        return is_actuals_header(keys)

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return unknown_columns(header, row)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        units = store.unit_validity() if has_unit_column(table.header) else None
        checker = ActualChecker(context.registry, context.indicators, table, result, context.today, context.indicator,
                                units)
        frame = checker.frame()
        if frame is not None and len(frame):
            self.against_store(store, frame, result)

    @staticmethod
    def against_store(store: Store, frame, result: Preview) -> None:
        """The rows read, against what is stored: each row in a locked period refused, then the comparison the
        preview shows (added, changed, unchanged), at the data version it was made on."""
        for row, period, locked_period, by, at in store.locked_rows(frame):
            result.add(Problem(label("imp_period_locked", "vi", period=locked_period, by=by, at=f"{at:%d/%m/%Y}"),
                               label("imp_period_locked", "en", period=locked_period, by=by, at=f"{at:%Y-%m-%d}"),
                               row=int(row), value=period))
        result.version = store.data_version()
        result.diff = compare_actuals(store, frame)

    def nothing_to_write(self, result: Preview) -> bool:
        return False  # rows unchanged at the preview may have changed since: prepare compares again

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        incoming = result.diff[_INCOMING]
        if not acting.can("analyst"):
            _check_own_unit(acting, incoming)
        # unchanged data version: nothing was written since the preview, whose comparison still holds
        fresh = result.diff if tx.data_version() == result.version else compare_actuals(tx, incoming)
        changed = changed_since_preview(result.diff, fresh)
        if changed is not None:
            raise ConflictError(*bilingual("imp_actuals_changed_since_preview", row=changed))
        locked = tx.locked_rows(incoming)
        if locked:
            raise ConflictError(*bilingual("imp_locked_meanwhile", period=locked[0][2]))
        to_write = fresh[fresh.status != "unchanged"]
        return Writing(to_write, int((fresh.status == "unchanged").sum()),
                       source=result.default_source or _first_source(to_write), note=f"{result.layout} layout")

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        tx.write_actuals(batch_id, writing.rows, acting.name, now)

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        refuse_if_changed_later(tx.later_actual_batches(batch_id), *bilingual("imp_these_rows"))
        gone = tx.missing_old_batches(batch_id)
        if gone:
            raise ConflictError(*bilingual("imp_old_batches_gone", batches=gone))
        locked = tx.locked_period_of_batch(batch_id)
        if locked:
            raise ImportRefused(*bilingual("imp_locked_no_undo", period=locked))
        return tx.undo_actuals(batch_id, acting.name, now)


def _check_own_unit(acting: User, rows: pd.DataFrame) -> None:
    """A reporter enters its own unit's figures only (never the province's, never another unit's)."""
    unit = acting.unit
    for r in rows.itertuples():
        mine = unit is not None and (r.province_code, pd.Timestamp(r.province_valid_from).date(), r.unit_code) == unit
        if not mine:
            raise PermissionDenied(*bilingual("imp_reporter_own_unit", row=r.row, unit=unit[2] if unit else "—"))


def _first_source(rows: pd.DataFrame) -> str:
    sources = rows["source"].dropna().unique()
    return sources[0] if len(sources) == 1 else f"{len(sources)} sources"


LAYOUT = ActualsLayout()

