"""The Ministry's tables (PAR INDEX, SIPAS, PCI, DTI) read as published, one row per province and one column per
indicator (:mod:`.ministry_tables`), into the actuals they hold. The year is the import's (``Context.year``) or a
``Năm`` column's; the source the import's or a ``Nguồn`` column's, and one is required. Each row's province is
matched through the registry and its aliases (with the nearest names offered when none matches), each figure
read in its indicator's unit and held to its range; then the table as a whole (:mod:`.ministry_checks`). A blank
cell is a figure not published. Written and undone as any actuals batch (:class:`~.actuals.ActualsLayout`)."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from indicators.domain.periods import parse_period
from indicators.domain.text import name_key
from indicators.domain.values import ValueProblem
from indicators.i18n import bilingual, label

from ..storage import Store
from .actuals import ActualsLayout
from .base import Context, Preview
from .cells import number_text, values_of
from .ministry_checks import ParsedRow, TableChecks, most_provinces
from .ministry_tables import (
    NOTE_KEYS,
    ORDER_KEYS,
    PROVINCE_KEYS,
    SOURCE_KEYS,
    YEAR_KEYS,
    MinistryTable,
    table_of,
)
from .places import Places
from .table import Problem, Table, cell_problems, cell_text, column_letter, header_key, repeated_columns


def _role(spec: MinistryTable, key: str) -> str | None:
    """What a header cell names: ``province``, ``order``, ``year``, ``source``, ``note`` or an indicator code."""
    for role, keys in (("province", PROVINCE_KEYS), ("order", ORDER_KEYS), ("year", YEAR_KEYS),
                       ("source", SOURCE_KEYS), ("note", NOTE_KEYS)):
        if key in keys:
            return role
    found = spec.column_of(key)
    return found.code if found else None


class _Sheet:
    """One Ministry's table being read: its columns by role, the catalogue, and what is found row by row."""

    def __init__(self, context: Context, table: Table, spec: MinistryTable, result: Preview):
        self.context, self.table, self.spec, self.result = context, table, spec, result
        self.catalogue = context.indicators.set_index("code")
        self.places = Places(context.registry, None)
        roles = [_role(spec, header_key(h)) for h in table.header]
        self.at = {role: i for i, role in reversed(list(enumerate(roles))) if role is not None}
        self.codes = [c.code for c in spec.columns if c.code in self.at]
        self.header_problems = repeated_columns(table, roles) + [
            Problem(*bilingual("imp_unknown_column", header=text), row=table.header_row, column=column_letter(i))
            for i, (text, role) in enumerate(zip(table.header, roles)) if header_key(text) and role is None]
        if "year" not in self.at and context.year is None:
            self.header_problems.append(Problem(*bilingual("imp_ministry_needs_year"), row=table.header_row))
        if "source" not in self.at and not (context.source or "").strip():
            self.header_problems.append(Problem(*bilingual("imp_needs_source"), row=table.header_row))

    def column(self, role: str) -> str:
        return self.table.column_name(self.at[role]) if role in self.at else role

    def cell(self, cells: list, role: str) -> str:
        i = self.at.get(role)
        return cell_text(cells[i]) if i is not None and i < len(cells) else ""

    def read_row(self, row: int, cells: list) -> tuple[ParsedRow | None, int | None, list[Problem]]:
        """One province's row: (what it holds, its year, its problems); None when it is refused."""
        problems: list[Problem] = []
        for role in ("province", "source", "note", "year"):
            text = self.cell(cells, role)
            if text:
                problems += cell_problems(row, self.column(role), text, role)
        if len(cells) > len(self.table.header) and any(cell_text(c) for c in cells[len(self.table.header):]):
            problems.append(Problem(*bilingual("imp_ragged_row", count=len(cells), width=len(self.table.header)),
                                    row=row, column=column_letter(len(self.table.header))))
        year = self._year(row, cells, problems)
        key = self._province(row, cells, year, problems) if year is not None else None
        parsed = ParsedRow(row, key or ("", None))
        for code in self.codes:
            self._figure(row, cells, code, year, parsed, problems)
        if not self.cell(cells, "source") and not (self.context.source or "").strip() and "source" in self.at:
            problems.append(Problem(*bilingual("imp_needs_source"), row=row, column=self.column("source")))
        return (parsed if key is not None else None), year, problems

    def _year(self, row: int, cells: list, problems: list[Problem]) -> int | None:
        text = self.cell(cells, "year") if "year" in self.at else str(self.context.year or "")
        try:
            period = parse_period(text)
        except ValueError:
            period = None
        if period is None or period.kind != "year":
            problems.append(Problem(*bilingual("imp_ministry_year_not_year"), row=row, column=self.column("year"),
                                    value=text))
            return None
        if period.start > self.context.today:
            problems.append(Problem(label("imp_period_not_started", "vi", period=text,
                                          today=f"{self.context.today:%d/%m/%Y}"),
                                    label("imp_period_not_started", "en", period=text, today=str(self.context.today)),
                                    row=row, column=self.column("year"), value=text))
            return None
        return period.year

    def _province(self, row: int, cells: list, year: int, problems: list[Problem]) -> tuple | None:
        text = self.cell(cells, "province")
        try:
            return self.places.province_of((text, str(year)))
        except ValueProblem as problem:
            vi, en = problem.vi, problem.en
            near = _nearest(self.context.registry.provinces, text) if text else []
            if near and not self.context.registry.eras(text):
                hint = bilingual("imp_did_you_mean", names=", ".join(near))
                vi, en = f"{vi} {hint[0]}", f"{en} {hint[1]}"
            problems.append(Problem(vi, en, row=row, column=self.column("province"), value=text))
            return None

    def _figure(self, row: int, cells: list, code: str, year: int | None, parsed: ParsedRow,
                problems: list[Problem]) -> None:
        """The figure of ``code`` in the row, read in its unit and held to its range and first year."""
        i = self.at[code]
        raw = cells[i] if i < len(cells) else None
        text = cell_text(raw)
        if not text:
            return   # not published for this province
        indicator = self.catalogue.loc[code]
        percent = np.array([(row, i) in self.table.percent_cells])
        values, errors = values_of(pd.Series([raw], dtype=object), np.array([indicator["unit"]], dtype=object),
                                   percent)
        where = {"row": row, "column": self.table.column_name(i), "value": text}
        parsed.refused.add(code)   # until the figure is read and held to its range
        if np.isnan(values[0]):
            reason = errors.get(0, ValueProblem(*bilingual("dom_not_a_number")))
            problems.append(Problem(reason.vi, reason.en, **where))
            return
        low = float(indicator["min_value"]) if pd.notna(indicator["min_value"]) else -np.inf
        high = float(indicator["max_value"]) if pd.notna(indicator["max_value"]) else np.inf
        if not low <= values[0] <= high:
            problems.append(Problem(*bilingual("imp_outside_range", code=code, low=number_text(low),
                                               high=number_text(high)), **where))
            return
        first = indicator.get("first_year")
        if year is not None and pd.notna(first) and year < int(first):
            problems.append(Problem(*bilingual("imp_indicator_starts", code=code, year=int(first)), **where))
            return
        parsed.refused.discard(code)
        parsed.values[code] = float(values[0])
        parsed.texts[code] = text

    def frame(self, rows: list[tuple[ParsedRow, int, list]]) -> pd.DataFrame:
        """The figures of the rows taken, as the actuals' frame (one row per figure)."""
        records = []
        for parsed, year, cells in rows:
            period = parse_period(str(year))
            source = self.cell(cells, "source") or (self.context.source or "").strip()
            note = self.cell(cells, "note") or None
            for code in self.codes:
                if code in parsed.values:
                    records.append((parsed.row, parsed.key[0], parsed.key[1], "", code, period.text, period.kind,
                                    period.start, period.end, parsed.values[code], source, note))
        frame = pd.DataFrame(records, columns=["row", "province_code", "province_valid_from", "unit_code",
                                               "indicator_code", "period", "period_kind", "period_start",
                                               "period_end", "value", "source", "note"])
        for day in ("province_valid_from", "period_start", "period_end"):
            frame[day] = pd.to_datetime(frame[day]).to_numpy(dtype="datetime64[D]")
        return frame


def _nearest(provinces: pd.DataFrame, text: str) -> list[str]:
    """Up to three province names nearest to ``text`` (compared without accents and case)."""
    names = sorted(set(provinces["name"]))
    keyed = {name_key(n): n for n in names}
    return [keyed[k] for k in difflib.get_close_matches(name_key(text), list(keyed), n=3, cutoff=0.6)]


class MinistryLayout(ActualsLayout):
    """The four tables as one layout: the header says which table it is; the batch is an actuals batch."""

    def recognises(self, keys: list[str]) -> bool:
        return table_of(keys) is not None

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        return []   # read with the rest of the table (the year and source checks need the import's choices)

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        spec = table_of([header_key(h) for h in table.header])
        result.layout = spec.name
        sheet = _Sheet(context, table, spec, result)
        for problem in sheet.header_problems:
            result.add(problem)
        if not result.ok:
            return
        known, taken, years = self._rows(sheet, table, result)
        if not known and result.ok:
            result.add(Problem(*bilingual("imp_no_data_rows"), row=table.header_row))
        for year in sorted(years):
            in_year = [parsed for parsed, y, _ in known if y == year]
            total = context.indicators.set_index("code").loc[spec.total]
            checks = TableChecks(in_year, sheet.column, most_provinces(context.registry.provinces, year), year,
                                 spec.total, spec.rank if spec.rank in sheet.at else None, int(total["decimals"]))
            for problem in checks.run():
                result.add(problem)
        if not result.ok:
            return
        self.against_store(store, sheet.frame(taken), result)

    @staticmethod
    def _rows(sheet: _Sheet, table: Table, result: Preview) -> tuple[list, list, set[int]]:
        """Every non-blank row read: those whose province is known (for the checks of the whole table), those
        without problems (to be written), with their year and cells, and the years."""
        known, taken, years = [], [], set()
        for row, cells in table.rows:
            if not any(cell_text(c) for c in cells):
                continue
            result.rows_read += 1
            parsed, year, problems = sheet.read_row(row, cells)
            for problem in problems:
                result.add(problem)
            if year is not None:
                years.add(year)
            if parsed is not None:
                known.append((parsed, year, cells))
                if not problems:
                    taken.append((parsed, year, cells))
        return known, taken, years


LAYOUT = MinistryLayout()
