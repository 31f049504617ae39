"""Word's building blocks for the report in the layout of Decree 30/2020/NĐ-CP (Phụ lục I): the A4 page with
the decree's margins, Times New Roman 14 pt justified, the page number at the top from page 2, and the
paragraphs and tables every part of the report is made of. Every text goes in as a plain run through
:func:`clean`: characters XML cannot hold are dropped, bidirectional controls are shown as visible marks."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from indicators.domain.text import visible_controls

FONT = "Times New Roman"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value: Any) -> str:
    """A database value as text a Word file can hold (None and NaN → empty), its bidirectional controls shown as
    visible marks."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    return _NOT_XML.sub("", visible_controls(str(value)))


def _page(section: Any, landscape: bool = False) -> None:
    """A4 with the decree's margins (top and bottom 20 mm, left 30 mm, right 15 mm), portrait or landscape."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)


def new_section(doc: Any, landscape: bool = False) -> Any:
    """A section on a new page (a wide appendix table goes on landscape pages), numbered on its first page too."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape)
    section.different_first_page_header_footer = False
    return section


def page_setup(doc: Any) -> None:
    section = doc.sections[0]
    _page(section)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Heading 1", 14), ("Heading 2", 14), ("Title", 14)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        rfonts = style.element.rPr.find(qn("w:rFonts"))
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if rfonts is not None and rfonts.get(qn(attribute)) is not None:
                del rfonts.attrib[qn(attribute)]
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(6), Pt(6)
        style.paragraph_format.keep_with_next = True
    # the page number, centred at the top, from the second page on
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def cell_lines(cell: Any, lines: list[tuple[str, bool, int]], italic: bool = False) -> None:
    cell.paragraphs[0].text = ""
    for i, (text, bold, size) in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(clean(text))
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def add_para(doc: Any, text: str, bold: bool = False, italic: bool = False, centre: bool = False,
             size: int | None = None, indent: bool = False, highlight: bool = False) -> Any:
    """A paragraph of plain text; ``highlight`` marks a placeholder the drafter replaces (yellow, as Word marks)."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    run = paragraph.add_run(clean(text))
    run.bold, run.italic = bold, italic
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    if size:
        run.font.size = Pt(size)
    return paragraph


def add_table(doc: Any, header: list[str], rows: list[list[str] | str], widths: list[float] | None = None,
              size: int = 11) -> Any:
    """A grid table with its header repeated on every page. A row given as a single text is a group's heading (a
    reform area): one bold cell across the table, as appendices of provincial reports group their rows."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        _cell_text(cell, text, size, bold=True)
    repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        if isinstance(values, str):
            _cell_text(cells[0].merge(cells[-1]), values, size, bold=True)
            continue
        for cell, text in zip(cells, values):
            _cell_text(cell, text, size)
    if widths:
        set_widths(table, widths)
    add_para(doc, "", size=6)
    return table


def _cell_text(cell: Any, text: str, size: int, bold: bool = False) -> None:
    """A cell's text as one run, its rows as tight as the text (no gap after the paragraph)."""
    run = cell.paragraphs[0].add_run(clean(text))
    run.bold, run.font.size = bold, Pt(size)
    cell.paragraphs[0].paragraph_format.space_after = Pt(0)


def set_widths(table: Any, widths: list[float]) -> None:
    """Fixed column widths, in the grid (what LibreOffice reads) and in every cell (what Word reads)."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row in table.rows:
        column = 0
        for tc in row._tr.tc_lst:        # a merged cell spans columns: it is as wide as they are together
            tc.width = Cm(sum(widths[column:column + tc.grid_span]))
            column += tc.grid_span


def repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)
