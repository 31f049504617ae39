"""The periodic report a Department of Home Affairs would sign (issue 28): the outline reform reports follow
(docs/report-outline.md), prose in the body and the tables in appendices, no code, database id or address in the
body, the merger told, the placeholders and the drafter's list of them, the length, and the one-page brief.

The length is measured on a page model (no office suite is installed to lay the file out): every paragraph is
wrapped word by word at its font's widths (Liberation Serif, metric-compatible with Times New Roman; Vietnamese
letters measured as their base letters) over the section's text width, at 1.15 lines per em plus the paragraph's
spacing; table rows take their tallest cell, pictures their stored height, page and section breaks a new page.
"""

import io
import re
import subprocess
import unicodedata
from datetime import date, datetime
from functools import cache

import pytest
from docx import Document
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image, ImageFont

from indicators.domain.reform_areas import SIX, area_name
from indicators.reports.charts import Chart
from indicators.reports.content import report_content, report_period
from indicators.reports.files import Ask, decimals, make
from indicators.reports.outline import body
from indicators.reports.word import write_docx

NEW_TAY_NINH = ("80", date(2025, 7, 1))
NEW_HA_TINH = ("42", date(2025, 7, 1))
OLD_HA_TINH = ("42", date(2004, 1, 1))
TN = "tay-ninh-490-qd-ubnd-2021"
TODAY = date(2026, 12, 1)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# what must not stand in the body: indicator codes (snake_case), unit codes (72-SNV), target ids (TN490-02),
# plan ids (tay-ninh-490-qd-ubnd-2021), UUIDs and addresses
CODES = {
    "indicator code": re.compile(r"\b[a-z]+_[a-z0-9_]+\b"),
    "unit code": re.compile(r"\b\d{2}-[A-Z]{2,}\b"),
    "target id": re.compile(r"\b[A-Z]{2}\d{2,4}-\d{2}\b"),
    "plan id": re.compile(r"\b[a-z]+(?:-[a-z0-9]+){3,}\b"),
    "uuid": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    "address": re.compile(r"https?://|www\.|\.gov\.vn|\.com\b|\.vn/"),
}


def _docx(ds, key, period, lang="vi"):
    made = make(ds, Ask(key, period, "docx", lang, TODAY), now=datetime(2026, 12, 1, 9), charts=False)
    return made, Document(io.BytesIO(made.data))


def _parts(doc):
    """The document's body (paragraphs and tables before the first appendix) and the rest, in order."""
    items = []
    for element in doc.element.body.iterchildren():
        if element.tag == W + "p":
            items.append(Paragraph(element, doc))
        elif element.tag == W + "tbl":
            items.append(Table(element, doc))
    first = next(i for i, item in enumerate(items) if isinstance(item, Paragraph)
                 and item.style.name == "Heading 1" and item.text.startswith(("PHỤ LỤC", "APPENDIX")))
    return items[:first], items[first:]


def _text(item):
    if isinstance(item, Paragraph):
        return item.text
    return "\n".join(c.text for row in item.rows for c in row.cells)


def _highlighted(paragraph):
    return any(r.font.highlight_color is not None for r in paragraph.runs)


def test_the_sections_follow_the_reform_report_outline(ds):
    _, doc = _docx(ds, NEW_TAY_NINH, "2025")
    top = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert top[:5] == ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH",
                       "III. ĐÁNH GIÁ CHUNG", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", "V. ĐỀ XUẤT, KIẾN NGHỊ"]
    assert [t.split(".")[0] for t in top[5:]] == [f"PHỤ LỤC {n}" for n in ("I", "II", "III", "IV", "V")]
    body_part, _ = _parts(doc)
    second = [p.text for p in body_part if isinstance(p, Paragraph) and p.style.name == "Heading 2"]
    areas = [f"{i}. {area_name(code)}" for i, code in enumerate(SIX, start=1)]
    assert second[:6] == areas            # the six areas of Resolution 76/NQ-CP, in order
    assert second[-3:] == ["1. Kết quả đạt được", "2. Tồn tại, hạn chế", "3. Nguyên nhân"]
    english = [p.text for p in _docx(ds, NEW_TAY_NINH, "2025", "en")[1].paragraphs if p.style.name == "Heading 1"]
    assert english[:5] == ["I. DIRECTION AND OPERATION", "II. RESULTS IN THE AREAS OF ADMINISTRATIVE REFORM",
                           "III. ASSESSMENT", "IV. TASKS FOR THE NEXT PERIOD", "V. PROPOSALS"]


@pytest.mark.parametrize("key, period", [(NEW_TAY_NINH, "2025"), (NEW_TAY_NINH, f"plan:{TN}"), (OLD_HA_TINH, "2020"),
                                         (NEW_HA_TINH, "2025")])
def test_the_body_is_prose_its_tables_short_and_free_of_codes(ds, key, period):
    made, doc = _docx(ds, key, period)
    body_part, rest = _parts(doc)
    tables = [t for t in body_part if isinstance(t, Table)]
    assert [len(t.rows) for t in tables] == [2, 1]           # the decree's heading and the signature block only
    rest_tables = [t for t in rest if isinstance(t, Table)]
    assert rest_tables and max(len(t.rows) for t in rest_tables) > 3       # the data tables are in the appendices
    text = "\n".join(_text(item) for item in body_part)
    found = {name: pattern.findall(text) for name, pattern in CODES.items()}
    assert found == {name: [] for name in CODES}
    # the provenance is in the colophon at the very end: the database id and the data window's address
    tail = "\n".join(_text(item) for item in rest[-4:])
    assert made.content.provenance["database_id"] in tail and CODES["uuid"].search(tail)


def test_the_body_gives_figures_in_sentences(ds):
    made, doc = _docx(ds, NEW_TAY_NINH, "2025")
    body_part, _ = _parts(doc)
    text = [_text(p) for p in body_part if isinstance(p, Paragraph)]
    tasks = made.content.tasks
    share = f"{100 * tasks.done / tasks.total:.2f}".replace(".", ",")
    assert any(f"Đã hoàn thành {tasks.done}/{tasks.total} nhiệm vụ ({share} %)" in t for t in text)
    assert f"Chuyển sang kỳ tới: {tasks.total - tasks.done}/{tasks.total} nhiệm vụ chưa hoàn thành" in "\n".join(text)


def test_the_merger_is_told_and_inherited_plans_are_reported_under_the_successor(ds):
    _, doc = _docx(ds, NEW_TAY_NINH, "2025")
    text = [p.text for p in doc.paragraphs]
    merger = next(t for t in text if "được thành lập" in t)
    assert merger.startswith("Tỉnh Tây Ninh được thành lập từ ngày 01/07/2025 trên cơ sở hợp nhất tỉnh Long An và "
                             "tỉnh Tây Ninh (cũ).")
    plan = next(t for t in text if "490/QĐ-UBND" in t and t.startswith("Tiếp tục thực hiện"))
    assert "do tỉnh Tây Ninh (cũ) ban hành, nay tỉnh Tây Ninh thực hiện và báo cáo kết quả" in plan
    # an index figure of a predecessor is named as the predecessor's, never as the new province's
    index_lines = [t for t in text if " đạt " in t and ("PAPI" in t or "PCI" in t or "PAR INDEX" in t)]
    assert index_lines and all("(đến 30/06/2025)" in t for t in index_lines)
    _, english = _docx(ds, NEW_TAY_NINH, "2025", "en")
    assert any(p.text.startswith("Tây Ninh province was formed on 01/07/2025 from Long An province and Tây Ninh "
                                 "province (former).") for p in english.paragraphs)
    # a province that kept its territory says so; a province of the old list has nothing to tell
    assert any("giữ nguyên địa giới" in p.text for p in _docx(ds, NEW_HA_TINH, "2025")[1].paragraphs)
    old = _docx(ds, OLD_HA_TINH, "2020")[1]
    assert not any("được thành lập" in p.text or "giữ nguyên địa giới" in p.text for p in old.paragraphs)


def test_the_closing_review_of_a_predecessor_s_plan_has_a_grammatical_title(ds):
    _, doc = _docx(ds, NEW_TAY_NINH, f"plan:{TN}")
    texts = [p.text for p in doc.paragraphs]
    title = texts[texts.index("BÁO CÁO") + 1]
    assert title == ("Tổng kết Chương trình hành động thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XI "
                     "về cải cách hành chính giai đoạn 2021–2025 của tỉnh Tây Ninh (cũ)")
    assert "TỈNH TÂY NINH" in doc.tables[0].rows[0].cells[0].text        # issued by the new province


def test_placeholders_are_highlighted_and_listed_at_the_top(ds):
    _, doc = _docx(ds, NEW_TAY_NINH, "2025")
    body_part, _ = _parts(doc)
    paragraphs = [p for p in body_part if isinstance(p, Paragraph)]
    marked = [p for p in paragraphs if _highlighted(p)]
    title = next(i for i, p in enumerate(marked) if p.text.startswith("NHỮNG PHẦN CÒN PHẢI VIẾT"))
    listed = [p.text for p in marked if p.text.startswith("– ")]
    placeholders = [p.text for p in marked[title + 1:] if not p.text.startswith("– ")]
    # one per section that only people can write: I, the six areas (+ the unclassified), results, causes, IV, V
    assert len(placeholders) >= 11 and all(p.startswith("[Cần viết:") for p in placeholders)
    # one line per request (the six areas' alike share one, naming each area), and the head and foot of the document
    assert len(listed) == len(set(placeholders)) + 1
    for placeholder in placeholders:
        assert any(line.endswith(placeholder.strip("[]")) for line in listed)
    areas = next(line for line in listed if line.endswith("kết quả nổi bật, cách làm mới của lĩnh vực trong kỳ."))
    named = [f"{i}. {area_name(code)}" for i, code in enumerate(SIX, start=1)]
    assert len(named) == 6 and [name for name in named if name not in areas] == []
    # the list names where each stands
    assert "– V. ĐỀ XUẤT, KIẾN NGHỊ: Cần viết: đề xuất, kiến nghị với Chính phủ, Bộ Nội vụ và các bộ, ngành." in listed
    # figures are never highlighted: the sentences made from the database are plain
    assert not any(_highlighted(p) for p in paragraphs if "nhiệm vụ (" in p.text)


def test_tasks_and_targets_are_grouped_by_their_recorded_area_and_never_guessed(ds):
    content = report_content(ds, NEW_TAY_NINH, report_period("2025"), today=TODAY)
    occurrences = content.all_occurrences
    assert len(occurrences) > 10
    # nothing recorded: every task and target is under "not classified", each area says it has none
    content.all_occurrences = occurrences.assign(reform_area=None)
    content.targets = content.targets.assign(reform_area=None)
    blocks = [b.text for b in body(content, "vi")]
    unclassified = blocks.index("7. Nhiệm vụ, mục tiêu chưa xếp lĩnh vực")
    done = content.tasks.done
    assert any(f"{done}/{len(occurrences)} nhiệm vụ (" in b for b in blocks[unclassified:])
    assert any(f"/{len(content.targets)} mục tiêu" in b for b in blocks[unclassified:])
    first = blocks.index(f"1. {area_name('institutions')}")
    assert blocks[first + 1] == ("Các kế hoạch của kỳ báo cáo không có nhiệm vụ, mục tiêu nào được ghi thuộc lĩnh "
                                 "vực này.")
    # two tasks recorded under procedures: counted there, the rest stay unclassified
    content.all_occurrences = occurrences.assign(reform_area=["procedures"] * 2 + [None] * (len(occurrences) - 2))
    blocks = [b.text for b in body(content, "vi")]
    procedures = blocks.index(f"2. {area_name('procedures')}")
    assert "/2 nhiệm vụ (" in blocks[procedures + 1]
    assert blocks[procedures + 2].startswith("[Cần viết:")          # no target there: no target sentence
    unclassified = blocks.index("7. Nhiệm vụ, mục tiêu chưa xếp lĩnh vực")
    assert any(f"/{len(occurrences) - 2} nhiệm vụ (" in b for b in blocks[unclassified:])
    # all classified: no "not classified" heading
    content.all_occurrences = occurrences.assign(reform_area="procedures")
    content.targets = content.targets.assign(reform_area="digital_government")
    assert "7. Nhiệm vụ, mục tiêu chưa xếp lĩnh vực" not in [b.text for b in body(content, "vi")]


# --- the length -------------------------------------------------------------------------------------------------

FONTS = "/usr/share/fonts/truetype/liberation/LiberationSerif-{}.ttf"


@cache
def _face(bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS.format("Bold" if bold else "Regular"), 100)


def _width(text: str, size: float, bold: bool) -> float:
    """The text's width in points (its letters' base forms measured, as Vietnamese marks sit above or below)."""
    base = "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
                   if unicodedata.category(c) != "Mn")
    return _face(bold).getlength(base) * size / 100


def _lines(text: str, width: float, size: float, bold: bool) -> int:
    count = 0
    for line in text.split("\n"):
        count += 1
        used = 0.0
        for word in line.split(" "):
            extent = _width(word + " ", size, bold)
            if used and used + extent > width:
                count, used = count + 1, 0.0
            used += extent
    return count


def _paragraph_heights(paragraph: Paragraph, width: float) -> list[float]:
    """The heights of a paragraph's lines (its space before on the first, after on the last), or its picture's."""
    extents = paragraph._p.findall(".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent")
    if extents:
        return [int(e.get("cy")) / 12700 + 6 for e in extents]
    runs = paragraph.runs
    style = paragraph.style
    size = next((r.font.size.pt for r in runs if r.font.size), None) or (style.font.size or Pt(14)).pt
    bold = any(r.bold for r in runs) or bool(style.font.bold)
    own, styled = paragraph.paragraph_format, style.paragraph_format
    before = own.space_before if own.space_before is not None else styled.space_before
    after = own.space_after if own.space_after is not None else styled.space_after
    lines = [size * 1.15] * _lines(paragraph.text, width, size, bold)
    lines[0] += before.pt if before else 0
    lines[-1] += after.pt if after else 0
    return lines


def _row_height(row, widths: list[float]) -> float:
    """The row's tallest cell, a merged cell as wide as the columns it spans."""
    padding, tallest, column = Cm(0.38).pt, 0.0, 0
    for tc in row._tr.tc_lst:
        width = sum(widths[column:column + tc.grid_span]) - padding
        tallest = max(tallest, sum(sum(_paragraph_heights(Paragraph(p, row), width)) for p in tc.p_lst))
        column += tc.grid_span
    return tallest


def estimated_pages(data: bytes) -> int:
    """The pages the Word file fills on the page model (see the module's docstring)."""
    doc = Document(io.BytesIO(data))
    sections, index = doc.sections, 0
    pages, used = 1, 0.0

    def room() -> tuple[float, float]:
        s = sections[index]
        return ((s.page_width - s.left_margin - s.right_margin) / 12700,      # EMU → points
                (s.page_height - s.top_margin - s.bottom_margin) / 12700)

    def place(height: float) -> None:
        nonlocal pages, used
        if used and used + height > room()[1]:
            pages, used = pages + 1, 0.0
        used += height

    for element in doc.element.body.iterchildren():
        if element.tag == W + "tbl":
            table = Table(element, doc)
            widths = [c.width.pt if c.width else room()[0] / len(table.columns) for c in table.rows[0].cells]
            for row in table.rows:
                place(_row_height(row, widths))
        elif element.tag == W + "p":
            paragraph = Paragraph(element, doc)
            if element.findall(f".//{W}br[@{W}type='page']"):
                pages, used = pages + 1, 0.0
            for height in _paragraph_heights(paragraph, room()[0]) if paragraph.text or paragraph.runs else [0]:
                place(height)
            if element.find(f"{W}pPr/{W}sectPr") is not None:
                index, pages, used = index + 1, pages + 1, 0.0
    return pages


def _charts(n: int) -> list[Chart]:
    """Charts as the browser draws them: 900 × 380 px at 2×, here blank pictures of that size."""
    out = io.BytesIO()
    Image.new("RGB", (1800, 760), "white").save(out, "PNG")
    return [Chart(f"Biểu đồ {i}", None, out.getvalue()) for i in range(n)]


def test_a_yearly_report_of_about_fifty_tasks_fits_in_eight_to_twelve_pages(ds):
    content = report_content(ds, NEW_TAY_NINH, report_period("2025"), today=TODAY)
    assert 40 <= content.tasks.total <= 60
    pages = estimated_pages(write_docx(content, _charts(10), "vi", decimals=decimals(ds)))
    assert 8 <= pages <= 12, pages
    english = estimated_pages(write_docx(content, _charts(10), "en", decimals=decimals(ds)))
    assert 8 <= english <= 12, english


def test_the_tasks_appendix_is_a_compact_table_of_the_plan_s_own_words(ds):
    """One row per task: its item, the plan's words cut at a word boundary, lead body, due day, status; the areas
    are rows across the table, not headings of tables of their own."""
    made, doc = _docx(ds, NEW_TAY_NINH, "2025")
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Mục"]
    assert len(tables) == 1
    assert [c.text for c in tables[0].rows[0].cells] == ["Mục", "Nhiệm vụ", "Cơ quan chủ trì", "Hạn", "Tình trạng"]
    rows = [[c.text for c in r.cells] for r in tables[0].rows[1:]]
    groups = [r[0] for r in rows if len(set(r)) == 1]
    tasks = {r[0]: r for r in rows if len(set(r)) > 1}
    occurrences = made.content.all_occurrences
    assert groups == [area_name("organisation"), area_name("civil_service"), area_name(None)]
    assert len(tasks) == len(occurrences) == 46
    cut = 0
    for r in occurrences.itertuples():
        row = tasks[r.ref + (f" ({r.occurrence})" if r.occurrence else "")]
        text = " ".join(r.task.split())
        assert row[2:4] == [r.lead_names, r.due.strftime("%d/%m/%Y")]
        if row[1] == text:
            continue
        cut += 1
        kept = row[1][:-1]
        assert row[1].endswith("…") and len(row[1]) <= 160 and text.startswith(kept) and text[len(kept)] in " ,;:."
    assert 10 < cut < 46
    _, rest = _parts(doc)
    assert not [p.text for p in rest if isinstance(p, Paragraph) and p.style.name == "Heading 2"]   # no sub-tables


def test_the_page_model_counts_pages_and_breaks(ds):
    """The model itself: an empty document is one page, a page break makes two, sixty lines of 14 pt overflow."""
    doc = Document()
    out = io.BytesIO()
    doc.save(out)
    assert estimated_pages(out.getvalue()) == 1
    doc.add_paragraph("một")
    doc.add_page_break()
    doc.add_paragraph("hai")
    out = io.BytesIO()
    doc.save(out)
    assert estimated_pages(out.getvalue()) == 2
    doc = Document()
    for i in range(70):
        doc.add_paragraph(f"Dòng {i}")
    out = io.BytesIO()
    doc.save(out)
    assert estimated_pages(out.getvalue()) == 2


def test_the_page_model_fills_a_decree_30_page_as_reasoned():
    """A4 with the decree's margins holds 297 − 40 mm = 728.5 pt of text; a one-line 14 pt paragraph with 6 pt after
    takes 14 × 1.15 + 6 = 22.1 pt (Times New Roman's single line is 1.15 em: ascent, descent and gap), so 32 fit
    on a page and the 33rd opens the second. A line of text twice the text width wraps to three lines."""
    from indicators.reports.docx_layout import add_para, page_setup

    def pages(paragraphs: list[str]) -> int:
        doc = Document()
        page_setup(doc)
        for text in paragraphs:
            add_para(doc, text)
        out = io.BytesIO()
        doc.save(out)
        return estimated_pages(out.getvalue())

    assert (pages(["Dòng"] * 32), pages(["Dòng"] * 33)) == (1, 2)
    word = "Nhiệm"
    width = Cm(16.5).pt                                   # the text width: 210 − 30 − 15 mm
    line = " ".join([word] * int(2 * width // _width(word + " ", 14, False) + 1))
    assert _lines(line, width, 14, False) == 3
    assert (pages([line] * 13), pages([line] * 14)) == (1, 2)        # 13 × (3 × 16.1 + 6) = 705.9 pt; 14: 760.2


# --- the brief --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, merged", [(NEW_TAY_NINH, True), (OLD_HA_TINH, False)])
def test_the_brief_is_one_page_and_tells_the_merger(ds, tmp_path, key, merged):
    made = make(ds, Ask(key, "2025", "pdf", "vi", TODAY))
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(made.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    told = "Tỉnh Tây Ninh được thành lập từ ngày 01/07/2025 trên cơ sở hợp nhất tỉnh Long An và tỉnh Tây Ninh (cũ)."
    assert (told in text) is merged
    assert "Cao nhất" not in text              # no other province's figure on the page
