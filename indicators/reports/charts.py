"""The report's charts: the pages' own chart functions (charts.py), drawn to PNG by Kaleido in the server's one
shared headless Chromium (render_pool.py): a report never starts a browser of its own.

Kaleido 1.x drives a browser that is already on the machine: Debian's ``chromium`` (``BROWSER_PATH``, else the
first ``chromium`` on the PATH); it never downloads one. Without a browser the report is still written, with
every table, and says in place of each chart that it could not be drawn.

The charts already drawn for the same data version are taken from the chart cache (chart_cache.py): a report asked
for again draws nothing. Each chart not in the cache is sent to the browser as soon as it is built: the first starts
the browser, and the browser draws (in processes of its own) while the next figures are built.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass

import plotly.graph_objects as go

from indicators.i18n import label
from indicators.reports.chart_cache import ChartCache
from indicators.reports.content import ReportContent
from indicators.reports.phrases import w
from indicators.reports.render_pool import DRAW_TIMEOUT, SHARED, browser_path
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
BROWSER = SHARED                 # the process's one browser, shared by every report
__all__ = ["BROWSER", "Chart", "ChartsUnavailable", "browser_path", "render", "report_charts"]


class ChartsUnavailable(RuntimeError):
    """No browser to draw the charts with."""


@dataclass
class Chart:
    title: str
    figure: go.Figure
    png: bytes | None = None
    version: Hashable | None = None       # the data version drawn from, and the cache its image is kept in
    cache: ChartCache | None = None
    drawing: Future | None = None         # its drawing, started as soon as it was built (:func:`_draw_soon`)

    def key(self) -> str:
        """The chart's name in the cache (worked out once: it writes the whole figure as JSON)."""
        if "_key" not in self.__dict__:
            self.__dict__["_key"] = ChartCache.key(self.version, self.figure.to_json(), WIDTH, self.height, SCALE)
        return self.__dict__["_key"]

    def options(self) -> dict:
        return {"format": "png", "width": WIDTH, "height": self.height, "scale": SCALE}

    @property
    def height(self) -> int:
        return int(self.figure.layout.height or 380)


def report_charts(ds: Dataset, content: ReportContent, lang: str = "vi", limit: int = MAX_CHARTS,
                  start: str | None = None) -> list[Chart]:
    """The targets' statuses, each composite index with figures (PAR INDEX, PAPI, SIPAS, PCI) with the plans'
    targets and the national mean and best, PAPI's dimensions, the targeted indicators with figures, then the
    province's other indicators with figures — the Overview's and the Profile page's charts — up to ``limit``.
    ``start``: the Chromium that will draw them, each chart sent to it as soon as it is built (:func:`_draw_soon`)."""
    keys = scope(ds, content.province)
    words = {s: label(s, lang) for s in STATUS_ORDER}
    cache, version = ChartCache.for_store(ds.store), ds.store.data_version()
    out: list[Chart] = []
    _draw_soon(out, Chart(w("report_chart_status", lang), status_bar(content.status_counts, words, lang), None, version,
                          cache), start)
    others = [*content.targets.indicator_code, *indicators_with_data(ds, keys)]   # as the profile page lists them
    # an indicator without an actual of the province would give no chart: not read (one read of each costs ~30 ms)
    measured = {*ds.coverage.indicator_code[ds.coverage.province_key.isin({f"{c}|{d}" for c, d in keys})]}
    for code in dict.fromkeys([*COMPOSITES, "papi_dimensions", *others]):
        if len(out) >= limit:
            break
        if code != "papi_dimensions" and code not in measured:
            continue
        if code == "papi_dimensions":
            figure = _spider(ds, keys, content.as_of.year, lang)
            if figure is not None:
                _draw_soon(out, Chart(w("report_chart_papi", lang), figure, None, version, cache), start)
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
        _draw_soon(out, Chart(str(figure.layout.title.text or code), figure, None, version, cache), start)
    return out


def _draw_soon(out: list[Chart], chart: Chart, path: str | None) -> None:
    """Add ``chart`` to ``out`` and, with a browser at ``path``, start drawing it now unless the cache holds it: the
    browser (processes of its own, on the other core) draws while the next figures are built, and the first
    chart's drawing starts the browser. :func:`render` waits for what was started and draws the rest."""
    out.append(chart)
    if _usable(path) and (chart.cache is None or not chart.cache.holds(chart.key())):
        chart.drawing = BROWSER.submit([(chart.figure, chart.options())], path)


def _usable(path: str | None) -> bool:
    return bool(path) and (shutil.which(path) is not None or os.path.exists(path))


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
    """Draw every chart to PNG: those of the same data version drawn before from the chart cache, the others in
    the process's shared browser (started on first use, then reused), the Chromium at ``path`` (default:
    :func:`browser_path`), and kept in the cache. Without a browser no chart is drawn, cached or not, so that a
    report is the same whatever the cache holds."""
    path = path or browser_path()
    if not _usable(path):
        raise ChartsUnavailable("no Chromium found (set BROWSER_PATH or install Debian's chromium)")
    keys = [c.key() if c.cache is not None else None for c in charts]
    for chart, key in zip(charts, keys):
        chart.png = chart.cache.get(key) if chart.cache is not None and key else None
    missing = [(chart, key) for chart, key in zip(charts, keys) if chart.png is None]
    if not missing:
        return charts
    try:
        drawn = _drawn([chart for chart, _ in missing], path)
    except Exception as error:  # a browser that would not start or answer: the report goes on without charts
        for chart in charts:
            chart.png = None
        raise ChartsUnavailable(f"the charts could not be drawn: {type(error).__name__}") from None
    caches = {}
    for (chart, key), png in zip(missing, drawn):
        chart.png = png
        if chart.cache is not None and key:
            chart.cache.put(key, png)
            caches[chart.cache.folder] = chart.cache
    for cache in caches.values():
        cache.trim()
    return charts


def _drawn(charts: list[Chart], path: str) -> list[bytes]:
    """The images of ``charts``: those whose drawing started as they were built (in the browser at ``path``), the
    others drawn now, all within one report's time (DRAW_TIMEOUT)."""
    deadline = time.monotonic() + DRAW_TIMEOUT
    rest = [c for c in charts if c.drawing is None]
    later = BROWSER.submit([(c.figure, c.options()) for c in rest], path) if rest else None
    images = {id(c): BROWSER.wait(c.drawing, max(1.0, deadline - time.monotonic()))[0]
              for c in charts if c.drawing is not None}
    if later is not None:
        images.update(zip(map(id, rest), BROWSER.wait(later, max(1.0, deadline - time.monotonic()))))
    for chart in charts:
        chart.drawing = None
    return [images[id(c)] for c in charts]
