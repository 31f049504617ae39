"""Reading an analyst's file into rows of cells, safely, before any figure is judged.

``read_table(name, content)`` takes the bytes of a ``.csv`` or ``.xlsx`` file and returns a :class:`Table`:
the header (found among the first rows, under any title rows; a header cell left blank under a merged cell
takes the text above it) and the data rows, each with its row number as a spreadsheet shows it. It refuses,
with a :class:`FileRefused` naming the row and column where it can:

- files over the size, row, column or cell-length limits, checked on the bytes (and, for ``.xlsx``, on the
  zip directory and the sheet's declared dimension) before the content is parsed;
- ``.xlsx`` files whose zip would inflate beyond the limit or at a suspicious ratio (zip bombs); XML is
  parsed through ``defusedxml`` (no entity expansion), which openpyxl uses when it is installed;
- CSV that is not UTF-8 (Windows-1258, TCVN3 …): guessing an encoding could silently change a name;
- cells that are mojibake (UTF-8 read as Windows-1252 and saved again: ``HÃ  Ná»™i``);
- formula cells whose value was never saved (files written by a program and not opened in Excel).

CSV may be comma- or semicolon-separated, with or without a byte-order mark. Text is NFC.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from .plain import formula_unsafe
from .text import fold_ascii, nfc

Cell = Any  # str, int, float, datetime or None


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024      # the upload limit of .streamlit/config.toml
    max_rows: int = 200_000
    max_columns: int = 400
    max_cell_chars: int = 2_000
    max_cells: int = 2_000_000                # filled cells of a sheet (200,000 rows of ten columns)
    max_exact_cells: int = 200_000            # … of a sheet with formulas or %-formatted cells (read by openpyxl)
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: int = 200
    header_search_rows: int = 20


LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """One reason a file or a row is refused, in both languages, with where it is."""

    vi: str
    en: str
    row: int | None = None      # as a spreadsheet shows it (header rows included, first row = 1)
    column: str | None = None   # "C (value)"
    value: str | None = None

    def where(self, lang: str = "en") -> str:
        parts = []
        if self.row is not None:
            parts.append(f"{'dòng' if lang == 'vi' else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'cột' if lang == 'vi' else 'column'} {self.column}")
        return ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        reason = self.vi if lang == "vi" else self.en
        shown = "" if self.value is None else f" '{_clip(self.value)}'"
        where = self.where(lang)
        return f"{where}:{shown} {reason}" if where else f"{reason}"


class FileRefused(ValueError):
    """The file as a whole cannot be read; ``problems`` says why (at least one)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.text("en") for p in problems[:5]))

    def __reduce__(self):  # crosses from the reading process with its problems, not only its message
        return FileRefused, (self.problems,)


@dataclass
class Table:
    """The rows under the header, column by column: ``body[i]`` is the i-th column (A = 0), ``row_numbers`` the
    row of each as a spreadsheet shows it, ``lengths`` how many cells each CSV row had (None for .xlsx)."""

    file_name: str
    sheet: str | None
    header_row: int
    header: list[str]
    body: pd.DataFrame
    row_numbers: np.ndarray
    lengths: np.ndarray | None = None
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, column index) formatted as %

    def column_name(self, index: int) -> str:
        return f"{column_letter(index)} ({self.header[index]})" if index < len(self.header) else column_letter(index)

    @property
    def rows(self) -> list[tuple[int, list[Cell]]]:
        """Row by row (for the small layouts: wide sheets, target sheets)."""
        values = self.body.astype(object).where(self.body.notna(), None).values.tolist()
        if self.lengths is not None:
            values = [cells[:n] for cells, n in zip(values, self.lengths)]
        else:
            values = [_trimmed(cells) for cells in values]
        return list(zip(self.row_numbers.tolist(), values))


def _trimmed(cells: list[Cell]) -> list[Cell]:
    while cells and cells[-1] is None:
        cells = cells[:-1]
    return cells


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_key(text: Any) -> str:
    """A header cell folded for matching: ``Giá trị`` → ``giatri``, ``Province code`` → ``provincecode``."""
    return re.sub(r"[^a-z0-9]+", "", fold_ascii(nfc(str(text or ""))).lower())


def role_of(key: str, aliases: dict[str, set[str]]) -> str | None:
    """The column role whose names (folded header cells) include ``key``."""
    return next((role for role, names in aliases.items() if key in names), None)


def repeated_columns(table: "Table", roles: list[str | None]) -> list[Problem]:
    """A problem for every header cell whose role an earlier cell already has."""
    return [Problem(f"cột '{table.header[i]}' lặp lại", f"column '{table.header[i]}' appears twice",
                    row=table.header_row, column=table.column_name(i))
            for i, role in enumerate(roles) if role is not None and roles.index(role) != i]


def read_table(name: str, content: bytes, header_test, sheet: str | None = None,
               limits: Limits = LIMITS, header_check=None) -> Table:
    """The rows of ``content`` (a file called ``name``) under the first row that ``header_test`` accepts.

    ``header_test(keys)`` gets the folded header cells of a candidate row and says whether it is the header;
    ``header_check(header, row)`` (optional) returns the problems of the header found (unknown or missing
    columns), which refuse the file at once, before the rest of it is read.
    """
    if not content:
        raise FileRefused([Problem("tệp rỗng", "the file is empty")])
    if len(content) > limits.max_bytes:
        raise FileRefused([Problem(f"tệp lớn {len(content):,} byte, vượt giới hạn {limits.max_bytes:,} byte",
                                   f"the file has {len(content):,} bytes, over the limit of {limits.max_bytes:,}")])
    lower = name.lower()
    if lower.endswith(".xlsx") or lower.endswith(".xlsm"):
        return _xlsx_table(name, content, sheet, header_test, header_check, limits)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        if sheet:
            raise FileRefused([Problem("tệp CSV không có trang tính", "a CSV file has no sheets")])
        return _csv_table(name, content, header_test, limits, header_check)
    elif lower.endswith(".xls"):
        raise FileRefused([Problem("tệp .xls (Excel 97–2003) không được nhận: lưu lại thành .xlsx hoặc CSV UTF-8",
                                   "old .xls files are not accepted: save as .xlsx or CSV UTF-8")])
    else:
        raise FileRefused([Problem("chỉ nhận tệp .csv hoặc .xlsx", "only .csv and .xlsx files are accepted")])


def read_table_apart(name: str, content: bytes, header_test, sheet: str | None = None, limits: Limits = LIMITS,
                     header_check=None) -> Table:
    """:func:`read_table` of an .xlsx in a process of its own (one, started on first use and kept): parsing a
    large sheet holds Python's lock for seconds (calamine's parse is one long call), which would stall every
    other session of the dashboard server meanwhile. ``header_test`` and ``header_check`` must be module-level functions.
    A CSV is read here: pandas' C parser is quick, and sending its table back would cost more than it saves."""
    if not name.lower().endswith((".xlsx", ".xlsm")):
        return read_table(name, content, header_test, sheet, limits, header_check)
    return _reading_process().submit(read_table, name, content, header_test, sheet, limits, header_check).result()


_READER = None


def _reading_process():
    global _READER
    if _READER is None:
        import concurrent.futures  # noqa: PLC0415
        import multiprocessing  # noqa: PLC0415

        _READER = concurrent.futures.ProcessPoolExecutor(max_workers=1,
                                                         mp_context=multiprocessing.get_context("spawn"))
    return _READER


# --- CSV -------------------------------------------------------------------------------------------------

def _csv_table(name: str, content: bytes, header_test, limits: Limits, header_check=None) -> Table:
    """CSV through pandas' C parser (one row per record, blank lines kept, so row numbers are Excel's); the
    number of cells of each row is counted separately, so that a short row is told from trailing blanks."""
    # records as the parser sees them: a lone carriage return ends a line too (old Mac files), so it is counted
    lines = content.count(b"\n") + content.count(b"\r") - content.count(b"\r\n")
    if lines > limits.max_rows + limits.header_search_rows:
        raise FileRefused([Problem(f"tệp có hơn {limits.max_rows:,} dòng", f"the file has more than {limits.max_rows:,} rows")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = content[:exc.start].count(b"\n") + 1
        raise FileRefused([Problem(
            "tệp không phải UTF-8 (có lẽ là Windows-1258 hoặc TCVN3): trong Excel chọn Lưu thành → "
            "'CSV UTF-8 (Comma delimited)'",
            "the file is not UTF-8 (probably Windows-1258 or TCVN3): in Excel, Save As → 'CSV UTF-8 (Comma delimited)'",
            row=row, value=content[max(0, exc.start - 12):exc.start + 12].decode("latin-1"))]) from None
    if "\r" in text:  # one line ending for the parser, the cell counts and the row numbers alike
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise FileRefused([Problem("tệp chứa ký tự NUL (tệp nhị phân hoặc UTF-16?)",
                                   "the file contains NUL characters (a binary or UTF-16 file?)")])
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    lengths = _field_counts(text, delimiter, limits)
    if not len(lengths) or not text.strip():
        raise FileRefused([Problem("tệp không có dòng nào", "the file has no rows")])
    too_wide = np.flatnonzero(lengths > limits.max_columns)
    if len(too_wide):
        raise FileRefused([Problem(f"dòng có {lengths[too_wide[0]]} cột, vượt giới hạn {limits.max_columns}",
                                   f"the row has {lengths[too_wide[0]]} columns, over the limit of {limits.max_columns}",
                                   row=int(too_wide[0]) + 1)])
    width = int(lengths.max())
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=object,
                        keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c", quotechar='"',
                        doublequote=True)
    if text.endswith("\n") and len(frame) == len(lengths) + 1:
        frame = frame.iloc[:-1]
    if len(frame) != len(lengths):  # pandas and the csv module disagree: trust the csv module
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=object)
    if "'" in text:  # a cell the dashboard formula-escaped on export ('=…) comes back exactly as it was
        for column in frame.columns:
            escaped = frame[column].str.match(r"'+[=+\-@\t\r]")
            if escaped.any():
                frame.loc[escaped, column] = frame.loc[escaped, column].map(formula_unsafe)
    first_rows = [(i + 1, frame.iloc[i, :lengths[i]].tolist()) for i in range(min(len(frame), limits.header_search_rows))]
    header_row, header = _find_header(first_rows, header_test, limits)  # rows are numbered from 1
    _refuse_mojibake_header(header, header_row)
    _check_header(header_check, header, header_row)
    body = frame.iloc[header_row:].reset_index(drop=True)
    return Table(name, None, header_row, header, body, np.arange(header_row + 1, header_row + 1 + len(body)),
                 lengths[header_row:])


def _field_counts(text: str, delimiter: str, limits: Limits) -> np.ndarray:
    """The number of cells of every CSV row (record); over-long cells are refused here, before parsing."""
    if '"' not in text:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        longest = max(map(len, lines), default=0)
        if longest > limits.max_cell_chars:
            for number, line in enumerate(lines, start=1):
                if any(len(cell) > limits.max_cell_chars for cell in line.split(delimiter)):
                    raise FileRefused([Problem(f"ô dài hơn {limits.max_cell_chars:,} ký tự",
                                               f"a cell is longer than {limits.max_cell_chars:,} characters", row=number)])
        return np.fromiter((line.count(delimiter) + 1 if line.strip("\r") else 0 for line in lines), dtype=np.int64,
                           count=len(lines))
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars)
    counts: list[int] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            counts.append(len(cells))
    except csv.Error as exc:
        long_cell = "field larger" in str(exc)
        raise FileRefused([Problem(f"ô dài hơn {limits.max_cell_chars:,} ký tự" if long_cell else f"dòng CSV hỏng ({exc})",
                                   f"a cell is longer than {limits.max_cell_chars:,} characters" if long_cell
                                   else f"broken CSV line ({exc})", row=len(counts) + 1)]) from None
    finally:
        csv.field_size_limit(previous)
    return np.asarray(counts, dtype=np.int64)


# --- XLSX ------------------------------------------------------------------------------------------------

def _xlsx_table(name: str, content: bytes, sheet: str | None, header_test, header_check, limits: Limits) -> Table:
    """An .xlsx sheet read row by row (openpyxl, read-only, XML through defusedxml).

    The sheet's declared ``<dimension>`` is never trusted: it is reset, so every row the sheet holds is read,
    and the limits are counted on the rows as they come. The header is looked for in the first rows and
    checked as soon as it is found, so a file with the wrong columns is refused before the rest is read.
    Cells are read once with their formulas; only when a formula is found is the workbook read a second time
    for the values Excel saved (a formula without a saved value is refused)."""
    _check_zip(content, limits)
    import openpyxl  # noqa: PLC0415 - only for .xlsx files

    def opened(data_only: bool):
        try:
            return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
        except FileRefused:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise FileRefused([Problem(f"không đọc được tệp Excel ({type(exc).__name__})",
                                       f"the Excel file cannot be read ({type(exc).__name__}: {_clip(str(exc))})")]) from None

    names, parts, percent_styles = _workbook_outline(content)
    if not names:
        raise FileRefused([Problem("tệp Excel không có trang tính nào", "the Excel file has no sheets")])
    if sheet is None:
        sheet_name = names[0]
    elif sheet in names:
        sheet_name = sheet
    else:
        raise FileRefused([Problem(f"không có trang tính '{sheet}' (có: {', '.join(names)})",
                                   f"there is no sheet '{sheet}' (there are: {', '.join(names)})")])
    scan = _scan_sheet(content, parts.get(sheet_name), percent_styles, limits)
    if scan.rows > limits.max_rows + limits.header_search_rows:
        raise FileRefused([Problem(f"trang tính có hơn {limits.max_rows:,} dòng",
                                   f"the sheet has more than {limits.max_rows:,} rows")])
    if scan.cells > limits.max_cells:
        raise FileRefused([Problem(f"trang tính có hơn {limits.max_cells:,} ô có dữ liệu",
                                   f"the sheet has more than {limits.max_cells:,} filled cells")])
    if scan.exact_needed and scan.cells > limits.max_exact_cells:
        raise FileRefused([Problem(
            f"trang tính có công thức hoặc ô định dạng % phải đọc từng ô: tối đa {limits.max_exact_cells:,} ô "
            f"(tệp có {scan.cells:,}); lưu lại dạng giá trị hoặc CSV UTF-8",
            f"a sheet with formulas or %-formatted cells is read cell by cell: at most {limits.max_exact_cells:,} "
            f"filled cells (this one has {scan.cells:,}); save it as values or as CSV UTF-8")])
    if scan.exact_needed:  # formulas or %-formatted cells: openpyxl, which sees both, row by row
        book = opened(False)
        try:
            grid, percent_cells, formulas, header = _stream_sheet(book, sheet_name, header_test, header_check, limits)
        finally:
            book.close()
    else:  # every row at once by calamine, then the header
        grid, percent_cells, formulas = _calamine_rows(content, sheet_name, limits), set(), {}
        read = sum(1 for _, cells in grid for c in cells if c is not None)
        if read < scan.cells:  # a lenient parser skipped something of broken XML: refuse rather than drop it
            raise FileRefused([Problem(
                f"trang tính hỏng: có {scan.cells:,} ô dữ liệu nhưng chỉ đọc được {read:,}; mở bằng Excel và lưu lại",
                f"the sheet is broken: it holds {scan.cells:,} filled cells but only {read:,} could be read; open it "
                "in Excel and save it again")])
        header = _header_of(grid, header_test, header_check, limits)
    if formulas:
        values_book = opened(True)
        try:
            saved = _saved_values(values_book[sheet_name], formulas)
        finally:
            values_book.close()
        problems = []
        for (row_no, index), formula in sorted(formulas.items()):
            value = saved.get((row_no, index))
            if value is None:
                problems.append(Problem(
                    f"ô công thức {formula} chưa có giá trị đã lưu: mở tệp bằng Excel và lưu lại",
                    f"formula {formula} has no saved value: open the file in Excel and save it",
                    row=row_no, column=column_letter(index)))
        if problems:
            raise FileRefused(problems)
        rows_at = {n: i for i, (n, _) in enumerate(grid)}
        for (row_no, index), value in saved.items():
            cells = grid[rows_at[row_no]][1]
            cells[index] = value
            if not isinstance(value, (int, float)):
                percent_cells.discard((row_no, index))
    header_row, header_cells = header
    rows = [(n, c) for n, c in grid if n > header_row]
    width = max([len(c) for _, c in rows] + [len(header_cells)])
    body = pd.DataFrame([c + [None] * (width - len(c)) for _, c in rows], columns=range(width), dtype=object)
    return Table(name, sheet_name, header_row, header_cells, body, np.asarray([n for n, _ in rows], dtype=np.int64),
                 None, percent_cells)


@dataclass(frozen=True)
class _Scan:
    rows: int
    cells: int
    exact_needed: bool


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _workbook_outline(content: bytes) -> tuple[list[str], dict[str, str], set[int]]:
    """The sheet names in order, the zip part of each, and the indices of the cell styles whose number format
    shows a percentage — from the workbook's three small XML parts (through defusedxml), not its sheets."""
    from defusedxml.ElementTree import fromstring  # noqa: PLC0415
    from openpyxl.styles.numbers import BUILTIN_FORMATS  # noqa: PLC0415

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            present = set(archive.namelist())
            book = fromstring(archive.read("xl/workbook.xml"))
            rels = fromstring(archive.read("xl/_rels/workbook.xml.rels")) if "xl/_rels/workbook.xml.rels" in present \
                else None
            styles = fromstring(archive.read("xl/styles.xml")) if "xl/styles.xml" in present else None
    except Exception as exc:  # broken XML, a missing part
        raise FileRefused([Problem(f"tệp Excel hỏng ({type(exc).__name__})",
                                   f"the Excel file is broken ({type(exc).__name__}: {_clip(str(exc))})")]) from None
    targets = {}
    for rel in (rels if rels is not None else []):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    names, parts = [], {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        names.append(sheet.get("name"))
        part = targets.get(sheet.get(f"{_DOC_RELS}id"))
        if part not in present:
            raise FileRefused([Problem(f"tệp Excel hỏng: thiếu phần của trang tính '{sheet.get('name')}'",
                                       f"the Excel file is broken: the part of sheet '{sheet.get('name')}' is missing")])
        parts[sheet.get("name")] = part
    percent: set[int] = set()
    if styles is not None:
        custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in styles.iter(f"{_MAIN}numFmt")}
        xfs = styles.find(f"{_MAIN}cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else []):
            number_id = int(xf.get("numFmtId", 0))
            if "%" in (custom.get(number_id) or BUILTIN_FORMATS.get(number_id) or ""):
                percent.add(index)
    return names, parts, percent


_ROW, _VALUE, _FORMULA = re.compile(rb"<row[ >/]"), re.compile(rb"<(?:v|is)>"), re.compile(rb"<f[ >/]")
_STYLE = re.compile(rb' s="([0-9]+)"')


def _scan_sheet(content: bytes, part: str, percent_styles: set[int], limits: Limits) -> _Scan:
    """The sheet's XML read as a stream of bytes (never whole, never parsed): how many rows and filled cells it
    holds whatever its ``<dimension>`` says, and whether it has formulas or %-formatted cells."""
    rows = cells = 0
    exact = False
    tail = b""
    percent = {str(i).encode() for i in percent_styles}
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            cut = max(len(tail), len(data) - 24)  # a tag may straddle two chunks: look at it once, in the next
            window, tail = data[:cut], data[cut:]
            rows += len(_ROW.findall(window))
            cells += len(_VALUE.findall(window))
            if not exact and (_FORMULA.search(window) or (percent and percent & set(_STYLE.findall(window)))):
                exact = True
            if rows > limits.max_rows + limits.header_search_rows or cells > limits.max_cells:
                break
    rows += len(_ROW.findall(tail))
    cells += len(_VALUE.findall(tail))
    exact = exact or bool(_FORMULA.search(tail)) or bool(percent and percent & set(_STYLE.findall(tail)))
    return _Scan(rows, cells, exact)


def _calamine_rows(content: bytes, sheet_name: str, limits: Limits) -> list[tuple[int, list[Cell]]]:
    """Every row of a sheet without formulas or %-formatted cells, read by calamine (Rust; about 25 times
    openpyxl's speed), numbered from A1 as Excel shows them."""
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own errors for a broken sheet
        raise FileRefused([Problem(f"trang tính hỏng, không đọc được ({type(exc).__name__})",
                                   f"the sheet is broken and cannot be read ({type(exc).__name__}: "
                                   f"{_clip(str(exc))})")]) from None
    grid: list[tuple[int, list[Cell]]] = []
    for row_no, row in enumerate(rows, start=1):
        cells = [None if c == "" else c for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        for index, value in enumerate(cells):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise FileRefused([Problem(f"ô dài hơn {limits.max_cell_chars:,} ký tự",
                                           f"a cell is longer than {limits.max_cell_chars:,} characters",
                                           row=row_no, column=column_letter(index))])
        grid.append((row_no, cells))
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
                raise FileRefused([Problem(f"trang tính có hơn {limits.max_rows:,} dòng",
                                           f"the sheet has more than {limits.max_rows:,} rows", row=row_no)])
            if len(row) > limits.max_columns:
                raise FileRefused([Problem(f"dòng có {len(row)} cột, vượt giới hạn {limits.max_columns}",
                                           f"the row has {len(row)} columns, over the limit of {limits.max_columns}",
                                           row=row_no)])
            cells: list[Cell] = []
            for index, cell in enumerate(row):
                value = cell.value
                if isinstance(value, str):
                    if len(value) > limits.max_cell_chars:
                        raise FileRefused([Problem(f"ô dài hơn {limits.max_cell_chars:,} ký tự",
                                                   f"a cell is longer than {limits.max_cell_chars:,} characters",
                                                   row=row_no, column=column_letter(index))])
                    if value.startswith("=") and getattr(cell, "data_type", None) == "f":
                        formulas[(row_no, index)] = value
                        if "%" in (getattr(cell, "number_format", None) or ""):
                            percent_cells.add((row_no, index))  # kept only if the saved value is a number
                        value = None
                elif isinstance(value, (int, float)) and "%" in (getattr(cell, "number_format", None) or ""):
                    percent_cells.add((row_no, index))
                cells.append(value)
            while cells and cells[-1] is None:
                cells.pop()
            cells_read += len(cells)
            if cells_read > limits.max_cells:
                raise FileRefused([Problem(f"trang tính có hơn {limits.max_cells:,} ô có dữ liệu",
                                           f"the sheet has more than {limits.max_cells:,} filled cells", row=row_no)])
            grid.append((row_no, cells))
            if header is None and (row_no == search or sum(1 for _, c in grid if c) >= limits.header_search_rows):
                header = _header_of(grid, header_test, header_check, limits)
    except FileRefused:
        raise
    except Exception as exc:  # broken sheet XML, a part the workbook names but lacks, …
        raise FileRefused([Problem(f"trang tính hỏng, không đọc tiếp được sau dòng {row_no} ({type(exc).__name__})",
                                   f"the sheet is broken and cannot be read past row {row_no} "
                                   f"({type(exc).__name__}: {_clip(str(exc))})", row=row_no + 1)]) from None
    if header is None:
        header = _header_of(grid, header_test, header_check, limits)
    return grid, percent_cells, formulas, header


def _header_of(grid, header_test, header_check, limits: Limits) -> tuple[int, list[str]]:
    first_rows = [(n, [_text(c) for c in cells]) for n, cells in grid[:limits.header_search_rows * 5]]
    row_no, header = _find_header(first_rows, header_test, limits)
    _refuse_mojibake_header(header, row_no)
    _check_header(header_check, header, row_no)
    return row_no, header


def _check_header(header_check, header: list[str], row_no: int) -> None:
    if header_check is not None:
        problems = header_check(header, row_no)
        if problems:
            raise FileRefused(problems)


def _saved_values(worksheet, formulas: dict[tuple[int, int], str]) -> dict[tuple[int, int], Cell]:
    """The values Excel saved for the formula cells (read-only, every row: the dimension is reset here too)."""
    worksheet.reset_dimensions()
    wanted_rows = {r for r, _ in formulas}
    last = max(wanted_rows)
    saved: dict[tuple[int, int], Cell] = {}
    for row_no, row in enumerate(worksheet.iter_rows(max_row=last), start=1):
        if row_no in wanted_rows:
            for index, cell in enumerate(row):
                if (row_no, index) in formulas:
                    saved[(row_no, index)] = cell.value
    return saved


def _check_zip(content: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise FileRefused([Problem("tệp .xlsx hỏng (không phải tệp zip)", "the .xlsx file is broken (not a zip file)")]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > 10_000:
            raise FileRefused([Problem("tệp .xlsx có quá nhiều phần", "the .xlsx file has too many parts")])
        inflated = sum(e.file_size for e in entries)
        packed = max(1, sum(e.compress_size for e in entries))
        if inflated > limits.max_unzipped_bytes or inflated / packed > limits.max_zip_ratio:
            raise FileRefused([Problem(
                f"tệp .xlsx giải nén thành {inflated:,} byte (tỉ lệ {inflated / packed:.0f}:1): nghi là bom zip",
                f"the .xlsx file inflates to {inflated:,} bytes (ratio {inflated / packed:.0f}:1): refused as a zip bomb")])
        if not any(e.filename == "xl/workbook.xml" for e in entries):
            raise FileRefused([Problem("tệp .xlsx không có sổ tính", "the .xlsx file has no workbook")])


# --- header and cells -------------------------------------------------------------------------------------

def _find_header(first_rows: list[tuple[int, list[str]]], header_test, limits: Limits) -> tuple[int, list[str]]:
    """The header among the first non-blank rows (row number, cells as text): the first row that ``header_test``
    accepts, as it is or with each blank cell taking the text of the non-blank row above (merged cells)."""
    non_empty = [(n, cells) for n, cells in first_rows if any(c.strip() for c in cells)][:limits.header_search_rows]
    if not non_empty:
        raise FileRefused([Problem("tệp không có dòng nào", "the file has no rows")])
    previous: list[str] = []
    for row_no, own in non_empty:
        width = max(len(own), len(previous))
        merged = [(own[i] if i < len(own) and own[i] else (previous[i] if i < len(previous) else ""))
                  for i in range(width)]
        for header in (own, merged):
            if header_test([header_key(h) for h in header]):
                header = [nfc(h) for h in header]
                while header and not header[-1]:
                    header.pop()
                return row_no, header
        previous = own
    raise FileRefused([Problem(
        f"không tìm thấy dòng tiêu đề trong {limits.header_search_rows} dòng đầu; tải mẫu trên trang Nhập số liệu",
        f"no header row found in the first {limits.header_search_rows} rows; download the template from the import page",
        row=non_empty[0][0], value=", ".join(non_empty[0][1][:8]))])


def _refuse_mojibake_header(header: list[str], row_no: int) -> None:
    for index, text in enumerate(header):
        if is_mojibake(text):
            raise FileRefused([mojibake_problem(row_no, column_letter(index), text)])


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return nfc(str(cell))


def cell_text(cell: Cell) -> str:
    """A cell as text, NFC, stripped (numbers without a trailing ``.0``)."""
    return _text(cell)


_MOJIBAKE_MARKS = re.compile("[ÃÂÄÅÆáº»]")


def is_mojibake(text: str) -> bool:
    """True for UTF-8 text that was read as Windows-1252 and saved again (``HÃ  Ná»™i`` for ``Hà Nội``)."""
    if text.isascii() or not _MOJIBAKE_MARKS.search(text):
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text:
            return True
    return False


def mojibake_problem(row: int, column: str, text: str) -> Problem:
    return Problem("chữ bị lỗi mã hoá (UTF-8 bị đọc thành Windows-1252): sửa lại ở tệp gốc",
                   "garbled text (UTF-8 read as Windows-1252 and saved again): fix it in the original file",
                   row=row, column=column, value=text)


def _clip(text: str, width: int = 60) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"
