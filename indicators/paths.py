"""Where the database is, read without loading anything else (the standard library only): the ``report`` command
asks before its imports whether it will need a browser (reports/prelaunch.py); the storage seam names the same
file the same way."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parents[1] / "data" / "kpi.duckdb"   # the checkout's data/ folder


def is_database_url(text: object) -> bool:
    """Whether ``text`` names a PostgreSQL database (a ``postgresql://`` URL) rather than a DuckDB file."""
    return isinstance(text, str) and text.startswith(("postgresql://", "postgres://"))


def default_db_path() -> Path | str:
    """``KPI_DB`` when set (a DuckDB file, or a ``postgresql://`` URL), else ``data/kpi.duckdb``."""
    value = os.environ.get("KPI_DB")
    if is_database_url(value):
        return value
    return Path(value or DEFAULT_DB)
