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

Who may write: an analyst for any unit and stage; a reporter only its own unit's self-assessment. A changed
score needs ``replace``; every insert and change is in the history; a batch is undone as a whole; a locked year
of the province refuses the rows.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..auth import PermissionDenied, User, require
from ..storage import ConflictError, Session, Store
from ..storage import now as _now
from ..text import fold_ascii
from ..units import COMMUNE_KINDS
from ..values import ValueProblem, parse_number
from .aliases import ACTUAL_ALIASES
from .base import CommitResult, Context, ImportRefused, Preview, refuse_if_changed_later
from .table import (
    Problem,
    RowCells,
    Table,
    header_key,
    repeated_columns,
    role_of,
    unknown_headers,
)

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
REQUIRED = ("province", "unit", "year", "stage", "criterion")
STAGES = {"self": "self", "tudanhgia": "self", "tucham": "self", "tuchamdiem": "self", "appraised": "appraised",
          "thamdinh": "appraised", "ketquathamdinh": "appraised", "sonoivuthamdinh": "appraised"}
CODE = re.compile(r"^\d+(\.\d+)*[a-zđ]?$")


def index_role(key: str) -> str | None:
    return role_of(key, INDEX_ALIASES)


class UnitIndexLayout:
    kind: ClassVar[str] = "unit_index"

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
                result.add(Problem(f"thiếu cột '{role}'", f"the column '{role}' is missing", row=table.header_row))
        if not result.ok:
            return
        sheet = _Sheet(store, context, table, {r: roles.index(r) for r in INDEX_ALIASES if r in roles})
        records = [record for row_no, cells in table.rows if (record := sheet.row(row_no, cells, result))]
        if not records and not sheet.defined and result.ok:
            result.add(Problem("tệp không có dòng điểm hay tiêu chí nào", "the file has no score or criterion rows",
                               row=table.header_row))
        if not result.ok:
            return
        frame = pd.DataFrame.from_records(records, columns=_COLUMNS)
        sheet.check_leaves(frame, result)
        for row, _period, locked, by, at in store.locked_rows(frame):
            result.add(Problem(f"năm {locked} đã khoá ({by}, {at:%d/%m/%Y})",
                               f"the year {locked} is locked ({by}, {at:%Y-%m-%d})", row=row))
        if not result.ok:
            return
        result.version = store.data_version()
        result.diff = _compare(store, frame)
        result.payload = {"criteria": sheet.new_criteria()}
        if not len(frame):                      # criteria only: each counted as a row to insert
            result.diff = result.payload["criteria"].assign(status="insert")
            result.payload["criteria_only"] = True

    def commit(self, store: Store, result: Preview, user: User | None, *, replace: bool, channel: str) -> CommitResult:
        counts = result.counts
        if counts["change"] and not replace:
            raise ImportRefused(f"{counts['change']} điểm sẽ thay điểm đã có: chọn 'thay thế' để ghi đè",
                                f"{counts['change']} scores would change stored ones: choose 'replace'")
        now = _now()
        with store.transaction() as tx:
            acting = require(tx, user, "reporter")
            if not acting.can("analyst"):
                _check_self_assessment(acting, result.diff)
            if tx.data_version() != result.version and not result.payload.get("criteria_only"):
                fresh = _compare(tx, result.diff.drop(columns=["status", "old_points", "old_note", "old_batch_id"]))
                if not fresh.status.equals(result.diff.status) or not np.allclose(
                        fresh.old_points.fillna(-1).to_numpy(float), result.diff.old_points.fillna(-1).to_numpy(float)):
                    raise ConflictError("điểm đã thay đổi từ lúc xem trước: xem trước lại",
                                        "the scores changed since the preview: preview again")
            to_write = result.diff[result.diff.status != "unchanged"]
            if result.payload.get("criteria_only"):
                to_write = to_write.iloc[0:0]
            criteria = result.payload["criteria"]
            if not len(to_write) and not len(criteria):
                return CommitResult(None, 0, 0, counts["unchanged"])
            batch_id = tx.insert_batch(
                source=f"unit index {result.file_name}", source_kind=channel, file_name=result.file_name,
                file_sha256=result.sha256, imported_by=acting.name, imported_at=now,
                row_count=len(to_write) + len(criteria), note="unit index", kind="unit_index", sheet=result.sheet)
            if len(criteria):
                tx.write_criteria(criteria, batch_id)
            if len(to_write):
                tx.write_scores(to_write, batch_id, acting.name, now)
        return CommitResult(int(batch_id), int((to_write.status == "insert").sum()) + len(criteria),
                            int((to_write.status == "change").sum()), counts["unchanged"])

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        refuse_if_changed_later(tx.later_score_batches(batch_id), "các điểm này", "these scores")
        return tx.undo_scores(batch_id, acting.name, now)


LAYOUT = UnitIndexLayout()


_COLUMNS = ["row", "province_code", "province_valid_from", "unit_code", "unit_name", "year", "stage", "scope",
            "criterion_code", "points", "note", "period", "period_start", "period_end"]


def _check_self_assessment(acting: User, rows: pd.DataFrame) -> None:
    for r in rows.itertuples():
        if r.stage != "self":
            raise PermissionDenied(f"dòng {r.row}: chỉ Sở Nội vụ (chuyên viên) mới nhập điểm thẩm định",
                                   f"row {r.row}: only the province's analysts enter the appraised score")
        if acting.unit is None or (r.province_code, r.province_valid_from, r.unit_code) != acting.unit:
            raise PermissionDenied(f"dòng {r.row}: báo cáo viên chỉ tự đánh giá đơn vị mình",
                                   f"row {r.row}: a reporter assesses only its own unit")


def _compare(store, frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[["province_code", "province_valid_from", "unit_code", "year", "stage", "criterion_code"]].assign(
        position=np.arange(len(frame)))
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
    same = exists & (old_points == frame.points.to_numpy(float)) & np.array(
        [(a or None) == (b or None) for a, b in zip(old_note, frame.note)], dtype=bool)
    status = np.where(same, "unchanged", np.where(exists, "change", "insert"))
    return frame.reset_index(drop=True).assign(status=status, old_points=old_points, old_note=old_note,
                                               old_batch_id=pd.Series(old_batch).astype("Int64"))


class _Sheet:
    """The rows of one index file, checked against the registry, the units and the criteria already stored."""

    def __init__(self, store: Store, context: Context, table: Table, at: dict[str, int]):
        self.context, self.table, self.at = context, table, at
        units = store.units()
        self.units = {(r.province_code, pd.Timestamp(r.province_valid_from).date(), r.code): r
                      for r in units.itertuples()}
        criteria = store.index_criteria()
        self.stored = {(r.province_code, pd.Timestamp(r.province_valid_from).date(), int(r.year), r.scope, r.code):
                       (r.name, float(r.max_points)) for r in criteria.itertuples()}
        self.defined: dict[tuple, tuple[str, float, int]] = {}
        self.seen: dict[tuple, int] = {}

    def row(self, row_no: int, cells: list, result: Preview) -> dict[str, Any] | None:
        cells_ = RowCells(self.table, self.at, row_no, cells, skip=())
        if cells_.blank:
            return None
        texts, problem, problems = cells_.texts, cells_.problem, cells_.problems
        if not cells_.check(REQUIRED):
            return cells_.refuse(result)
        year = int(texts["year"]) if re.fullmatch(r"\d{4}", texts["year"]) else None
        if year is None or year > self.context.today.year:
            problem("year", "năm phải là 4 chữ số, không ở tương lai",
                    "the year must be four digits, not in the future")
            return cells_.refuse(result)
        try:
            province = self.context.registry.resolve_in_period(texts["province"], date(year, 1, 1),
                                                               date(year, 12, 31))
        except LookupError:
            problem("province", f"không phải tỉnh có hiệu lực trong năm {year}", f"is not a province valid in {year}")
            return cells_.refuse(result)
        unit = self.units.get((province[0], province[1], texts["unit"]))
        if unit is None:
            problem("unit", f"không phải mã đơn vị của tỉnh {province[0]}", f"is not a unit code of province "
                                                                           f"{province[0]}")
        elif not _valid_in(unit, year):
            problem("unit", f"đơn vị không có hiệu lực trong năm {year}", f"the unit was not valid in {year}")
        stage = STAGES.get(re.sub(r"[^a-z]", "", fold_ascii(texts["stage"]).lower()))
        if stage is None:
            problem("stage", "giai đoạn phải là: tự đánh giá, thẩm định", "stage must be self or appraised")
        code = texts["criterion"]
        if not CODE.match(code):
            problem("criterion", "mã tiêu chí dạng 1, 1.2, 1.2.3", "a criterion code looks like 1, 1.2, 1.2.3")
        points = None
        if texts.get("points"):
            try:
                points = parse_number(texts["points"], "point")
            except ValueProblem as bad:
                problem("points", bad.vi, bad.en)
        if problems:
            return cells_.refuse(result)
        scope = "commune" if unit.kind in (*COMMUNE_KINDS, "township", "district") else "department"
        key = (province[0], province[1], year, scope, code)
        definition = self._definition(key, texts, problem, row_no)
        if definition is not None and points is not None and not 0 <= points <= definition[1]:
            problem("points", f"điểm phải từ 0 đến {definition[1]:g}", f"points must be between 0 and "
                                                                        f"{definition[1]:g}")
        if problems or definition is None:
            return cells_.refuse(result)
        if points is None:      # a row that only names a criterion (an area, whose points are its criteria's)
            return None
        score_key = (province, unit.code, year, stage, code)
        if score_key in self.seen:
            result.add(Problem(f"trùng đơn vị, năm, giai đoạn và tiêu chí với dòng {self.seen[score_key]}",
                               f"same unit, year, stage and criterion as row {self.seen[score_key]}", row=row_no))
            return None
        self.seen[score_key] = row_no
        return {"row": row_no, "province_code": province[0], "province_valid_from": province[1],
                "unit_code": unit.code, "unit_name": unit.name, "year": year, "stage": stage, "scope": scope,
                "criterion_code": code, "points": points, "note": texts.get("note") or None,
                "period": str(year), "period_start": date(year, 1, 1), "period_end": date(year, 12, 31)}

    def _definition(self, key: tuple, texts: dict, problem, row_no: int) -> tuple[str, float] | None:
        name = texts.get("criterion_name", "")
        max_text = texts.get("max_points", "")
        given_max = None
        if max_text:
            try:
                given_max = parse_number(max_text, "point")
            except ValueProblem as bad:
                problem("max_points", bad.vi, bad.en)
                return None
        known = self.stored.get(key) or (self.defined[key][:2] if key in self.defined else None)
        if known is None:
            if not name or given_max is None or given_max <= 0:
                problem("criterion_name", "tiêu chí mới: cần tên tiêu chí và điểm tối đa (> 0)",
                        "a new criterion needs its name and maximum points (> 0)")
                return None
            self.defined[key] = (name, given_max, row_no)
            return name, given_max
        if (name and name != known[0]) or (given_max is not None and given_max != known[1]):
            problem("criterion_name", f"khác tiêu chí đã có: {known[0]} (tối đa {known[1]:g})",
                    f"differs from the criterion as defined: {known[0]} (max {known[1]:g})")
            return None
        return known

    def check_leaves(self, frame: pd.DataFrame, result: Preview) -> None:
        """Points go on criteria without sub-criteria (an area's points are the sum of its criteria's)."""
        codes = {(k[0], k[1], k[2], k[3]): set() for k in [*self.stored, *self.defined]}
        for k in [*self.stored, *self.defined]:
            codes[(k[0], k[1], k[2], k[3])].add(k[4])
        for r in frame.itertuples():
            known = codes.get((r.province_code, r.province_valid_from, r.year, r.scope), set())
            if any(c.startswith(r.criterion_code + ".") for c in known):
                result.add(Problem(f"tiêu chí {r.criterion_code} có tiêu chí con: chấm điểm ở tiêu chí con",
                                   f"criterion {r.criterion_code} has sub-criteria: points go on them", row=r.row))

    def new_criteria(self) -> pd.DataFrame:
        return pd.DataFrame([{"province_code": k[0], "province_valid_from": k[1], "year": k[2], "scope": k[3],
                              "code": k[4], "name": v[0], "max_points": v[1]} for k, v in self.defined.items()],
                            columns=["province_code", "province_valid_from", "year", "scope", "code", "name",
                                     "max_points"])


def _valid_in(unit, year: int) -> bool:
    start = None if pd.isna(unit.valid_from) else pd.Timestamp(unit.valid_from).date()
    end = None if pd.isna(unit.valid_to) else pd.Timestamp(unit.valid_to).date()
    return (start is None or start <= date(year, 12, 31)) and (end is None or end >= date(year, 1, 1))
