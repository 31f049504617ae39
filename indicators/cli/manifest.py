"""The folder the scheduled ``reports`` command writes into (:mod:`indicators.cli.scheduled`): its manifest
(``manifest.json``: for each province, period, format and language, the data version, the fingerprint of the
report's content, the file, its sha256 and when it was made), files written whole or not at all (a temporary file
beside the final one, then a rename), and a lock so that two runs never write into one folder at once."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.errors import Bilingual
from indicators.i18n import bilingual

MANIFEST = "manifest.json"
LOCK = ".reports.lock"
PARTIAL = ".partial"        # the suffix of a file being written: never left behind by a finished run
LAYOUT = 1                  # the manifest's own format


class FolderBusy(Bilingual, RuntimeError):
    """Another run holds the output folder."""


class ManifestUnreadable(Bilingual, ValueError):
    """The folder's manifest is not one this command wrote."""


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for a run (released when the process ends, even killed); refuse when another run
    holds it rather than wait: a timer that fires again while the last run is still at work skips its turn."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(*bilingual("cli_reports_folder_busy", folder=folder)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def entry_key(province: tuple[str, date], period: str, fmt: str, lang: str) -> str:
    """A manifest entry's key: ``80@2025-07-01/2025/docx/vi``."""
    return f"{province[0]}@{province[1].isoformat()}/{period}/{fmt}/{lang}"


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The manifest's entries (none for a new folder)."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ManifestUnreadable(*bilingual("cli_reports_manifest_unreadable", path=path)) from None
    if not isinstance(found, dict) or found.get("layout") != LAYOUT or not isinstance(found.get("files"), dict):
        raise ManifestUnreadable(*bilingual("cli_reports_manifest_unreadable", path=path))
    return found["files"]


def write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    """The manifest, replaced whole."""
    text = json.dumps({"layout": LAYOUT, "files": dict(sorted(entries.items()))}, ensure_ascii=False, indent=1)
    write_whole(folder / MANIFEST, text.encode("utf-8"))


def write_whole(path: Path, data: bytes) -> None:
    """``data`` into ``path`` whole: written to a temporary file in the same folder, flushed to disk, then renamed
    over ``path`` (a rename within a file system is atomic: a reader sees the old file or the new one, never half
    of one). The temporary file is removed when anything fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_intact(folder: Path, entry: dict[str, Any]) -> bool:
    """Whether the file an entry names is still there with the bytes it was written with."""
    path = folder / entry.get("file", "")
    return path.is_file() and sha256(path.read_bytes()) == entry.get("sha256")


def fingerprint(*parts: Any) -> str:
    """The sha256 of what a province's files are made from: the report's content
    (:class:`indicators.reports.content.ReportContent`) without its provenance (when it was made, the
    database-wide data version), and whatever else is given (the charts' figures, the indicators' decimals). The
    same fingerprint makes the same files, so the ones already written stand."""
    return sha256(json.dumps(_plain(list(parts)), sort_keys=True, default=str).encode("utf-8"))


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data in a stable form: data classes field by field, tables as their rows."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.name != "provenance"}
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.to_json(orient="split", date_format="iso", default_handler=str, double_precision=12)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
