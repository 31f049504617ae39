"""The rows of a unit-index file read and checked: each column turned into text once per distinct cell, each
check once per distinct value (a year, a province in a year, a unit, a stage, a number, a criterion), then one
pass over the rows that only looks those up. The layout and its writing are in :mod:`.unit_index`."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from indicators.domain.text import fold_ascii, nfc
from indicators.domain.units import COMMUNE_KINDS
from indicators.domain.values import ValueProblem, parse_number
from indicators.i18n import bilingual

from ..storage import Store
from .base import Context, Preview
from .table import Problem, Table, cell_text, is_mojibake, mojibake_problem

REQUIRED = ("province", "unit", "year", "stage", "criterion")
STAGES = {"self": "self", "tudanhgia": "self", "tucham": "self", "tuchamdiem": "self", "appraised": "appraised",
          "thamdinh": "appraised", "ketquathamdinh": "appraised", "sonoivuthamdinh": "appraised"}
CODE = re.compile(r"^\d+(\.\d+)*[a-zđ]?$")

COLUMNS = ["row", "province_code", "province_valid_from", "unit_code", "unit_name", "year", "stage", "scope",
            "criterion_code", "points", "note", "period", "period_start", "period_end"]
NAMED = ["row", "province_code", "province_valid_from", "unit_code", "stage"]   # rows that only name a criterion
CRITERIA = ["province_code", "province_valid_from", "year", "scope", "code", "name", "max_points", "row"]


_ROLES = ("province", "unit", "year", "stage", "criterion", "criterion_name", "max_points", "points", "note")


class Sheet:
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
        self.scores: list[tuple] = []          # a row of COLUMNS for each score
        self.named: list[tuple] = []           # a row of NAMED for each row that only names a criterion
        today = context.today
        self._years = _Memo(lambda text: _year(text, today))
        self._provinces = _Memo(lambda key: self._province(*key))
        self._units = _Memo(lambda key: self._unit(*key))
        self._stages = _Memo(lambda text: STAGES.get(re.sub(r"[^a-z]", "", fold_ascii(text).lower())))
        self._codes = _Memo(lambda text: bool(CODE.match(text)))
        self._numbers = _Memo(_number)
        self._periods = _Memo(lambda year: (date(year, 1, 1), date(year, 12, 31)))
        # the refusals' texts, each formatted once (per distinct value): a file of refusals repeats a few
        self._reasons = {"blank": bilingual("imp_required_blank"), "stage": bilingual("imp_stage"),
                         "criterion": bilingual("imp_criterion_code"), "year": bilingual("imp_year"),
                         "criterion_name": bilingual("imp_new_criterion")}
        self._not_in_year = _Memo(lambda year: bilingual("imp_province_not_in_year", year=year))
        self._points_range = _Memo(lambda most: bilingual("imp_points_range", most=f"{most:g}"))

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
                result.add(Problem(*self._reasons["blank"], row=row_no,
                                   column=self.columns[role], value=""))

    def _row(self, row_no: int, cells: list[str], result: Preview) -> None:
        """One row's checks (their answers looked up once per distinct value); a valid row goes into ``scores``,
        or into ``named`` when it only names a criterion."""
        _, unit_text, _, stage_text, code, name, max_text, points_text, note = cells
        problems: list[tuple[str, str, str]] = []       # (role, vi, en)
        year, province = self._year_and_province(cells, problems)
        if problems:
            return self._refuse(row_no, cells, problems, result)
        unit, unit_problem = self._units[province, unit_text, year]
        if unit_problem:
            problems.append(("unit", *unit_problem))
        stage = self._stages[stage_text]
        if stage is None:
            problems.append(("stage", *self._reasons["stage"]))
        if not self._codes[code]:
            problems.append(("criterion", *self._reasons["criterion"]))
        points, bad = self._numbers[points_text] if points_text else (None, None)
        if bad:
            problems.append(("points", bad.vi, bad.en))
        if problems:
            return self._refuse(row_no, cells, problems, result)
        key = (province[0], province[1], year, unit[2], code)
        definition = self._definition(key, name, max_text, row_no, problems)
        if definition is not None and points is not None and not 0 <= points <= definition[1]:
            problems.append(("points", *self._points_range[definition[1]]))
        if problems or definition is None:
            return self._refuse(row_no, cells, problems, result)
        if points is None:      # a row that only names a criterion (an area, whose points are its criteria's)
            self.named.append((row_no, province[0], province[1], unit[0], stage))
            return None
        score_key = (province, unit[0], year, stage, code)
        if score_key in self.seen:
            result.add(Problem(*bilingual("imp_duplicate_score_row", first=self.seen[score_key]), row=row_no))
            return None
        self.seen[score_key] = row_no
        self.scores.append((row_no, province[0], province[1], unit[0], unit[1], year, stage, unit[2], code, points,
                            note or None, *self._periods[year]))
        return None

    def _year_and_province(self, cells: list[str], problems: list[tuple[str, str, str]]) -> tuple:
        """The row's year and its province as meant in that year (None where refused, the reason in problems)."""
        year = self._years[cells[2]]
        if year is None:
            problems.append(("year", *self._reasons["year"]))
            return None, None
        province = self._provinces[cells[0], year]
        if province is None:
            problems.append(("province", *self._not_in_year[year]))
        return year, province

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
            return None, bilingual("imp_not_unit_code", province=province[0])
        code, name, kind, start, end = unit
        if not ((start is None or start <= date(year, 12, 31)) and (end is None or end >= date(year, 1, 1))):
            return None, bilingual("imp_unit_not_valid_in_year", year=year)
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
                problems.append(("criterion_name", *self._reasons["criterion_name"]))
                return None
            self.defined[key] = (name, given_max, row_no)
            return name, given_max
        if (name and name != known[0]) or (given_max is not None and given_max != known[1]):
            problems.append(("criterion_name", *bilingual("imp_criterion_differs", name=known[0],
                                                          most=f"{known[1]:g}")))
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
                result.add(Problem(*bilingual("imp_criterion_has_children", code=score[8]), row=score[0]))

    def new_criteria(self) -> pd.DataFrame:
        return pd.DataFrame([(*k, v[0], v[1], v[2]) for k, v in self.defined.items()], columns=CRITERIA)


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


def frame_of(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
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
