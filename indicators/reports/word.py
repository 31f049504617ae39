"""The periodic CCHC report as a Word file the analyst edits further, in the administrative layout of Decree
30/2020/NĐ-CP (Phụ lục I): A4 portrait, margins top and bottom 20 mm, left 30 mm, right 15 mm (the decree allows
20–25, 20–25, 30–35 and 15–20 mm), Times New Roman, body 14 pt justified; the issuing body and the national motto
side by side at the top, the number and the date left blank for the office to fill, the kind of document and its
summary line, the page number at the top from page 2, the recipients and the signature block at the end.

Under the title a highlighted box lists what the drafter still has to write; the body (outline.py) is sentences in
the order reform reports follow, its placeholders highlighted; the tables and charts are the appendices'
(appendices.py); a short colophon at the very end says from which database state the draft was made.

Every figure comes from the report's content (content.py): nothing here computes or invents one. Text from the
database (plan sentences, names, sources, notes) goes in as plain text runs; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt

from indicators.reports.appendices import index_rows, league_rows, target_rows, write_appendices
from indicators.reports.charts import Chart
from indicators.reports.content import WINDOW_SOURCE, ReportContent
from indicators.reports.docx_layout import add_para, cell_lines, clean, page_setup, set_widths
from indicators.reports.merger import plan_title
from indicators.reports.outline import body, todo_list
from indicators.reports.phrases import stamp, w

# the Reports page and the brief read these from here
__all__ = ["clean", "index_rows", "league_rows", "no_combined_value_text", "provenance_sentence", "target_rows",
           "write_docx"]


def write_docx(content: ReportContent, charts: list[Chart], lang: str = "vi", chart_note: str | None = None,
               decimals: dict[str, int] | None = None) -> bytes:
    """The report as .docx bytes. ``chart_note`` says why charts are missing when they could not be drawn;
    ``decimals`` is the number of decimals of each indicator (its catalogue entry)."""
    doc = Document()
    page_setup(doc)
    _header(doc, content, lang)
    blocks = body(content, lang)
    _todo_box(doc, todo_list(blocks), lang)
    for block in blocks:
        if block.kind in ("h1", "h2"):
            doc.add_heading(clean(block.text), level=int(block.kind[1]))
        else:
            add_para(doc, block.text, indent=True, italic=block.kind == "todo", highlight=block.kind == "todo")
    _signature(doc, lang)
    write_appendices(doc, content, charts, chart_note, lang, decimals or {})
    _colophon(doc, content, lang)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _todo_box(doc: Any, todos: list[str], lang: str) -> None:
    """The drafter's list: what the system could not write, highlighted, to be deleted before signing."""
    add_para(doc, w("todo_title", lang), bold=True, size=12, highlight=True)
    for line in [w("todo_number", lang), *todos]:        # a list, its lines close together
        add_para(doc, "– " + line, size=12, highlight=True).paragraph_format.space_after = Pt(0)


def _colophon(doc: Any, content: ReportContent, lang: str) -> None:
    """Provenance, at the very end: when and from which database state, and the source of the data window."""
    add_para(doc, "")
    add_para(doc, w("colophon", lang), bold=True, size=11)
    add_para(doc, provenance_sentence(content, lang), italic=True, size=11)
    if content.period.window:
        add_para(doc, w("colophon_window", lang, source=WINDOW_SOURCE), italic=True, size=11)


# --- the decree's layout ------------------------------------------------------------------------------------

def _header(doc: Any, content: ReportContent, lang: str) -> None:
    """Issuing body (left) and national motto (right); the number and the place and date below each."""
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    kind, name = _province_words(content, lang)
    left, right = table.cell(0, 0), table.cell(0, 1)
    cell_lines(left, [(w("committee", lang), False, 12), (w("province_line", lang, kind=kind, name=name), True, 12),
                       ("———", False, 11)])
    cell_lines(right, [(w("nation", lang), True, 12), (w("motto", lang), True, 13), ("———————", False, 11)])
    cell_lines(table.cell(1, 0), [(w("number", lang), False, 13)])
    place = content.province_vi if lang == "vi" else content.province_en
    place = content.full_name.split(" ", 1)[-1] if content.full_name else place
    cell_lines(table.cell(1, 1), [(w("place_date", lang, place=clean(place), year=content.as_of.year), False, 14)],
                italic=True)
    set_widths(table, [6, 10])
    add_para(doc, "")
    add_para(doc, w("kind", lang), bold=True, centre=True)
    add_para(doc, summary_line(content, lang), bold=True, centre=True)
    add_para(doc, "———", centre=True, size=11)


def summary_line(content: ReportContent, lang: str) -> str:
    """The line under "BÁO CÁO": the period's results, or the closing review of the plan (its owner named when the
    plan was a predecessor's)."""
    if content.period.kind == "plan" and content.plans:
        return plan_title(content.plans[0], lang)
    return w("summary", lang, period=content.period.label_vi if lang == "vi" else content.period.label_en)


def _province_words(content: ReportContent, lang: str) -> tuple[str, str]:
    full = content.full_name or content.province_vi
    kind, _, name = full.partition(" ")
    if kind.lower() == "thành":          # "Thành phố Hà Nội"
        kind, name = "Thành phố", full.split(" ", 2)[2]
    if lang == "vi":
        return kind.upper(), name.upper()
    return ("CITY" if kind == "Thành phố" else "PROVINCE"), content.name_ascii.upper()


def provenance_sentence(content: ReportContent, lang: str) -> str:
    p = content.provenance
    batch = (w("batch", lang, id=p["latest_batch"], at=stamp(p["latest_batch_at"]))
             if p.get("latest_batch") is not None else w("no_batch", lang))
    version = ".".join(str(v) for v in p.get("data_version", ()))
    return w("provenance", lang, at=stamp(p["generated_at"]), db=clean(p.get("database_id")), version=version,
             batch=batch)


def no_combined_value_text(content: ReportContent, lang: str) -> str:
    """The sentence that stands before the predecessors' figures of a province formed in 2025."""
    name = content.province_vi if lang == "vi" else content.province_en
    return (f"Chưa có giá trị công bố cho {name}: các chỉ số dưới đây là của từng tỉnh cũ, ghi tên từng tỉnh, "
            f"không cộng gộp." if lang == "vi" else
            f"No value has been published for {name}: the indices below are each old province's, each named, "
            f"never combined.")


def _signature(doc: Any, lang: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.paragraphs[0].text = ""
    run = left.paragraphs[0].add_run(w("recipients", lang))
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for key in ("recipient_moha", "recipient_more", "recipient_file"):
        run = left.add_paragraph().add_run(w(key, lang))
        run.font.size = Pt(11)
    cell_lines(right, [(w("signer", lang), True, 14), (w("signer_title", lang), True, 14),
                        (w("signature", lang), False, 12)])
    set_widths(table, [8, 8])
