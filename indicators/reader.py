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

from .text import fold_ascii, nfc

Cell = Any  # str, int, float, datetime or None


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024      # the upload limit of .streamlit/config.toml
    max_rows: int = 200_000
    max_columns: int = 400
    max_cell_chars: int = 2_000
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


@dataclass
class Table:
    file_name: str
    sheet: str | None
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, column index) formatted as %

    def column_name(self, index: int) -> str:
        return f"{column_letter(index)} ({self.header[index]})" if index < len(self.header) else column_letter(index)


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


def read_table(name: str, content: bytes, header_test, sheet: str | None = None,
               limits: Limits = LIMITS) -> Table:
    """The rows of ``content`` (a file called ``name``) under the first row that ``header_test`` accepts.

    ``header_test(keys)`` gets the folded header cells of a candidate row and says whether it is the header.
    """
    if not content:
        raise FileRefused([Problem("tệp rỗng", "the file is empty")])
    if len(content) > limits.max_bytes:
        raise FileRefused([Problem(f"tệp lớn {len(content):,} byte, vượt giới hạn {limits.max_bytes:,} byte",
                                   f"the file has {len(content):,} bytes, over the limit of {limits.max_bytes:,}")])
    lower = name.lower()
    if lower.endswith(".xlsx") or lower.endswith(".xlsm"):
        grid, percent_cells, sheet_name = _xlsx_rows(content, sheet, limits)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        if sheet:
            raise FileRefused([Problem("tệp CSV không có trang tính", "a CSV file has no sheets")])
        grid, percent_cells, sheet_name = _csv_rows(content, limits), set(), None
    elif lower.endswith(".xls"):
        raise FileRefused([Problem("tệp .xls (Excel 97–2003) không được nhận: lưu lại thành .xlsx hoặc CSV UTF-8",
                                   "old .xls files are not accepted: save as .xlsx or CSV UTF-8")])
    else:
        raise FileRefused([Problem("chỉ nhận tệp .csv hoặc .xlsx", "only .csv and .xlsx files are accepted")])
    return _with_header(name, sheet_name, grid, percent_cells, header_test, limits)


# --- CSV -------------------------------------------------------------------------------------------------

def _csv_rows(content: bytes, limits: Limits) -> list[tuple[int, list[Cell]]]:
    if content.count(b"\n") > limits.max_rows + limits.header_search_rows:
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
    if "\x00" in text:
        raise FileRefused([Problem("tệp chứa ký tự NUL (tệp nhị phân hoặc UTF-16?)",
                                   "the file contains NUL characters (a binary or UTF-16 file?)")])
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    previous = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars)
    grid: list[tuple[int, list[Cell]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    row_no = 0
    try:
        for row_no, cells in enumerate(reader, start=1):
            if len(cells) > limits.max_columns:
                raise FileRefused([Problem(f"dòng có {len(cells)} cột, vượt giới hạn {limits.max_columns}",
                                           f"the row has {len(cells)} columns, over the limit of {limits.max_columns}",
                                           row=row_no)])
            grid.append((row_no, cells))
    except csv.Error as exc:
        reason_vi = (f"ô dài hơn {limits.max_cell_chars:,} ký tự" if "field larger" in str(exc)
                     else f"dòng CSV hỏng ({exc})")
        reason_en = (f"a cell is longer than {limits.max_cell_chars:,} characters" if "field larger" in str(exc)
                     else f"broken CSV line ({exc})")
        raise FileRefused([Problem(reason_vi, reason_en, row=row_no + 1)]) from None
    finally:
        csv.field_size_limit(previous)
    if len(grid) > limits.max_rows + limits.header_search_rows:
        raise FileRefused([Problem(f"tệp có hơn {limits.max_rows:,} dòng", f"the file has more than {limits.max_rows:,} rows")])
    return grid


# --- XLSX ------------------------------------------------------------------------------------------------

def _xlsx_rows(content: bytes, sheet: str | None, limits: Limits):
    _check_zip(content, limits)
    import openpyxl  # noqa: PLC0415 - only for .xlsx files

    try:
        values_book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        formulas_book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused([Problem(f"không đọc được tệp Excel ({type(exc).__name__})",
                                   f"the Excel file cannot be read ({type(exc).__name__}: {_clip(str(exc))})")]) from None
    try:
        names = values_book.sheetnames
        if sheet is None:
            sheet_name = names[0]
        elif sheet in names:
            sheet_name = sheet
        else:
            raise FileRefused([Problem(f"không có trang tính '{sheet}' (có: {', '.join(names)})",
                                       f"there is no sheet '{sheet}' (there are: {', '.join(names)})")])
        values, formulas = values_book[sheet_name], formulas_book[sheet_name]
        declared = values.max_row or 0
        if declared > limits.max_rows + limits.header_search_rows:
            raise FileRefused([Problem(f"trang tính có {declared:,} dòng, vượt giới hạn {limits.max_rows:,}",
                                       f"the sheet has {declared:,} rows, over the limit of {limits.max_rows:,}")])
        if (values.max_column or 0) > limits.max_columns:
            raise FileRefused([Problem(f"trang tính có {values.max_column} cột, vượt giới hạn {limits.max_columns}",
                                       f"the sheet has {values.max_column} columns, over the limit of {limits.max_columns}")])
        grid: list[tuple[int, list[Cell]]] = []
        percent_cells: set[tuple[int, int]] = set()
        problems: list[Problem] = []
        # read-only sheets yield every row from the first, gaps filled, and every cell from column A
        for row_no, (value_row, formula_row) in enumerate(zip(values.iter_rows(), formulas.iter_rows()), start=1):
            if len(grid) > limits.max_rows + limits.header_search_rows:
                raise FileRefused([Problem(f"trang tính có hơn {limits.max_rows:,} dòng",
                                           f"the sheet has more than {limits.max_rows:,} rows")])
            cells: list[Cell] = []
            for index, (cell, formula) in enumerate(zip(value_row, formula_row)):
                value = cell.value
                if value is None and isinstance(formula.value, str) and formula.value.startswith("="):
                    problems.append(Problem(
                        f"ô công thức {formula.value} chưa có giá trị đã lưu: mở tệp bằng Excel và lưu lại",
                        f"formula {formula.value} has no saved value: open the file in Excel and save it",
                        row=row_no, column=column_letter(index)))
                if isinstance(value, str) and len(value) > limits.max_cell_chars:
                    raise FileRefused([Problem(f"ô dài hơn {limits.max_cell_chars:,} ký tự",
                                               f"a cell is longer than {limits.max_cell_chars:,} characters",
                                               row=row_no, column=column_letter(index))])
                if isinstance(value, (int, float)) and "%" in (getattr(cell, "number_format", None) or ""):
                    percent_cells.add((row_no, index))
                cells.append(value)
            while cells and cells[-1] is None:
                cells.pop()
            grid.append((row_no, cells))
        if problems:
            raise FileRefused(problems)
        return grid, percent_cells, sheet_name
    finally:
        values_book.close()
        formulas_book.close()


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

def _with_header(name: str, sheet: str | None, grid: list[tuple[int, list[Cell]]], percent_cells: set,
                 header_test, limits: Limits) -> Table:
    non_empty = [(n, cells) for n, cells in grid if any(_text(c) for c in cells)]
    if not non_empty:
        raise FileRefused([Problem("tệp không có dòng nào", "the file has no rows")])
    previous: list[str] = []
    for position, (row_no, cells) in enumerate(non_empty[:limits.header_search_rows]):
        own = [_text(c) for c in cells]
        candidates = [own]
        if previous:  # a header cell left blank under a merged cell takes the text above it
            width = max(len(own), len(previous))
            candidates.append([(own[i] if i < len(own) and own[i] else (previous[i] if i < len(previous) else ""))
                               for i in range(width)])
        for header in candidates:
            if header_test([header_key(h) for h in header]):
                while header and not header[-1]:
                    header.pop()
                rows = [(n, c) for n, c in grid if n > row_no]
                _refuse_mojibake_header(header, row_no)
                return Table(name, sheet, row_no, [nfc(h) for h in header], rows, percent_cells)
        previous = own
    raise FileRefused([Problem(
        f"không tìm thấy dòng tiêu đề trong {limits.header_search_rows} dòng đầu; tải mẫu trên trang Nhập số liệu",
        f"no header row found in the first {limits.header_search_rows} rows; download the template from the import page",
        row=non_empty[0][0], value=", ".join(_text(c) for c in non_empty[0][1][:8]))])


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
