"""Cells of an uploaded table, read for the actuals' checks: each distinct cell looked at once, numbers read
per unit, periods and blanks recognised."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Callable

import numpy as np
import pandas as pd

from indicators.domain.periods import Period, PeriodError, parse_period
from indicators.domain.suggest import closest, indicator_names, with_suggestions
from indicators.domain.values import WHOLE_UNITS, ValueProblem, is_missing, parse_number
from indicators.i18n import N_, bilingual

from .table import Cell, Problem, cell_text, is_mojibake


def filled(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds something (not None, not NaN, not only spaces)."""
    values = frame.to_numpy(dtype=object)
    filled = np.zeros(values.shape, dtype=bool)
    for j in range(values.shape[1]):
        filled[:, j] = np.fromiter(map(_holds, values[:, j]), dtype=bool, count=values.shape[0])
    return pd.DataFrame(filled, index=frame.index, columns=frame.columns)


def _holds(cell: Cell) -> bool:
    if isinstance(cell, str):
        return not cell.isspace() and cell != ""
    if cell is None:
        return False
    return not (isinstance(cell, float) and cell != cell)


def per_unique(values: Any, function: Callable[[Any], Any], default: Any = None
                ) -> tuple[np.ndarray, np.ndarray, dict[int, ValueProblem]]:
    """``function`` applied once per distinct value: (result per row, code per row, problem per code)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    if (codes < 0).any():  # None and NaN: one more distinct value, an empty cell
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = list(uniques) + [""]
    results = np.empty(len(uniques), dtype=object)
    errors: dict[int, ValueProblem] = {}
    for j, value in enumerate(uniques):
        try:
            results[j] = function(value)
        except ValueProblem as problem:
            results[j] = default
            errors[j] = problem
    return results[codes], codes, errors


def texts_of(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cells as NFC text (numbers without ``.0``), computed once per distinct cell, and each cell's code (equal
    codes, equal cells) for :func:`per_distinct`."""
    texts, codes, _ = per_unique(series, cell_text)
    return texts, codes


def per_distinct(values: np.ndarray, codes: np.ndarray, function: Callable[[Any], Any]) -> np.ndarray:
    """``function`` of each row's value, applied once per code of ``codes`` (rows of a code hold one value): a
    column already coded by :func:`texts_of` is not hashed again."""
    if not len(codes):
        return np.empty(0, dtype=object)
    distinct = np.empty(int(codes.max()) + 1, dtype=object)
    distinct[codes] = values
    return np.array([function(v) for v in distinct], dtype=object)[codes]


def is_garbled(text: str) -> bool:
    return bool(text) and not text.isascii() and is_mojibake(text)


def period_of(cell: Cell) -> Period:
    if isinstance(cell, datetime) or isinstance(cell, date):
        day = cell.date() if isinstance(cell, datetime) else cell
        if day.day != 1:
            raise ValueProblem(*bilingual("imp_date_not_period"))
        return parse_period(f"{day.year}-{day.month:02d}")
    text = cell_text(cell).upper().replace(" ", "").replace("/", "-")
    if is_missing(text):
        raise ValueProblem(*bilingual("imp_period_blank"))
    try:
        return parse_period(text)
    except PeriodError:
        raise ValueProblem(*bilingual("imp_not_period")) from None


_PLAIN = re.compile(r"[+-]?\d{1,15}(\.\d{1,15})?", re.ASCII)
_ALL_PLAIN = re.compile(r"[+-]?\d{1,15}(?:\.\d{1,15})?(?:\n[+-]?\d{1,15}(?:\.\d{1,15})?)*", re.ASCII)


def values_of(cells: pd.Series, units: np.ndarray, percent: np.ndarray | None
              ) -> tuple[np.ndarray, dict[int, ValueProblem]]:
    """Figures of the value cells, each read for its indicator's unit; NaN where a cell is refused.

    Plain numbers (``85.5``, ``-3``; for whole-number units only digits) are read at once; every other cell
    (decimal comma, thousands, ``%``, Excel numbers, blanks) goes through :func:`parse_number` one by one."""
    out = np.full(len(cells), np.nan)
    errors: dict[int, ValueProblem] = {}
    whole = np.isin(units, list(WHOLE_UNITS))
    text = cells.to_numpy(dtype=object)
    plain = _plain_numbers(text, whole)
    if plain.any():
        out[plain] = pd.to_numeric(pd.Series(text[plain], dtype=object)).to_numpy(dtype=float)
    for i in np.flatnonzero(~plain):
        try:
            out[i] = _cell_value(text[i], units[i], bool(whole[i]), percent is not None and bool(percent[i]))
        except ValueProblem as problem:
            errors[int(i)] = problem
    return out, errors


def _plain_numbers(text: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Which cells are text holding a plain number (no decimals where the unit counts whole things): read in one
    pass when, as usual, every text cell is one."""
    is_text = np.fromiter((isinstance(c, str) for c in text), dtype=bool, count=len(text))
    plain = np.zeros(len(text), dtype=bool)
    if not is_text.any():
        return plain
    texts = text[is_text].tolist()
    joined = "\n".join(texts)
    if _ALL_PLAIN.fullmatch(joined):  # the usual case: every cell a plain number, checked in one pass
        matches = np.ones(len(texts), dtype=bool)
    else:
        matches = np.fromiter((_PLAIN.fullmatch(t) is not None for t in texts), dtype=bool, count=len(texts))
    if "." in joined and whole.any():
        dotted = np.fromiter(("." in t for t in texts), dtype=bool, count=len(texts))
        matches &= ~(dotted & whole[is_text])
    plain[np.flatnonzero(is_text)[matches]] = True
    return plain


def _cell_value(cell: Any, unit: str, whole: bool, percent: bool) -> float:
    """One cell read for its unit: a number Excel stored (a %-formatted cell only for a percent indicator) or
    text through :func:`parse_number`; raises :class:`ValueProblem` saying why it is refused."""
    if isinstance(cell, bool):
        raise ValueProblem(*bilingual("dom_not_a_number"))
    if not isinstance(cell, (int, float)):
        return parse_number("" if cell is None else str(cell), unit)
    value = float(cell)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueProblem(*bilingual("imp_blank_or_not_number"))
    if percent:
        if unit != "percent":
            raise ValueProblem(*bilingual("imp_percent_cell_unit", unit=unit))
        value = float(f"{value * 100:.12g}")
    if whole and not value.is_integer():
        raise ValueProblem(*bilingual("dom_whole_number", unit=unit))
    return value


def problem_at(reason: ValueProblem, row: int, column: str, value: str) -> Problem:
    return Problem(reason.vi, reason.en, row=row, column=column, value=value)


def number_text(value: float) -> str:
    return "∞" if value == np.inf else f"{value:g}"



def same_text(left: np.ndarray, right: pd.Series) -> np.ndarray:
    """Element-wise equality of two text columns where None equals None."""
    a = np.array(["\x00" if v is None or v != v else v for v in left], dtype=object)
    b = np.array(["\x00" if v is None or v != v else v for v in right.to_numpy(dtype=object)], dtype=object)
    return a == b


def unknown_indicator(text: str, indicators: pd.DataFrame | dict[str, dict[str, Any]],
                      key: str = N_("imp_unknown_indicator")) -> tuple[str, str]:
    """The refusal (``key``) of an indicator cell that names none, followed by the closest codes: ``indicators``
    is the catalogue as a frame (``Store.indicators()``, or indexed by code) or as a dict of rows by code."""
    if isinstance(indicators, pd.DataFrame):
        names = indicator_names(indicators)
    else:
        names = [(str(name), code) for code, row in indicators.items()
                 for name in (code, row.get("name_vi"), row.get("name_en")) if isinstance(name, str)]
    return with_suggestions(*bilingual(key), closest(text, names) if text else [])
