"""A province's periodic report (.docx) or one-page brief (.pdf), made from the database: :func:`make` (what
``python -m indicators report`` calls) and :func:`request`, what the Reports page calls: a file already made for
the same data version, province, period, format, language and day is handed back as it is; any other is made
within the server's bounds (render_pool.py) by the server's renderer process (apart.py), or refused with a message in
both languages when they are full or the renderer failed."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime

from indicators.domain.registry import ProvinceKey
from indicators.reports import charts as chart_module
from indicators.reports.apart import Renderer
from indicators.reports.charts import ChartsUnavailable, browser_path, render, report_charts
from indicators.reports.content import ReportContent, report_content, report_period
from indicators.reports.render_pool import FileCache, Gate
from indicators.reports.word import write_docx
from indicators.services.views import Dataset

FORMATS = ("docx", "pdf")
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


@dataclass
class Made:
    data: bytes
    filename: str
    content: ReportContent
    charts: int = 0               # charts drawn
    chart_note: str | None = None  # why charts are missing, when they are
    chart_keys: tuple[str, ...] = ()  # the charts' names in the chart cache (a Word file whose charts were all drawn)


@dataclass(frozen=True)
class Ask:
    """What a report request names: the province, the period (``2024``, ``2024-H1``, ``plan:<id>``…), the format,
    the language and the day it is made on (None: today)."""

    key: ProvinceKey
    period_text: str
    fmt: str = "docx"
    lang: str = "vi"
    today: date | None = None

    def dated(self) -> Ask:
        return self if self.today is not None else replace(self, today=date.today())


def decimals(ds: Dataset) -> dict[str, int]:
    return dict(zip(ds.indicators.code, ds.indicators.decimals.astype(int)))


def filename(content: ReportContent, fmt: str, lang: str) -> str:
    kind = "bao-cao-cchc" if fmt == "docx" else "tom-tat-cchc"
    period = content.period.text.replace(":", "-")
    return f"{kind}-{content.province[0]}-{content.province[1].year}-{period}-{lang}.{fmt}"


def make(ds: Dataset, ask: Ask, *, now: datetime | None = None, charts: bool = True,
         content: ReportContent | None = None, browser: str | None = None, last: bool = False) -> Made:
    """The file's bytes. Charts are drawn in the process's shared browser (the Chromium at ``browser``, default
    charts.browser_path()); without one the Word file says so in their place. ``last``: the process makes no other
    file (the ``report`` command): the browser is closed while the file is written."""
    fmt, lang = ask.fmt, ask.lang
    if fmt not in FORMATS:
        raise ValueError(f"a report is .docx or .pdf, not {fmt}")
    content = content or report_content(ds, ask.key, report_period(ask.period_text, ds), today=ask.today, now=now)
    if fmt == "pdf":
        from indicators.reports.brief import write_brief  # noqa: PLC0415 - reportlab, only for the brief

        return Made(write_brief(content, lang, decimals(ds)), filename(content, fmt, lang), content)
    drawn, note = report_charts(ds, content, lang, start=(browser or browser_path()) if charts else None), None
    if charts:
        try:
            render(drawn, browser)
        except ChartsUnavailable as error:
            note = str(error)
        if last:
            chart_module.BROWSER.close_soon()
    else:
        note = "charts not asked for"
    data = write_docx(content, drawn, lang, chart_note=note, decimals=decimals(ds))
    keys = tuple(c.key() for c in drawn if c.cache is not None) if note is None else ()
    return Made(data, filename(content, fmt, lang), content, sum(c.png is not None for c in drawn), note, keys)


GATE = Gate()          # the server's report requests: few at work, a few more waiting, one per session
FILES = FileCache()    # the files made, keyed on the data version among the rest
RENDERER = Renderer(make)  # the process that makes them, at a lower CPU priority than the visitors' reruns


def made_before(version: Hashable, ask: Ask) -> Made | None:
    """The file already made for these, if it is still kept (nothing is made)."""
    return FILES.get((version, ask.dated()))


def request(ds: Dataset, ask: Ask, *, session: Hashable | None, version: Hashable | None = None,
            content: ReportContent | None = None) -> Made:
    """The file for a visitor's ``session``: the one already made for the same data version (``version``, default
    the store's now), province, period, format, language and day, else a new one made once :data:`GATE` admits
    the request (ReportsBusy when it refuses), by :data:`RENDERER` in a process of its own (ReportNotMade when it
    fails). A Word file whose charts could not be drawn is not kept: the next request tries the browser again."""
    ask = ask.dated()
    version = ds.store.data_version() if version is None else version
    file_key = (version, ask)
    made = FILES.get(file_key)
    if made is not None:
        return made
    with GATE.admit(session):
        made = FILES.get(file_key)      # made meanwhile by a request this one waited behind
        if made is None:
            if content is None:
                content = report_content(ds, ask.key, report_period(ask.period_text, ds), today=ask.today)
            made = Made(content=content, **RENDERER.make(ds, ask, content, version, browser_path()))
            if made.chart_note is None:
                FILES.put(file_key, made, len(made.data))
    return made
