"""A province's periodic report (.docx) or one-page brief (.pdf), made from the database: what the Reports page
and ``python -m indicators report`` both call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .registry import ProvinceKey
from .report_charts import ChartsUnavailable, render, report_charts
from .report_content import ReportContent, report_content, report_period
from .report_docx import write_docx
from .report_pdf import write_brief
from .views import Dataset

FORMATS = ("docx", "pdf")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


@dataclass
class Made:
    data: bytes
    filename: str
    content: ReportContent
    charts: int = 0               # charts drawn
    chart_note: str | None = None  # why charts are missing, when they are


def decimals(ds: Dataset) -> dict[str, int]:
    return dict(zip(ds.indicators.code, ds.indicators.decimals.astype(int)))


def filename(content: ReportContent, fmt: str, lang: str) -> str:
    kind = "bao-cao-cchc" if fmt == "docx" else "tom-tat-cchc"
    period = content.period.text.replace(":", "-")
    return f"{kind}-{content.province[0]}-{content.province[1].year}-{period}-{lang}.{fmt}"


def make(ds: Dataset, key: ProvinceKey, period_text: str, fmt: str = "docx", lang: str = "vi",
         today: date | None = None, now: datetime | None = None, charts: bool = True,
         content: ReportContent | None = None) -> Made:
    """The file's bytes. Charts are drawn in one browser; without one the Word file says so in their place."""
    if fmt not in FORMATS:
        raise ValueError(f"a report is .docx or .pdf, not {fmt}")
    content = content or report_content(ds, key, report_period(period_text, ds), today=today, now=now)
    if fmt == "pdf":
        return Made(write_brief(content, lang, decimals(ds)), filename(content, fmt, lang), content)
    drawn, note = report_charts(ds, content, lang), None
    if charts:
        try:
            render(drawn)
        except ChartsUnavailable as error:
            note = str(error)
    else:
        note = "charts not asked for"
    data = write_docx(content, drawn, lang, chart_note=note, decimals=decimals(ds))
    return Made(data, filename(content, fmt, lang), content, sum(c.png is not None for c in drawn), note)
