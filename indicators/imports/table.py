"""The table an analyst's file is read into, the refusals of a reader, and the cell and header helpers every
reader and layout shares (row and column names as a spreadsheet shows them, folded header keys, mojibake)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

import numpy as np
import pandas as pd

from indicators.domain.text import control_characters, fold_ascii, nfc
from indicators.i18n import bilingual, label

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
            parts.append(label("imp_at_row", lang, row=self.row))
        if self.column:
            parts.append(label("imp_at_column", lang, column=self.column))
        return ", ".join(parts)

    def text(self, lang: str = "en") -> str:
        reason = self.vi if lang == "vi" else self.en
        shown = "" if self.value is None else f" '{_clip(self.value)}'"
        where = self.where(lang)
        return f"{where}:{shown} {reason}" if where else f"{reason}"


def exception_problem(key: str, exc: BaseException, **values: Any) -> Problem:
    """A refusal whose ``{error}`` names what a parser raised: its kind in Vietnamese, its kind and its (English)
    message in English."""
    kind = type(exc).__name__
    return Problem(label(key, "vi", error=kind, **values), label(key, "en", error=f"{kind}: {_clip(str(exc))}",
                                                                **values))


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
    return [Problem(*bilingual("imp_column_repeated", header=table.header[i]),
                    row=table.header_row, column=table.column_name(i))
            for i, role in enumerate(roles) if role is not None and roles.index(role) != i]



# --- header and cells -------------------------------------------------------------------------------------

def _find_header(first_rows: list[tuple[int, list[str]]], header_test, limits: Limits) -> tuple[int, list[str]]:
    """The header among the first non-blank rows (row number, cells as text): the first row that ``header_test``
    accepts, as it is or with each blank cell taking the text of the non-blank row above (merged cells)."""
    non_empty = [(n, cells) for n, cells in first_rows if any(c.strip() for c in cells)][:limits.header_search_rows]
    if not non_empty:
        raise FileRefused([Problem(*bilingual("imp_no_rows"))])
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
        *bilingual("imp_no_header", rows=limits.header_search_rows),
        row=non_empty[0][0], value=", ".join(non_empty[0][1][:8]))])


def _refuse_mojibake_header(header: list[str], row_no: int) -> None:
    for index, text in enumerate(header):
        problems = cell_problems(row_no, column_letter(index), text)
        if problems:
            raise FileRefused(problems)


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


# free text (a note, the evidence of a task): line breaks and tabs are allowed there, never other controls
FREE_TEXT_ROLES = frozenset({"note", "evidence", "quote", "source_quote", "info"})


def control_problem(row: int, column: str, text: str, role: str | None = None) -> Problem | None:
    """A refusal of a cell holding control characters (bidirectional overrides such as U+202E, or C0/C1 controls;
    tabs and line breaks too, outside free text), naming them; None when it holds none."""
    found = control_characters(text, free_text=role in FREE_TEXT_ROLES)
    if not found:
        return None
    names = ", ".join(found)
    return Problem(*bilingual("imp_control_characters", names=names),
                   row=row, column=column, value=text)


def cell_problems(row: int, column: str, text: str, role: str | None = None) -> list[Problem]:
    """Garbled text and control characters in one cell."""
    found = [mojibake_problem(row, column, text)] if is_mojibake(text) else []
    control = control_problem(row, column, text, role)
    return found + ([control] if control else [])


def mojibake_problem(row: int, column: str, text: str) -> Problem:
    return Problem(*bilingual("imp_mojibake"), row=row, column=column, value=text)


def _clip(text: str, width: int = 60) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


def check_header(header_check, header: list[str], row_no: int) -> None:
    if header_check is not None:
        problems = header_check(header, row_no)
        if problems:
            raise FileRefused(problems)


class RowCells:
    """One data row of a sheet read by role (``at``: role → column index), with the problems found in it, each
    naming the file's row and the column (the layouts of progress, unit index and units share it)."""

    def __init__(self, table: "Table", at: dict[str, int], row_no: int, cells: list, skip: tuple[str, ...] = ("info",)):
        self.table, self.at, self.row = table, at, row_no
        self.texts = {role: cell_text(cells[i]) if i < len(cells) else "" for role, i in at.items() if role not in skip}
        self.problems: list[Problem] = []

    @property
    def blank(self) -> bool:
        return not any(self.texts.values())

    def get(self, role: str, default: str = "") -> str:
        return self.texts.get(role, default)

    def problem(self, role: str, vi: str, en: str) -> None:
        column = self.table.column_name(self.at[role]) if role in self.at else role
        self.problems.append(Problem(vi, en, row=self.row, column=column, value=self.texts.get(role)))

    def check(self, required: tuple[str, ...], blank_reason: tuple[str, str] | None = None) -> bool:
        """Garbled text in any cell and blank required cells (refused with ``blank_reason``, by default
        "a required cell is blank"); True when the row has none."""
        for role, text in self.texts.items():
            if text:
                self.problems += cell_problems(self.row, self.table.column_name(self.at[role]), text, role)
        for role in required:
            if not self.texts.get(role):
                self.problem(role, *(blank_reason or bilingual("imp_required_blank")))
        return not self.problems

    def refuse(self, result) -> None:
        """Hand the row's problems to the preview; the row is not taken (returns None for the caller)."""
        for problem in self.problems:
            result.add(problem)
        return None


def unknown_headers(header: list[str], row: int, role: Callable[[str], str | None]) -> list[Problem]:
    """A refusal for every header cell that names no column of a layout (``role`` gives a folded cell's role)."""
    return [Problem(*bilingual("imp_unknown_column", header=text), row=row, column=column_letter(i))
            for i, text in enumerate(header) if header_key(text) and role(header_key(text)) is None]
