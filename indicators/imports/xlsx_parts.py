"""The parts of an ``.xlsx`` upload looked at before any sheet is parsed: the zip directory (size, ratio, parts),
the workbook's outline (sheet names, their parts, the %-formatted styles) through defusedxml, and each sheet's
XML counted as a stream of bytes (rows, filled cells, formulas, the first error cell), whatever the sheet's
declared dimension says."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from indicators.i18n import N_, bilingual

from .table import FileRefused, Limits, Problem, exception_problem


@dataclass(frozen=True)
class Scan:
    rows: int
    cells: int
    exact_needed: bool
    error_cell: tuple[int, str, str | None] | None = None   # the first cell holding an error: row, column, value


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def workbook_outline(content: bytes) -> tuple[list[str], dict[str, str], set[int]]:
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
        raise FileRefused([exception_problem(N_("imp_excel_broken"), exc)]) from None
    targets = {}
    for rel in (rels if rels is not None else []):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    names, parts = [], {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        names.append(sheet.get("name"))
        part = targets.get(sheet.get(f"{_DOC_RELS}id"))
        if part not in present:
            raise FileRefused([Problem(*bilingual("imp_excel_part_missing", sheet=sheet.get("name")))])
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
_ERROR_CELL = re.compile(rb'<c\s[^>]*?\bt="e"[^>]*>')
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_VALUE = re.compile(rb"(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>(#[A-Z0-9/!?]{1,16})</v>")


def scan_sheet(content: bytes, part: str, percent_styles: set[int], limits: Limits) -> Scan:
    """The sheet's XML read as a stream of bytes (never whole, never parsed): how many rows and filled cells it
    holds whatever its ``<dimension>`` says, whether it has formulas or %-formatted cells, and where its first
    cell holding an error value is (calamine would read it as a blank)."""
    rows = cells = 0
    exact = False
    error_cell = None
    tail = b""
    percent = {str(i).encode() for i in percent_styles}
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = tail + chunk
            # Each window ends where the last tag of the data begins (a tag holds no "<"), so a tag cut by the
            # chunk's end is looked at once, whole, with the next chunk.
            cut = data.rfind(b"<", max(0, len(data) - 4096)) if chunk else len(data)
            cut = len(data) if cut < 0 else cut
            window, tail = data[:cut], data[cut:]
            rows += len(_ROW.findall(window))
            cells += len(_VALUE.findall(window))
            if not exact and (_FORMULA.search(window) or (percent and percent & set(_STYLE.findall(window)))):
                exact = True
            if error_cell is None:
                found = _ERROR_CELL.search(window)
                reference = _REFERENCE.search(found.group()) if found else None
                if reference:
                    saved = _ERROR_VALUE.match(window, found.end())
                    error_cell = (int(reference.group(2)), reference.group(1).decode(),
                                  saved.group(1).decode(errors="replace") if saved else None)
            if not chunk or rows > limits.max_rows + limits.header_search_rows or cells > limits.max_cells:
                break
    return Scan(rows, cells, exact, error_cell)


def check_zip(content: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise FileRefused([Problem(*bilingual("imp_xlsx_not_zip"))]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > 10_000:
            raise FileRefused([Problem(*bilingual("imp_xlsx_too_many_parts"))])
        inflated = sum(e.file_size for e in entries)
        packed = max(1, sum(e.compress_size for e in entries))
        if inflated > limits.max_unzipped_bytes or inflated / packed > limits.max_zip_ratio:
            raise FileRefused([Problem(*bilingual("imp_zip_bomb", size=f"{inflated:,}",
                                                  ratio=f"{inflated / packed:.0f}"))])
        if not any(e.filename == "xl/workbook.xml" for e in entries):
            raise FileRefused([Problem(*bilingual("imp_xlsx_no_workbook"))])
