"""Issue 25, F8: visitors who keep asking for reports no longer start a Chromium per click. Thirty requests at once
are drawn by one shared browser (two at most); report requests pass a bounded gate (refused beyond it, and a
session's second one while its first runs, with a message in both languages); a file made once is handed back
without being made again until the data change."""

import threading
import time
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest

from indicators.reports import charts as report_charts
from indicators.reports import files as reports
from indicators.reports import render_pool
from indicators.reports.render_pool import ChartBrowser, FileCache, Gate, ReportsBusy, chromium_browsers
from indicators.services.views import Dataset
from tests.conftest import import_rows
from tests.test_app import app, open_page  # noqa: F401 - the app fixture

OLD_HA_TINH = ("42", date(2004, 1, 1))
TODAY = date(2026, 12, 1)


def _need_chromium():
    if report_charts.browser_path() is None:
        pytest.skip("Debian's chromium: the README test command installs it")


class Peak:
    """The most Chromium browsers alive below this process at once, sampled every 20 ms while in the block."""

    def __init__(self):
        self.peak, self.samples, self._stop = 0, 0, threading.Event()

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, len(chromium_browsers()))
            self.samples += 1
            time.sleep(0.02)

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _gone(timeout: float = 10) -> list[int]:
    """The browsers still alive below this process once they had ``timeout`` seconds to exit."""
    deadline = time.monotonic() + timeout
    while chromium_browsers() and time.monotonic() < deadline:
        time.sleep(0.1)
    return chromium_browsers()


@pytest.fixture
def fresh(monkeypatch):
    """A browser, a gate and a file cache of this test's own (the module's ones serve the other tests); the
    module's browser, which an earlier test may have left open, closed so that every browser counted is this one."""
    report_charts.BROWSER.close()
    browser = ChartBrowser(tabs=2, idle=60)
    monkeypatch.setattr(report_charts, "BROWSER", browser)
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate(running=2, waiting=2, wait=300))
    yield browser
    browser.close()


def _figure(i: int) -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b", "c"], y=[i, i + 1, i + 2]), layout={"title": f"chart {i}"})


def _at_once(n: int, work) -> list:
    """``work(i)`` in ``n`` threads released together; each one's result or exception."""
    start, out = threading.Barrier(n), [None] * n

    def run(i):
        start.wait()
        try:
            out[i] = work(i)
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            out[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return out


def test_thirty_charts_asked_at_once_are_drawn_by_one_browser(fresh):
    _need_chromium()
    path = report_charts.browser_path()
    assert _gone() == []
    opts = {"format": "png", "width": 300, "height": 200}
    with Peak() as peak:
        out = _at_once(30, lambda i: fresh.draw([(_figure(i), opts)], path)[0])
    assert [type(png) for png in out] == [bytes] * 30 and all(png.startswith(b"\x89PNG") for png in out)
    assert len(set(out)) == 30                      # each thread got its own figure, not a neighbour's
    assert fresh.starts == 1 and 1 <= peak.peak <= 2 and peak.samples > 5
    fresh.close()
    assert _gone() == [] and not fresh.alive


def test_thirty_report_requests_at_once_pass_the_gate_and_share_the_browser(fresh, ds):
    _need_chromium()
    lang_periods = [(lang, str(year)) for year in range(2016, 2031) for lang in ("vi", "en")]

    def ask(i):
        lang, period = lang_periods[i]
        return reports.request(ds, reports.Ask(OLD_HA_TINH, period, "docx", lang, TODAY), session=f"visitor-{i}",
                               version="v1")

    with Peak() as peak:
        out = _at_once(30, ask)
    made = [m for m in out if isinstance(m, reports.Made)]
    refused = [e for e in out if isinstance(e, ReportsBusy)]
    assert len(made) + len(refused) == 30, [e for e in out if not isinstance(e, (reports.Made, ReportsBusy))]
    assert len(made) == 4 and reports.GATE.refused == 26      # two at work and two waiting; the rest refused at once
    assert made and all(m.charts >= 3 and m.chart_note is None for m in made)
    assert {e.en for e in refused} == {"Too many report requests at the moment: try again shortly."}
    assert {e.vi for e in refused} == {"Đang có nhiều yêu cầu tạo báo cáo, xin thử lại sau ít phút."}
    assert fresh.starts == 1 and 1 <= peak.peak <= 2


def test_a_session_s_second_request_is_refused_while_its_first_runs():
    gate = Gate(running=1, waiting=1, wait=0.2)
    inside, leave = threading.Event(), threading.Event()

    def first():
        with gate.admit("s1"):
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=first)
    worker.start()
    assert inside.wait(10)
    with pytest.raises(ReportsBusy) as same:
        with gate.admit("s1"):
            pass
    assert "previous report" in same.value.en and "đang được tạo" in same.value.vi
    started = time.perf_counter()
    with pytest.raises(ReportsBusy) as queued:      # another session waits its turn, but not without end
        with gate.admit("s2"):
            pass
    assert 0.15 < time.perf_counter() - started < 5 and "Too many" in queued.value.en
    leave.set()
    worker.join()
    with gate.admit("s1"):                           # once the first is done, the session may ask again
        pass
    assert gate.refused == 2


def test_the_gate_refuses_beyond_its_queue_at_once_and_lets_the_queued_in_turn():
    gate = Gate(running=1, waiting=1, wait=30)
    inside, leave, second_in = threading.Event(), threading.Event(), threading.Event()

    def hold():
        with gate.admit("a"):
            inside.set()
            leave.wait(10)

    def queue():
        with gate.admit("b"):
            second_in.set()

    holder, queued = threading.Thread(target=hold), threading.Thread(target=queue)
    holder.start()
    assert inside.wait(10)
    queued.start()
    time.sleep(0.2)
    started = time.perf_counter()
    with pytest.raises(ReportsBusy):                 # one at work, one waiting: the third is refused at once
        with gate.admit("c"):
            pass
    assert time.perf_counter() - started < 0.1 and not second_in.is_set()
    leave.set()
    assert second_in.wait(10)
    holder.join()
    queued.join()


def test_a_file_made_once_is_handed_back_without_being_made_again(ds, monkeypatch):
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate())
    calls = []
    real = reports.make
    monkeypatch.setattr(reports, "make", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a")
    monkeypatch.setattr(reports, "GATE", Gate(running=0, waiting=0))     # full: only a kept file gets through
    again = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="b")
    assert again.data is first.data and len(calls) == 1 and first.data.startswith(b"%PDF")
    with pytest.raises(ReportsBusy):                 # another language is another file
        reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "en", TODAY), session="b")
    assert reports.made_before(ds.store.data_version(), reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY)) \
        is first


def test_a_change_of_the_data_makes_the_file_anew(store, monkeypatch):
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate())
    calls = []
    real = reports.make
    monkeypatch.setattr(reports, "make", lambda *a, **k: calls.append(a) or real(*a, **k))
    before = reports.request(Dataset.load(store), reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a")
    again = reports.request(Dataset.load(store), reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a")
    assert again.data is before.data and len(calls) == 1
    version = store.data_version()
    import_rows(store, [("42", date(2004, 1, 1), "sipas", "2020", 81.5)], source="test F8")
    assert store.data_version() != version
    after = reports.request(Dataset.load(store), reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a")
    assert len(calls) == 2 and after.data != before.data


def test_a_file_whose_charts_failed_is_not_kept(ds, monkeypatch, fresh):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    made = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "docx", "vi", TODAY), session="a", version="v1")
    assert made.charts == 0 and "no Chromium" in made.chart_note
    assert reports.made_before("v1", reports.Ask(OLD_HA_TINH, "2020", "docx", "vi", TODAY)) is None
    assert fresh.starts == 0


def test_the_page_makes_the_file_on_a_click_and_says_when_the_server_is_busy(app, monkeypatch):  # noqa: F811
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate(running=0, waiting=0))
    at = open_page(app, "pages/reports.py", province="42@2004", period="2020")
    assert not at.exception
    assert [b.label for b in at.button] == ["Lập báo cáo (.docx)", "Lập bản tóm tắt 1 trang (.pdf)"]
    assert at.get("download_button") == []
    at.button(key="report_make_pdf").click().run()
    assert not at.exception and at.get("download_button") == []
    assert [w.value for w in at.warning] == ["Đang có nhiều yêu cầu tạo báo cáo, xin thử lại sau ít phút."]
    monkeypatch.setattr(reports, "GATE", Gate())
    at.button(key="report_make_pdf").click().run()
    assert not at.exception and not at.warning
    assert [b.label for b in at.get("download_button")] == ["Tải bản tóm tắt 1 trang (.pdf)"]
    at.run()                                          # made once: offered at once on the next run
    assert [b.label for b in at.get("download_button")] == ["Tải bản tóm tắt 1 trang (.pdf)"]
    assert [b.label for b in at.button] == ["Lập báo cáo (.docx)"]


def test_a_browser_that_fails_to_start_leaves_nothing_and_the_next_request_starts_one(fresh):
    _need_chromium()
    opts = {"format": "png", "width": 200, "height": 150}
    with pytest.raises(Exception, match="close immediately"):       # not a Chromium: it exits at once
        fresh.draw([(_figure(1), opts)], "/bin/false", timeout=120)
    assert not fresh.alive and fresh.starts == 0 and _gone() == []
    assert fresh.draw([(_figure(1), opts)], report_charts.browser_path())[0].startswith(b"\x89PNG")
    assert fresh.alive and fresh.starts == 1 and len(chromium_browsers()) == 1


def test_a_browser_that_hangs_while_starting_is_replaced_once_then_the_request_fails(fresh, monkeypatch, tmp_path):
    """Chromium sometimes hangs on start under load: the start is bounded, tried twice, and leaves nothing."""
    _need_chromium()
    monkeypatch.setattr(render_pool, "START_TIMEOUT", 2.0)
    hanging = tmp_path / "hanging-browser"
    hanging.write_text("#!/bin/sh\nexec sleep 120\n")
    hanging.chmod(0o755)
    opts = {"format": "png", "width": 200, "height": 150}
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        fresh.draw([(_figure(1), opts)], str(hanging), timeout=60)
    assert time.monotonic() - began < 30 and not fresh.alive and fresh.starts == 0
    assert _sleepers(hanging) == []
    monkeypatch.undo()
    assert fresh.draw([(_figure(1), opts)], report_charts.browser_path())[0].startswith(b"\x89PNG")
    assert fresh.alive and fresh.starts == 1


def _sleepers(script, timeout: float = 10) -> list[int]:
    """Processes still running ``script`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if str(script).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_no_chromium_outlives_the_browser_s_idle_time():
    _need_chromium()
    report_charts.BROWSER.close()
    assert _gone() == []
    browser = ChartBrowser(tabs=1, idle=0.5)
    try:
        browser.draw([(_figure(1), {"format": "png", "width": 200, "height": 150})], report_charts.browser_path())
        assert browser.alive and len(chromium_browsers()) == 1
        deadline = time.monotonic() + 20
        while browser.alive and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not browser.alive and _gone() == []
    finally:
        browser.close()
