"""CSV output that spreadsheet programs open safely.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) would be run as a formula by Excel or LibreOffice; such cells get a
leading apostrophe (``plain.formula_safe``, which the importer undoes exactly).
Numbers are written as numbers and are never touched.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

from .plain import formula_safe, shown


def escape_cell(value: object) -> object:
    """A cell as it may leave: control characters visible, a formula escaped."""
    return formula_safe(shown(value))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell formula-escaped: what ``st.dataframe`` is given, so that its toolbar's
    "Download as CSV" (written by the browser, out of our reach) lets no formula out either."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text:
        return frame
    return frame.assign(**{c: frame[c].map(escape_cell) for c in text})


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
