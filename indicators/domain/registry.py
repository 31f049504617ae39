"""Finding a province by code or name on a given day, and across the 2025 merger.

A code alone is ambiguous (15 was Yên Bái until 2025-06-30 and is Lào Cai
since 2025-07-01), so every lookup takes the day the code or name is meant
for; the answer is a province key: ``(code, valid_from)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.domain.suggest import suggest_province, with_suggestions
from indicators.domain.text import name_key
from indicators.errors import Bilingual
from indicators.i18n import bilingual, label

ProvinceKey = tuple[str, date]


class UnknownProvince(Bilingual, LookupError):
    """No province matches; the message (in both languages) says what was asked and, where known, why."""


@dataclass(frozen=True)
class _Era:
    code: str
    valid_from: date
    valid_to: date | None
    name: str
    successor_code: str | None

    def overlaps(self, first_day: date, last_day: date) -> bool:
        return self.valid_from <= last_day and (self.valid_to is None or self.valid_to >= first_day)


class Registry:
    """Province lookups over Store.provinces() and Store.province_aliases() (or the same frames
    made from the reference files by :func:`indicators.reference.loader.registry_from_reference`)."""

    def __init__(self, provinces: pd.DataFrame, aliases: pd.DataFrame):
        self.provinces = provinces
        self.aliases = aliases
        self._eras = {
            (r.code, r.valid_from.date()): _Era(r.code, r.valid_from.date(),
                                                None if pd.isna(r.valid_to) else r.valid_to.date(), r["name"],
                                                r.successor_code if isinstance(r.successor_code, str) else None)
            for _, r in provinces.iterrows()}
        self._by_alias: dict[str, list[ProvinceKey]] = {}
        for key, code, valid_from in zip(aliases.alias_key, aliases.code, aliases.valid_from):
            self._by_alias.setdefault(key, []).append((code, valid_from.date()))
        # Pages ask for rows and predecessors many times a rerun: both are looked up once here (a hundred rows).
        self._position = {(code, valid_from.date()): i
                          for i, (code, valid_from) in enumerate(zip(provinces.code, provinces.valid_from))}
        self._predecessors: dict[ProvinceKey, list[ProvinceKey]] = {}
        for code, valid_from, successor, since in sorted(zip(provinces.code, provinces.valid_from,
                                                             provinces.successor_code,
                                                             provinces.successor_valid_from), key=lambda r: r[0]):
            if isinstance(successor, str) and not pd.isna(since):
                self._predecessors.setdefault((successor, since.date()), []).append((code, valid_from.date()))

    def row(self, key: ProvinceKey) -> pd.Series:
        position = self._position.get(key)
        if position is None:
            raise UnknownProvince(*bilingual("dom_no_province_valid_from", code=key[0], day=str(key[1])))
        return self.provinces.iloc[position]

    def name(self, key: ProvinceKey) -> str:
        return self._eras[key].name

    def resolve(self, text: str, day: date) -> ProvinceKey:
        """The province that ``text`` (a code or any known name) meant on ``day``."""
        return self.resolve_in_period(text, day, day)

    def resolve_in_period(self, text: str, first_day: date, last_day: date) -> ProvinceKey:
        """The province ``text`` meant during a period: the one valid in it, or, where
        two were (a name kept across the 2025 merger), the one valid on its last day."""
        text = str(text).strip()
        candidates = self._candidates(text)
        if not candidates:
            raise self._unknown(text)
        overlapping = [e for e in candidates if e.overlaps(first_day, last_day)]
        if len(overlapping) > 1:
            overlapping = [e for e in overlapping if e.overlaps(last_day, last_day)]
        if len(overlapping) == 1:
            return overlapping[0].code, overlapping[0].valid_from
        if len(overlapping) > 1:
            raise UnknownProvince(*bilingual("dom_several_provinces", text=text, day=str(last_day)))
        latest = max(candidates, key=lambda e: e.valid_from)
        when = str(first_day) if first_day == last_day else f"{first_day}..{last_day}"
        texts = [label("dom_not_a_province_then", lang, text=text, name=latest.name, when=when)
                 + (label("dom_its_successor", lang, code=latest.successor_code) if latest.successor_code else "")
                 for lang in ("vi", "en")]
        raise UnknownProvince(*texts)

    def resolve_latest(self, text: str) -> ProvinceKey:
        """The most recent province that ``text`` has named (for lookups without a date)."""
        candidates = self._candidates(str(text).strip())
        if not candidates:
            raise self._unknown(text)
        latest = max(candidates, key=lambda e: e.valid_from)
        return latest.code, latest.valid_from

    def _unknown(self, text: str) -> UnknownProvince:
        """The refusal of a text that names no province, with the closest names ("did you mean …?"), looked for
        once per text (a file may repeat a misspelt name on every row)."""
        found = self.__dict__.setdefault("_suggestion_cache", {})
        if text not in found:
            found[text] = suggest_province(str(text), self.provinces, self.aliases)
        return UnknownProvince(*with_suggestions(*bilingual("dom_unknown_province", text=text), found[text]))

    def predecessors(self, key: ProvinceKey) -> list[ProvinceKey]:
        """The provinces that became ``key`` (empty for a province of the old list)."""
        return list(self._predecessors.get(key, []))

    def eras(self, text: str) -> list[_Era]:
        """Every province (of any era) that ``text`` has named: code, validity, name, successor."""
        return self._candidates(str(text).strip())

    def _candidates(self, text: str) -> list[_Era]:
        cache = self.__dict__.setdefault("_candidate_cache", {})
        found = cache.get(text)
        if found is None:
            found = cache[text] = self._find(text)
        return found

    def _find(self, text: str) -> list[_Era]:
        if text.isdigit():
            return [e for (code, _), e in self._eras.items() if code == text.zfill(2)]
        return [self._eras[k] for k in self._by_alias.get(name_key(text), [])]


def _key(row: pd.Series) -> ProvinceKey:
    return row["code"], row["valid_from"].date()


def province_keys(province: dict) -> set[str]:
    """Every matching key of a province: its names, its ASCII name and its aliases."""
    names = [province["name"], province["full_name"], province["name_ascii"], *province["aliases"]]
    return {name_key(n) for n in names if name_key(n)}

