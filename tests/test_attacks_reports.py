"""Issue 25, F8: visitors who keep asking for reports no longer start a Chromium per click. Thirty requests at once
are drawn by one shared browser (two at most); report requests pass a bounded gate (refused beyond it, and a
session's second one while its first runs, with a message in both languages); a file made once is handed back
without being made again until the data change. The files are made by one renderer process below the server, at a
lower CPU priority, its browser too (apart.py): replaced when it dies, ended when it hangs or idles, and allowed
to read only what a report's charts read."""

import logging
import os
import signal
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest

from indicators.reports import apart, priority, render_pool
from indicators.reports import charts as report_charts
from indicators.reports import files as reports
from indicators.reports.priority import chromium_browsers
from indicators.reports.render_pool import ChartBrowser, FileCache, Gate, ReportsBusy
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
    """A browser, a renderer, a gate and a file cache of this test's own (the module's ones serve the other
    tests); the module's browser and renderer, which an earlier test may have left open, closed so that every
    browser counted is this test's."""
    report_charts.BROWSER.close()
    reports.RENDERER.close()
    browser = ChartBrowser(tabs=2, idle=60)
    monkeypatch.setattr(report_charts, "BROWSER", browser)
    monkeypatch.setattr(reports, "RENDERER", apart.Renderer(reports.make))
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate(running=2, waiting=2, wait=300))
    yield browser
    browser.close()
    reports.RENDERER.close()


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
    # made by one renderer process and its one browser (the server's own browser never started)
    assert reports.RENDERER.starts == 1 and reports.RENDERER.browser_starts == 1 and fresh.starts == 0
    assert 1 <= peak.peak <= 2


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


def _counted(monkeypatch) -> list:
    """The requests that reach the renderer, counted."""
    calls = []
    real = reports.RENDERER.make
    monkeypatch.setattr(reports.RENDERER, "make", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_a_file_made_once_is_handed_back_without_being_made_again(ds, monkeypatch):
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate())
    calls = _counted(monkeypatch)
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
    calls = _counted(monkeypatch)
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
    assert reports.RENDERER.starts == 1 and reports.RENDERER.browser_starts == 0 and fresh.starts == 0


def test_the_page_makes_the_file_on_a_click_and_says_when_the_server_is_busy(app, monkeypatch):  # noqa: F811
    monkeypatch.setattr(reports, "FILES", FileCache())
    monkeypatch.setattr(reports, "GATE", Gate(running=0, waiting=0))
    at = open_page(app, "pages/reports.py", province="42@2004", period="2020")
    assert not at.exception
    assert [b.label for b in at.main.button] == ["Lập báo cáo (.docx)", "Lập bản tóm tắt 1 trang (.pdf)"]
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
    assert [b.label for b in at.main.button] == ["Lập báo cáo (.docx)"]


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


# --- the renderer process (apart.py) ---------------------------------------------------------------------------

def _texts(data: bytes) -> tuple[list[str], list[list[str]], int]:
    """A Word file's paragraphs, its tables' cells and its pictures."""
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    cells = [[c.text for row in t.rows for c in row.cells] for t in document.tables]
    return [p.text for p in document.paragraphs], cells, len(document.inline_shapes)


def test_the_file_made_by_the_renderer_is_the_one_made_in_the_server(fresh, ds):
    _need_chromium()
    ask = reports.Ask(OLD_HA_TINH, "2020", "docx", "en", TODAY)
    apart_made = reports.request(ds, ask, session="a", version="v1")
    here = reports.make(ds, ask, content=apart_made.content)     # the same contents: the same "made at" minute
    assert apart_made.charts == here.charts >= 3 and apart_made.chart_note is None
    assert _texts(apart_made.data) == _texts(here.data) and apart_made.filename == here.filename
    assert reports.RENDERER.pid not in (None, os.getpid()) and fresh.starts == 1    # `here` used this process's


def test_a_renderer_that_died_is_replaced_and_the_request_made(fresh, ds):
    first = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a", version="v1")
    dead = reports.RENDERER.pid
    os.kill(dead, signal.SIGKILL)
    again = reports.request(ds, reports.Ask(OLD_HA_TINH, "2021", "pdf", "vi", TODAY), session="a", version="v1")
    assert first.data.startswith(b"%PDF") and again.data.startswith(b"%PDF") and again.data != first.data
    assert reports.RENDERER.starts == 2 and reports.RENDERER.pid not in (None, dead)


def test_a_request_the_renderer_fails_on_is_refused_in_both_languages_and_logged(fresh, ds, caplog):
    content = reports.report_content(ds, OLD_HA_TINH, reports.report_period("2020", ds), today=TODAY)
    with caplog.at_level(logging.ERROR, logger=apart.__name__), pytest.raises(apart.ReportNotMade) as refused:
        reports.RENDERER.make(ds, reports.Ask(OLD_HA_TINH, "2020", "odt", "vi", TODAY), content, "v1", None)
    assert "could not be made" in refused.value.en and "Không tạo được báo cáo" in refused.value.vi
    assert "ValueError: a report is .docx or .pdf, not odt" in caplog.text        # the traceback, for the operator
    made = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a", version="v1")
    assert made.data.startswith(b"%PDF") and reports.RENDERER.starts == 1       # the renderer goes on serving


def test_a_renderer_that_does_not_answer_in_time_is_ended(monkeypatch, ds):
    _need_chromium()
    renderer = apart.Renderer(reports.make, answer_timeout=0.3)
    monkeypatch.setattr(reports, "RENDERER", renderer)
    monkeypatch.setattr(reports, "FILES", FileCache())
    try:
        with pytest.raises(apart.ReportNotMade):     # ten charts take seconds: longer than it may take here
            reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "docx", "vi", TODAY), session="a", version="v1")
        assert renderer.pid is None and renderer.starts == 1
        renderer.answer_timeout = apart.ANSWER_TIMEOUT
        made = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a", version="v1")
        assert made.data.startswith(b"%PDF") and renderer.starts == 2
    finally:
        renderer.close()


def test_an_idle_renderer_ends_itself_and_the_next_request_starts_one(monkeypatch, ds):
    renderer = apart.Renderer(reports.make, idle=3)
    monkeypatch.setattr(reports, "RENDERER", renderer)
    monkeypatch.setattr(reports, "FILES", FileCache())
    try:
        reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "vi", TODAY), session="a", version="v1")
        started = renderer.starts
        deadline = time.monotonic() + 60
        while renderer.pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert renderer.pid is None and started >= 1
        made = reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "pdf", "en", TODAY), session="a", version="v1")
        assert made.data.startswith(b"%PDF") and renderer.starts == started + 1
    finally:
        renderer.close()


class _Pipe:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def test_the_renderer_may_read_only_what_a_report_s_charts_read(ds):
    pipe = _Pipe()
    for name, args in (("transaction", ()), ("import_batch", ()), ("undo_batch", (1,)), ("execute", ("DROP",))):
        apart.Renderer._answer(pipe, ds, name, args, {})
    assert [(status, "may not call" in reason) for status, reason in pipe.sent] == [("error", True)] * 4
    apart.Renderer._answer(pipe, ds, "indicator_actuals", ("sipas",), {})
    assert pipe.sent[-1][0] == "ok" and pipe.sent[-1][1] is ds.actuals("sipas")     # the server's cached slice
    from indicators.reports.rendering import AskingStore

    with pytest.raises(AttributeError, match="does not read"):
        AskingStore(pipe, "v1").transaction()


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])     # field 19, nice


_group_nice = priority.group_nice


def test_the_renderer_and_its_browser_run_below_the_server_s_cpu_priority(monkeypatch, ds):
    """The renderer and every process of its browser at KPI_REPORTS_NICE; the browser's own session's scheduling
    group (Linux's autogroup, where a nice value counts only inside its group) lowered too, the server's not."""
    _need_chromium()
    monkeypatch.setenv("KPI_REPORTS_NICE", "7")           # read by the renderer process when it starts
    renderer = apart.Renderer(reports.make)
    monkeypatch.setattr(reports, "RENDERER", renderer)
    monkeypatch.setattr(reports, "FILES", FileCache())
    own = (_nice(os.getpid()), _group_nice(os.getpid()))
    try:
        reports.request(ds, reports.Ask(OLD_HA_TINH, "2020", "docx", "vi", TODAY), session="a", version="v1")
        browsers = chromium_browsers(renderer.pid)
        names, parents = priority.processes()
        chromium = [pid for pid in parents if priority.below(pid, renderer.pid, parents)]
        assert len(browsers) == 1 and len(chromium) > 2
        assert _nice(renderer.pid) == 7 and {_nice(pid) for pid in chromium} == {7}
        assert os.getsid(browsers[0]) != os.getsid(0)
        if _group_nice(browsers[0]) is not None:          # Linux with autogroup: the browser's group lowered
            assert _group_nice(browsers[0]) == 7
        assert (_nice(os.getpid()), _group_nice(os.getpid())) == own     # the server's untouched
    finally:
        renderer.close()


def test_a_group_is_lowered_only_when_it_is_not_the_server_s(monkeypatch):
    if _group_nice(os.getpid()) is None:
        pytest.skip("no scheduling groups here (Linux's /proc/PID/autogroup)")
    monkeypatch.setattr(priority, "NICE", 5)
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    same = subprocess.Popen(["sleep", "30"])
    try:
        before = _group_nice(same.pid)
        assert priority.lower_group_priority(other.pid) and _group_nice(other.pid) == 5
        assert not priority.lower_group_priority(same.pid) and _group_nice(same.pid) == before
    finally:
        other.kill()
        same.kill()
        other.wait()
        same.wait()


def test_a_machine_whose_scheduling_groups_read_empty_draws_all_the_same(monkeypatch):
    """Where autogroup is switched off /proc/PID/autogroup can read empty (CI's machine did): no group value is
    read, none is set, nothing fails."""
    class _Empty:                       # writes are taken and forgotten, reads give nothing
        def __init__(self, *parts):
            pass

        def write_text(self, text):
            return len(text)

        def read_text(self):
            return ""

    monkeypatch.setattr(priority, "Path", _Empty)
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert priority.group_nice(other.pid) is None
        assert priority.lower_group_priority(other.pid, tries=1, nice=5) is False
    finally:
        other.kill()
        other.wait()
