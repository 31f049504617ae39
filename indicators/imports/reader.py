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
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd

from indicators.domain.plain import formula_unsafe
from indicators.i18n import bilingual

from .table import LIMITS, FileRefused, Limits, Problem, Table, _find_header, _refuse_mojibake_header, check_header
from .xlsx import _xlsx_table


def read_table(name: str, content: bytes, header_test, sheet: str | None = None,
               limits: Limits = LIMITS, header_check=None) -> Table:
    """The rows of ``content`` (a file called ``name``) under the first row that ``header_test`` accepts.

    ``header_test(keys)`` gets the folded header cells of a candidate row and says whether it is the header;
    ``header_check(header, row)`` (optional) returns the problems of the header found (unknown or missing
    columns), which refuse the file at once, before the rest of it is read.
    """
    if not content:
        raise FileRefused([Problem(*bilingual("imp_file_empty"))])
    if len(content) > limits.max_bytes:
        raise FileRefused([Problem(*bilingual("imp_file_too_big", size=f"{len(content):,}",
                                             limit=f"{limits.max_bytes:,}"))])
    lower = name.lower()
    if lower.endswith(".xlsx") or lower.endswith(".xlsm"):
        return _xlsx_table(name, content, sheet, header_test, header_check, limits)
    elif lower.endswith(".csv") or lower.endswith(".txt"):
        if sheet:
            raise FileRefused([Problem(*bilingual("imp_csv_no_sheets"))])
        return _csv_table(name, content, header_test, limits, header_check)
    elif lower.endswith(".xls"):
        raise FileRefused([Problem(*bilingual("imp_old_xls"))])
    else:
        raise FileRefused([Problem(*bilingual("imp_file_kind"))])


def read_table_apart(name: str, content: bytes, header_test, sheet: str | None = None, limits: Limits = LIMITS,
                     header_check=None) -> Table:
    """:func:`read_table` of an .xlsx in a process of its own (one, started on first use and kept): parsing a
    large sheet holds Python's lock for seconds (calamine's parse is one long call), which would stall every
    other session of the dashboard server meanwhile. ``header_test`` and ``header_check`` must be module-level
    functions.
    A CSV is read here: pandas' C parser is quick, and sending its table back would cost more than it saves."""
    if not name.lower().endswith((".xlsx", ".xlsm")):
        return read_table(name, content, header_test, sheet, limits, header_check)
    # A reading process that died (killed, out of memory) breaks its pool for good: the pool is replaced and the
    # file sent once more (the process may have died before this file, between two imports). A file during
    # whose reading a fresh process dies as well is refused, and the next import gets a new process again.
    for _attempt in range(2):
        pool = _reading_process()
        try:
            return pool.submit(read_table, name, content, header_test, sheet, limits, header_check).result()
        except BrokenProcessPool:
            _replace_reading_process(pool)
    raise FileRefused([Problem(*bilingual("imp_reader_died"))])


_READER: ProcessPoolExecutor | None = None
_READER_LOCK = threading.Lock()


def _reading_process() -> ProcessPoolExecutor:
    """The process that reads .xlsx files for every session of the server, started on first use."""
    global _READER
    with _READER_LOCK:
        if _READER is None:
            import multiprocessing  # noqa: PLC0415

            _READER = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _READER


def _replace_reading_process(broken: ProcessPoolExecutor) -> None:
    """Forget a pool whose process died (the next read starts a new one), unless another session replaced it."""
    global _READER
    with _READER_LOCK:
        if _READER is broken:
            _READER = None
    broken.shutdown(wait=False, cancel_futures=True)


# --- CSV -------------------------------------------------------------------------------------------------

def _csv_table(name: str, content: bytes, header_test, limits: Limits, header_check=None) -> Table:
    """CSV through pandas' C parser (one row per record, blank lines kept, so row numbers are Excel's); the
    number of cells of each row is counted separately, so that a short row is told from trailing blanks."""
    # records as the parser sees them: a lone carriage return ends a line too (old Mac files), so it is counted
    lines = content.count(b"\n") + content.count(b"\r") - content.count(b"\r\n")
    if lines > limits.max_rows + limits.header_search_rows:
        raise FileRefused([Problem(*bilingual("imp_file_too_many_rows", rows=f"{limits.max_rows:,}"))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = content[:exc.start].count(b"\n") + 1
        raise FileRefused([Problem(
            *bilingual("imp_not_utf8"),
            row=row, value=content[max(0, exc.start - 12):exc.start + 12].decode("latin-1"))]) from None
    if "\r" in text:  # one line ending for the parser, the cell counts and the row numbers alike
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise FileRefused([Problem(*bilingual("imp_nul"))])
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    lengths = _field_counts(text, delimiter, limits)
    if not len(lengths) or not text.strip():
        raise FileRefused([Problem(*bilingual("imp_no_rows"))])
    too_wide = np.flatnonzero(lengths > limits.max_columns)
    if len(too_wide):
        raise FileRefused([Problem(*bilingual("imp_row_too_wide", columns=lengths[too_wide[0]],
                                             limit=limits.max_columns),
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
    searched = min(len(frame), limits.header_search_rows)
    first_rows = [(i + 1, frame.iloc[i, :lengths[i]].tolist()) for i in range(searched)]
    header_row, header = _find_header(first_rows, header_test, limits)  # rows are numbered from 1
    _refuse_mojibake_header(header, header_row)
    check_header(header_check, header, header_row)
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
                    raise FileRefused([Problem(*bilingual("imp_cell_too_long", chars=f"{limits.max_cell_chars:,}"),
                                               row=number)])
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
        raise FileRefused([Problem(*(bilingual("imp_cell_too_long", chars=f"{limits.max_cell_chars:,}") if long_cell
                                     else bilingual("imp_broken_csv_line", error=exc)), row=len(counts) + 1)]) from None
    finally:
        csv.field_size_limit(previous)
    return np.asarray(counts, dtype=np.int64)


