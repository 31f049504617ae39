"""The unit-index layout: the province's own CCHC index of its departments and communes, areas → criteria →
points, in two stages for the same unit and year: ``self`` (the unit's self-assessment, tự đánh giá) and
``appraised`` (Sở Nội vụ's appraisal, thẩm định: what is published and ranked).
A row with no points only names a criterion (an area, say).

Columns (Vietnamese or English headers): ``province``, ``unit`` (its code as meant in the year), ``year``,
``stage`` (self / tự đánh giá, appraised / thẩm định), ``criterion`` (a dotted code: ``1`` an area, ``1.2`` a
criterion in it), ``points``, and, the first time a criterion of a province, year and scope (departments or
communes) is named, ``criterion_name`` and ``max_points``; later rows may repeat them and must agree. Points go
on the criteria that have no sub-criteria: an area's points are the sum of its criteria's. Points are between 0
and the criterion's maximum.

Who may write: an analyst or admin for any unit and stage, and they alone define criteria; a reporter's file
carries only its own unit's self-assessment against criteria that exist (every row of it, with points or
without), checked against the role and unit held now, at preview and again in the transaction that writes. A
changed score needs ``replace``; every insert and change is in the history; a batch is undone as a whole; a
locked year of the province refuses the rows.

Each column is turned into text once per distinct cell, and each check runs once per distinct value (a year, a
province in a year, a unit, a stage, a number, a criterion); the rows are then read in one pass that only looks
those up, so a file at the row limit previews in seconds, whatever the number of criteria.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import numpy as np
import pandas as pd

from indicators.i18n import N_, bilingual, label
from indicators.services.auth import PermissionDenied, User, require

from ..storage import ConflictError, Session, Store
from .aliases import ACTUAL_ALIASES
from .base import Context, Preview, refuse_if_changed_later
from .table import (
    LIMITS,
    Problem,
    Table,
    header_key,
    repeated_columns,
    role_of,
    unknown_headers,
)
from .unit_index_rows import COLUMNS, NAMED, REQUIRED, Sheet, frame_of
from .writing import Writing, changed_rows

INDEX_ALIASES: dict[str, set[str]] = {
    "province": ACTUAL_ALIASES["province"] - {"donvi"},
    "unit": {"unit", "unitcode", "madonvi", "donvi", "coquan", "maxa"},
    "year": {"year", "nam", "namdanhgia"},
    "stage": {"stage", "giaidoan", "buoc", "loaidiem"},
    "criterion": {"criterion", "criterioncode", "tieuchi", "matieuchi"},
    "criterion_name": {"criterionname", "tentieuchi", "noidung"},
    "max_points": {"maxpoints", "diemtoida", "diemchuan"},
    "points": {"points", "diem", "diemdat", "diemdatduoc"},
    "note": {"note", "ghichu"},
}

def index_role(key: str) -> str | None:
    return role_of(key, INDEX_ALIASES)


class UnitIndexLayout:
    kind: ClassVar[str] = "unit_index"
    writer: ClassVar[str] = "reporter"
    would_change: ClassVar[str] = N_("imp_scores_would_change")

    def recognises(self, keys: list[str]) -> bool:
        return {"unit", "stage", "criterion", "points"} <= {index_role(k) for k in keys}

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return unknown_headers(header, row, index_role)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        result.kind, result.layout = "unit_index", "unit_index"
        roles = [index_role(header_key(h)) for h in table.header]
        for problem in repeated_columns(table, roles):
            result.add(problem)
        for role in (*REQUIRED, "points"):
            if role not in roles:
                result.add(Problem(*bilingual("imp_missing_column", role=role), row=table.header_row))
        if len(table.row_numbers) > LIMITS.max_rows:   # the readers refuse such a file; never checked row by row
            result.add(Problem(*bilingual("imp_file_too_many_rows", rows=f"{LIMITS.max_rows:,}"), row=table.header_row))
        if not result.ok:
            return
        sheet = Sheet(store, context, table, {r: roles.index(r) for r in INDEX_ALIASES if r in roles})
        sheet.read(result)
        if not sheet.scores and not sheet.defined and result.ok:
            result.add(Problem(*bilingual("imp_no_score_rows"), row=table.header_row))
        frame = frame_of(sheet.scores, COLUMNS)
        payload = {"criteria": sheet.new_criteria(), "named": frame_of(sheet.named, NAMED),
                   "columns": sheet.columns}
        if context.user is not None:
            _check_previewer(store, context.user, frame, payload, table.header_row, result)
        if not result.ok:
            return
        sheet.check_leaves(result)
        for row, _period, locked, by, at in store.locked_rows(frame):
            result.add(Problem(label("imp_year_locked", "vi", year=locked, by=by, at=f"{at:%d/%m/%Y}"),
                               label("imp_year_locked", "en", year=locked, by=by, at=f"{at:%Y-%m-%d}"), row=row))
        if not result.ok:
            return
        result.version = store.data_version()
        result.diff = _compare(store, frame)
        result.payload = payload
        if not len(frame):                      # criteria only: each counted as a row to insert
            result.diff = payload["criteria"].assign(status="insert")
            result.payload["criteria_only"] = True

    def nothing_to_write(self, result: Preview) -> bool:
        return False  # the criteria an index file defines are written even when no score changes

    def prepare(self, tx: Session, result: Preview, acting: User) -> Writing:
        criteria_only = bool(result.payload.get("criteria_only"))
        if not acting.can("analyst"):   # the role and unit as held now, in the transaction that writes
            scores = pd.DataFrame(columns=NAMED) if criteria_only else result.diff
            _raise_first(_beyond_reporter(acting, scores, result.payload))
        if tx.data_version() != result.version and not criteria_only:
            fresh = _compare(tx, result.diff.drop(columns=["status", "old_points", "old_note", "old_batch_id"]))
            if not fresh.status.equals(result.diff.status) or not np.allclose(
                    fresh.old_points.fillna(-1).to_numpy(float), result.diff.old_points.fillna(-1).to_numpy(float)):
                raise ConflictError(*bilingual("imp_scores_changed_since_preview"))
        to_write = changed_rows(result)
        if criteria_only:
            to_write = to_write.iloc[0:0]
        return Writing(to_write, result.counts["unchanged"], source=f"unit index {result.file_name}",
                       note="unit index", extra=len(result.payload["criteria"]))

    def write(self, tx: Session, writing: Writing, batch_id: int, acting: User, now: datetime) -> None:
        criteria = writing.preview.payload["criteria"]
        if len(criteria):
            tx.write_criteria(criteria, batch_id)
        if len(writing.rows):
            tx.write_scores(writing.rows, batch_id, acting.name, now)

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        refuse_if_changed_later(tx.later_score_batches(batch_id), *bilingual("imp_these_scores"))
        return tx.undo_scores(batch_id, acting.name, now)


LAYOUT = UnitIndexLayout()



def _check_previewer(store: Store, user: User, frame: pd.DataFrame, payload: dict, header_row: int,
                     result: Preview) -> None:
    """At preview, the refusals the commit would make for the role and unit the user holds now."""
    try:
        acting = require(store, user, "reporter")
    except PermissionDenied as denied:
        result.add(Problem(denied.vi, denied.en, row=header_row))
        return
    if not acting.can("analyst"):
        for problem in _beyond_reporter(acting, frame, payload):
            result.add(problem)


def _beyond_reporter(acting: User, scores: pd.DataFrame, payload: dict) -> list[Problem]:
    """What a reporter's file may not carry, row by row: a criterion not defined yet (analysts and admins define
    criteria), a row of another unit (of any province), an appraised score (Sở Nội vụ's). Rows that only name a
    criterion count as much as scored ones."""
    columns = payload["columns"]
    if acting.unit is None:
        return [Problem(*bilingual("imp_reporter_without_unit"))]
    problems = [Problem(*bilingual("imp_reporter_new_criterion", code=r.code), row=r.row,
                        column=columns.get("criterion"), value=r.code)
                for r in payload["criteria"].itertuples()]
    rows = pd.concat([scores[NAMED], payload["named"]], ignore_index=True)
    starts = [pd.Timestamp(d).date() for d in rows.province_valid_from]
    own = (acting.unit[0], pd.Timestamp(acting.unit[1]).date(), acting.unit[2])
    other = (rows.province_code.to_numpy(object) != own[0]) | (np.array(starts, dtype=object) != own[1]) | (
        rows.unit_code.to_numpy(object) != own[2])
    appraised = rows.stage.to_numpy(object) != "self"
    for r, is_other in zip(rows[other | appraised].itertuples(), other[other | appraised]):
        if is_other:
            problems.append(Problem(*bilingual("imp_reporter_own_assessment", unit=own[2]), row=r.row,
                                    column=columns.get("unit"), value=r.unit_code))
        else:
            problems.append(Problem(*bilingual("imp_reporter_appraised"), row=r.row,
                                    column=columns.get("stage"), value=r.stage))
    return sorted(problems, key=lambda p: p.row or 0)


def _raise_first(problems: list[Problem]) -> None:
    """The refusal of a commit: the first problem with its row and column, and how many more there are."""
    if problems:
        first, more = problems[0], len(problems) - 1
        vi, en = f"{first.where('vi')}: {first.vi}", f"{first.where('en')}: {first.en}"
        if more:
            vi, en = label("imp_and_more", "vi", text=vi, more=more), label("imp_and_more", "en", text=en, more=more)
        raise PermissionDenied(vi, en)


def _compare(store, frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[["province_code", "province_valid_from", "unit_code", "year", "stage", "criterion_code"]].assign(
        position=np.arange(len(frame)),     # dates as a date column, not Python objects the database reads one by one
        province_valid_from=pd.to_datetime(frame.province_valid_from))
    stored = store.stored_scores(keys)
    old_points = np.full(len(frame), np.nan)
    old_note = np.full(len(frame), None, dtype=object)
    old_batch = np.full(len(frame), np.nan)
    at = stored.position.to_numpy()
    old_points[at] = stored.old_points.to_numpy(float)
    old_note[at] = stored.old_note.to_numpy(object)
    old_batch[at] = stored.old_batch_id.to_numpy(float)
    exists = np.zeros(len(frame), bool)
    exists[at] = True
    same_note = pd.Series(old_note, dtype=object).fillna("").astype(str).to_numpy() == \
        frame.note.fillna("").astype(str).to_numpy()      # a blank note and none are the same
    same = exists & (old_points == frame.points.to_numpy(float)) & same_note
    status = np.where(same, "unchanged", np.where(exists, "change", "insert"))
    return frame.reset_index(drop=True).assign(status=status, old_points=old_points, old_note=old_note,
                                               old_batch_id=pd.Series(old_batch).astype("Int64"))
