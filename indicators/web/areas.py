"""The reform area on the pages (issue 28): its name in the reader's language for a table's column, and a
multiselect filter kept in the URL (``?areas=procedures,none``) that tasks and targets are filtered by alike."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from indicators.domain.reform_areas import CODES, area_name
from indicators.i18n import label
from indicators.web.urls import url_choices

NONE = "none"   # the filter's choice for "not classified": a heading that names no single area
OPTIONS = (*CODES, NONE)


def _codes(frame: pd.DataFrame) -> pd.Series:
    """Each row's area code, NONE where it has none (NULL, empty, or a column the frame lacks)."""
    if "reform_area" not in frame:
        return pd.Series(NONE, index=frame.index, dtype=object)
    return frame.reform_area.where(frame.reform_area.isin(CODES), NONE)


def area_texts(frame: pd.DataFrame, lang: str) -> list[str]:
    """The area's name of each row in ``lang`` ("Chưa xếp lĩnh vực" / "Not classified" where it has none)."""
    return [area_name(None if code == NONE else code, lang) for code in _codes(frame)]


def in_areas(frame: pd.DataFrame, chosen: Sequence[str]) -> pd.DataFrame:
    """The rows of the chosen areas (NONE: the unclassified ones); every row when none is chosen."""
    return frame[_codes(frame).isin(list(chosen))] if chosen else frame


def area_filter(lang: str, key: str, where: Any = None) -> list[str]:
    """The area multiselect (empty: all areas), its choices in the URL as ``?areas=``."""
    return url_choices("areas", OPTIONS, [], label("filter_reform_area", lang), key=key, where=where,
                       placeholder=label("all", lang),
                       format_func=lambda code: area_name(None if code == NONE else code, lang))
