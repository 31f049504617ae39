"""The renderer process's side of apart.py: it makes the report files the server asks for, one at a time.

:func:`serve` runs in a process of its own (started by :class:`apart.Renderer` with multiprocessing's "spawn"): it
lowers its CPU priority, loads the report's modules, says "ready", then answers each request on its pipe until the
pipe closes or :data:`apart.IDLE` seconds pass without one. Its dataset is rebuilt from the tables the server sends
with the first request of each data version; what else it reads goes back to the server through
:class:`AskingStore`.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

from indicators.reports import render_pool

# the reads of the store a report's charts may ask the server for (the dataset's methods call them)
READS = frozenset({"indicator_actuals", "actuals", "actual_series", "actual_coverage", "unit_groups",
                   "data_version", "batches"})


def renderer_priority() -> None:
    """Put the calling process (the renderer) at the browser's CPU priority: behind every visitor's rerun."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), render_pool.NICE))
    except OSError:
        pass


class AskingStore:
    """The store as the renderer's dataset sees it: each read in :data:`READS` asked of the server."""

    def __init__(self, conn: Any, version: Any):
        self._conn, self._version = conn, version

    def data_version(self) -> Any:
        return self._version

    def __getattr__(self, name: str) -> Any:
        if name not in READS:
            raise AttributeError(f"the report renderer does not read {name!r}")

        def read(*args: Any, **kwargs: Any) -> Any:
            self._conn.send(("read", name, args, kwargs))
            status, value = self._conn.recv()
            if status != "ok":
                raise LookupError(f"the server refused the renderer's read {name!r}: {value}")
            return value

        return read


def serve(conn: Any, idle: float, make: Callable[..., Any]) -> None:
    """Answer the server's requests on ``conn`` with ``make`` (files.make) until the pipe closes or ``idle`` seconds
    pass without one."""
    renderer_priority()
    from indicators.reports.charts import BROWSER  # noqa: PLC0415 - loaded at the lower priority
    from indicators.services.views import Dataset  # noqa: PLC0415

    conn.send(("ready",))
    kept: dict[Any, Any] = {}           # the data version's dataset (one: a new version replaces it)
    try:
        while conn.poll(idle):
            _kind, version, tables, ask, content, browser = conn.recv()
            if tables is not None:
                kept = {version: Dataset(AskingStore(conn, version), **tables)}
            try:
                made = make(kept[version], ask, content=content, browser=browser)
                reply = ("made", {"data": made.data, "filename": made.filename, "charts": made.charts,
                                  "chart_note": made.chart_note}, BROWSER.starts)
            except Exception:  # noqa: BLE001 - the server logs it and refuses the request in the reader's language
                reply = ("failed", traceback.format_exc(), BROWSER.starts)
            conn.send(reply)
    except (EOFError, OSError):           # the server closed its end (it replaced this renderer, or it ended)
        pass
    finally:
        BROWSER.close()
