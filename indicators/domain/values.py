"""Reading a figure as analysts type it: ``85,5``, ``85.5``, ``1.234,5``, ``1 234``, ``85,5 %``.

Vietnamese writes a decimal comma and a thousands dot; spreadsheets exported in English do the opposite.
The indicator's unit settles what one separator alone means: a count (``1.234``, ``1,234``) is grouped in
thousands, a score or a percentage (``43,96``, ``43.96``) has decimals. A ``%`` sign is accepted only for
an indicator measured in percent. Blanks and ``N/A`` are not figures: the caller reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indicators.domain.text import nfc
from indicators.i18n import bilingual

MISSING = {"", "n/a", "na", "n.a.", "-", "—", "–", "..", "không có", "chưa có", "kxđ"}
_GROUPED = re.compile(r"^\d{1,3}([.,])\d{3}(\1\d{3})*$", re.ASCII)  # 1.234 / 1,234,567 (one separator, groups of 3)
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$", re.ASCII)
WHOLE_UNITS = {"count", "rank", "months", "tier"}


@dataclass(frozen=True)
class ValueProblem(ValueError):
    """Why a cell is not a figure, in both languages."""

    vi: str
    en: str

    def __str__(self) -> str:
        return self.en


def is_missing(text: str) -> bool:
    return nfc(text).strip().lower() in MISSING


def parse_number(text: str, unit: str) -> float:
    """The figure in ``text`` for an indicator measured in ``unit``; :class:`ValueProblem` if it is none."""
    raw = nfc(str(text)).strip()
    if raw.lower() in MISSING:
        raise ValueProblem(*bilingual("dom_missing_figure"))
    body = _SPACES.sub("", raw)
    if body.endswith("%"):
        if unit != "percent":
            raise ValueProblem(*bilingual("dom_percent_sign_unit", unit=unit))
        body = body[:-1]
    if "," in body and "." in body:  # both: the last one is the decimal separator
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        body = body.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif _GROUPED.match(body.lstrip("+-")) and unit in WHOLE_UNITS:
        body = body.replace(",", "").replace(".", "")
    elif "," in body:
        if body.count(",") > 1:
            raise ValueProblem(*bilingual("dom_many_commas"))
        body = body.replace(",", ".")
    if not _NUMBER.match(body):
        if any(ch.isdigit() and not ch.isascii() for ch in body):
            raise ValueProblem(*bilingual("dom_odd_digits"))
        raise ValueProblem(*bilingual("dom_not_a_number"))
    value = float(body)
    if unit in WHOLE_UNITS and value != int(value):
        raise ValueProblem(*bilingual("dom_whole_number", unit=unit))
    return value
