"""The report charts already drawn, kept on disk per data version, so that a report asked for again (by the
dashboard's renderer process, the ``report`` command, a scheduled run) needs no browser at all.

Each entry is one chart's PNG, named by a hash of (the data version, the figure's JSON, the width, height and scale,
the versions of plotly and Kaleido that draw it): an import, an undo or a lock makes a new data version and so new
names, and the entries of older versions age out. The folder is ``$KPI_CHART_CACHE``, else ``.chart-cache`` beside
the DuckDB file (beside ``$KPI_DB``'s for a PostgreSQL database or a store without a file), else the user's cache
folder. It is bounded in bytes (``$KPI_CHART_CACHE_MB``, default 64): the least recently used entries go first.

Several processes may read and write it at once: an entry is written to a temporary file in the folder and renamed
into place (a reader sees the whole entry or none), and carries a digest of its bytes, so that an entry damaged on
disk is ignored (and removed) rather than put into a report; the next drawing writes it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from indicators.paths import default_db_path

LOG = logging.getLogger(__name__)
FOLDER = ".chart-cache"
BUDGET = int(float(os.environ.get("KPI_CHART_CACHE_MB", "64")) * 2**20)
SUFFIX = ".png"
DIGEST = 32                 # bytes of the BLAKE2b digest that precedes each entry's PNG
STALE_PARTIAL = 3600.0      # seconds after which a temporary file (its writer killed midway) is removed


@cache
def drawn_by() -> str:
    """The versions of what draws a chart (a new plotly.js may draw the same figure differently); read once, when a
    chart is first looked up."""
    found = []
    for name in ("plotly", "kaleido"):
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=?")
    return ",".join(found)



def folder_for(store: Any) -> Path:
    """Where the charts of ``store``'s reports are kept (see the module's description)."""
    return folder_beside(getattr(store, "path", None))


def folder_beside(db: Any) -> Path:
    """Where the charts of the reports of the database ``db`` (a DuckDB file's path, a URL, None) are kept."""
    chosen = os.environ.get("KPI_CHART_CACHE")
    if chosen:
        return Path(chosen)
    for candidate in (db, default_db_path()):
        if isinstance(candidate, Path) and candidate.is_file():
            return candidate.resolve().parent / FOLDER
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "kpi-indicators" / "charts"


@dataclass
class ChartCache:
    """The PNG files of drawn charts in ``folder``, at most ``budget`` bytes of them."""

    folder: Path
    budget: int = BUDGET
    hits: int = 0
    misses: int = 0

    @classmethod
    def for_store(cls, store: Any) -> ChartCache:
        return cls(folder_for(store))

    @staticmethod
    def key(version: Hashable, figure_json: str, width: int, height: int, scale: float) -> str:
        """An entry's name: the hash of everything that decides the chart's pixels."""
        text = "\n".join((repr(version), drawn_by(), f"{width}x{height}@{scale}", figure_json))
        return hashlib.sha256(text.encode()).hexdigest()

    def holds(self, key: str) -> bool:
        """Whether an entry is kept under ``key`` (not read: :meth:`get` checks it)."""
        return (self.folder / f"{key}{SUFFIX}").is_file()

    def get(self, key: str) -> bytes | None:
        """The PNG kept under ``key``, or None (not kept, or damaged: a damaged entry is removed)."""
        path = self.folder / f"{key}{SUFFIX}"
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        png = raw[DIGEST:]
        if len(raw) <= DIGEST or hashlib.blake2b(png, digest_size=DIGEST).digest() != raw[:DIGEST]:
            LOG.warning("a damaged chart in the cache was ignored: %s", path)
            _unlink(path)
            self.misses += 1
            return None
        try:
            os.utime(path)               # recently used: dropped last
        except OSError:
            pass
        self.hits += 1
        return png

    def put(self, key: str, png: bytes) -> bool:
        """Keep ``png`` under ``key``: written whole beside, then renamed into place. False when the folder cannot
        be written (the report goes on; the chart is drawn again next time)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=self.folder, prefix=".partial-", suffix=SUFFIX)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(hashlib.blake2b(png, digest_size=DIGEST).digest())
                    out.write(png)
                os.replace(partial, self.folder / f"{key}{SUFFIX}")
            except BaseException:
                _unlink(Path(partial))
                raise
        except OSError as error:
            LOG.warning("a chart could not be kept in %s: %s", self.folder, error)
            return False
        return True

    def trim(self) -> int:
        """Drop the least recently used entries until the folder holds at most ``budget`` bytes, and temporary
        files left by a writer that was killed; the bytes kept. Safe while other processes read and write."""
        entries, total, now = [], 0, time.time()
        try:
            scanned = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in scanned:
            try:
                stat = entry.stat()
            except OSError:              # removed meanwhile by another process
                continue
            if entry.name.startswith(".partial-"):
                if now - stat.st_mtime > STALE_PARTIAL:
                    _unlink(Path(entry.path))
            elif entry.name.endswith(SUFFIX):
                entries.append((stat.st_mtime, stat.st_size, entry.path))
                total += stat.st_size
        for _, size, path in sorted(entries):
            if total <= self.budget:
                break
            _unlink(Path(path))
            total -= size
        return total


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:                      # gone already (another process), or not ours to remove
        pass
