"""Suggestions ("did you mean …?"): the names closest to a misspelt province, indicator or unit.

Names are compared on a folded form (NFC, Vietnamese diacritics dropped, case-folded, only letters and digits
kept: ``Tây  Nnh`` → ``taynnh``) with :func:`difflib.get_close_matches`, so that a missing accent, a missing
letter, a dash for a space or the wrong case all count as small differences. Each name points at a value (a
province's era, an indicator's code, a unit's code); the suggestions are the values of the closest names, the
best first, each value once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

import pandas as pd

from indicators.domain.text import fold_ascii, name_key, nfc
from indicators.i18n import label

V = TypeVar("V", bound=Hashable)

CUTOFF = 0.75        # difflib's similarity ratio a name needs to be suggested ("taynnh"/"tayninh": 0.92)
MARGIN = 0.1         # a name this much less similar than the best one is left out ("hatinh": not "hoabinh")
LIMIT = 3            # suggestions at most
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """The form names are compared on: ``TP. Hồ Chí Minh`` → ``tphochiminh``."""
    return _NOT_ALNUM.sub("", fold_ascii(nfc(str(text))).casefold())


def closest(text: str, names: Iterable[tuple[str, V]], limit: int = LIMIT, cutoff: float = CUTOFF) -> list[V]:
    """The values of the names closest to ``text`` (best first, each value once, at most ``limit``). ``names``
    are (name, value) pairs; a value may have several names (a province's names and aliases). Names much less
    similar than the best one are left out (see MARGIN)."""
    by_key: dict[str, list[V]] = {}
    for name, value in names:
        for key in {fold(name), name_key(str(name))} - {""}:
            by_key.setdefault(key, []).append(value)
    wanted = {fold(text), name_key(str(text))} - {""}
    scored: dict[V, float] = {}
    for want in wanted:
        for key in difflib.get_close_matches(want, by_key, n=limit * 4, cutoff=cutoff):
            ratio = difflib.SequenceMatcher(None, want, key).ratio()
            for value in by_key[key]:
                scored[value] = max(scored.get(value, 0.0), ratio)
    best = max(scored.values(), default=0.0)
    ranked = sorted(scored.items(), key=lambda item: -item[1])
    return [value for value, ratio in ranked if ratio >= best - MARGIN][:limit]


def did_you_mean(names: Iterable[str], lang: str) -> str:
    """``bạn có muốn nói ‘Tây Ninh’?`` / ``did you mean ‘Tây Ninh’?``; empty when there is nothing to suggest."""
    names = list(names)
    return label("did_you_mean", lang, names=", ".join(f"‘{name}’" for name in names)) if names else ""


def with_suggestions(vi: str, en: str, names: Iterable[str]) -> tuple[str, str]:
    """A refusal's two texts, each followed by the suggestions in its language (unchanged when there are none)."""
    names = list(names)
    if not names:
        return vi, en
    return f"{vi} — {did_you_mean(names, 'vi')}", f"{en} — {did_you_mean(names, 'en')}"


def province_names(provinces: pd.DataFrame, aliases: pd.DataFrame | None = None) -> list[tuple[str, tuple]]:
    """(name, era) pairs of every province era (``Store.provinces()``: its name, full name and ASCII name) and
    of every alias (``Store.province_aliases()``); an era is ``(code, valid_from as a date)``."""
    def era(code: str, since: pd.Timestamp) -> tuple:
        return code, pd.Timestamp(since).date()

    pairs = [(str(name), era(code, since))
             for column in ("name", "full_name", "name_ascii") if column in provinces
             for name, code, since in zip(provinces[column], provinces.code, provinces.valid_from)
             if isinstance(name, str)]
    if aliases is not None:
        pairs += [(key, era(code, since)) for key, code, since in zip(aliases.alias_key, aliases.code,
                                                                      aliases.valid_from)]
    return pairs


def era_names(provinces: pd.DataFrame) -> dict[tuple, str]:
    """Each province era ``(code, valid_from)`` → its name, to show a suggested era."""
    return {(code, pd.Timestamp(since).date()): name
            for code, since, name in zip(provinces.code, provinces.valid_from, provinces["name"])}


def suggest_province(text: str, provinces: pd.DataFrame, aliases: pd.DataFrame | None = None) -> list[str]:
    """The names of the provinces closest to ``text`` (``Tay Nnh`` → ``["Tây Ninh"]``), each name once."""
    names = era_names(provinces)
    found = closest(text, province_names(provinces, aliases), limit=LIMIT * 2)
    return list(dict.fromkeys(names[era] for era in found))[:LIMIT]


def indicator_names(indicators: pd.DataFrame) -> list[tuple[str, str]]:
    """(name, code) pairs of every indicator (``Store.indicators()``, or the same frame indexed by code): its code
    and its names in both languages."""
    if "code" not in indicators:
        indicators = indicators.reset_index()
    return [(str(name), code) for column in ("code", "name_vi", "name_en") if column in indicators
            for name, code in zip(indicators[column], indicators.code) if isinstance(name, str)]


def suggest_indicator(text: str, indicators: pd.DataFrame) -> list[str]:
    """The codes of the indicators closest to ``text`` (``papi totl`` → ``["papi_total", …]``)."""
    return closest(text, indicator_names(indicators))


def suggest_code(text: str, codes: Iterable[str], names: Iterable[str] | None = None) -> list[str]:
    """The codes closest to ``text``, matched on the codes and, when given, on their names (in the same order):
    a unit's code or name."""
    codes = list(codes)
    pairs = [(code, code) for code in codes]
    if names is not None:
        pairs += [(name, code) for name, code in zip(names, codes) if isinstance(name, str)]
    return closest(text, pairs)
