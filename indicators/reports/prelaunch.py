"""The ``report`` command's browser, started before the command loads anything else.

Chromium takes about two seconds to start and answer, and the command's own imports, its database reads and its
figures take about as long: started only when the first chart is ready, the browser is the report's critical
path. ``python -m indicators`` therefore asks :func:`start_early` first, with its arguments and the standard library
alone: for a Word report with charts (not ``--no-charts``, not the PDF brief) it starts the process's shared browser
(render_pool.SHARED) on its own thread, and the command finds it started or starting when it draws.

It does not when the same report's charts are all in the chart cache already (chart_cache.py): the last run of the
same command (database, province, period, language, day) left a note in the cache naming its charts, with the
database file's size and time of change; while both hold and every chart named is still kept, nothing will be
drawn and a browser would only take the processor from the command. A note that no longer holds (an import, an
undo, a chart aged out) only means the browser starts when the first chart is ready, as without this module.
For a PostgreSQL database nothing tells cheaply whether its data changed: the browser is always started early.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from datetime import date
from pathlib import Path

from indicators.paths import default_db_path, is_database_url
from indicators.reports.chart_cache import SUFFIX, folder_beside

NOTES = "reports"   # the notes' folder, inside the chart cache's
KEEP_DAYS = 2       # a note is of one day's command: those older are removed


def _arguments(argv: list[str]) -> argparse.Namespace | None:
    """What the command line says of a report, or None when it is not a Word report with charts."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("command", nargs="?")
    for option in ("--db", "--lang", "--format", "--province", "--period"):
        parser.add_argument(option)
    parser.add_argument("-o", "--output")
    parser.add_argument("--no-charts", action="store_true")
    try:
        args, _ = parser.parse_known_args(argv)
    except SystemExit:          # what the command's own parser will refuse, in the reader's language
        return None
    if args.command != "report" or args.no_charts or not args.province or not args.period:
        return None
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else None
    if (args.format or suffix or "docx") != "docx" or suffix not in (None, "docx"):
        return None
    return args


def _database(db: str | None) -> Path | str:
    return db if is_database_url(db) else Path(db) if db else default_db_path()


def _stamp(db: Path | str) -> str | None:
    """The DuckDB file's size and time of change (and its write-ahead log's, if one is left): None for PostgreSQL
    or a file that is not there."""
    if not isinstance(db, Path):
        return None
    parts = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            stat = path.stat()
        except OSError:
            if path == db:
                return None
            continue
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def note_path(db: Path | str, province: str, period: str, lang: str | None, day: date | None = None) -> Path:
    """The note of the report of ``province`` and ``period`` in ``lang`` on ``day`` from ``db``."""
    request = "\n".join((str(Path(db).resolve()) if isinstance(db, Path) else str(db), province, period,
                         lang or "vi", (day or date.today()).isoformat()))
    name = hashlib.sha256(request.encode()).hexdigest()[:32]
    return folder_beside(db if isinstance(db, Path) else None) / NOTES / f"{name}.txt"


def all_kept(argv: list[str]) -> bool:
    """Whether the last run of this very command left a note that still holds (see the module's description)."""
    args = _arguments(argv)
    return args is not None and _kept(args)


def _kept(args: argparse.Namespace) -> bool:
    db = _database(args.db)
    stamp = _stamp(db)
    if stamp is None:
        return False
    path = note_path(db, args.province, args.period, args.lang)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or lines[0] != stamp or len(lines) < 2:
        return False
    return all((path.parent.parent / f"{key}{SUFFIX}").is_file() for key in lines[1:])


def is_word_report(argv: list[str]) -> bool:
    """Whether ``argv`` asks for a Word report with charts."""
    return _arguments(argv) is not None


def start_early(argv: list[str]) -> bool:
    """Start the shared browser now if ``argv`` asks for a Word report whose charts are not all kept; whether it
    was started. Never raises: the command itself reports what is wrong with its arguments or its browser."""
    try:
        args = _arguments(argv)          # the command line read once
        if args is None or _kept(args):
            return False
        from indicators.reports.render_pool import SHARED, browser_path  # noqa: PLC0415 - only for a report

        path = browser_path()
        if not path:
            return False
        SHARED.prepare(path)
        return True
    except Exception:  # noqa: BLE001 - a hint only: the report starts its browser as it always did
        return False


def remember(db: object, province: str, period: str, lang: str | None, chart_keys: list[str]) -> None:
    """After a Word report whose every chart was drawn or kept: note its charts for the next run (see above).
    Never raises: a note not written only means the next run starts its browser early."""
    try:
        ref = _database(str(db) if db is not None else None)
        stamp = _stamp(ref)
        if stamp is None or not chart_keys:
            return
        path = note_path(ref, province, period, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        _forget_old(path.parent)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text("\n".join([stamp, *chart_keys]) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass


def _forget_old(folder: Path, days: float = KEEP_DAYS) -> None:
    """Remove the notes older than ``days`` (a note names its day: an older one is never read again)."""
    limit = time.time() - days * 86400
    for entry in os.scandir(folder):
        try:
            if entry.stat().st_mtime < limit:
                os.unlink(entry.path)
        except OSError:          # removed meanwhile by another run
            pass
