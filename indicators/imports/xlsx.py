"""Reading an ``.xlsx`` upload safely: the zip directory and each sheet's XML are checked before any parse
(the sheet's declared dimension is never trusted: its rows and filled cells are counted on the stream), plain
sheets are read by calamine and every declared cell must come back, sheets with formulas or %-cells go row by
row through openpyxl (over ``defusedxml``)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from indicators.i18n import N_, bilingual, label

from .table import (
    Cell,
    FileRefused,
    Limits,
    Problem,
    Table,
    _find_header,
    _refuse_mojibake_header,
    _text,
    check_header,
    column_letter,
    exception_problem,
)
from .xlsx_parts import Scan, check_zip, scan_sheet, workbook_outline

# --- XLSX ------------------------------------------------------------------------------------------------

def _xlsx_table(name: str, content: bytes, sheet: str | None, header_test, header_check, limits: Limits) -> Table:
    """An .xlsx sheet read row by row (openpyxl, read-only, XML through defusedxml).

    The sheet's declared ``<dimension>`` is never trusted: it is reset, so every row the sheet holds is read,
    and the limits are counted on the rows as they come. The header is looked for in the first rows and
    checked as soon as it is found, so a file with the wrong columns is refused before the rest is read.
    Cells are read once with their formulas; only when a formula is found is the workbook read a second time
    for the values Excel saved (a formula without a saved value is refused)."""
    check_zip(content, limits)
    names, parts, percent_styles = workbook_outline(content)
    sheet_name = _sheet_named(names, sheet)
    scan = scan_sheet(content, parts.get(sheet_name), percent_styles, limits)
    _check_scan(scan, limits)
    grid = None
    if not scan.exact_needed:  # every row at once by calamine, then the header
        grid = _calamine_rows(content, sheet_name, limits, scan)
    if grid is None:  # formulas, %-formatted cells, or a sheet calamine misread: openpyxl, cell by cell
        book = _opened(content, False)
        try:
            grid, percent_cells, formulas, header = _stream_sheet(book, sheet_name, header_test, header_check, limits)
        finally:
            book.close()
    else:
        percent_cells, formulas = set(), {}
        header = _header_of(grid, header_test, header_check, limits)
    if formulas:
        _put_saved_values(content, sheet_name, grid, formulas, percent_cells)
    header_row, header_cells = header
    rows = [(n, c) for n, c in grid if n > header_row]
    width = max([len(c) for _, c in rows] + [len(header_cells)])
    body = pd.DataFrame([c + [None] * (width - len(c)) for _, c in rows], columns=range(width), dtype=object)
    return Table(name, sheet_name, header_row, header_cells, body, np.asarray([n for n, _ in rows], dtype=np.int64),
                 None, percent_cells)


def _opened(content: bytes, data_only: bool):
    """The workbook opened by openpyxl (read-only); a workbook it cannot open is refused, saying why."""
    import openpyxl  # noqa: PLC0415 - only for .xlsx files

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    except FileRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused([exception_problem(N_("imp_excel_unreadable"), exc)]) from None


def _sheet_named(names: list[str], sheet: str | None) -> str:
    """The sheet asked for (the first one when none is): refused when the workbook has no such sheet."""
    if not names:
        raise FileRefused([Problem(*bilingual("imp_excel_no_sheets"))])
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    raise FileRefused([Problem(*bilingual("imp_no_such_sheet", sheet=sheet, sheets=", ".join(names)))])


def _check_scan(scan: Scan, limits: Limits) -> None:
    """What the byte scan of the sheet refuses before any parse: an error cell, too many rows or cells."""
    if scan.error_cell is not None:
        row_no, letters, value = scan.error_cell
        raise FileRefused([_error_problem(value, row_no, letters)])
    if scan.rows > limits.max_rows + limits.header_search_rows:
        raise FileRefused([Problem(*bilingual("imp_sheet_too_many_rows", rows=f"{limits.max_rows:,}"))])
    if scan.cells > limits.max_cells:
        raise FileRefused([Problem(*bilingual("imp_sheet_too_many_cells", cells=f"{limits.max_cells:,}"))])
    if scan.exact_needed and scan.cells > limits.max_exact_cells:
        raise FileRefused([Problem(*bilingual("imp_sheet_too_many_exact_cells", most=f"{limits.max_exact_cells:,}",
                                              cells=f"{scan.cells:,}"))])


def _put_saved_values(content: bytes, sheet_name: str, grid: list, formulas: dict[tuple[int, int], str],
                      percent_cells: set[tuple[int, int]]) -> None:
    """Each formula cell of ``grid`` takes the value Excel saved for it (the workbook read a second time);
    a formula without a saved value, or giving an error, is refused."""
    values_book = _opened(content, True)
    try:
        saved = _saved_values(values_book[sheet_name], formulas)
    finally:
        values_book.close()
    problems = []
    for (row_no, index), formula in sorted(formulas.items()):
        value = saved.get((row_no, index))
        if isinstance(value, _ErrorValue):
            problems.append(_error_problem(value, row_no, column_letter(index), formula))
        elif value is None:
            problems.append(Problem(
                *bilingual("imp_formula_not_saved", formula=formula),
                row=row_no, column=column_letter(index)))
    if problems:
        raise FileRefused(problems)
    rows_at = {n: i for i, (n, _) in enumerate(grid)}
    for (row_no, index), value in saved.items():
        cells = grid[rows_at[row_no]][1]
        if index >= len(cells):  # the row's trailing blanks were dropped, this formula cell with them
            cells.extend([None] * (index + 1 - len(cells)))
        cells[index] = value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            percent_cells.discard((row_no, index))


class _ErrorValue(str):
    """A cell's error value (``#N/A``, ``#DIV/0!``…), told apart from text that only looks like one."""


# The values a reader hands on; anything else openpyxl returns (a formula object, a type of a later version)
# is refused with the cell's row and column.
_PLAIN_VALUES = (str, int, float, bool, datetime, date, time, timedelta)


def _error_problem(value: str | None, row_no: int, letters: str, formula: str | None = None) -> Problem:
    shown = f" {value}" if value else ""
    if formula:
        texts = bilingual("imp_formula_error", formula=formula, shown=shown)
    else:
        texts = bilingual("imp_cell_error", shown=shown) if value else bilingual("imp_cell_error_unknown")
    return Problem(*texts, row=row_no, column=letters, value=value or None)


def _calamine_rows(content: bytes, sheet_name: str, limits: Limits, scan: Scan) -> list[tuple[int, list[Cell]]] | None:
    """Every row of a sheet without formulas or %-formatted cells, read by calamine (Rust; about 25 times
    openpyxl's speed), numbered from A1 as Excel shows them. None when calamine cannot read the sheet or reads
    fewer filled cells than it holds (a value of the wrong type, a string index out of range, an empty
    inline string): openpyxl reads it then, cell by cell, and names the row and column of what it refuses.
    Refused here only when the sheet is too big to be read cell by cell."""
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    def misread(problem: Problem) -> None:
        if scan.cells > limits.max_exact_cells:
            raise FileRefused([Problem(label("imp_save_again", "vi", reason=problem.vi),
                                       label("imp_save_again", "en", reason=problem.en))])

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own errors for a broken sheet
        misread(exception_problem(N_("imp_sheet_unreadable"), exc))
        return None
    grid: list[tuple[int, list[Cell]]] = []
    for row_no, row in enumerate(rows, start=1):
        cells = [None if c == "" else c for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        for index, value in enumerate(cells):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise FileRefused([Problem(*bilingual("imp_cell_too_long", chars=f"{limits.max_cell_chars:,}"),
                                           row=row_no, column=column_letter(index))])
        grid.append((row_no, cells))
    read = sum(1 for _, cells in grid for c in cells if c is not None)
    if read < scan.cells:  # calamine skipped something: the exact reader finds what, or refuses it by name
        misread(Problem(*bilingual("imp_sheet_cells_missed", cells=f"{scan.cells:,}", read=f"{read:,}")))
        return None
    return grid


def _stream_sheet(book, sheet_name: str, header_test, header_check, limits: Limits):
    worksheet = book[sheet_name]
    worksheet.reset_dimensions()  # a lying <dimension> must not cut the sheet short
    grid: list[tuple[int, list[Cell]]] = []
    percent_cells: set[tuple[int, int]] = set()
    formulas: dict[tuple[int, int], str] = {}
    header: tuple[int, list[str]] | None = None
    search = limits.header_search_rows * 5
    cells_read = 0
    row_no = 0
    try:
        for row_no, row in enumerate(worksheet.iter_rows(), start=1):
            if row_no > limits.max_rows + limits.header_search_rows:
                raise FileRefused([Problem(*bilingual("imp_sheet_too_many_rows", rows=f"{limits.max_rows:,}"),
                                           row=row_no)])
            if len(row) > limits.max_columns:
                raise FileRefused([Problem(*bilingual("imp_row_too_wide", columns=len(row), limit=limits.max_columns),
                                           row=row_no)])
            cells = [_cell_of(cell, row_no, index, limits, formulas, percent_cells) for index, cell in enumerate(row)]
            while cells and cells[-1] is None:
                cells.pop()
            cells_read += len(cells)
            if cells_read > limits.max_cells:
                raise FileRefused([Problem(*bilingual("imp_sheet_too_many_cells", cells=f"{limits.max_cells:,}"),
                                           row=row_no)])
            grid.append((row_no, cells))
            if header is None and (row_no == search or sum(1 for _, c in grid if c) >= limits.header_search_rows):
                header = _header_of(grid, header_test, header_check, limits)
    except FileRefused:
        raise
    except Exception as exc:  # broken sheet XML, a part the workbook names but lacks, a cell's value of its type
        where = _broken_cell(worksheet)
        problem = exception_problem(N_("imp_sheet_broken_after"), exc, row=row_no)
        raise FileRefused([replace(problem, row=where[0] if where else row_no + 1,
                                   column=where[1] if where else None)]) from None
    if header is None:
        header = _header_of(grid, header_test, header_check, limits)
    return grid, percent_cells, formulas, header


def _cell_of(cell, row_no: int, index: int, limits: Limits, formulas: dict[tuple[int, int], str],
             percent_cells: set[tuple[int, int]]) -> Cell:
    """One cell's value as openpyxl reads it: a formula noted for its saved value (read later), an error value,
    an odd type or an over-long text refused with the cell's row and column, a %-formatted number noted."""
    value, kind = cell.value, getattr(cell, "data_type", None)

    def percent() -> bool:  # looked up only for formulas and numbers: a style look-up per cell costs
        return "%" in (getattr(cell, "number_format", None) or "")

    if kind == "f":  # a formula (text, or an array or data-table formula object): its saved value later
        formulas[(row_no, index)] = _formula_text(value)
        if percent():
            percent_cells.add((row_no, index))  # kept only if the saved value is a number
        return None
    if kind == "e" and value is not None:
        raise FileRefused([_error_problem(str(value), row_no, column_letter(index))])
    if value is not None and not isinstance(value, _PLAIN_VALUES):
        raise FileRefused([_odd_cell(value, row_no, index)])
    if isinstance(value, str) and len(value) > limits.max_cell_chars:
        raise FileRefused([Problem(*bilingual("imp_cell_too_long", chars=f"{limits.max_cell_chars:,}"),
                                   row=row_no, column=column_letter(index))])
    if isinstance(value, (int, float)) and not isinstance(value, bool) and percent():
        percent_cells.add((row_no, index))
    return value


def _broken_cell(worksheet) -> tuple[int, str] | None:
    """The row and column of the first cell whose value openpyxl cannot read as its declared type (a number
    that is not one, a shared string index past the table's end, …), found by parsing the sheet again with
    openpyxl's own cell parser; None when no single cell is to blame (broken XML) or it cannot be told."""
    from openpyxl.utils.cell import coordinate_to_tuple  # noqa: PLC0415
    from openpyxl.worksheet._reader import WorkSheetParser  # noqa: PLC0415

    class Locating(WorkSheetParser):
        def parse_cell(self, element):
            try:
                return super().parse_cell(element)
            except Exception:
                reference = element.get("r")
                row, column = coordinate_to_tuple(reference) if reference else (self.row_counter,
                                                                                self.col_counter + 1)
                raise _Located(row, column_letter(column - 1)) from None

    try:
        book = worksheet.parent
        with worksheet._get_source() as source:
            parser = Locating(source, worksheet._shared_strings, data_only=book.data_only, epoch=book.epoch,
                              date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            for _ in parser.parse():
                pass
    except _Located as located:
        return located.row, located.column
    except Exception:  # the XML itself is broken, or openpyxl's internals changed: the row is named alone
        return None
    return None


class _Located(Exception):
    def __init__(self, row: int, column: str):
        super().__init__(row, column)
        self.row, self.column = row, column


def _header_of(grid, header_test, header_check, limits: Limits) -> tuple[int, list[str]]:
    first_rows = [(n, [_text(c) for c in cells]) for n, cells in grid[:limits.header_search_rows * 5]]
    row_no, header = _find_header(first_rows, header_test, limits)
    _refuse_mojibake_header(header, row_no)
    check_header(header_check, header, row_no)
    return row_no, header


def _formula_text(value) -> str:
    """A formula as the refusals show it: openpyxl gives its text, or an object for an array or data-table one."""
    if isinstance(value, str):
        return value
    text = getattr(value, "text", None)
    return text if isinstance(text, str) and text else f"{{{type(value).__name__}}}"


def _odd_cell(value, row_no: int, index: int) -> Problem:
    return Problem(*bilingual("imp_odd_cell", kind=type(value).__name__), row=row_no, column=column_letter(index))


def _saved_values(worksheet, formulas: dict[tuple[int, int], str]) -> dict[tuple[int, int], Cell]:
    """The values Excel saved for the formula cells (read-only, every row: the dimension is reset here too); an
    error value is an :class:`_ErrorValue`, a value of a kind no reader hands on is refused by its cell."""
    worksheet.reset_dimensions()
    wanted_rows = {r for r, _ in formulas}
    last = max(wanted_rows)
    saved: dict[tuple[int, int], Cell] = {}
    for row_no, row in enumerate(worksheet.iter_rows(max_row=last), start=1):
        if row_no in wanted_rows:
            for index, cell in enumerate(row):
                if (row_no, index) in formulas:
                    value = cell.value
                    if getattr(cell, "data_type", None) == "e" and value is not None:
                        value = _ErrorValue(value)
                    elif value is not None and not isinstance(value, _PLAIN_VALUES):
                        raise FileRefused([_odd_cell(value, row_no, index)])
                    saved[(row_no, index)] = value
    return saved


