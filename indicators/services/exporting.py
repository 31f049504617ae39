"""CSV output that spreadsheet programs open safely, and tables as the page shows them.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) would be run as a formula by Excel or LibreOffice; such cells get a
leading apostrophe (``plain.formula_safe``, which the importer undoes exactly).
Numbers are written as numbers and are never touched. The escape is for files
only: a table on the page shows its text exactly (:func:`on_screen`).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

from indicators.domain.plain import formula_safe, shown
from indicators.domain.text import has_controls


def escape_cell(value: object) -> object:
    """A cell as it may leave: control characters visible, a formula escaped."""
    return formula_safe(shown(value))


def on_screen(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a table on the page shows it: every text cell exactly as stored, only its control characters
    shown as visible marks (a bidirectional override cannot turn the text around it). No apostrophe: the
    spreadsheet escape belongs to files. The tables' own CSV download and copy, which would write cells
    unescaped, are turned off by ``client.disableDataExport`` in .streamlit/config.toml; a table meant to be
    downloaded offers the app's escaped CSV (``ui.download``)."""
    text = [c for c in _text_columns(frame) if has_controls(frame[c])]
    return frame.assign(**{c: frame[c].map(shown) for c in text}) if text else frame


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell formula-escaped, control characters as marks: what a file made by the app
    (CSV, a spreadsheet) holds. Never shown on screen (see :func:`on_screen`)."""
    text = _text_columns(frame)
    return frame.assign(**{c: frame[c].map(escape_cell) for c in text}) if text else frame


def _text_columns(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def to_csv(frame: pd.DataFrame, *, bom: bool = False) -> str:
    """``frame`` as CSV text, formula cells escaped, dates as ISO, blanks for missing values."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            timed = bool((series.dropna() != series.dropna().dt.normalize()).any())
            safe[column] = series.dt.strftime("%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            safe[column] = series.map(lambda v: escape_cell(v.isoformat() if isinstance(v, (date, datetime)) else v))
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\n")
    return ("\ufeff" if bom else "") + buffer.getvalue()
