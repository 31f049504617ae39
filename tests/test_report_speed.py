"""Issue 28.6, the report is fast: the charts kept per data version (reports/chart_cache.py) and drawn by one
browser whose tab is reused (render_pool.py). The cache's hits need no browser, a new data version misses, the
folder stays within its bound, concurrent writers leave no partial entry, and a damaged entry is never used."""

import multiprocessing
import os
import time
from concurrent.futures import Future
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest

from indicators.reports import chart_cache, charts
from indicators.reports.chart_cache import ChartCache
from indicators.reports.charts import Chart, ChartsUnavailable, render, report_charts
from indicators.reports.content import report_content, report_period
from indicators.reports.render_pool import ChartBrowser
from indicators.services.views import Dataset
from tests.conftest import import_rows

OLD_HA_TINH = ("42", date(2004, 1, 1))
TODAY = date(2026, 12, 1)
PNG = b"\x89PNG\r\n\x1a\n"


def _chromium() -> str:
    path = charts.browser_path()
    if path is None:
        pytest.skip("Debian's chromium: the README test command installs it")
    return path


class CountingBrowser:
    """Stands in for the shared browser: each figure 'drawn' as bytes of its own, every call counted."""

    def __init__(self):
        self.drawn: list[str] = []
        self.prepared: list[str] = []
        self.alive = False

    def draw(self, figures, path):
        self.drawn += [f.layout.title.text for f, _ in figures]
        return [PNG + f.to_json().encode() for f, _ in figures]

    def submit(self, figures, path):
        """Drawn at once, its images given as a finished drawing."""
        self.prepared.append(path)
        drawing = Future()
        drawing.set_result(self.draw(figures, path))
        return drawing

    @staticmethod
    def wait(drawing, timeout=None):
        return drawing.result(timeout)


def _figure(i: int) -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b", "c"], y=[i, i + 1, i + 2]), layout={"title": f"chart {i}", "height": 200})


def _charts(cache: ChartCache, version, n: int = 3) -> list[Chart]:
    return [Chart(f"chart {i}", _figure(i), None, version, cache) for i in range(n)]


@pytest.fixture
def counting(monkeypatch):
    browser = CountingBrowser()
    monkeypatch.setattr(charts, "BROWSER", browser)
    monkeypatch.setenv("BROWSER_PATH", "/bin/true")       # a browser "there": the counting one draws
    return browser


def test_a_report_drawn_again_takes_every_chart_from_the_cache_without_a_browser(ds, tmp_path, monkeypatch):
    path = _chromium()
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    browser = ChartBrowser(idle=60)
    monkeypatch.setattr(charts, "BROWSER", browser)
    content = report_content(ds, OLD_HA_TINH, report_period("2024"), today=TODAY)
    try:
        first = render(report_charts(ds, content, "vi", start=path))
        assert browser.starts == 1 and len(first) >= 3
        assert [c.title for c in first if not (c.png.startswith(PNG) and len(c.png) > 5000)] == []
        browser.close()
        again = report_charts(ds, content, "vi", start=path)      # the first chart is kept: no early start
        assert not browser.alive
        render(again)
        assert [c.png for c in again] == [c.png for c in first]    # the same bytes
        assert browser.starts == 1 and not browser.alive           # and no browser started for them
    finally:
        browser.close()
    assert len(list((tmp_path / "charts").glob("*.png"))) == len(first)


def test_a_reused_tab_draws_a_figure_as_a_fresh_one_does():
    """Kaleido's tab is no longer reloaded after each figure: a figure drawn after others is drawn the same."""
    path = _chromium()
    browser = ChartBrowser(tabs=1, idle=60)
    opts = {"format": "png", "width": 300, "height": 200, "scale": 1}
    try:
        first, other, again = browser.draw([(_figure(1), opts), (_figure(2), opts), (_figure(1), opts)], path)
    finally:
        browser.close()
    assert first.startswith(PNG) and first == again and other != first and browser.starts == 1


def test_an_import_makes_new_keys_and_the_old_charts_are_not_used(store, tmp_path, monkeypatch, counting):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    ds = Dataset.load(store)
    content = report_content(ds, OLD_HA_TINH, report_period("2020"), today=TODAY)
    before = render(report_charts(ds, content, "vi"))
    drawn = len(counting.drawn)
    assert drawn == len(before) >= 3
    render(report_charts(ds, content, "vi"))
    assert len(counting.drawn) == drawn                          # the same data version: every chart kept
    import_rows(store, [("42", date(2004, 1, 1), "sipas", "2019", 80.0)], source="test 28.6")
    ds = Dataset.load(store)
    after = report_charts(ds, content, "vi")
    assert {c.key() for c in after}.isdisjoint({c.key() for c in before})
    render(after)
    assert len(counting.drawn) == drawn + len(after)             # a new data version: every chart drawn again


def test_a_different_data_version_misses(tmp_path, counting):
    cache = ChartCache(tmp_path / "charts")
    render(_charts(cache, ("db", 1)))
    render(_charts(cache, ("db", 1)))
    assert counting.drawn == ["chart 0", "chart 1", "chart 2"] and cache.hits == 3
    render(_charts(cache, ("db", 2)))
    assert counting.drawn == ["chart 0", "chart 1", "chart 2"] * 2
    assert ChartCache.key(("db", 1), "{}", 900, 380, 2) != ChartCache.key(("db", 2), "{}", 900, 380, 2)
    assert ChartCache.key(("db", 1), "{}", 900, 380, 2) != ChartCache.key(("db", 1), "{}", 900, 381, 2)


def test_each_chart_is_sent_to_the_browser_as_it_is_built_unless_it_is_kept(ds, tmp_path, monkeypatch, counting):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    content = report_content(ds, OLD_HA_TINH, report_period("2022"), today=TODAY)
    built = report_charts(ds, content, "vi", start="/bin/true")
    assert len(built) >= 3 and counting.prepared == ["/bin/true"] * len(built)   # each sent while the next is built
    assert [c.drawing is not None for c in built] == [True] * len(built)
    render(built)
    assert counting.drawn == [c.figure.layout.title.text for c in built]         # each drawn once, none again
    assert [c.drawing for c in built] == [None] * len(built)
    report_charts(ds, content, "vi", start="/bin/true")          # every chart kept: none sent
    report_charts(ds, content, "vi", start=None)                 # no charts asked for: never started
    assert counting.prepared == ["/bin/true"] * len(built)


def test_without_a_browser_no_chart_is_drawn_even_from_the_cache(tmp_path, counting, monkeypatch):
    """The report does not depend on what the cache happens to hold."""
    cache = ChartCache(tmp_path / "charts")
    render(_charts(cache, "v"))
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    kept = _charts(cache, "v")
    with pytest.raises(ChartsUnavailable):
        render(kept)
    assert [c.png for c in kept] == [None] * 3


def test_the_folder_keeps_within_its_bound_dropping_the_least_recently_used(tmp_path):
    cache = ChartCache(tmp_path / "charts", budget=10_000)
    entry = 1_000 - chart_cache.DIGEST
    for i in range(30):
        assert cache.put(f"k{i:02d}", PNG + bytes([i]) * (entry - len(PNG)))
        os.utime(cache.folder / f"k{i:02d}.png", (1_000_000 + i, 1_000_000 + i))
    assert cache.get("k03") is not None                          # used now: the most recent of all
    kept = cache.trim()
    names = sorted(p.stem for p in cache.folder.glob("*.png"))
    assert kept <= 10_000 and len(names) == 10
    assert names == ["k03", *(f"k{i:02d}" for i in range(21, 30))]
    partial = cache.folder / ".partial-killed.png"                # a writer killed midway, long ago
    partial.write_bytes(b"half")
    os.utime(partial, (1_000_000, 1_000_000))
    cache.trim()
    assert not partial.exists()


def _writer(folder: str, worker: int, rounds: int) -> None:
    cache = ChartCache(Path(folder), budget=60_000)
    for i in range(rounds):
        key = f"shared{i % 4}" if i % 2 else f"own{worker}-{i}"
        cache.put(key, PNG + bytes([worker]) * 20_000)
        if i % 5 == 0:
            cache.trim()


def test_concurrent_writers_leave_whole_entries_and_no_partial_file(tmp_path):
    folder = tmp_path / "charts"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(folder), w, 40)) for w in range(4)]
    for w in writers:
        w.start()
    reader, seen, deadline = ChartCache(folder), 0, time.monotonic() + 120
    while any(w.is_alive() for w in writers) and time.monotonic() < deadline:
        for key in ("shared0", "shared1", "shared2", "shared3"):
            png = reader.get(key)
            if png is not None:                                   # a reader sees a whole entry, of one writer
                assert png[:8] == PNG and len(png) == 20_008 and len(set(png[8:])) == 1
                seen += 1
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    assert list(folder.glob(".partial-*")) == []
    entries = list(folder.glob("*.png"))
    assert entries and all(ChartCache(folder).get(p.stem) is not None for p in entries)
    assert ChartCache(folder, budget=60_000).trim() <= 60_000


def test_a_damaged_entry_is_ignored_removed_and_drawn_again(tmp_path, counting):
    cache = ChartCache(tmp_path / "charts")
    good = render(_charts(cache, "v", 1))[0].png
    entry = next(cache.folder.glob("*.png"))
    raw = entry.read_bytes()
    entry.write_bytes(raw[:-10] + bytes(10))                   # the end of the image overwritten
    kept = _charts(cache, "v", 1)
    assert cache.get(kept[0].key()) is None and not entry.exists()
    render(kept)
    assert kept[0].png == good and counting.drawn == ["chart 0", "chart 0"]
    entry.write_bytes(raw[: chart_cache.DIGEST // 2])          # cut short inside the digest
    assert cache.get(kept[0].key()) is None
    assert render(_charts(cache, "v", 1))[0].png == good and entry.read_bytes() == raw


def test_the_cache_folder_is_named_beside_the_database_unless_set(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "chosen"))
    assert chart_cache.folder_for(None) == tmp_path / "chosen"
    monkeypatch.delenv("KPI_CHART_CACHE")
    db = tmp_path / "kpi.duckdb"
    db.write_bytes(b"")

    class FileStore:
        path = db

    assert chart_cache.folder_for(FileStore()) == tmp_path / ".chart-cache"
    monkeypatch.setenv("KPI_DB", str(db))                       # a store without a file: beside KPI_DB's
    assert chart_cache.folder_for(object()) == tmp_path / ".chart-cache"
