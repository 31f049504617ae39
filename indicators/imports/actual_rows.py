"""The rows of an actuals file — long (one figure per row) or wide (provinces as rows, periods as columns) —
turned into checked figures: each row's province as meant in its period, its indicator, period, value in the
indicator's unit and range, and its source. Every refusal names the file's row and column."""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

import numpy as np
import pandas as pd

from indicators.domain.registry import Registry
from indicators.domain.text import control_characters
from indicators.domain.values import ValueProblem
from indicators.i18n import bilingual, label
from indicators.services.templates import EXAMPLE_SOURCE

from .aliases import ACTUAL_ALIASES, LONG_REQUIRED, PERIOD_HEADER, actual_role, roles_of, unknown_columns
from .base import MAX_PROBLEMS, Preview
from .cells import (
    filled,
    is_garbled,
    number_text,
    per_distinct,
    per_unique,
    period_of,
    problem_at,
    texts_of,
    unknown_indicator,
    values_of,
)
from .places import SEP, Places
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

_NO_PERIOD = (None, None, date.max, date.max, np.nan)  # a period that could not be read: text, kind, days, year


class _Run:
    """The working state of one check of a file's rows: the columns read once, which rows are refused so far,
    and what each check found (indicator codes, periods, province keys, values, sources)."""

    def __init__(self, checker: ActualChecker, raw: pd.DataFrame):
        self.checker, self.raw, self.n = checker, raw, len(raw)
        self.bad = np.zeros(self.n, dtype=bool)
        self.rows = raw["row"].to_numpy()
        self.value_cols = raw["value_col"].to_numpy()
        self.column_names = {int(c): checker.table.column_name(int(c)) for c in np.unique(self.value_cols)}
        self.period_name = checker._column("period")
        self.coded = {c: texts_of(raw[c]) for c in ("province", "indicator", "source", "note", "unit")}
        self.texts = {c: text for c, (text, _) in self.coded.items()}
        self.codes: Any = None
        self.code_of_row: Any = None
        self.distinct_codes: Any = None
        self.period_codes: Any = None
        self.periods: list[tuple] = []
        self.period_texts: Any = None
        self.keys: Any = None
        self.values: Any = None
        self.sources: Any = None

    def fail(self, mask: np.ndarray, make: Callable[[int], Problem]) -> None:
        """Refuse the rows of ``mask`` not refused yet, each with the problem ``make`` says for it: made only for
        the problems the preview keeps (the first :data:`MAX_PROBLEMS`), the others counted."""
        result = self.checker.result
        positions = np.flatnonzero(mask & ~self.bad)
        room = max(MAX_PROBLEMS - len(result.problems), 0)
        for position in positions[:room]:
            result.add(make(int(position)))
        result.problem_count += max(len(positions) - room, 0)
        self.bad |= mask

    def row(self, i: int) -> int:
        return int(self.rows[i])

    def value_column(self, i: int) -> str:
        return self.column_names[int(self.value_cols[i])]

    def period_column(self, i: int) -> str:
        return self.period_name if self.checker.result.layout == "long" else self.value_column(i)

    def per_period(self, index: int, dtype: Any) -> np.ndarray:
        """Field ``index`` of each row's period (text, kind, start, end, year)."""
        if not self.n:
            return np.array([], dtype=dtype)
        return np.array([t[index] for t in self.periods], dtype=dtype)[self.period_codes]

    def per_code(self, column: str, missing: Any) -> np.ndarray:
        """A catalogue column for each row's indicator, looked up once per distinct indicator."""
        catalogue = self.checker.catalogue
        looked = [catalogue[column].get(c, missing) if isinstance(c, str) else missing for c in self.distinct_codes]
        return np.array([missing if v is None or pd.isna(v) else v for v in looked], dtype=object)[self.code_of_row]


class ActualChecker:
    """Turns a table of actuals (long or wide) into checked rows; every problem goes to the preview."""

    def __init__(self, registry: Registry, indicators: pd.DataFrame, table: Table, result: Preview, today: date,
                 indicator: str | None, units: pd.DataFrame | None = None):
        self.registry, self.table, self.result, self.today = registry, table, result, today
        self.places = Places(registry, units)
        self.catalogue = indicators.set_index("code")
        self.by_name = {header_key(n): c for c, n_vi, n_en in zip(indicators.code, indicators.name_vi,
                                                                  indicators.name_en)
                        for n in (c, n_vi, n_en)}
        self.fixed_indicator = indicator

    def frame(self) -> pd.DataFrame | None:
        raw = self._raw()
        if raw is None or not len(raw):
            if raw is not None and self.result.ok:
                self.result.add(Problem(*bilingual("imp_no_data_rows"), row=self.table.header_row))
            return None
        return self._checked(raw)

    # the layout: which cell of each row is what
    def _raw(self) -> pd.DataFrame | None:
        """The file's figures, one per row (a wide sheet unrolled), with the cells each check reads; None when
        the header already refuses the file."""
        keys = [header_key(h) for h in self.table.header]
        roles = roles_of(keys)
        present = filled(self.table.body)  # which cells hold something, computed once for the whole body
        period_columns = self._check_header(keys, roles, present)
        if not self.result.ok:
            return None
        return self._unrolled(roles, period_columns, present)

    def _check_header(self, keys: list[str], roles: list[str | None], present: pd.DataFrame) -> list[int]:
        """Problems of the header row (repeated, unnamed and unknown columns; a wide sheet without its indicator);
        returns the period columns of a wide sheet."""
        table, result = self.table, self.result
        for problem in repeated_columns(table, roles):
            result.add(problem)
        long = set(LONG_REQUIRED) <= set(roles)
        result.layout = "long" if long else "wide"
        body = table.body
        period_columns: list[int] = []
        for index, (key, role) in enumerate(zip(keys, roles)):
            if not key:
                if index < body.shape[1] and present[index].any():
                    result.add(Problem(*bilingual("imp_column_without_header"),
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
                result.add(Problem(*bilingual("imp_wide_needs_indicator"), row=table.header_row))
        return period_columns

    def _kept_rows(self, present: pd.DataFrame) -> np.ndarray:
        """Which rows of the body hold figures: blank ones skipped, ragged ones refused."""
        table, result = self.table, self.result
        body, width = table.body, len(table.header)
        in_row = present.any(axis=1).to_numpy()
        if table.lengths is not None:
            ragged = in_row & (table.lengths != width)
        else:
            ragged = present.iloc[:, width:].any(axis=1).to_numpy() if body.shape[1] > width \
                else np.zeros(len(body), bool)
        for position in np.flatnonzero(ragged):
            count = int(table.lengths[position]) if table.lengths is not None else \
                int(np.flatnonzero(present.iloc[position].to_numpy()).max()) + 1
            result.add(Problem(*bilingual("imp_ragged_row", count=count, width=width),
                               row=int(table.row_numbers[position]),
                               column=column_letter(width) if count > width else None))
        return in_row & ~ragged

    def _unrolled(self, roles: list[str | None], period_columns: list[int], present: pd.DataFrame) -> pd.DataFrame:
        """One row per figure: a long file as it is, a wide sheet one row per filled period cell."""
        table, long = self.table, self.result.layout == "long"
        body = table.body
        keep = self._kept_rows(present)
        at = {role: roles.index(role) for role in ACTUAL_ALIASES if role in roles}
        rows = body[keep]

        def column(role: str) -> pd.Series:
            return rows[at[role]] if role in at else pd.Series([None] * len(rows), index=rows.index, dtype=object)

        province = column("province")
        if "province_since" in at or "province_name" in at:  # one text per distinct (province, era, name)
            province = pd.Series([SEP.join((cell_text(p), cell_text(v), cell_text(m))) for p, v, m in
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
        """Each check in turn over whole columns; a row refused once is not refused again for a later cell."""
        run = _Run(self, raw)
        self._check_texts(run)
        self._check_indicators(run)
        self._check_periods(run)
        self._check_provinces(run)
        self._check_values(run)
        self._check_sources(run)
        frame = self._drop_duplicates(self._frame(run))
        if not self.result.ok:
            return frame.iloc[0:0]
        return frame.reset_index(drop=True)

    def _check_texts(self, run: _Run) -> None:
        """Mojibake and control characters in every text column, looked at once per distinct text."""
        for name, (text, code) in run.coded.items():
            garbled = per_distinct(text, code, is_garbled).astype(bool)
            run.fail(garbled, lambda i, c=name: mojibake_problem(run.row(i), self._column(c), run.texts[c][i]))
            free = name in FREE_TEXT_ROLES
            # the province cell of a row is its columns joined by NUL (code, record, name): NUL is the joint there
            joint = "\x00" if name == "province" else ""
            controlled = per_distinct(text, code, lambda t, f=free, j=joint: bool(t) and bool(
                control_characters(t.replace(j, " ") if j else t, f)))
            run.fail(controlled.astype(bool),
                     lambda i, c=name: control_problem(run.row(i), self._column(c), run.texts[c][i], c))

    def _check_indicators(self, run: _Run) -> None:
        run.codes = per_distinct(*run.coded["indicator"], lambda t: self.by_name.get(header_key(t)) if t else None)
        unknown: dict[str, tuple[str, str]] = {}    # each unknown text's refusal, its suggestions looked for once

        def refusal(i: int) -> Problem:
            text = run.texts["indicator"][i]
            if text not in unknown:
                unknown[text] = unknown_indicator(text, self.catalogue)
            return Problem(*unknown[text], run.row(i), self._column("indicator"), text)
        run.fail(pd.isna(run.codes), refusal)
        run.code_of_row, run.distinct_codes = pd.factorize(np.asarray(run.codes, dtype=object),
                                                           use_na_sentinel=False)

    def _check_periods(self, run: _Run) -> None:
        """Each distinct period parsed once; refused when unreadable, not yet begun, or before the indicator's
        first year."""
        raw, n = run.raw, run.n
        periods, run.period_codes, errors = per_unique(raw["period"], period_of)
        run.fail(pd.isna(periods), lambda i: problem_at(errors[run.period_codes[i]], run.row(i), run.period_column(i),
                                                        cell_text(raw["period"].iat[i])))
        distinct = {}  # each distinct period once: its text, kind, first and last day, year
        for code in np.unique(run.period_codes):
            p = periods[np.argmax(run.period_codes == code)]
            distinct[int(code)] = (p.text, p.kind, p.start, p.end, p.year) if p is not None else _NO_PERIOD
        last = int(run.period_codes.max()) + 1 if n else 0
        run.periods = [distinct.get(c, _NO_PERIOD) for c in range(last)]
        texts = run.period_texts = run.per_period(0, object)
        future = np.array([t[2] > self.today for t in run.periods], dtype=bool)[run.period_codes] if n \
            else np.zeros(0, bool)
        today = f"{self.today:%d/%m/%Y}", str(self.today)
        run.fail(future, lambda i: Problem(label("imp_period_not_started", "vi", period=texts[i], today=today[0]),
                                           label("imp_period_not_started", "en", period=texts[i], today=today[1]),
                                           run.row(i), run.period_column(i), texts[i]))
        first_year = run.per_code("first_year", np.nan).astype(float)
        early = ~np.isnan(first_year) & (run.per_period(4, float) < first_year)
        run.fail(early, lambda i: Problem(*bilingual("imp_indicator_starts", code=run.codes[i],
                                                     year=int(first_year[i])),
                                          run.row(i), run.period_column(i), texts[i]))

    def _check_provinces(self, run: _Run) -> None:
        """The province of each row as meant in its period (looked up once per distinct province and period),
        then the unit below it (blank: the province itself)."""
        n, texts, period_codes = run.n, run.texts, run.period_codes
        pairs = run.coded["province"][1].astype(np.int64) * (int(period_codes.max()) + 2 if n else 1) + period_codes
        pair_codes, pair_uniques = pd.factorize(pairs)
        first_of_pair = np.zeros(len(pair_uniques), dtype=np.int64)
        first_of_pair[pair_codes[::-1]] = np.arange(n)[::-1]
        keys = np.empty(len(pair_uniques), dtype=object)
        errors: dict[int, ValueProblem] = {}
        for j, i in enumerate(first_of_pair):
            try:
                keys[j] = self.places.province_of((texts["province"][i], run.period_texts[i]))
            except ValueProblem as problem:
                keys[j] = None
                errors[j] = problem
        run.keys = keys = keys[pair_codes]
        run.fail(pd.isna(keys), lambda i: problem_at(errors.get(pair_codes[i], ValueProblem(*bilingual("imp_blank"))),
                                                     run.row(i), self._column("province"), texts["province"][i]))
        starts, ends = run.per_period(2, object), run.per_period(3, object)
        unit_problem: list[tuple[str, str] | None] = [
            self.places.unit_problem(keys[i], texts["unit"][i], starts[i], ends[i])
            if texts["unit"][i] and keys[i] is not None else None for i in range(n)]
        run.fail(np.array([p is not None for p in unit_problem], dtype=bool),
                 lambda i: Problem(unit_problem[i][0], unit_problem[i][1], run.row(i), self._column("unit"),
                                   texts["unit"][i]))

    def _check_values(self, run: _Run) -> None:
        """Each value read in its indicator's unit of measure and held to its valid range."""
        raw, rows, value_cols, codes = run.raw, run.rows, run.value_cols, run.codes
        percent = np.array([(int(r), int(c)) in self.table.percent_cells for r, c in zip(rows, value_cols)]) \
            if self.table.percent_cells else None
        values, errors = values_of(raw["value"], run.per_code("unit", "point"), percent)
        run.values = values
        run.fail(np.isnan(values), lambda i: problem_at(errors.get(i, ValueProblem(*bilingual("dom_not_a_number"))),
                                                        run.row(i), run.value_column(i),
                                                        cell_text(raw["value"].iat[i])))
        low = run.per_code("min_value", np.nan).astype(float)
        high = run.per_code("max_value", np.inf).astype(float)
        outside = ~np.isnan(values) & ((values < low) | (values > high))
        run.fail(outside, lambda i: Problem(
            *bilingual("imp_outside_range", code=codes[i], low=number_text(low[i]), high=number_text(high[i])),
            run.row(i), run.value_column(i), cell_text(raw["value"].iat[i])))

    def _check_sources(self, run: _Run) -> None:
        """Every figure has a source, the row's or the file's; the template's example row is refused."""
        given = run.texts["source"]
        sources = run.sources = given.copy()
        sources[sources == ""] = self.result.default_source or ""
        needs_source, example = bilingual("imp_needs_source"), bilingual("imp_example_row")
        run.fail(sources == "", lambda i: Problem(*needs_source, run.row(i), self._column("source")))
        run.fail(given == EXAMPLE_SOURCE, lambda i: Problem(
            *example, run.row(i), self._column("source"), EXAMPLE_SOURCE))

    @staticmethod
    def _frame(run: _Run) -> pd.DataFrame:
        """The rows no check refused, as the importer's frame."""
        good = ~run.bad
        notes = run.texts["note"][good]
        key_codes = pd.factorize(run.keys[good])  # few distinct provinces: split each key once
        code_of = np.array([k[0] for k in key_codes[1]], dtype=object)
        since_of = np.array([k[1] for k in key_codes[1]], dtype="datetime64[D]")
        kept = run.period_codes[good]
        periods = run.periods

        def text_column(values: np.ndarray) -> pd.Series:
            return pd.Series(values, dtype=object)

        def day_column(index: int) -> np.ndarray:
            return np.array([t[index] if t[0] else date(1970, 1, 1) for t in periods], dtype="datetime64[D]")[kept]

        return pd.DataFrame({
            "row": run.rows[good], "province_code": text_column(code_of[key_codes[0]]),
            "province_valid_from": since_of[key_codes[0]], "indicator_code": text_column(run.codes[good]),
            "period": text_column(run.period_texts[good]), "value": run.values[good],
            "source": text_column(run.sources[good]), "note": text_column(np.where(notes == "", None, notes)),
            "unit_code": text_column(run.texts["unit"][good]),
            "period_kind": text_column(np.array([t[1] for t in periods], dtype=object)[kept]),
            "period_start": day_column(2), "period_end": day_column(3)})

    def _drop_duplicates(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows with the same key as an earlier row of the file are refused, naming that row."""
        key_columns = ["province_code", "province_valid_from", "unit_code", "indicator_code", "period"]
        duplicated = frame.duplicated(key_columns, keep=False).to_numpy()
        if not duplicated.any():
            return frame
        first_rows = frame[duplicated].groupby(key_columns, sort=False)["row"].transform("min")
        for row, first, unit in zip(frame.loc[duplicated, "row"], first_rows, frame.loc[duplicated, "unit_code"]):
            if row != first:
                texts = bilingual("imp_duplicate_unit_row", unit=unit, first=first) if unit \
                    else bilingual("imp_duplicate_row", first=first)
                self.result.add(Problem(*texts, int(row)))
        return frame[~duplicated]
