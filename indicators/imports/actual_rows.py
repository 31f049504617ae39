"""The rows of an actuals file — long (one figure per row) or wide (provinces as rows, periods as columns) —
turned into checked figures: each row's province as meant in its period, its indicator, period, value in the
indicator's unit and range, and its source. Every refusal names the file's row and column."""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

import numpy as np
import pandas as pd

from indicators.domain.periods import parse_period
from indicators.domain.registry import Registry
from indicators.domain.text import control_characters
from indicators.domain.values import ValueProblem
from indicators.services.templates import EXAMPLE_SOURCE

from .aliases import ACTUAL_ALIASES, LONG_REQUIRED, PERIOD_HEADER, actual_role, roles_of, unknown_columns
from .base import Preview
from .cells import filled, is_garbled, number_text, per_distinct, per_unique, period_of, problem_at, texts_of, values_of
from .table import (
    FREE_TEXT_ROLES,
    Problem,
    Table,
    cell_text,
    column_letter,
    control_problem,
    header_key,
    mojibake_problem,
    repeated_columns,
)


class ActualChecker:
    """Turns a table of actuals (long or wide) into checked rows; every problem goes to the preview."""

    def __init__(self, registry: Registry, indicators: pd.DataFrame, table: Table, result: Preview, today: date,
                 indicator: str | None, units: pd.DataFrame | None = None):
        self.registry, self.table, self.result, self.today = registry, table, result, today
        # (province code, its valid_from, unit code) → (valid_from, valid_to) of every unit, when the file has a
        # unit column
        self.units = {} if units is None else dict(zip(
            zip(units.province_code, _days(units.province_valid_from), units.code),
            zip(_days(units.valid_from), _days(units.valid_to))))
        self.catalogue = indicators.set_index("code")
        self.by_name = {header_key(n): c for c, n_vi, n_en in zip(indicators.code, indicators.name_vi,
                                                                  indicators.name_en)
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
        roles = roles_of(keys)
        for problem in repeated_columns(table, roles):
            result.add(problem)
        long = set(LONG_REQUIRED) <= set(roles)
        result.layout = "long" if long else "wide"
        body, width = table.body, len(table.header)
        present = filled(body)
        period_columns: list[int] = []
        for index, (key, role) in enumerate(zip(keys, roles)):
            if not key:
                if index < body.shape[1] and present[index].any():
                    result.add(Problem("cột có số liệu nhưng không có tiêu đề", "a column with figures but no header",
                                       row=table.header_row, column=column_letter(index)))
                continue
            if role is None and not long and PERIOD_HEADER.match(key):
                period_columns.append(index)
        for problem in unknown_columns(table.header, table.header_row):
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
        in_row = present.any(axis=1).to_numpy()
        if table.lengths is not None:
            ragged = in_row & (table.lengths != width)
        else:
            ragged = present.iloc[:, width:].any(axis=1).to_numpy() if body.shape[1] > width \
                else np.zeros(len(body), bool)
        for position in np.flatnonzero(ragged):
            count = int(table.lengths[position]) if table.lengths is not None else \
                int(np.flatnonzero(present.iloc[position].to_numpy()).max()) + 1
            result.add(Problem(f"dòng có {count} ô, dòng tiêu đề có {width}", f"the row has {count} cells, the header "
                                                                              f"has {width}",
                               row=int(table.row_numbers[position]),
                               column=column_letter(width) if count > width else None))
        keep = in_row & ~ragged
        at = {role: roles.index(role) for role in ACTUAL_ALIASES if role in roles}
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
                                "unit": column("unit"), "period": column("period"), "value": column("value"),
                                "value_col": at["value"]})
        else:
            parts = []
            for index in period_columns:
                reported = present[index].to_numpy()[keep]  # a blank cell of a wide sheet is a period not reported
                parts.append(pd.DataFrame({
                    "row": table.row_numbers[keep][reported], "province": province[reported],
                    "indicator": column("indicator")[reported], "source": column("source")[reported],
                    "note": column("note")[reported], "unit": column("unit")[reported], "period": table.header[index],
                    "value": rows[index][reported], "value_col": index}))
            raw = pd.concat(parts).sort_values(["row", "value_col"], kind="stable") if parts else pd.DataFrame(
                columns=["row", "province", "indicator", "source", "note", "unit", "period", "value", "value_col"])
        raw = raw.reset_index(drop=True)
        if self.fixed_indicator:
            raw["indicator"] = raw["indicator"].where(filled(raw[["indicator"]])["indicator"], self.fixed_indicator)
        return raw

    def _column(self, role: str) -> str:
        for index, key in enumerate(header_key(h) for h in self.table.header):
            if actual_role(key) == role:
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

        coded = {c: texts_of(raw[c]) for c in ("province", "indicator", "source", "note", "unit")}
        texts = {c: text for c, (text, _) in coded.items()}
        for name, (text, code) in coded.items():
            garbled = per_distinct(text, code, is_garbled).astype(bool)
            fail(garbled, lambda i, c=name: mojibake_problem(int(rows[i]), self._column(c), texts[c][i]))
            free = name in FREE_TEXT_ROLES
            # the province cell of a row is its columns joined by NUL (code, record, name): NUL is the joint there
            joint = "\x00" if name == "province" else ""
            controlled = per_distinct(text, code, lambda t, f=free, j=joint: bool(t) and bool(
                control_characters(t.replace(j, " ") if j else t, f)))
            fail(controlled.astype(bool),
                 lambda i, c=name: control_problem(int(rows[i]), self._column(c), texts[c][i], c))
        # indicator
        codes = per_distinct(*coded["indicator"], lambda t: self.by_name.get(header_key(t)) if t else None)
        fail(pd.isna(codes), lambda i: Problem("không phải mã chỉ tiêu đã biết (xem mẫu)",
                                               "is not a known indicator code (see the template)",
                                               int(rows[i]), self._column("indicator"), texts["indicator"][i]))
        # period
        periods, period_codes, period_errors = per_unique(raw["period"], period_of)
        fail(pd.isna(periods), lambda i: problem_at(period_errors[period_codes[i]], int(rows[i]), period_column(i),
                                                  cell_text(raw["period"].iat[i])))
        distinct = {}  # each distinct period once: its text, kind, first and last day, year
        for code in np.unique(period_codes):
            p = periods[np.argmax(period_codes == code)]
            distinct[int(code)] = (p.text, p.kind, p.start, p.end, p.year) if p is not None else \
                (None, None, date.max, date.max, np.nan)
        last = int(period_codes.max()) + 1 if n else 0
        table = [distinct.get(c, (None, None, date.max, date.max, np.nan)) for c in range(last)] \
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
        province_codes = coded["province"][1]  # equal codes, equal province cells
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
        fail(pd.isna(keys), lambda i: problem_at(province_errors.get(pair_codes[i], ValueProblem("ô trống", "blank")),
                                               int(rows[i]), self._column("province"), texts["province"][i]))
        # the unit below the province, as meant in the row's period (blank: the province itself)
        starts = np.array([t[2] for t in table], dtype=object)[period_codes] if n else np.array([], dtype=object)
        ends = np.array([t[3] for t in table], dtype=object)[period_codes] if n else np.array([], dtype=object)
        unit_problem: list[tuple[str, str] | None] = [
            self._unit_problem(keys[i], texts["unit"][i], starts[i], ends[i])
            if texts["unit"][i] and keys[i] is not None else None for i in range(n)]
        fail(np.array([p is not None for p in unit_problem], dtype=bool),
             lambda i: Problem(unit_problem[i][0], unit_problem[i][1], int(rows[i]), self._column("unit"),
                               texts["unit"][i]))
        # value, per unit of measure
        units = per_code("unit", "point")
        percent = np.array([(int(r), int(c)) in self.table.percent_cells for r, c in zip(rows, value_cols)]) \
            if self.table.percent_cells else None
        values, value_errors = values_of(raw["value"], units, percent)
        fail(np.isnan(values), lambda i: problem_at(value_errors.get(i, ValueProblem("không phải là số", "is not a "
                                                                                                         "number")),
                                                  int(rows[i]), column_names[int(value_cols[i])],
                                                  cell_text(raw["value"].iat[i])))
        low = per_code("min_value", np.nan).astype(float)
        high = per_code("max_value", np.inf).astype(float)
        outside = ~np.isnan(values) & ((values < low) | (values > high))
        fail(outside, lambda i: Problem(
            f"ngoài khoảng hợp lệ của {codes[i]} ({number_text(low[i])}–{number_text(high[i])})",
            f"outside the valid range of {codes[i]} ({number_text(low[i])}–{number_text(high[i])})",
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
            "unit_code": text_column(texts["unit"][good]),
            "period_kind": text_column(np.array([t[1] for t in table], dtype=object)[kept_periods]),
            "period_start": np.array([t[2] if t[0] else date(1970, 1, 1) for t in table],
                                     dtype="datetime64[D]")[kept_periods],
            "period_end": np.array([t[3] if t[0] else date(1970, 1, 1) for t in table],
                                   dtype="datetime64[D]")[kept_periods]})
        # duplicate keys within the file
        key_columns = ["province_code", "province_valid_from", "unit_code", "indicator_code", "period"]
        duplicated = frame.duplicated(key_columns, keep=False).to_numpy()
        if duplicated.any():
            first_rows = frame[duplicated].groupby(key_columns, sort=False)["row"].transform("min")
            units = frame.loc[duplicated, "unit_code"]
            for row, first, unit in zip(frame.loc[duplicated, "row"], first_rows, units):
                if row != first:
                    result.add(Problem(f"trùng tỉnh, chỉ tiêu và kỳ với dòng {first}",
                                       f"same province, indicator and period as row {first}", int(row)) if not unit
                               else Problem(f"trùng đơn vị {unit}, chỉ tiêu và kỳ với dòng {first}",
                                            f"same unit {unit}, indicator and period as row {first}", int(row)))
            frame = frame[~duplicated]
        if not result.ok:
            return frame.iloc[0:0]
        return frame.reset_index(drop=True)

    def _unit_problem(self, key: tuple[str, date], code: str, start: date, end: date) -> tuple[str, str] | None:
        """Why a unit code cannot be the row's (None when it can): a unit of the row's province, valid in its
        period."""
        found = self.units.get((key[0], key[1], code))
        if found is None:
            return (f"không phải mã đơn vị của tỉnh {key[0]} (hiệu lực từ {key[1]:%d/%m/%Y})",
                    f"is not a unit code of province {key[0]} (valid from {key[1]})")
        valid_from, valid_to = found
        if (valid_from and end < valid_from) or (valid_to and start > valid_to):
            span = f"{valid_from or '…'} – {valid_to or '…'}"
            return (f"đơn vị không có hiệu lực trong kỳ này ({span})",
                    f"the unit was not valid in this period ({span})")
        return None

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
                raise ValueProblem(f"không có tỉnh này hiệu lực từ {day:%d/%m/%Y}", f"no such province valid from "
                                                                                    f"{day}")
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


# joins a province cell with its era and name cells: a control character no real name contains, and one that
# str.strip() keeps (it strips \x1c-\x1f, which lost the empty name of a file with no name column)
_SEP = "\x00"


def _days(column: pd.Series) -> list:
    """A frame's date column as ``date`` objects (None where missing), converted once for the whole column."""
    stamps = pd.to_datetime(column)
    return [None if pd.isna(d) else d for d in stamps.dt.date]
