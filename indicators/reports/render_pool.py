"""What bounds the cost of the reports a server makes: one shared headless Chromium for every chart drawn, a gate
on report requests, and the files already made. The server's browser lives in its renderer process (apart.py),
which makes every report file at a lower CPU priority than the visitors' reruns.

- :class:`ChartBrowser`: one Kaleido browser (Kaleido 1.x's own pool of ``tabs`` tabs, each drawing one figure at
  a time) on an event loop thread of its own. It starts on first use, serves every request of the process, is
  replaced after a failure or a change of ``BROWSER_PATH``, and is closed after ``idle`` seconds without work (its
  memory returned). A request never starts a browser of its own: however many ask at once, one browser is alive,
  two at most for the moment a replaced one takes to close. It runs at the CPU priority of the process that draws:
  in a server the renderer process (apart.py), below the visitors' reruns; the ``report`` command's own (``nice``
  it to lower both). Its tabs are reused from figure to figure (:func:`_kaleido_class`).
- :class:`Gate`: at most ``running`` requests at work and ``waiting`` more waiting, each for at most ``wait``
  seconds, and one at a time per session (``KPI_REPORTS_AT_ONCE``, default 1, and ``KPI_REPORTS_QUEUE``, default 4,
  per server process). A request beyond those is refused at once with :class:`ReportsBusy`,
  which the page shows in the reader's language; nothing waits without end.
- :class:`FileCache`: the files made, least recently used dropped first, bounded in count and bytes. The caller
  keys them on the data version, so an import, an undo or a lock makes every later request a new file.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from indicators.errors import Bilingual
from indicators.i18n import bilingual
from indicators.reports.priority import NICE, below, lower_priority, processes

__all__ = ["NICE", "SHARED", "ChartBrowser", "FileCache", "Gate", "ReportsBusy", "browser_path"]

TABS = 1               # figures drawn at once: one tab, reused, draws ten charts faster than two tabs start
RELOAD_EVERY = 50      # figures a tab draws before it is reloaded (what a long-lived page might accumulate)
IDLE = 300.0           # seconds without a chart before the browser is closed
DRAW_TIMEOUT = 180.0   # seconds one report's charts may take, waiting for a tab included
START_TIMEOUT = 45.0   # seconds a browser may take to start and answer; one that does not is replaced, once
FIGURE_TIMEOUT = 30.0  # seconds a figure may take (per tab's share of a request); a browser that hangs is replaced
# report requests at work at once and waiting (each waits at most WAIT seconds), per server process
AT_ONCE = int(os.environ.get("KPI_REPORTS_AT_ONCE", "1"))
QUEUE = int(os.environ.get("KPI_REPORTS_QUEUE", "4"))
WAIT = 60.0


class ReportsBusy(Bilingual, RuntimeError):
    """A report request refused: too many at once, or this session's previous one not finished."""

    @classmethod
    def crowded(cls) -> ReportsBusy:
        return cls(*bilingual("rep_busy_crowded"))

    @classmethod
    def yours_running(cls) -> ReportsBusy:
        return cls(*bilingual("rep_busy_yours_running"))


class _HungDrawing(TimeoutError):
    """A browser that stopped answering in the middle of a request (it has been killed)."""


class ChartBrowser:
    """One Chromium, started on first use and reused, drawing figures to image bytes for every thread."""

    def __init__(self, tabs: int = TABS, idle: float = IDLE, nice: int | None = None):
        self.tabs, self.idle, self.nice = tabs, idle, nice
        self.starts = 0                                  # browsers started so far (the tests and benchmark read it)
        # nice: the browser's CPU priority (None: the process's own when the browser starts)
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard = asyncio.Lock()                     # opening and closing, one at a time (bound on first use)
        self._kaleido: Any = None
        self._path: str | None = None
        self._busy = 0
        self._last = 0.0

    def draw(self, figures: list[tuple[Any, dict]], path: str, timeout: float = DRAW_TIMEOUT) -> list[bytes]:
        """Each (figure, Kaleido options) drawn by the shared browser at ``path``, in order. Raises whatever the
        browser raised (it is then replaced), or TimeoutError."""
        return self.wait(self.submit(figures, path), timeout)

    def submit(self, figures: list[tuple[Any, dict]], path: str) -> concurrent.futures.Future:
        """Start drawing ``figures`` and return at once: the browser draws (in processes of its own) while the
        caller builds its next figures. :meth:`wait` gives the images."""
        return asyncio.run_coroutine_threadsafe(self._draw(figures, path), self._running_loop())

    @staticmethod
    def wait(future: concurrent.futures.Future, timeout: float = DRAW_TIMEOUT) -> list[bytes]:
        """The images of a :meth:`submit`, within ``timeout`` seconds; raises as :meth:`draw` does."""
        try:
            return future.result(timeout)
        except TimeoutError:
            if future.done():               # the browser's own time limits: their message stands
                raise
            future.cancel()
            raise TimeoutError(f"the charts took over {timeout:.0f} s") from None

    def prepare(self, path: str) -> None:
        """Start the browser at ``path`` now, not waiting: it starts while the caller builds its figures."""
        future = asyncio.run_coroutine_threadsafe(self._prepared(path), self._running_loop())
        future.add_done_callback(lambda f: f.cancelled() or f.exception())

    def close_soon(self) -> None:
        """Start closing the browser and return at once (a command that has drawn all it will draw: the browser
        closes while the file is written; :meth:`close`, at exit, waits for it)."""
        loop, browser = self._loop, self._kaleido
        if loop is not None and loop.is_running() and browser is not None:
            future = asyncio.run_coroutine_threadsafe(self._close_this(browser), loop)
            future.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def _close_this(self, browser: Any) -> None:
        """Close ``browser`` if it is still the current one and idle: a close asked for late never ends a browser
        started since, nor one drawing."""
        async with self._guard:
            if self._kaleido is browser and not self._busy:
                await self._shut()

    def close(self) -> None:
        """Close the browser now (at exit; the tests). The next draw starts a new one."""
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(30)

    @property
    def alive(self) -> bool:
        return self._kaleido is not None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()

                threading.Thread(target=loop.run_forever, name="chart-browser", daemon=True).start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    async def _draw(self, figures: list[tuple[Any, dict]], path: str) -> list[bytes]:
        try:
            return await self._draw_once(figures, path)
        except _HungDrawing:        # a browser that hung on a figure has been replaced: the new one tries once
            return await self._draw_once(figures, path)

    async def _prepared(self, path: str) -> None:
        async with self._guard:
            await self._open(path)
        self._last = time.monotonic()
        asyncio.get_running_loop().call_later(self.idle, self._close_if_idle)

    async def _open(self, path: str) -> Any:
        """The browser at ``path``, started when there is none (or one at another path); under ``_guard``."""
        if self._kaleido is not None and self._path != path:
            await self._shut()
        if self._kaleido is None:
            try:
                browser = await self._started(path)
            except TimeoutError:                    # Chromium sometimes hangs while starting: one more try
                browser = await self._started(path)
            self._kaleido, self._path = browser, path
            self.starts += 1
        return self._kaleido

    async def _draw_once(self, figures: list[tuple[Any, dict]], path: str) -> list[bytes]:
        async with self._guard:
            browser = await self._open(path)
            self._busy += 1
        try:
            drawing = asyncio.gather(*(browser.calc_fig(f, opts=o) for f, o in figures), return_exceptions=True)
            drawn = await _answered(browser, drawing, FIGURE_TIMEOUT * len(figures) / self.tabs + FIGURE_TIMEOUT,
                                    _HungDrawing("the browser stopped answering while drawing"))
            failed = [d for d in drawn if isinstance(d, BaseException)]
            if failed:
                raise failed[0]
            return list(drawn)
        except BaseException:
            # a browser that failed once is not trusted again: the next request starts a fresh one
            async with self._guard:
                if self._kaleido is browser:
                    await self._shut()
            raise
        finally:
            self._busy -= 1
            self._last = time.monotonic()
            asyncio.get_running_loop().call_later(self.idle, self._close_if_idle)

    async def _started(self, path: str) -> Any:
        """A new browser at ``path``, open and answering within START_TIMEOUT seconds (TimeoutError otherwise);
        nothing of one that failed or hung stays behind."""
        browser = _kaleido_class()(n=self.tabs, mathjax=False, path=path)
        opening = asyncio.ensure_future(browser.open())
        try:
            await _answered(browser, opening, START_TIMEOUT,
                            TimeoutError(f"the browser did not answer within {START_TIMEOUT:.0f} s of starting"))
        except BaseException:
            _abandon(opening)
            await _quietly_closed(browser)
            raise
        lower_priority(browser.subprocess.pid, os.getpriority(os.PRIO_PROCESS, 0) if self.nice is None else self.nice)
        return browser

    def _close_if_idle(self) -> None:
        if self._kaleido is not None and not self._busy and time.monotonic() - self._last >= self.idle - 0.05:
            asyncio.ensure_future(self._close(only_if_idle=True))

    async def _close(self, only_if_idle: bool = False) -> None:
        async with self._guard:
            if not (only_if_idle and (self._busy or time.monotonic() - self._last < self.idle - 0.05)):
                await self._shut()

    async def _shut(self) -> None:
        browser, self._kaleido, self._path = self._kaleido, None, None
        if browser is not None:
            await _quietly_closed(browser)


@cache
def _kaleido_class() -> type:
    """Kaleido's browser, its tabs reused: Kaleido reloads a tab (parses plotly.js again, ~0.2 s) after each figure,
    though plotly.js's ``toImage`` draws each in an element of its own and removes it. Reloaded every RELOAD_EVERY
    figures here; a browser that failed is replaced whole (:class:`ChartBrowser`)."""
    import kaleido  # noqa: PLC0415 - a browser's driver, loaded only when a chart is drawn

    class Reusing(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            tab.kpi_figures = (getattr(tab, "kpi_figures", 0) + 1) % RELOAD_EVERY
            if tab.kpi_figures == 0:
                await tab.reload()
            await self.tabs_ready.put(tab)

    return Reusing


async def _answered(browser: Any, future: asyncio.Future, timeout: float, error: BaseException) -> Any:
    """``future``'s result; when the browser has not given it within ``timeout`` seconds, the browser is killed
    (which ends what it was doing at once) and ``error`` raised. Not ``asyncio.wait_for``: the driver turns a
    cancellation into an error of its own and may go on waiting on the hung process."""
    done, _ = await asyncio.wait({future}, timeout=timeout)
    if done:
        return future.result()
    _kill(browser)
    await asyncio.wait({future}, timeout=10)
    _abandon(future)
    raise error


def _abandon(future: asyncio.Future) -> None:
    """Stop waiting for ``future``: cancelled if still running, its outcome read once it ends (no warning later)."""
    future.cancel()
    future.add_done_callback(lambda f: f.cancelled() or f.exception())


def _kill(browser: Any) -> None:
    """Kill a hung browser's process and the processes it started."""
    process = getattr(browser, "subprocess", None)
    if process is None:
        return
    _, parents = processes()
    for pid in [*(p for p in parents if below(p, process.pid, parents)), process.pid]:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


async def _quietly_closed(browser: Any) -> None:
    try:
        await browser.close()
    except Exception:  # noqa: BLE001 - a crashed browser is gone already; choreographer killed what was left
        pass


SHARED = ChartBrowser()     # the process's one browser, shared by every report (charts.BROWSER)


def browser_path() -> str | None:
    """The Chromium that draws the charts: ``BROWSER_PATH``, else Debian's ``chromium`` on the PATH."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


class Gate:
    """Admission of report requests: ``running`` at work, ``waiting`` more queued, one per session."""

    def __init__(self, running: int = AT_ONCE, waiting: int = QUEUE, wait: float = WAIT):
        self.capacity, self.wait = running + waiting, wait
        self.refused = 0
        self._slots = threading.Semaphore(running)
        self._lock = threading.Lock()
        self._admitted = 0
        self._sessions: set[Hashable] = set()

    @contextmanager
    def admit(self, session: Hashable | None) -> Iterator[None]:
        """Hold a working slot for the ``with`` block; ReportsBusy at once when the queue is full or ``session``
        has a request in the gate, or after ``wait`` seconds in the queue."""
        with self._lock:
            if session is not None and session in self._sessions:
                self.refused += 1
                raise ReportsBusy.yours_running()
            if self._admitted >= self.capacity:
                self.refused += 1
                raise ReportsBusy.crowded()
            self._admitted += 1
            if session is not None:
                self._sessions.add(session)
        try:
            if not self._slots.acquire(timeout=self.wait):
                with self._lock:
                    self.refused += 1
                raise ReportsBusy.crowded()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._admitted -= 1
                self._sessions.discard(session)


class FileCache:
    """The files made, by key: at most ``entries`` of them and ``budget`` bytes, least recently used dropped."""

    def __init__(self, entries: int = 32, budget: int = 128 * 2**20):
        self.entries, self.budget = entries, budget
        self.hits = self.misses = 0
        self._files: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._files.get(key)
            if found is None:
                self.misses += 1
                return None
            self._files.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.budget:
            return
        with self._lock:
            old = self._files.pop(key, None)
            self._bytes -= old[1] if old else 0
            self._files[key] = (value, size)
            self._bytes += size
            while len(self._files) > self.entries or self._bytes > self.budget:
                _, (_, dropped) = self._files.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self._bytes = 0
