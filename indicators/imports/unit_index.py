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

import re
from datetime import date, datetime
from typing import ClassVar

import numpy as np
import pandas as pd

from indicators.domain.text import fold_ascii, nfc
from indicators.domain.units import COMMUNE_KINDS
from indicators.domain.values import ValueProblem, parse_number
from indicators.services.auth import PermissionDenied, User, require

from ..storage import ConflictError, Session, Store
from ..storage import now as _now
from .aliases import ACTUAL_ALIASES
from .base import CommitResult, Context, ImportRefused, Preview, refuse_if_changed_later
from .table import (
    LIMITS,
    Problem,
    Table,
    cell_text,
    header_key,
    is_mojibake,
    mojibake_problem,
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
        if len(table.row_numbers) > LIMITS.max_rows:   # the readers refuse such a file; never checked row by row
            result.add(Problem(f"tệp có hơn {LIMITS.max_rows:,} dòng", f"the file has more than {LIMITS.max_rows:,} "
                                                                       f"rows", row=table.header_row))
        if not result.ok:
            return
        sheet = _Sheet(store, context, table, {r: roles.index(r) for r in INDEX_ALIASES if r in roles})
        sheet.read(result)
        if not sheet.scores and not sheet.defined and result.ok:
            result.add(Problem("tệp không có dòng điểm hay tiêu chí nào", "the file has no score or criterion rows",
                               row=table.header_row))
        frame = _frame(sheet.scores, _COLUMNS)
        payload = {"criteria": sheet.new_criteria(), "named": _frame(sheet.named, _NAMED),
                   "columns": sheet.columns}
        if context.user is not None:
            _check_previewer(store, context.user, frame, payload, table.header_row, result)
        if not result.ok:
            return
        sheet.check_leaves(result)
        for row, _period, locked, by, at in store.locked_rows(frame):
            result.add(Problem(f"năm {locked} đã khoá ({by}, {at:%d/%m/%Y})",
                               f"the year {locked} is locked ({by}, {at:%Y-%m-%d})", row=row))
        if not result.ok:
            return
        result.version = store.data_version()
        result.diff = _compare(store, frame)
        result.payload = payload
        if not len(frame):                      # criteria only: each counted as a row to insert
            result.diff = payload["criteria"].assign(status="insert")
            result.payload["criteria_only"] = True

    def commit(self, store: Store, result: Preview, user: User | None, *, replace: bool, channel: str) -> CommitResult:
        counts = result.counts
        if counts["change"] and not replace:
            raise ImportRefused(f"{counts['change']} điểm sẽ thay điểm đã có: chọn 'thay thế' để ghi đè",
                                f"{counts['change']} scores would change stored ones: choose 'replace'")
        now = _now()
        criteria_only = bool(result.payload.get("criteria_only"))
        with store.transaction() as tx:
            acting = require(tx, user, "reporter")
            if not acting.can("analyst"):   # the role and unit as held now, in the transaction that writes
                scores = pd.DataFrame(columns=_NAMED) if criteria_only else result.diff
                _raise_first(_beyond_reporter(acting, scores, result.payload))
            if tx.data_version() != result.version and not criteria_only:
                fresh = _compare(tx, result.diff.drop(columns=["status", "old_points", "old_note", "old_batch_id"]))
                if not fresh.status.equals(result.diff.status) or not np.allclose(
                        fresh.old_points.fillna(-1).to_numpy(float), result.diff.old_points.fillna(-1).to_numpy(float)):
                    raise ConflictError("điểm đã thay đổi từ lúc xem trước: xem trước lại",
                                        "the scores changed since the preview: preview again")
            to_write = result.diff[result.diff.status != "unchanged"]
            if criteria_only:
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
_NAMED = ["row", "province_code", "province_valid_from", "unit_code", "stage"]   # rows that only name a criterion
_CRITERIA = ["province_code", "province_valid_from", "year", "scope", "code", "name", "max_points", "row"]


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
        return [Problem("tài khoản báo cáo viên chưa gắn với đơn vị nào", "the reporter has no unit")]
    problems = [Problem(f"tiêu chí {r.code} chưa có: chỉ chuyên viên hoặc quản trị mới định nghĩa tiêu chí",
                        f"criterion {r.code} does not exist: only analysts and admins define criteria",
                        row=r.row, column=columns.get("criterion"), value=r.code)
                for r in payload["criteria"].itertuples()]
    rows = pd.concat([scores[_NAMED], payload["named"]], ignore_index=True)
    starts = [pd.Timestamp(d).date() for d in rows.province_valid_from]
    own = (acting.unit[0], pd.Timestamp(acting.unit[1]).date(), acting.unit[2])
    other = (rows.province_code.to_numpy(object) != own[0]) | (np.array(starts, dtype=object) != own[1]) | (
        rows.unit_code.to_numpy(object) != own[2])
    appraised = rows.stage.to_numpy(object) != "self"
    for r, is_other in zip(rows[other | appraised].itertuples(), other[other | appraised]):
        if is_other:
            problems.append(Problem(f"báo cáo viên chỉ tự đánh giá đơn vị mình ({own[2]})",
                                    f"a reporter assesses only its own unit ({own[2]})", row=r.row,
                                    column=columns.get("unit"), value=r.unit_code))
        else:
            problems.append(Problem("chỉ Sở Nội vụ (chuyên viên) mới nhập điểm thẩm định",
                                    "only the province's analysts enter the appraised score", row=r.row,
                                    column=columns.get("stage"), value=r.stage))
    return sorted(problems, key=lambda p: p.row or 0)


def _raise_first(problems: list[Problem]) -> None:
    """The refusal of a commit: the first problem with its row and column, and how many more there are."""
    if problems:
        first, more = problems[0], len(problems) - 1
        raise PermissionDenied(f"{first.where('vi')}: {first.vi}" + (f" (và {more} dòng khác)" if more else ""),
                               f"{first.where('en')}: {first.en}" + (f" (and {more} more)" if more else ""))


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


_ROLES = ("province", "unit", "year", "stage", "criterion", "criterion_name", "max_points", "points", "note")


class _Sheet:
    """The rows of one index file, checked against the registry, the units and the criteria already stored: each
    check once per distinct value (memoised in ``_seen``), each row a few look-ups."""

    def __init__(self, store: Store, context: Context, table: Table, at: dict[str, int]):
        self.context, self.table, self.at = context, table, at
        self.columns = {role: table.column_name(i) for role, i in at.items()}
        units = store.index_units()
        self.units = dict(zip(zip(units.province_code.tolist(), _dates(units.province_valid_from),
                                  units.code.tolist()),
                              zip(units.code.tolist(), units.name.tolist(), units.kind.tolist(),
                                  _dates(units.valid_from), _dates(units.valid_to))))
        criteria = store.index_criteria()
        self.stored = dict(zip(zip(criteria.province_code.tolist(), _dates(criteria.province_valid_from),
                                   criteria.year.astype(int).tolist(), criteria.scope.tolist(), criteria.code.tolist()),
                               zip(criteria.name.tolist(), criteria.max_points.astype(float).tolist())))
        self.defined: dict[tuple, tuple[str, float, int]] = {}
        self.seen: dict[tuple, int] = {}
        self.scores: list[tuple] = []          # a row of _COLUMNS for each score
        self.named: list[tuple] = []           # a row of _NAMED for each row that only names a criterion
        today = context.today
        self._years = _Memo(lambda text: _year(text, today))
        self._provinces = _Memo(lambda key: self._province(*key))
        self._units = _Memo(lambda key: self._unit(*key))
        self._stages = _Memo(lambda text: STAGES.get(re.sub(r"[^a-z]", "", fold_ascii(text).lower())))
        self._codes = _Memo(lambda text: bool(CODE.match(text)))
        self._numbers = _Memo(_number)
        self._periods = _Memo(lambda year: (date(year, 1, 1), date(year, 12, 31)))

    def read(self, result: Preview) -> None:
        """Every row, in the file's order (its problems come in that order), through the columns' texts."""
        count = len(self.table.row_numbers)
        texts = {role: _column_texts(self.table, index, count) for role, index in self.at.items()}
        blank = np.ones(count, bool)
        flagged = np.zeros(count, bool)       # garbled text or a blank required cell: refused before any check
        for role, column in texts.items():
            empty = column == ""
            blank &= empty
            if role in REQUIRED:
                flagged |= empty
            garbled = {text for text in pd.unique(column) if text and is_mojibake(text)}
            if garbled:
                flagged |= pd.Series(column).isin(garbled).to_numpy()
        none = np.full(count, "", dtype=object)
        columns = [texts.get(role, none) for role in _ROLES]
        for row_no, is_blank, is_flagged, *cells in zip(self.table.row_numbers.tolist(), blank.tolist(),
                                                        flagged.tolist(), *columns):
            if is_blank:
                continue
            if is_flagged:
                self._refuse_cells(row_no, dict(zip(_ROLES, cells)), result)
            else:
                self._row(row_no, cells, result)

    def _refuse_cells(self, row_no: int, texts: dict[str, str], result: Preview) -> None:
        for role in self.at:
            if texts[role] and is_mojibake(texts[role]):
                result.add(mojibake_problem(row_no, self.columns[role], texts[role]))
        for role in REQUIRED:
            if not texts[role]:
                result.add(Problem("ô bắt buộc để trống", "a required cell is blank", row=row_no,
                                   column=self.columns[role], value=""))

    def _row(self, row_no: int, cells: list[str], result: Preview) -> None:
        """One row's checks (their answers looked up once per distinct value); a valid row goes into ``scores``,
        or into ``named`` when it only names a criterion."""
        province_text, unit_text, year_text, stage_text, code, name, max_text, points_text, note = cells
        problems: list[tuple[str, str, str]] = []       # (role, vi, en)
        year = self._years[year_text]
        if year is None:
            problems.append(("year", "năm phải là 4 chữ số, không ở tương lai",
                             "the year must be four digits, not in the future"))
        province = None if problems else self._provinces[province_text, year]
        if year is not None and province is None:
            problems.append(("province", f"không phải tỉnh có hiệu lực trong năm {year}",
                             f"is not a province valid in {year}"))
        if problems:
            return self._refuse(row_no, cells, problems, result)
        unit, unit_problem = self._units[province, unit_text, year]
        if unit_problem:
            problems.append(("unit", *unit_problem))
        stage = self._stages[stage_text]
        if stage is None:
            problems.append(("stage", "giai đoạn phải là: tự đánh giá, thẩm định", "stage must be self or appraised"))
        if not self._codes[code]:
            problems.append(("criterion", "mã tiêu chí dạng 1, 1.2, 1.2.3",
                             "a criterion code looks like 1, 1.2, 1.2.3"))
        points, bad = self._numbers[points_text] if points_text else (None, None)
        if bad:
            problems.append(("points", bad.vi, bad.en))
        if problems:
            return self._refuse(row_no, cells, problems, result)
        key = (province[0], province[1], year, unit[2], code)
        definition = self._definition(key, name, max_text, row_no, problems)
        if definition is not None and points is not None and not 0 <= points <= definition[1]:
            problems.append(("points", f"điểm phải từ 0 đến {definition[1]:g}",
                             f"points must be between 0 and {definition[1]:g}"))
        if problems or definition is None:
            return self._refuse(row_no, cells, problems, result)
        if points is None:      # a row that only names a criterion (an area, whose points are its criteria's)
            self.named.append((row_no, province[0], province[1], unit[0], stage))
            return None
        score_key = (province, unit[0], year, stage, code)
        if score_key in self.seen:
            result.add(Problem(f"trùng đơn vị, năm, giai đoạn và tiêu chí với dòng {self.seen[score_key]}",
                               f"same unit, year, stage and criterion as row {self.seen[score_key]}", row=row_no))
            return None
        self.seen[score_key] = row_no
        self.scores.append((row_no, province[0], province[1], unit[0], unit[1], year, stage, unit[2], code, points,
                            note or None, *self._periods[year]))
        return None

    def _refuse(self, row_no: int, cells: list[str], problems: list[tuple[str, str, str]], result: Preview) -> None:
        """The row's problems, each naming its column and the cell as written."""
        texts = dict(zip(_ROLES, cells))
        for role, vi, en in problems:
            result.add(Problem(vi, en, row=row_no, column=self.columns.get(role, role), value=texts.get(role)))

    def _province(self, text: str, year: int) -> tuple[str, date] | None:
        try:
            return self.context.registry.resolve_in_period(text, date(year, 1, 1), date(year, 12, 31))
        except LookupError:
            return None

    def _unit(self, province: tuple[str, date], text: str, year: int) -> tuple[tuple | None, tuple | None]:
        """(code, name, scope) of the unit, or the reason it cannot be taken."""
        unit = self.units.get((province[0], province[1], text))
        if unit is None:
            return None, (f"không phải mã đơn vị của tỉnh {province[0]}",
                          f"is not a unit code of province {province[0]}")
        code, name, kind, start, end = unit
        if not ((start is None or start <= date(year, 12, 31)) and (end is None or end >= date(year, 1, 1))):
            return None, (f"đơn vị không có hiệu lực trong năm {year}", f"the unit was not valid in {year}")
        return (code, name, "commune" if kind in (*COMMUNE_KINDS, "township", "district") else "department"), None

    def _definition(self, key: tuple, name: str, max_text: str, row_no: int, problems: list) -> tuple | None:
        given_max = None
        if max_text:
            given_max, bad = self._numbers[max_text]
            if bad:
                problems.append(("max_points", bad.vi, bad.en))
                return None
        known = self.stored.get(key) or (self.defined[key][:2] if key in self.defined else None)
        if known is None:
            if not name or given_max is None or given_max <= 0:
                problems.append(("criterion_name", "tiêu chí mới: cần tên tiêu chí và điểm tối đa (> 0)",
                                 "a new criterion needs its name and maximum points (> 0)"))
                return None
            self.defined[key] = (name, given_max, row_no)
            return name, given_max
        if (name and name != known[0]) or (given_max is not None and given_max != known[1]):
            problems.append(("criterion_name", f"khác tiêu chí đã có: {known[0]} (tối đa {known[1]:g})",
                             f"differs from the criterion as defined: {known[0]} (max {known[1]:g})"))
            return None
        return known

    def check_leaves(self, result: Preview) -> None:
        """Points go on criteria without sub-criteria (an area's points are the sum of its criteria's): every
        criterion known (stored or in the file) marks its ancestors, and each score looks its own up."""
        parents = set()
        for key in (*self.stored, *self.defined):
            parts = key[4].split(".")
            parents.update((*key[:4], ".".join(parts[:n])) for n in range(1, len(parts)))
        for score in self.scores:
            if (score[1], score[2], score[5], score[7], score[8]) in parents:
                result.add(Problem(f"tiêu chí {score[8]} có tiêu chí con: chấm điểm ở tiêu chí con",
                                   f"criterion {score[8]} has sub-criteria: points go on them", row=score[0]))

    def new_criteria(self) -> pd.DataFrame:
        return pd.DataFrame([(*k, v[0], v[1], v[2]) for k, v in self.defined.items()], columns=_CRITERIA)


class _Memo(dict):
    """A checks' answers by the value asked: ``compute(key)`` on the first look-up of ``key``, the stored answer
    after (a dict look-up, for every row that repeats a value)."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        answer = self[key] = self.compute(key)
        return answer


def _year(text: str, today: date) -> int | None:
    year = int(text) if re.fullmatch(r"\d{4}", text) else None
    return None if year is None or year > today.year else year


def _number(text: str) -> tuple[float | None, ValueProblem | None]:
    try:
        return parse_number(text, "point"), None
    except ValueProblem as bad:
        return None, bad


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame, column by column (quicker than row by row for the 200,000 rows of a file)."""
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows)))) if rows else None, columns=columns)


def _dates(column: pd.Series) -> list[date | None]:
    return [None if pd.isna(d) else pd.Timestamp(d).date() for d in column]


def _column_texts(table: Table, index: int, count: int) -> np.ndarray:
    """The column's cells as text (as :func:`cell_text` gives them, a missing cell as ''), each distinct cell
    converted once."""
    if index >= table.body.shape[1]:
        return np.full(count, "", dtype=object)
    cells = table.body.iloc[:, index].to_numpy(dtype=object)
    codes, distinct = pd.factorize(cells)
    if any(isinstance(c, (bool, np.bool_)) for c in distinct):     # True == 1: factorize would take them as one
        return np.array(["" if c is None or c is pd.NaT or c != c else cell_text(c) for c in cells], dtype=object)
    texts = [(c.strip() if c.isascii() else nfc(c)) if type(c) is str else cell_text(c) for c in distinct]
    return np.array(texts + [""], dtype=object)[codes]         # (a text cell as cell_text gives it, quicker)
