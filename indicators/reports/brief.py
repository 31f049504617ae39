"""The one-page brief of a province for a leader's meeting (PDF, reportlab): the targets' status counts in their
colours, task progress, the composite indices beside the national mean and best, the most urgent targets and the
overdue tasks. The same content as the report (report_content.py); nothing is computed here.

Text from the database is escaped before reportlab's paragraphs see it (they read a small markup language): a
name like ``<b>x</b>`` prints as written. The font is a TrueType face with the Vietnamese letters, found on the
machine (Liberation Sans 2, Debian's fonts-liberation2, else DejaVu Sans, fonts-dejavu-core).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from indicators.domain.scorecard import deadline_words
from indicators.domain.summaries import attention_sentence, late_tasks_sentence, targets_sentence, tasks_report_sentence
from indicators.domain.tasks import completeness_text
from indicators.reports.content import ReportContent
from indicators.reports.outline import merger_sentence
from indicators.reports.phrases import day, number, status_word, w
from indicators.reports.word import clean, index_rows, no_combined_value_text, provenance_sentence
from indicators.services.charts import STATUS_COLOURS

URGENT, OVERDUE, UNITS = 8, 8, 6      # rows of each list on the page; the rest are counted
# (folder, regular, bold), first found with every Vietnamese letter wins: Liberation 2 (fonts-liberation2) has
# them, Liberation 1.07 (fonts-liberation) lacks ắ, ả, ệ…; DejaVu (fonts-dejavu-core) has them
FACES = (("/usr/share/fonts/truetype/liberation2", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
         ("/usr/share/fonts/truetype/dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
         ("/usr/share/fonts/truetype/liberation", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"))
VIETNAMESE = "ăâđêôơưắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữựảạẻẽẹỉĩịỏõọủũụỳỷỹỵĂÂĐÊÔƠƯẮẶẤẬẾỆỐỘỚỢỨỰ"


class NoFont(RuntimeError):
    """No font with the Vietnamese letters on this machine."""


def _font() -> tuple[str, str]:
    """Register (once) and return the regular and bold font names."""
    if "Brief" in pdfmetrics.getRegisteredFontNames():
        return "Brief", "Brief-Bold"
    for folder, regular, bold in FACES:
        paths = os.path.join(folder, regular), os.path.join(folder, bold)
        if not all(os.path.exists(path) for path in paths):
            continue
        faces = [TTFont(name, path) for name, path in zip(("Brief", "Brief-Bold"), paths)]
        if all(all(ord(ch) in face.face.charToGlyph for ch in VIETNAMESE) for face in faces):
            for face in faces:
                pdfmetrics.registerFont(face)
            return "Brief", "Brief-Bold"
    raise NoFont("no font with Vietnamese letters found: install Debian's fonts-liberation2 or fonts-dejavu-core")


def font_missing() -> str | None:
    """Why the brief cannot be written on this machine, or None."""
    try:
        _font()
    except NoFont as error:
        return str(error)
    return None


def p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup characters in the text print as themselves."""
    return Paragraph(escape(clean(text)), style)


@dataclass(frozen=True)
class _Styles:
    """The brief's paragraph styles, in the font that holds Vietnamese."""

    body: ParagraphStyle
    small: ParagraphStyle
    head: ParagraphStyle
    title: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle

    @classmethod
    def make(cls) -> _Styles:
        regular, bold = _font()
        body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5)
        cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=9.5)
        return cls(body=body,
                   small=ParagraphStyle("small", parent=body, fontSize=7.5, leading=9,
                                        textColor=colors.HexColor("#555555")),
                   head=ParagraphStyle("head", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=6,
                                       spaceAfter=3),
                   title=ParagraphStyle("title", parent=body, fontName=bold, fontSize=15, leading=19),
                   cell=cell, cell_bold=ParagraphStyle("cellb", parent=cell, fontName=bold))

    def grid(self, header: list[str], rows: list[list[str]], widths_mm: list[float]) -> Table:
        return _grid(header, rows, widths_mm, self.cell, self.cell_bold)


def write_brief(content: ReportContent, lang: str = "vi", decimals: dict[str, int] | None = None) -> bytes:
    """The one-page brief as PDF bytes: the statuses, the tasks by lead body, the indices, the targets that need
    attention and the late tasks; ``decimals`` is the number of decimals of each indicator."""
    st = _Styles.make()
    province = content.province_vi if lang == "vi" else content.province_en
    period = content.period.label_vi if lang == "vi" else content.period.label_en
    story: list = [p(w("brief_title", lang, province=province, period=period), st.title),
                   p(provenance_sentence(content, lang), st.small)]
    merger = merger_sentence(content, lang)
    if merger:
        story.append(p(merger, st.body))
    story.append(Spacer(1, 4 * mm))
    story += _statuses(content, lang, st)
    story += _indices(content, lang, st)
    story += _urgent(content, lang, st, decimals or {})
    story += _late(content, lang, st)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                 bottomMargin=14 * mm, title=clean(w("brief_title", lang, province=province,
                                                                     period=period)),
                                 author="CCHC dashboard", creator="CCHC dashboard")
    # one page whatever the text's length: the frame shrinks its content to fit
    frame = KeepInFrame(A4[0] - 30 * mm, A4[1] - 28 * mm, story, mode="shrink")
    document.build([frame])
    return out.getvalue()


def _statuses(content: ReportContent, lang: str, st: _Styles) -> list:
    """The targets' statuses as coloured boxes, the targets' and tasks' sentences, and the lead bodies whose
    reports are most missing."""
    counts = content.status_counts
    boxes = [[p(f"{counts[s]}", ParagraphStyle("n", parent=st.cell_bold, fontSize=14, leading=16,
                                               textColor=_ink(s))) for s in counts],
             [p(status_word(s, lang), ParagraphStyle("l", parent=st.cell, textColor=_ink(s))) for s in counts]]
    table = Table(boxes, colWidths=[(A4[0] - 30 * mm) / len(counts)] * len(counts))
    table.setStyle(TableStyle([("BACKGROUND", (i, 0), (i, 1), colors.HexColor(STATUS_COLOURS[s]))
                               for i, s in enumerate(counts)] + [("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [p(w("brief_status", lang), st.head), table, Spacer(1, 2 * mm),
             p(targets_sentence(content.status_counts, lang), st.body),
             p(tasks_report_sentence(content.tasks, content.done_in_period, lang), st.body)]
    units = content.tasks_by_unit[content.tasks_by_unit.due > 0] if len(content.tasks_by_unit) else None
    if units is None or not len(units):
        return story
    units = units.sort_values(["completeness", "not_reported"], ascending=[True, False])
    header = [w(c, lang) for c in ("col_unit", "col_done", "col_overdue", "col_not_reported", "col_completeness")]
    rows = [[r.unit_name, f"{int(r.done)}/{int(r.total)}", str(int(r.overdue)), str(int(r.not_reported)),
             completeness_text(r.completeness, lang)] for r in units.head(UNITS).itertuples()]
    story.append(st.grid(header, rows, [80, 22, 22, 28, 28]))
    if len(units) > UNITS:
        story.append(p(w("brief_more", lang, n=len(units) - UNITS), st.small))
    return story


def _indices(content: ReportContent, lang: str, st: _Styles) -> list:
    story = [p(w("brief_indices", lang), st.head)]
    if len(content.indices) and not content.indices.own.all():
        story.append(p(no_combined_value_text(content, lang), st.small))
    # no other province's figure: the best province's column of the page is left out
    header = [w(c, lang) for c in ("col_index", "col_year", "col_value", "col_rank", "col_change", "col_mean")]
    story.append(st.grid(header, [row[:6] for row in index_rows(content, lang)], [58, 16, 22, 18, 22, 44]))
    return story


def _urgent(content: ReportContent, lang: str, st: _Styles, decimals: dict[str, int]) -> list:
    """The targets missed, off track or at risk (the first :data:`URGENT`), or the sentence saying there are none."""
    story = [p(w("brief_urgent", lang), st.head)]
    urgent = content.targets[content.targets.status.isin(["missed", "off_track", "at_risk"])]
    if not len(urgent):
        return story + [p(attention_sentence(content.status_counts, lang), st.body)]
    header = [w(c, lang) for c in ("col_id", "col_target", "col_requirement", "col_deadline", "col_latest",
                                    "col_status")]
    rows = []
    for r in urgent.head(URGENT).itertuples():
        places = decimals.get(r.indicator_code, 2)
        latest = number(r.actual, places, lang) + (f" ({clean(r.period)})" if r.actual == r.actual
                                                   and r.actual is not None else "")
        rows.append([r.target_id, r.indicator_name_vi if lang == "vi" else r.indicator_name_en,
                     r.requirement_vi if lang == "vi" else r.requirement_en,
                     deadline_words(r._asdict(), lang), latest, status_word(r.status, lang)])
    story.append(st.grid(header, rows, [21, 63, 22, 16, 36, 22]))
    if len(urgent) > URGENT:
        story.append(p(w("brief_more", lang, n=len(urgent) - URGENT), st.small))
    return story


def _late(content: ReportContent, lang: str, st: _Styles) -> list:
    """The late tasks, earliest due first (the first :data:`OVERDUE`), or the sentence saying there are none."""
    late = content.overdue.sort_values("due") if len(content.overdue) else content.overdue
    story = [p(w("brief_overdue", lang, n=len(late)), st.head)]
    if not len(late):
        return story + [p(late_tasks_sentence(content.tasks, lang), st.body)]
    header = [w(c, lang) for c in ("col_unit", "col_ref", "col_task", "col_due")]
    rows = [[r.lead_names, f"{r.plan_number} {r.ref}", r.task, day(r.due, lang)]
            for r in late.head(OVERDUE).itertuples()]
    story.append(st.grid(header, rows, [40, 26, 92, 22]))
    if len(late) > OVERDUE:
        story.append(p(w("brief_more", lang, n=len(late) - OVERDUE), st.small))
    return story


def _grid(header: list[str], rows: list[list[str]], widths_mm: list[float], cell: ParagraphStyle,
          bold: ParagraphStyle) -> Table:
    data = [[p(h, bold) for h in header]] + [[p(str(v), cell) for v in row] for row in rows]
    table = Table(data, colWidths=[x * mm for x in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _ink(status: str) -> colors.Color:
    return colors.white if status in ("achieved", "on_track", "off_track", "missed") else colors.black
