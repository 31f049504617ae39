"""The import engine: one path from an analyst's file to the database, for the upload page and the CLI.

1. :func:`preview` reads the file (:mod:`indicators.reader`), recognises its layout — the project's template
   (long: province, indicator, period, value, source, note), a wide sheet (provinces as rows, periods as
   columns, one indicator) or a target sheet (:mod:`indicators.target_import`) — checks every row and
   compares it with the database: rows to insert, to change (old → new), unchanged, rejected. Nothing is
   written.
2. :func:`commit` writes a preview in one transaction, as one batch, after checking the user's role in the
   database, refusing a file with any rejected row, refusing changes unless ``replace`` was chosen, and
   refusing when the database moved since the preview (another import): all or nothing. Every insert and
   change goes into the append-only ``actual_history`` with old and new value, who, when and the batch
   (whose row holds the file's name and SHA-256).
3. :func:`undo` takes a whole batch back, row for row, as long as no later batch has changed those rows
   and no period it touches is locked; the undo is itself written to the history.
4. :func:`lock_period` / :func:`unlock_period`: an admin closes a province's period once its report is approved;
   imports and undos into it are refused.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

import duckdb
import numpy as np
import pandas as pd

from .auth import PermissionDenied, User, require
from .database import StorageFailed, storage_failure
from .errors import Bilingual
from .periods import Period, PeriodError, parse_period
from .reader import (LIMITS, Cell, FileRefused, Limits, Problem, Table, cell_text, column_letter, header_key,
                     is_mojibake, mojibake_problem, read_table, read_table_apart, repeated_columns, role_of)
from .registry import Registry
from .templates import EXAMPLE_SOURCE
from .values import WHOLE_UNITS, ValueProblem, is_missing, parse_number

MAX_PROBLEMS = 1000  # problems kept (and shown) per file; the total is counted

# Header cells (folded by reader.header_key) that name each column, in Vietnamese and English.
ALIASES: dict[str, set[str]] = {
    "province": {"province", "provincecode", "tinh", "matinh", "tinhthanh", "tinhthanhpho", "donvi"},
    "indicator": {"indicator", "indicatorcode", "chitieu", "machitieu", "mach tieu", "chiso"},
    "period": {"period", "ky", "kybaocao", "thoiky", "kydulieu"},
    "value": {"value", "giatri", "solieu", "ketqua"},
    "source": {"source", "nguon", "nguonsolieu", "nguondulieu"},
    "note": {"note", "ghichu"},
    # what `python -m indicators export actuals` writes beside them, so that an export imports back as it was:
    "province_since": {"provincevalidfrom", "validfrom", "hieuluctu"},  # pins the province's era
    "province_name": {"provincename", "tentinh"},  # with a code column: checked against it
    "batch_id": {"batchid"},  # the batch it came from: information only
}
NAME_COLUMNS = ALIASES["province_name"]
LONG_REQUIRED = ("province", "indicator", "period", "value")
_PERIOD_HEADER = re.compile(r"^(\d{4})(h[12]|q[1-4]|(0[1-9]|1[0-2]))?$", re.ASCII)


class ConflictError(Bilingual, RuntimeError):
    """The database changed under a preview, or a later batch holds rows an undo would take back."""


class ImportRefused(Bilingual, ValueError):
    """A commit or an undo that cannot go ahead."""


@dataclass
class Preview:
    """What importing a file would do; nothing is written until :func:`commit`."""

    file_name: str
    sha256: str
    kind: str = "actuals"             # or "targets"
    layout: str | None = None         # "long", "wide" or "targets"
    sheet: str | None = None
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    diff: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per valid row, with its status
    default_source: str | None = None
    payload: Any = None               # the target import's own plan (targets only)
    version: tuple | None = None      # the database's data_version when the preview was made

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def rows(self, status: str) -> pd.DataFrame:
        return self.diff[self.diff.status == status] if len(self.diff) else self.diff

    @property
    def counts(self) -> dict[str, int]:
        counts = self.diff.status.value_counts().to_dict() if len(self.diff) else {}
        return {"insert": int(counts.get("insert", 0)), "change": int(counts.get("change", 0)),
                "unchanged": int(counts.get("unchanged", 0)), "rejected": self.problem_count}

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass(frozen=True)
class CommitResult:
    batch_id: int | None  # None: nothing to write (every row unchanged)
    inserted: int
    replaced: int
    unchanged: int


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- preview ---------------------------------------------------------------------------------------------

def preview(cur: duckdb.DuckDBPyConnection, registry: Registry, indicators: pd.DataFrame, name: str,
            content: bytes, *, sheet: str | None = None, indicator: str | None = None, source: str | None = None,
            today: date | None = None, limits: Limits = LIMITS, apart: bool = False) -> Preview:
    """Read and check ``content`` (the bytes of a file called ``name``) and compare it with the database.
    ``apart``: the file is parsed in a process of its own (the dashboard server, where other sessions run)."""
    result = Preview(name, file_digest(content), sheet=sheet, default_source=(source or "").strip() or None)
    try:
        table = (read_table_apart if apart else read_table)(name, content, _is_header, sheet=sheet, limits=limits,
                                                            header_check=_unknown_columns)
    except FileRefused as refused:
        for problem in refused.problems:
            result.add(problem)
        return result
    result.sheet = table.sheet
    keys = [header_key(h) for h in table.header]
    if _targets_header(keys):
        from .target_import import preview_targets  # noqa: PLC0415

        return preview_targets(cur, registry, indicators, table, result, today or date.today())
    checker = _ActualChecker(registry, indicators, table, result, today or date.today(), indicator)
    frame = checker.frame()
    if frame is not None and len(frame):
        _refuse_locked(cur, frame, table, result)
        result.version = data_version(cur)
        result.diff = _compare(cur, frame)
    result.problems.sort(key=lambda p: p.row or 0)
    return result


def _is_header(keys: list[str]) -> bool:
    roles = set(_roles(keys))
    if set(LONG_REQUIRED) <= roles or _targets_header(keys):
        return True
    return "province" in roles and any(_PERIOD_HEADER.match(k) for k in keys)


def _unknown_columns(header: list[str], row: int) -> list[Problem]:
    """A problem for every header cell of an actuals layout that names no column the layouts know (checked as
    soon as the header is read, before the rest of the file is)."""
    keys = [header_key(h) for h in header]
    if _targets_header(keys):
        return []
    roles = _roles(keys)
    long = set(LONG_REQUIRED) <= set(roles)
    expected = ", ".join(LONG_REQUIRED + ("source", "note"))
    return [Problem(f"cột không được nhận: '{header[index]}' (các cột: {expected})",
                    f"unknown column '{header[index]}' (expected: {expected})", row=row, column=column_letter(index))
            for index, (key, role) in enumerate(zip(keys, roles))
            if key and role is None and (long or not _PERIOD_HEADER.match(key))]


def _targets_header(keys: list[str]) -> bool:
    from .target_import import is_target_header  # noqa: PLC0415

    return is_target_header(keys)


def _role(key: str) -> str | None:
    return role_of(key, ALIASES)


def _roles(keys: list[str]) -> list[str | None]:
    """The role of each header cell; a province name column alone is the province column."""
    roles = [_role(k) for k in keys]
    if "province" not in roles and "province_name" in roles:
        roles[roles.index("province_name")] = "province"
    return roles


class _ActualChecker:
    """Turns a table of actuals (long or wide) into checked rows; every problem goes to the preview."""

    def __init__(self, registry: Registry, indicators: pd.DataFrame, table: Table, result: Preview, today: date,
                 indicator: str | None):
        self.registry, self.table, self.result, self.today = registry, table, result, today
        self.catalogue = indicators.set_index("code")
        self.by_name = {header_key(n): c for c, n_vi, n_en in zip(indicators.code, indicators.name_vi, indicators.name_en)
                        for n in (c, n_vi, n_en)}
        self.fixed_indicator = indicator

    def frame(self) -> pd.DataFrame | None:
        raw = self._raw()
        if raw is None or not len(raw):
            if raw is not None and self.result.ok:
                self.result.add(Problem("tệp không có dòng số liệu nào dưới dòng tiêu đề",
                                        "the file has no data rows under its header", row=self.table.header_row))
            return None
        return self._checked(raw)

    # the layout: which cell of each row is what
    def _raw(self) -> pd.DataFrame | None:
        table, result = self.table, self.result
        keys = [header_key(h) for h in table.header]
        roles = _roles(keys)
        for problem in repeated_columns(table, roles):
            result.add(problem)
        long = set(LONG_REQUIRED) <= set(roles)
        result.layout = "long" if long else "wide"
        body, width = table.body, len(table.header)
        filled = _filled(body)
        period_columns: list[int] = []
        for index, (key, role) in enumerate(zip(keys, roles)):
            if not key:
                if index < body.shape[1] and filled[index].any():
                    result.add(Problem("cột có số liệu nhưng không có tiêu đề", "a column with figures but no header",
                                       row=table.header_row, column=column_letter(index)))
                continue
            if role is None and not long and _PERIOD_HEADER.match(key):
                period_columns.append(index)
        for problem in _unknown_columns(table.header, table.header_row):
            result.add(problem)
        if not long and "indicator" not in roles and not self.fixed_indicator:
            sheet_code = header_key(table.sheet or "")
            if sheet_code in self.by_name:
                self.fixed_indicator = self.by_name[sheet_code]
            else:
                result.add(Problem(
                    "bảng dạng ngang cần cột 'indicator' hoặc chọn chỉ tiêu khi nhập (--indicator)",
                    "a wide sheet needs an 'indicator' column, or the indicator chosen on import (--indicator)",
                    row=table.header_row))
        if not result.ok:
            return None
        # rows: blank ones skipped, ragged ones refused
        in_row = filled.any(axis=1).to_numpy()
        if table.lengths is not None:
            ragged = in_row & (table.lengths != width)
        else:
            ragged = filled.iloc[:, width:].any(axis=1).to_numpy() if body.shape[1] > width else np.zeros(len(body), bool)
        for position in np.flatnonzero(ragged):
            count = int(table.lengths[position]) if table.lengths is not None else \
                int(np.flatnonzero(filled.iloc[position].to_numpy()).max()) + 1
            result.add(Problem(f"dòng có {count} ô, dòng tiêu đề có {width}", f"the row has {count} cells, the header has {width}",
                               row=int(table.row_numbers[position]),
                               column=column_letter(width) if count > width else None))
        keep = in_row & ~ragged
        at = {role: roles.index(role) for role in ALIASES if role in roles}
        rows = body[keep]

        def column(role: str) -> pd.Series:
            return rows[at[role]] if role in at else pd.Series([None] * len(rows), index=rows.index, dtype=object)

        province = column("province")
        if "province_since" in at or "province_name" in at:  # one text per distinct (province, era, name)
            province = pd.Series([_SEP.join((cell_text(p), cell_text(v), cell_text(m))) for p, v, m in
                                  zip(province, column("province_since"), column("province_name"))],
                                 index=rows.index, dtype=object)
        if long:
            raw = pd.DataFrame({"row": table.row_numbers[keep], "province": province,
                                "indicator": column("indicator"), "source": column("source"), "note": column("note"),
                                "period": column("period"), "value": column("value"), "value_col": at["value"]})
        else:
            parts = []
            for index in period_columns:
                present = filled[index].to_numpy()[keep]  # a blank cell of a wide sheet is a period not reported
                parts.append(pd.DataFrame({
                    "row": table.row_numbers[keep][present], "province": province[present],
                    "indicator": column("indicator")[present], "source": column("source")[present],
                    "note": column("note")[present], "period": table.header[index],
                    "value": rows[index][present], "value_col": index}))
            raw = pd.concat(parts).sort_values(["row", "value_col"], kind="stable") if parts else pd.DataFrame(
                columns=["row", "province", "indicator", "source", "note", "period", "value", "value_col"])
        raw = raw.reset_index(drop=True)
        if self.fixed_indicator:
            raw["indicator"] = raw["indicator"].where(_filled(raw[["indicator"]])["indicator"], self.fixed_indicator)
        return raw

    def _column(self, role: str) -> str:
        for index, key in enumerate(header_key(h) for h in self.table.header):
            if _role(key) == role:
                return self.table.column_name(index)
        return role

    def _checked(self, raw: pd.DataFrame) -> pd.DataFrame | None:
        result, n = self.result, len(raw)
        bad = np.zeros(n, dtype=bool)

        def fail(mask: np.ndarray, make: Callable[[int], Problem]) -> None:
            nonlocal bad
            for position in np.flatnonzero(mask & ~bad):
                result.add(make(int(position)))
            bad |= mask

        rows = raw["row"].to_numpy()
        value_cols = raw["value_col"].to_numpy()
        column_names = {int(c): self.table.column_name(int(c)) for c in np.unique(value_cols)}
        period_name = self._column("period")

        def period_column(i: int) -> str:
            return period_name if self.result.layout == "long" else column_names[int(value_cols[i])]

        texts = {c: _texts(raw[c]) for c in ("province", "indicator", "source", "note")}
        for name in ("province", "indicator", "source", "note"):
            garbled = _per_unique(texts[name], _is_garbled, default=False)[0].astype(bool)
            fail(garbled, lambda i, c=name: mojibake_problem(int(rows[i]), self._column(c), texts[c][i]))
        # indicator
        codes = _per_unique(texts["indicator"], lambda t: self.by_name.get(header_key(t)) if t else None)[0]
        fail(pd.isna(codes), lambda i: Problem("không phải mã chỉ tiêu đã biết (xem mẫu)",
                                               "is not a known indicator code (see the template)",
                                               int(rows[i]), self._column("indicator"), texts["indicator"][i]))
        # period
        periods, period_codes, period_errors = _per_unique(raw["period"], _period_of)
        fail(pd.isna(periods), lambda i: _problem(period_errors[period_codes[i]], int(rows[i]), period_column(i),
                                                  cell_text(raw["period"].iat[i])))
        distinct = {}  # each distinct period once: its text, kind, first and last day, year
        for code in np.unique(period_codes):
            p = periods[np.argmax(period_codes == code)]
            distinct[int(code)] = (p.text, p.kind, p.start, p.end, p.year) if p is not None else \
                (None, None, date.max, date.max, np.nan)
        table = [distinct.get(c, (None, None, date.max, date.max, np.nan)) for c in range(int(period_codes.max()) + 1)] \
            if n else []
        period_texts = np.array([t[0] for t in table], dtype=object)[period_codes] if n else np.array([], dtype=object)
        future = np.array([t[2] > self.today for t in table], dtype=bool)[period_codes] if n else np.zeros(0, bool)
        fail(future, lambda i: Problem(f"kỳ {period_texts[i]} chưa bắt đầu (hôm nay {self.today:%d/%m/%Y})",
                                       f"period {period_texts[i]} has not started yet (today is {self.today})",
                                       int(rows[i]), period_column(i), period_texts[i]))
        catalogue = self.catalogue
        code_of_row, distinct_codes = pd.factorize(np.asarray(codes, dtype=object), use_na_sentinel=False)

        def per_code(column: str, missing: Any) -> np.ndarray:
            """A catalogue column for each row's indicator, looked up once per distinct indicator."""
            looked = [catalogue[column].get(c, missing) if isinstance(c, str) else missing for c in distinct_codes]
            return np.array([missing if v is None or pd.isna(v) else v for v in looked], dtype=object)[code_of_row]

        first_year = per_code("first_year", np.nan).astype(float)
        years = np.array([t[4] for t in table], dtype=float)[period_codes] if n else np.zeros(0)
        early = ~np.isnan(first_year) & (years < first_year)
        fail(early, lambda i: Problem(f"chỉ tiêu {codes[i]} chỉ có từ năm {int(first_year[i])}",
                                      f"indicator {codes[i]} starts in {int(first_year[i])}",
                                      int(rows[i]), period_column(i), period_texts[i]))
        # province, as meant in the row's period
        province_codes, province_uniques = pd.factorize(texts["province"])
        pairs = province_codes.astype(np.int64) * (int(period_codes.max()) + 2 if n else 1) + period_codes
        pair_codes, pair_uniques = pd.factorize(pairs)
        first_of_pair = np.zeros(len(pair_uniques), dtype=np.int64)
        first_of_pair[pair_codes[::-1]] = np.arange(n)[::-1]
        keys = np.empty(len(pair_uniques), dtype=object)
        province_errors: dict[int, ValueProblem] = {}
        for j, i in enumerate(first_of_pair):
            try:
                keys[j] = self._province_of((texts["province"][i], period_texts[i]))
            except ValueProblem as problem:
                keys[j] = None
                province_errors[j] = problem
        keys = keys[pair_codes]
        fail(pd.isna(keys), lambda i: _problem(province_errors.get(pair_codes[i], ValueProblem("ô trống", "blank")),
                                               int(rows[i]), self._column("province"), texts["province"][i]))
        # value, per unit
        units = per_code("unit", "point")
        percent = np.array([(int(r), int(c)) in self.table.percent_cells for r, c in zip(rows, value_cols)]) \
            if self.table.percent_cells else None
        values, value_errors = _values(raw["value"], units, percent)
        fail(np.isnan(values), lambda i: _problem(value_errors.get(i, ValueProblem("không phải là số", "is not a number")),
                                                  int(rows[i]), column_names[int(value_cols[i])],
                                                  cell_text(raw["value"].iat[i])))
        low = per_code("min_value", np.nan).astype(float)
        high = per_code("max_value", np.inf).astype(float)
        outside = ~np.isnan(values) & ((values < low) | (values > high))
        fail(outside, lambda i: Problem(
            f"ngoài khoảng hợp lệ của {codes[i]} ({_num(low[i])}–{_num(high[i])})",
            f"outside the valid range of {codes[i]} ({_num(low[i])}–{_num(high[i])})",
            int(rows[i]), column_names[int(value_cols[i])], cell_text(raw["value"].iat[i])))
        # source: the row's or the file's
        sources = texts["source"].copy()
        sources[sources == ""] = result.default_source or ""
        fail(sources == "", lambda i: Problem("mỗi số liệu cần nguồn: điền cột source hoặc nhập nguồn chung",
                                              "every figure needs its source: fill the source column or give one for "
                                              "the file", int(rows[i]), self._column("source")))
        fail(texts["source"] == EXAMPLE_SOURCE, lambda i: Problem(
            "đây là dòng ví dụ của mẫu: xoá dòng này", "this is the template's example row: delete it",
            int(rows[i]), self._column("source"), EXAMPLE_SOURCE))
        good = ~bad
        notes = texts["note"][good]
        key_codes = pd.factorize(keys[good])  # few distinct provinces: split each key once
        code_of = np.array([k[0] for k in key_codes[1]], dtype=object)
        since_of = np.array([k[1] for k in key_codes[1]], dtype="datetime64[D]")
        kept_periods = period_codes[good]

        def text_column(values: np.ndarray) -> pd.Series:
            return pd.Series(values, dtype=object)

        frame = pd.DataFrame({
            "row": rows[good], "province_code": text_column(code_of[key_codes[0]]),
            "province_valid_from": since_of[key_codes[0]], "indicator_code": text_column(codes[good]),
            "period": text_column(period_texts[good]), "value": values[good], "source": text_column(sources[good]),
            "note": text_column(np.where(notes == "", None, notes)),
            "period_kind": text_column(np.array([t[1] for t in table], dtype=object)[kept_periods]),
            "period_start": np.array([t[2] if t[0] else date(1970, 1, 1) for t in table],
                                     dtype="datetime64[D]")[kept_periods],
            "period_end": np.array([t[3] if t[0] else date(1970, 1, 1) for t in table],
                                   dtype="datetime64[D]")[kept_periods]})
        # duplicate keys within the file
        key_columns = ["province_code", "province_valid_from", "indicator_code", "period"]
        duplicated = frame.duplicated(key_columns, keep=False).to_numpy()
        if duplicated.any():
            first_rows = frame[duplicated].groupby(key_columns, sort=False)["row"].transform("min")
            for row, first in zip(frame.loc[duplicated, "row"], first_rows):
                if row != first:
                    result.add(Problem(f"trùng tỉnh, chỉ tiêu và kỳ với dòng {first}",
                                       f"same province, indicator and period as row {first}", int(row)))
            frame = frame[~duplicated]
        if not result.ok:
            return frame.iloc[0:0]
        return frame.reset_index(drop=True)

    def _province_of(self, pair: tuple[str, str | None]) -> tuple[str, date]:
        text, period_text = pair
        if _SEP in text:
            return self._pinned_province(text, period_text)
        if not text:
            raise ValueProblem("ô tỉnh trống", "the province cell is blank")
        if not isinstance(period_text, str):
            raise ValueProblem("không xác định được tỉnh khi kỳ sai", "cannot tell the province without a valid period")
        period = parse_period(period_text)
        eras = self.registry.eras(text)
        if not eras:
            raise ValueProblem("không phải mã hoặc tên tỉnh đã biết", "is not a known province code or name")
        try:
            return self.registry.resolve_in_period(text, period.start, period.end)
        except LookupError:
            pass
        latest = max(eras, key=lambda e: e.valid_from)
        if latest.valid_to is not None and period.start > latest.valid_to:
            successor = self.registry.eras(latest.successor_code) if latest.successor_code else []
            after = [e for e in successor if e.valid_from > latest.valid_to]
            name = after[0].name if after else latest.successor_code
            return_vi = (f"{latest.name} không còn là tỉnh sau {latest.valid_to:%d/%m/%Y}; kỳ {period_text} thuộc "
                         f"{name} (mã {latest.successor_code})")
            return_en = (f"{latest.name} ceased to be a province on {latest.valid_to}; for {period_text} use its "
                         f"successor {name} (code {latest.successor_code})")
            raise ValueProblem(return_vi, return_en)
        first = min(eras, key=lambda e: e.valid_from)
        raise ValueProblem(f"{first.name} chưa là tỉnh trong kỳ {period_text}",
                           f"{first.name} was not a province in {period_text}")


    def _pinned_province(self, combined: str, period_text: str | None) -> tuple[str, date]:
        """A province given with its era (``province_valid_from``) and/or its name, as exports write it."""
        parts = combined.split(_SEP)
        if len(parts) != 3:
            raise ValueProblem("ô tỉnh chứa ký tự điều khiển", "the province cell holds a control character")
        text, since, name = parts
        if since:
            try:
                day = date.fromisoformat(since[:10])
            except ValueError:
                raise ValueProblem("ngày hiệu lực của tỉnh không hợp lệ (YYYY-MM-DD)",
                                   "the province's valid_from is not a date (YYYY-MM-DD)") from None
            eras = [e for e in self.registry.eras(text) if e.valid_from == day]
            if not eras:
                raise ValueProblem(f"không có tỉnh này hiệu lực từ {day:%d/%m/%Y}", f"no such province valid from {day}")
            key = (eras[0].code, eras[0].valid_from)
            if isinstance(period_text, str):
                period = parse_period(period_text)
                if not eras[0].overlaps(period.start, period.end):
                    raise ValueProblem(f"{eras[0].name} không là tỉnh trong kỳ {period_text}",
                                       f"{eras[0].name} was not a province in {period_text}")
        else:
            key = self._province_of((text, period_text))
        if name and key not in [(e.code, e.valid_from) for e in self.registry.eras(name)]:
            raise ValueProblem(f"tên '{name}' không phải tỉnh mã {key[0]} (từ {key[1]:%d/%m/%Y})",
                               f"the name '{name}' is not province {key[0]} valid from {key[1]}")
        return key


_SEP = "\x1f"  # joins a province cell with its era and name cells (a control character no real name contains)


# --- cells ------------------------------------------------------------------------------------------------

def _filled(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds something (not None, not NaN, not only spaces)."""
    values = frame.to_numpy(dtype=object)
    filled = np.zeros(values.shape, dtype=bool)
    for j in range(values.shape[1]):
        filled[:, j] = np.fromiter(map(_holds, values[:, j]), dtype=bool, count=values.shape[0])
    return pd.DataFrame(filled, index=frame.index, columns=frame.columns)


def _holds(cell: Cell) -> bool:
    if isinstance(cell, str):
        return not cell.isspace() and cell != ""
    if cell is None:
        return False
    return not (isinstance(cell, float) and cell != cell)


def _per_unique(values: Any, function: Callable[[Any], Any], default: Any = None
                ) -> tuple[np.ndarray, np.ndarray, dict[int, ValueProblem]]:
    """``function`` applied once per distinct value: (result per row, code per row, problem per code)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    if (codes < 0).any():  # None and NaN: one more distinct value, an empty cell
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = list(uniques) + [""]
    results = np.empty(len(uniques), dtype=object)
    errors: dict[int, ValueProblem] = {}
    for j, value in enumerate(uniques):
        try:
            results[j] = function(value)
        except ValueProblem as problem:
            results[j] = default
            errors[j] = problem
    return results[codes], codes, errors


def _texts(series: pd.Series) -> np.ndarray:
    """Cells as NFC text (numbers without ``.0``), computed once per distinct cell."""
    return _per_unique(series, cell_text)[0]


def _is_garbled(text: str) -> bool:
    return bool(text) and not text.isascii() and is_mojibake(text)


def _period_of(cell: Cell) -> Period:
    if isinstance(cell, datetime) or isinstance(cell, date):
        day = cell.date() if isinstance(cell, datetime) else cell
        if day.day != 1:
            raise ValueProblem("ngày không phải là kỳ: ghi 2024, 2024-H1, 2024-Q3 hoặc 2024-05",
                               "a date is not a period: write 2024, 2024-H1, 2024-Q3 or 2024-05")
        return parse_period(f"{day.year}-{day.month:02d}")
    text = cell_text(cell).upper().replace(" ", "").replace("/", "-")
    if is_missing(text):
        raise ValueProblem("ô kỳ trống", "the period cell is blank")
    try:
        return parse_period(text)
    except PeriodError:
        raise ValueProblem("không phải kỳ báo cáo: ghi 2024, 2024-H1, 2024-Q3 hoặc 2024-05",
                           "is not a period: write 2024, 2024-H1, 2024-Q3 or 2024-05") from None


_PLAIN = re.compile(r"[+-]?\d{1,15}(\.\d{1,15})?", re.ASCII)
_ALL_PLAIN = re.compile(r"[+-]?\d{1,15}(?:\.\d{1,15})?(?:\n[+-]?\d{1,15}(?:\.\d{1,15})?)*", re.ASCII)


def _values(cells: pd.Series, units: np.ndarray, percent: np.ndarray | None) -> tuple[np.ndarray, dict[int, ValueProblem]]:
    """Figures of the value cells, each read for its indicator's unit; NaN where a cell is refused.

    Plain numbers (``85.5``, ``-3``; for whole-number units only digits) are read at once; every other cell
    (decimal comma, thousands, ``%``, Excel numbers, blanks) goes through :func:`parse_number` one by one."""
    out = np.full(len(cells), np.nan)
    errors: dict[int, ValueProblem] = {}
    whole = np.isin(units, list(WHOLE_UNITS))
    text = cells.to_numpy(dtype=object)
    is_text = np.fromiter((isinstance(c, str) for c in text), dtype=bool, count=len(text))
    plain = np.zeros(len(text), dtype=bool)
    if is_text.any():
        texts = text[is_text].tolist()
        joined = "\n".join(texts)
        if _ALL_PLAIN.fullmatch(joined):  # the usual case: every cell a plain number, checked in one pass
            matches = np.ones(len(texts), dtype=bool)
        else:
            matches = np.fromiter((_PLAIN.fullmatch(t) is not None for t in texts), dtype=bool, count=len(texts))
        if "." in joined and whole.any():
            dotted = np.fromiter(("." in t for t in texts), dtype=bool, count=len(texts))
            matches &= ~(dotted & whole[is_text])
        plain[np.flatnonzero(is_text)[matches]] = True
        if plain.any():
            out[plain] = pd.to_numeric(pd.Series(text[plain], dtype=object)).to_numpy(dtype=float)
    for i in np.flatnonzero(~plain):
        cell, unit = text[i], units[i]
        try:
            if isinstance(cell, bool):
                raise ValueProblem("không phải là số", "is not a number")
            if isinstance(cell, (int, float)):
                value = float(cell)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueProblem("ô trống hoặc không phải số", "blank or not a number")
                if percent is not None and percent[i]:
                    if unit != "percent":
                        raise ValueProblem(f"ô định dạng % nhưng chỉ tiêu tính bằng đơn vị '{unit}'",
                                           f"the cell is formatted as % but the indicator is measured in '{unit}'")
                    value = float(f"{value * 100:.12g}")
                if whole[i] and not value.is_integer():
                    raise ValueProblem(f"đơn vị '{unit}' cần số nguyên", f"unit '{unit}' needs a whole number")
                out[i] = value
            else:
                out[i] = parse_number("" if cell is None else str(cell), unit)
        except ValueProblem as problem:
            errors[int(i)] = problem
    return out, errors


def _problem(reason: ValueProblem, row: int, column: str, value: str) -> Problem:
    return Problem(reason.vi, reason.en, row=row, column=column, value=value)


def _num(value: float) -> str:
    return "∞" if value == np.inf else f"{value:g}"


# --- comparing with the database ---------------------------------------------------------------------------

_KEY_JOIN = ("a.province_code = i.province_code AND a.province_valid_from = CAST(i.province_valid_from AS DATE)"
             " AND a.indicator_code = i.indicator_code AND a.period = i.period")


def _compare(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the stored row of each key (if any) and its status: insert, change or unchanged."""
    keys = pd.DataFrame({"position": np.arange(len(frame)), "province_code": frame["province_code"].to_numpy(object),
                         "province_valid_from": frame["province_valid_from"].to_numpy(),
                         "indicator_code": frame["indicator_code"].to_numpy(object),
                         "period": frame["period"].to_numpy(object)})
    cur.register("incoming_keys", keys)
    try:
        stored = cur.execute(f"""
            SELECT i.position, a.value AS old_value, a.source AS old_source, a.note AS old_note,
                   a.batch_id AS old_batch_id
            FROM incoming_keys i JOIN actual a ON {_KEY_JOIN}""").df()
    finally:
        cur.unregister("incoming_keys")
    out = frame.drop(columns=[c for c in ("old_value", "old_source", "old_note", "old_batch_id", "status")
                              if c in frame.columns]).reset_index(drop=True)
    old_value = np.full(len(out), np.nan)
    old_source = np.full(len(out), None, dtype=object)
    old_note = np.full(len(out), None, dtype=object)
    old_batch = np.full(len(out), np.nan)
    at = stored["position"].to_numpy()
    old_value[at] = stored["old_value"].to_numpy(dtype=float)
    old_source[at] = stored["old_source"].to_numpy(dtype=object)
    old_note[at] = stored["old_note"].to_numpy(dtype=object)
    old_batch[at] = stored["old_batch_id"].to_numpy(dtype=float)
    status = np.full(len(out), "insert", dtype=object)
    exists = np.zeros(len(out), dtype=bool)
    exists[at] = True
    same = exists & (old_value == out["value"].to_numpy(dtype=float)) & _same_text(old_source, out["source"]) \
        & _same_text(old_note, out["note"])
    status[exists] = "change"
    status[same] = "unchanged"
    return out.assign(old_value=old_value, old_source=old_source, old_note=old_note,
                      old_batch_id=pd.Series(old_batch).astype("Int64"), status=status)


def _same_text(left: np.ndarray, right: pd.Series) -> np.ndarray:
    """Element-wise equality of two text columns where None equals None."""
    a = np.array(["\x00" if v is None or v != v else v for v in left], dtype=object)
    b = np.array(["\x00" if v is None or v != v else v for v in right.to_numpy(dtype=object)], dtype=object)
    return a == b


def _refuse_locked(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame, table: Table, result: Preview) -> None:
    for row, period, locked_period, by, at in _locked_rows(cur, frame):
        result.add(Problem(f"kỳ {locked_period} của tỉnh này đã khoá ({by}, {at:%d/%m/%Y}): báo cáo đã duyệt",
                           f"period {locked_period} of this province is locked (by {by} on {at:%Y-%m-%d}): its report "
                           f"was approved", row=int(row), value=period))


def _locked_rows(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[tuple]:
    if not cur.execute("SELECT count(*) FROM period_lock").fetchone()[0]:
        return []
    cur.register("rows_to_check", frame)
    try:
        return cur.execute("""
            SELECT r.row, r.period, l.period, l.locked_by, l.locked_at FROM rows_to_check r
            JOIN period_lock l ON l.province_code = r.province_code
             AND l.province_valid_from = CAST(r.province_valid_from AS DATE)
             AND CAST(r.period_start AS DATE) >= l.period_start AND CAST(r.period_end AS DATE) <= l.period_end
            ORDER BY r.row""").fetchall()
    finally:
        cur.unregister("rows_to_check")


# --- commit ------------------------------------------------------------------------------------------------

def commit(cur: duckdb.DuckDBPyConnection, result: Preview, user: User | None, *, replace: bool = False,
           channel: str = "upload", content: bytes | None = None) -> CommitResult:
    """Write a checked preview as one batch, in one transaction; see the module docstring."""
    if not result.ok:
        raise ImportRefused(f"tệp có {result.problem_count} dòng bị từ chối: không ghi gì",
                            f"the file has {result.problem_count} rejected rows: nothing was written")
    if result.kind == "targets":
        from .target_import import commit_targets  # noqa: PLC0415

        return commit_targets(cur, result, user, replace=replace, channel=channel)
    counts = result.counts
    if counts["change"] and not replace:
        raise ImportRefused(f"{counts['change']} dòng sẽ thay số liệu đã có: chọn 'thay thế' để ghi đè",
                            f"{counts['change']} rows would change figures already stored: choose 'replace' to "
                            f"overwrite them")
    now = _now()
    with transaction(cur):
        acting = require(cur, user, "analyst")
        incoming = result.diff[["row", "province_code", "province_valid_from", "indicator_code", "period",
                                "period_kind", "period_start", "period_end", "value", "source", "note"]]
        # unchanged data version: nothing was written since the preview, whose comparison still holds
        fresh = result.diff if data_version(cur) == result.version else _compare(cur, incoming)
        changed = _changed_since_preview(result.diff, fresh)
        if changed is not None:
            raise ConflictError(
                f"số liệu đã thay đổi từ lúc bạn xem trước (dòng {changed}: có người vừa ghi vào): không ghi gì, "
                "hãy xem trước lại", f"changed since your preview (row {changed}: someone wrote to it meanwhile): "
                "nothing was written; preview the file again")
        locked = _locked_rows(cur, incoming)
        if locked:
            raise ConflictError(f"kỳ {locked[0][2]} vừa bị khoá", f"period {locked[0][2]} was locked meanwhile")
        to_write = fresh[fresh.status != "unchanged"]
        if not len(to_write):
            return CommitResult(None, 0, 0, len(fresh))  # an empty transaction: nothing was written
        batch_id = cur.execute(
            "INSERT INTO import_batch (source, source_kind, file_name, file_sha256, imported_by, imported_at,"
            " row_count, note, kind, sheet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'actuals', ?) RETURNING id",
            [result.default_source or _first_source(to_write), channel, result.file_name, result.sha256,
             acting.name, now, len(to_write), f"{result.layout} layout", result.sheet]).fetchone()[0]
        cur.register("rows_to_write", _arrow(to_write[["row", "province_code", "province_valid_from", "indicator_code",
                                                       "period", "period_kind", "period_start", "period_end", "value",
                                                       "source", "note", "old_value", "old_source", "old_note",
                                                       "old_batch_id", "status"]]))
        cur.execute("""
            INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code, period,
                                        old_value, old_source, old_note, old_batch_id, new_value, new_source,
                                        new_note, new_batch_id, changed_by, changed_at)
            SELECT ?, CASE status WHEN 'insert' THEN 'insert' ELSE 'replace' END, province_code,
                   province_valid_from, indicator_code, period, old_value, old_source, old_note, old_batch_id,
                   value, source, note, ?, ?, ? FROM rows_to_write""", [batch_id, batch_id, acting.name, now])
        cur.execute(f"""
            UPDATE actual a SET value = i.value, source = i.source, note = i.note, batch_id = ?
            FROM rows_to_write i WHERE i.status = 'change' AND {_KEY_JOIN}""", [batch_id])
        cur.execute("""
            INSERT INTO actual (province_code, province_valid_from, indicator_code, period, period_kind,
                                period_start, period_end, value, source, batch_id, note)
            SELECT province_code, province_valid_from, indicator_code, period, period_kind, period_start,
                   period_end, value, source, ?, note FROM rows_to_write WHERE status = 'insert'""", [batch_id])
        cur.unregister("rows_to_write")
    counts = to_write.status.value_counts()
    return CommitResult(int(batch_id), int(counts.get("insert", 0)), int(counts.get("change", 0)),
                        int((fresh.status == "unchanged").sum()))


def _changed_since_preview(shown: pd.DataFrame, fresh: pd.DataFrame) -> int | None:
    """The file row of the first figure whose stored state is not the one the preview showed (a row to insert
    that now exists, a stored value, source or note replaced meanwhile), or None when every one is as shown."""
    if fresh is shown:
        return None
    same = (shown["status"].to_numpy() == fresh["status"].to_numpy())
    old, new = shown["old_value"].to_numpy(dtype=float), fresh["old_value"].to_numpy(dtype=float)
    same &= (old == new) | (np.isnan(old) & np.isnan(new))
    same &= _same_text(shown["old_source"].to_numpy(dtype=object), fresh["old_source"])
    same &= _same_text(shown["old_note"].to_numpy(dtype=object), fresh["old_note"])
    if same.all():
        return None
    return int(fresh["row"].to_numpy()[np.flatnonzero(~same)[0]])


def _arrow(frame: pd.DataFrame):
    """``frame`` as an Arrow table, which DuckDB scans without converting Python objects one by one."""
    import pyarrow as pa  # noqa: PLC0415 - a dependency of Streamlit

    return pa.Table.from_pandas(frame, preserve_index=False)


def _first_source(rows: pd.DataFrame) -> str:
    sources = rows["source"].dropna().unique()
    return sources[0] if len(sources) == 1 else f"{len(sources)} sources"


@contextmanager
def transaction(cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back on any error; DuckDB's write conflicts
    (another import wrote the same rows meanwhile) become a :class:`ConflictError`."""
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
        cur.execute("COMMIT")
    except (duckdb.TransactionException, duckdb.ConstraintException, duckdb.IOException) as exc:
        _rollback(cur)
        if isinstance(exc, duckdb.IOException) or "No space left" in str(exc):  # the disk, not another writer
            raise StorageFailed(*storage_failure(exc, "ghi", "writing")) from None
        raise ConflictError("một lần nhập khác vừa ghi vào cùng các dòng này: hãy xem trước rồi thử lại",
                            f"another import wrote the same rows at the same time: preview and try again ({exc})"
                            ) from None
    except BaseException:
        _rollback(cur)
        raise


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


# --- undo -------------------------------------------------------------------------------------------------

def undo(cur: duckdb.DuckDBPyConnection, batch_id: int, user: User | None) -> int:
    """Take batch ``batch_id`` back as a whole; returns the number of rows restored."""
    now = _now()
    with transaction(cur):
        acting = require(cur, user, "analyst")
        batch = cur.execute("SELECT source_kind, imported_by, undone_at, kind FROM import_batch WHERE id = ?",
                            [batch_id]).fetchone()
        if batch is None:
            raise ImportRefused(f"không có lần nhập số {batch_id}", f"there is no batch {batch_id}")
        source_kind, imported_by, undone_at, kind = batch
        if source_kind == "reference":
            raise ImportRefused("lần nhập này là dữ liệu gốc đi kèm bảng điều khiển (data/): sửa tệp rồi build lại",
                                "this batch is reference data shipped in data/: change the file and rebuild")
        if undone_at is not None:
            raise ImportRefused(f"lần nhập {batch_id} đã được hoàn tác", f"batch {batch_id} has already been undone")
        if imported_by != acting.name and not acting.can("admin"):
            raise PermissionDenied(f"chỉ {imported_by} hoặc quản trị mới hoàn tác được lần nhập {batch_id}",
                                   f"only {imported_by} or an admin can undo batch {batch_id}")
        if kind == "targets":
            from .target_import import undo_targets  # noqa: PLC0415

            restored = undo_targets(cur, batch_id, acting, now)
        else:
            restored = _undo_actuals(cur, batch_id, acting, now)
        cur.execute("UPDATE import_batch SET undone_by = ?, undone_at = ? WHERE id = ?", [acting.name, now, batch_id])
    return restored


def _undo_actuals(cur: duckdb.DuckDBPyConnection, batch_id: int, acting: User, now: datetime) -> int:
    history_join = ("a.province_code = h.province_code AND a.province_valid_from = h.province_valid_from"
                    " AND a.indicator_code = h.indicator_code AND a.period = h.period")
    later = cur.execute(f"""
        SELECT DISTINCT a.batch_id FROM actual_history h JOIN actual a ON {history_join}
        WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND a.batch_id <> ? ORDER BY 1""",
                        [batch_id, batch_id]).fetchall()
    if later:
        ids = ", ".join(str(r[0]) for r in later)
        raise ConflictError(f"các lần nhập sau ({ids}) đã sửa các dòng này: hoàn tác chúng trước",
                            f"later batches ({ids}) changed these rows: undo them first")
    gone = cur.execute("""
        SELECT DISTINCT h.old_batch_id FROM actual_history h WHERE h.batch_id = ? AND h.action = 'replace'
        AND NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = h.old_batch_id)""", [batch_id]).fetchall()
    if gone:
        raise ConflictError("lô chứa số liệu cũ không còn (dữ liệu gốc đã build lại)",
                            f"the batches that held the old figures no longer exist ({gone}): rebuilt reference data")
    locked = cur.execute(f"""
        SELECT h.period, l.period FROM actual_history h JOIN actual a ON {history_join}
        JOIN period_lock l ON l.province_code = h.province_code AND l.province_valid_from = h.province_valid_from
         AND l.period_start <= a.period_start AND a.period_end <= l.period_end
        WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') LIMIT 1""", [batch_id]).fetchall() \
        if cur.execute("SELECT count(*) FROM period_lock").fetchone()[0] else []
    if locked:
        raise ImportRefused(f"kỳ {locked[0][1]} đã khoá: không hoàn tác được", f"period {locked[0][1]} is locked: cannot undo")
    cur.execute(f"""
        INSERT INTO actual_history (batch_id, action, province_code, province_valid_from, indicator_code, period,
                                    old_value, old_source, old_note, old_batch_id, new_value, new_source, new_note,
                                    new_batch_id, changed_by, changed_at)
        SELECT ?, 'undo', h.province_code, h.province_valid_from, h.indicator_code, h.period,
               a.value, a.source, a.note, a.batch_id, h.old_value, h.old_source, h.old_note, h.old_batch_id, ?, ?
        FROM actual_history h JOIN actual a ON {history_join}
        WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') ORDER BY h.id""",
                [batch_id, acting.name, now, batch_id])
    restored = cur.execute(f"""
        UPDATE actual a SET value = h.old_value, source = h.old_source, note = h.old_note, batch_id = h.old_batch_id
        FROM actual_history h WHERE h.batch_id = ? AND h.action = 'replace' AND {history_join}""",
                           [batch_id]).fetchone()[0]
    deleted = cur.execute("""
        DELETE FROM actual a USING actual_history h WHERE h.batch_id = ? AND h.action = 'insert'
          AND a.province_code = h.province_code AND a.province_valid_from = h.province_valid_from
          AND a.indicator_code = h.indicator_code AND a.period = h.period""", [batch_id]).fetchone()[0]
    return int(restored) + int(deleted)


# --- locks ------------------------------------------------------------------------------------------------

def lock_period(cur: duckdb.DuckDBPyConnection, user: User | None, key: tuple[str, date], period_text: str,
                note: str | None = None) -> None:
    """Close a province's period (and every period inside it) to imports and undos; admins only."""
    _change_lock(cur, user, key, period_text, note, lock=True)


def unlock_period(cur: duckdb.DuckDBPyConnection, user: User | None, key: tuple[str, date], period_text: str,
                  note: str | None = None) -> None:
    _change_lock(cur, user, key, period_text, note, lock=False)


def _change_lock(cur: duckdb.DuckDBPyConnection, user: User | None, key: tuple[str, date], period_text: str,
                 note: str | None, *, lock: bool) -> None:
    period = parse_period(period_text)
    now = _now()
    with transaction(cur):
        acting = require(cur, user, "admin")
        where = [key[0], key[1], period.text]
        exists = cur.execute("SELECT 1 FROM period_lock WHERE province_code = ? AND province_valid_from = ?"
                             " AND period = ?", where).fetchone() is not None
        if exists == lock:
            raise ImportRefused(f"kỳ {period.text} {'đã' if lock else 'chưa'} khoá",
                                f"period {period.text} is {'already' if lock else 'not'} locked")
        if lock:
            cur.execute("INSERT INTO period_lock VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        where + [period.start, period.end, acting.name, now, note])
        else:
            cur.execute("DELETE FROM period_lock WHERE province_code = ? AND province_valid_from = ? AND period = ?",
                        where)
        cur.execute("INSERT INTO lock_history (action, province_code, province_valid_from, period, changed_by,"
                    " changed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ["lock" if lock else "unlock"] + where + [acting.name, now, note])


# --- reading the trail ---------------------------------------------------------------------------------------

HISTORY_COLUMNS = ["history_id", "batch_id", "action", "province_code", "province_valid_from", "indicator_code",
                   "period", "old_value", "new_value", "old_source", "new_source", "old_batch_id", "changed_by",
                   "changed_at", "file_name", "file_sha256"]


def history(cur: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> pd.DataFrame:
    """The audit trail of actuals (every insert, replace, undo and rebuild), oldest first."""
    return cur.execute("""
        SELECT h.id AS history_id, h.batch_id, h.action, h.province_code, h.province_valid_from, h.indicator_code,
               h.period, h.old_value, h.new_value, h.old_source, h.new_source, h.old_batch_id, h.changed_by,
               h.changed_at, b.file_name, b.file_sha256
        FROM actual_history h LEFT JOIN import_batch b ON b.id = h.batch_id
        WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id]).df()


def replay_differences(cur: duckdb.DuckDBPyConnection) -> int:
    """How many actuals differ between the table and a replay of ``actual_history`` (0 when the trail is
    complete): the last event of each key gives its value, source, note and batch, or its absence."""
    return cur.execute("""
        WITH last AS (
            SELECT province_code, province_valid_from, indicator_code, period, new_value, new_source, new_note,
                   new_batch_id
            FROM actual_history
            QUALIFY row_number() OVER (PARTITION BY province_code, province_valid_from, indicator_code, period
                                       ORDER BY id DESC) = 1),
        replayed AS (SELECT * FROM last WHERE new_value IS NOT NULL),
        stored AS (SELECT province_code, province_valid_from, indicator_code, period, value, source, note, batch_id
                   FROM actual)
        SELECT (SELECT count(*) FROM (SELECT * FROM replayed EXCEPT SELECT * FROM stored))
             + (SELECT count(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM replayed))""").fetchone()[0]


def target_history(cur: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> pd.DataFrame:
    """The audit trail of targets and analyst-entered plans (rows as JSON), oldest first."""
    return cur.execute("""
        SELECT h.id AS history_id, h.batch_id, h.action, h.target_id, h.old_row, h.new_row, h.changed_by,
               h.changed_at, b.file_name, b.file_sha256
        FROM target_history h LEFT JOIN import_batch b ON b.id = h.batch_id
        WHERE (? IS NULL OR h.batch_id = ?) ORDER BY h.id""", [batch_id, batch_id]).df()


def batches(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cur.execute("""
        SELECT id, kind, source_kind, file_name, sheet, file_sha256, imported_by, imported_at, row_count, source,
               undone_by, undone_at FROM import_batch ORDER BY id DESC""").df()


def locks(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cur.execute("""
        SELECT l.province_code, l.province_valid_from, p.name AS province_name, l.period, l.locked_by, l.locked_at,
               l.note FROM period_lock l JOIN province p ON p.code = l.province_code AND p.valid_from = l.province_valid_from
        ORDER BY l.locked_at DESC""").df()


def data_version(cur: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever an import, an undo, a lock or a rebuild has written: the pages' cache key."""
    return cur.execute("""
        SELECT (SELECT coalesce(max(id), 0) FROM import_batch), (SELECT count(undone_at) FROM import_batch),
               (SELECT coalesce(max(id), 0) FROM lock_history), (SELECT count(*) FROM actual)""").fetchone()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
