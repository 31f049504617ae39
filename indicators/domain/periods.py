"""Reporting periods: a year, a half, a quarter or a month, and spans of years.

Text forms: ``2024`` (year), ``2024-H1`` (half), ``2024-Q3`` (quarter),
``2024-05`` (month) and, for baselines only, ``2016..2020`` (a span of years).
Every period has a first and a last day; periods are ordered by their last
day, which is also what a straight trajectory is measured on.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

_PATTERNS = (
    ("year", re.compile(r"^(\d{4})$", re.ASCII)),
    ("half", re.compile(r"^(\d{4})-H([12])$", re.ASCII)),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$", re.ASCII)),
    ("month", re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)),
    ("span", re.compile(r"^(\d{4})\.\.(\d{4})$", re.ASCII)),
)
_MONTHS_PER_PART = {"half": 6, "quarter": 3, "month": 1}


class PeriodError(ValueError):
    """Raised for text that is not a period."""


@dataclass(frozen=True, order=False)
class Period:
    """One reporting period; build it with :func:`parse_period`."""

    kind: str
    year: int
    part: int  # half, quarter or month number; for a span, its last year; else 0

    @property
    def text(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "half":
            return f"{self.year}-H{self.part}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.part}"
        if self.kind == "month":
            return f"{self.year}-{self.part:02d}"
        return f"{self.year}..{self.part}"

    @property
    def start(self) -> date:
        if self.kind in ("year", "span"):
            return date(self.year, 1, 1)
        months = _MONTHS_PER_PART[self.kind]
        return date(self.year, (self.part - 1) * months + 1, 1)

    @property
    def end(self) -> date:
        if self.kind == "year":
            return date(self.year, 12, 31)
        if self.kind == "span":
            return date(self.part, 12, 31)
        months = _MONTHS_PER_PART[self.kind]
        last_month = self.part * months
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def last_year(self) -> int:
        return self.end.year

    @property
    def closes_year(self) -> bool:
        """True when the period ends on 31 December (a full-year figure is known)."""
        return self.end.month == 12 and self.end.day == 31

    def __str__(self) -> str:
        return self.text


def parse_period(text: str | int, *, allow_span: bool = False) -> Period:
    """Parse a period's text form; raise :class:`PeriodError` if it is not one."""
    raw = str(text).strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(raw)
        if not match:
            continue
        if kind == "span":
            first, last = int(match.group(1)), int(match.group(2))
            if not allow_span:
                raise PeriodError(f"'{raw}': a span of years is allowed only for a baseline")
            if last <= first:
                raise PeriodError(f"'{raw}': a span must end after it starts")
            return Period("span", first, last)
        year = int(match.group(1))
        if not 1900 <= year <= 2100:
            raise PeriodError(f"'{raw}': year out of range")
        part = int(match.group(2)) if kind != "year" else 0
        return Period(kind, year, part)
    raise PeriodError(f"'{raw}' is not a period (expected 2024, 2024-H1, 2024-Q3 or 2024-05)")


@lru_cache(maxsize=16384)
def position(text: str) -> float:
    """Where a period sits on a chart's axis of years: a year at its number, a half, quarter or month at its
    middle within the year drawn from ``year - 0.5`` to ``year + 0.5`` (so twelve months of 2020 spread around
    2020 instead of piling up on it), a span at its last year."""
    period = parse_period(text, allow_span=True)
    if period.kind == "year":
        return float(period.year)
    if period.kind == "span":
        return float(period.part)
    parts = 12 // _MONTHS_PER_PART[period.kind]
    return period.year - 0.5 + (period.part - 0.5) / parts


def year_fraction(day: date) -> float:
    """``day`` as a decimal year, for measuring distances along a trajectory."""
    days_in_year = 366 if calendar.isleap(day.year) else 365
    return day.year + (day.timetuple().tm_yday) / days_in_year
