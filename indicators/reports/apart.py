"""The report's files made in a process of their own, so that making one never slows the visitors' pages down.

A report's Python work (its charts' figures, their JSON for the browser, the Word file's XML: about a second of
Python per report) would hold the server's interpreter lock in turns with every visitor's rerun, halving their
speed meanwhile, whatever the thread's priority. So the server hands each request to one renderer process, which
runs at the lowest CPU priority (render_pool.NICE) with its one shared browser below it:

- the server sends the request (the province, period, format, language, the report's contents already computed
  for the page, and the data version); the first request of a data version also carries the dataset's small
  tables, which the renderer keeps until the version changes;
- what else the charts read (an indicator's figures, the figures of a period, the coverage) the renderer asks the
  server for, on the same pipe, while the request is being made: only the reads named in :data:`READS`, answered
  from the server's own dataset (its cached slices first), so that the renderer never opens the database itself
  (DuckDB allows one process to hold its file) and reads exactly what the pages read;
- the renderer answers with the file's bytes, or with the failure (the server logs its traceback and refuses
  the request with a message in both languages).

One renderer, one request at a time (the gate in render_pool.py admits few at once): at most one browser is
alive, two for the moment a replaced one takes to close. A renderer that died (killed, out of memory) is replaced
and the request sent once more; one that does not answer within :data:`ANSWER_TIMEOUT` seconds is killed. The
renderer ends itself after :data:`IDLE` seconds without a request (its memory returned) and is started again on
the next.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from indicators.errors import Bilingual
from indicators.i18n import bilingual
from indicators.reports import render_pool
from indicators.reports.rendering import READS, serve

LOG = logging.getLogger(__name__)
ANSWER_TIMEOUT = render_pool.DRAW_TIMEOUT + 60.0   # seconds a request may take in the renderer, its charts included
IDLE = render_pool.IDLE                            # seconds without a request before the renderer ends itself
START_TIMEOUT = 60.0                               # seconds a new renderer may take to load its modules


class ReportNotMade(Bilingual, RuntimeError):
    """A report the renderer could not make (it failed, died twice, or did not answer in time)."""

    @classmethod
    def failed(cls) -> ReportNotMade:
        return cls(*bilingual("rep_not_made"))


class RendererGone(ConnectionError):
    """The renderer process ended or stopped answering in the middle of a request."""


class Renderer:
    """The server's renderer process, started on first use: :meth:`make` sends it one request at a time."""

    def __init__(self, make: Callable[..., Any], answer_timeout: float = ANSWER_TIMEOUT, idle: float = IDLE):
        """``make`` is files.make, run in the renderer (named, not imported here: files.py holds the renderer)."""
        self.make_file, self.answer_timeout, self.idle = make, answer_timeout, idle
        self.starts = 0               # renderer processes started so far (the tests read it)
        self.browser_starts = 0       # browsers started by the current renderer, as it last said
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None
        self._version: Any = None     # the data version whose tables the current renderer holds

    def make(self, ds: Any, ask: Any, content: Any, version: Any, browser: str | None) -> dict[str, Any]:
        """The file of ``ask`` made by the renderer from ``content`` and ``ds`` at data version ``version``, its
        charts drawn with the browser at ``browser``: a dict of ``data``, ``filename``, ``charts`` and
        ``chart_note``. ReportNotMade when it failed, or when its process died twice or did not answer."""
        with self._lock:
            for _attempt in range(2):
                try:
                    return self._conversation(ds, ask, content, version, browser)
                except RendererGone:
                    self._discard()
                except ReportNotMade:
                    raise
                except Exception:  # noqa: BLE001 - anything else: logged, the renderer replaced, the reader told
                    LOG.exception("the report renderer's conversation failed on %s", ask)
                    self._discard()
                    raise ReportNotMade.failed() from None
            raise ReportNotMade.failed()

    @property
    def pid(self) -> int | None:
        """The renderer's process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def close(self) -> None:
        """End the renderer (and its browser) now; the next request starts a new one."""
        with self._lock:
            self._discard()

    def _conversation(self, ds: Any, ask: Any, content: Any, version: Any, browser: str | None) -> dict[str, Any]:
        conn = self._started()
        tables = None if self._version == version else _tables(ds)
        try:
            conn.send(("make", version, tables, ask, content, browser))
        except (OSError, EOFError):
            raise RendererGone("the renderer could not be reached") from None
        self._version = version
        deadline = time.monotonic() + self.answer_timeout
        while True:
            kind, *rest = self._received(conn, deadline)
            if kind == "read":
                self._answer(conn, ds, *rest)
                continue
            self.browser_starts = rest[-1]
            if kind == "made":
                return rest[0]
            LOG.error("the report renderer failed on %s:\n%s", ask, rest[0])
            raise ReportNotMade.failed()

    def _received(self, conn: Any, deadline: float) -> tuple:
        try:
            if conn.poll(max(0.0, deadline - time.monotonic())):
                return conn.recv()
        except (OSError, EOFError):
            raise RendererGone("the renderer ended") from None
        LOG.error("the report renderer did not answer within %.0f s: it is ended", self.answer_timeout)
        self._discard()
        raise ReportNotMade.failed()

    @staticmethod
    def _answer(conn: Any, ds: Any, name: str, args: tuple, kwargs: dict) -> None:
        """Answer one of the renderer's reads from the server's dataset (its cached slices first)."""
        try:
            if name not in READS:
                raise PermissionError(f"the renderer may not call {name!r}")
            if name == "indicator_actuals":
                answer = ("ok", ds.actuals(*args, **kwargs))
            elif name == "actual_coverage":
                answer = ("ok", ds.coverage)
            else:
                answer = ("ok", getattr(ds.store, name)(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - the renderer raises it where the read was asked for
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send(answer)
        except (OSError, EOFError):
            raise RendererGone("the renderer ended") from None

    def _started(self) -> Any:
        if self._process is not None and self._process.is_alive():
            return self._conn
        self._discard()
        import multiprocessing  # noqa: PLC0415 - only a server that makes a report starts a renderer

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs, self.idle, self.make_file), name="kpi-report-renderer",
                                  daemon=True)
        process.start()
        theirs.close()
        self._process, self._conn, self._version = process, ours, None
        self.starts += 1
        try:
            if ours.poll(START_TIMEOUT):      # "ready" once its modules are loaded
                ours.recv()
                return ours
        except (OSError, EOFError):
            raise RendererGone("the renderer ended while starting") from None
        LOG.error("the report renderer did not start within %.0f s", START_TIMEOUT)
        self._discard()
        raise ReportNotMade.failed()

    def _discard(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = self._version = None
        if conn is not None:
            conn.close()                      # a renderer waiting for work reads the end of its pipe and exits
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)


def _tables(ds: Any) -> dict[str, Any]:
    """The dataset's small tables (every field but its store and caches), as the renderer rebuilds it from."""
    skip = {"store", "_slices", "_lock"}
    return {f.name: getattr(ds, f.name) for f in fields(ds) if f.name not in skip}
