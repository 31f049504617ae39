"""The report's charts: the pages' own chart functions (charts.py), drawn to PNG by Kaleido in the server's one
shared headless Chromium (render_pool.py): a report never starts a browser of its own.

Kaleido 1.x drives a browser that is already on the machine: Debian's ``chromium`` (``BROWSER_PATH``, else the
first ``chromium`` on the PATH); it never downloads one. Without a browser the report is still written, with
every table, and says in place of each chart that it could not be drawn.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import plotly.graph_objects as go

from indicators.i18n import label
from indicators.reports.content import ReportContent
from indicators.reports.phrases import w
from indicators.reports.render_pool import ChartBrowser
from indicators.services.charts import indicator_trend, spider_chart, status_bar
from indicators.services.comparisons import (
    indicator_changes,
    indicators_with_data,
    papi_dimensions,
    province_series,
    reference_lines,
    threshold_for,
)
from indicators.services.views import COMPOSITES, STATUS_ORDER, Dataset, scope

MAX_CHARTS = 10
WIDTH, SCALE = 900, 2            # px before scaling: 16 cm of an A4 page's text width at 2× is sharp in print
BROWSER = ChartBrowser()         # the process's one browser, shared by every report


class ChartsUnavailable(RuntimeError):
    """No browser to draw the charts with."""


@dataclass
class Chart:
    title: str
    figure: go.Figure
    png: bytes | None = None


def browser_path() -> str | None:
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def report_charts(ds: Dataset, content: ReportContent, lang: str = "vi", limit: int = MAX_CHARTS) -> list[Chart]:
    """The targets' statuses, each composite index with figures (PAR INDEX, PAPI, SIPAS, PCI) with the plans'
    targets and the national mean and best, PAPI's dimensions, the targeted indicators with figures, then the
    province's other indicators with figures — the Overview's and the Profile page's charts — up to ``limit``."""
    keys = scope(ds, content.province)
    words = {s: label(s, lang) for s in STATUS_ORDER}
    out = [Chart(w("report_chart_status", lang), status_bar(content.status_counts, words, lang))]
    others = [*content.targets.indicator_code, *indicators_with_data(ds, keys)]   # as the profile page lists them
    for code in dict.fromkeys([*COMPOSITES, "papi_dimensions", *others]):
        if len(out) >= limit:
            break
        if code == "papi_dimensions":
            figure = _spider(ds, keys, content.as_of.year, lang)
            if figure is not None:
                out.append(Chart(w("report_chart_papi", lang), figure))
            continue
        series = province_series(ds, keys, code, lang)
        series = series[series.period_end.dt.year <= content.as_of.year] if len(series) else series
        if series.empty:
            continue
        meta = ds.indicator(code)
        references = reference_lines(ds, code)
        if len(references):   # nothing after the period: the national lines stop where the report does
            references = references[references.period.astype(str).str[:4].astype(int) <= content.as_of.year]
        figure = indicator_trend(series, threshold_for(ds, keys, code), references, meta,
                                 indicator_changes(ds, code), lang)
        out.append(Chart(str(figure.layout.title.text or code), figure))
    return out


def _spider(ds: Dataset, keys: list, year: int, lang: str) -> go.Figure | None:
    """PAPI's dimensions in the latest year up to ``year`` with figures for the province (or the provinces it
    absorbed), as on the profile page."""
    years = sorted({int(p) for p in ds.actuals("papi_d1_participation").period if str(p).isdigit()})
    for y in [y for y in years if y <= year][::-1]:
        for key in keys:
            dims = papi_dimensions(ds, key, y)
            if not dims.value.isna().all():
                return spider_chart(dims, ds.registry.name(key), y, lang)
    return None


def render(charts: list[Chart], path: str | None = None) -> list[Chart]:
    """Draw every chart to PNG in the process's shared browser (started on first use, then reused), the Chromium
    at ``path`` (default: :func:`browser_path`)."""
    path = path or browser_path()
    if not path or (shutil.which(path) is None and not os.path.exists(path)):
        raise ChartsUnavailable("no Chromium found (set BROWSER_PATH or install Debian's chromium)")
    figures = [(c.figure, {"format": "png", "width": WIDTH, "height": int(c.figure.layout.height or 380),
                           "scale": SCALE}) for c in charts]
    try:
        drawn = BROWSER.draw(figures, path)
    except Exception as error:  # a browser that would not start or answer: the report goes on without charts
        raise ChartsUnavailable(f"the charts could not be drawn: {type(error).__name__}") from None
    for chart, png in zip(charts, drawn):
        chart.png = png
    return charts
