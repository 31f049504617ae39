"""Finding a province by code or name on a given day, and across the 2025 merger.

A code alone is ambiguous (15 was Yên Bái until 2025-06-30 and is Lào Cai
since 2025-07-01), so every lookup takes the day the code or name is meant
for; the answer is a province key: ``(code, valid_from)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from .text import name_key

ProvinceKey = tuple[str, date]


class UnknownProvince(LookupError):
    """No province matches; the message says what was asked and, where known, why."""


@dataclass(frozen=True)
class Registry:
    provinces: pd.DataFrame  # Store.provinces()
    aliases: pd.DataFrame    # Store.province_aliases()

    def valid_on(self, day: date) -> pd.DataFrame:
        p = self.provinces
        return p[(p.valid_from.dt.date <= day) & (p.valid_to.isna() | (p.valid_to.dt.date >= day))]

    def row(self, key: ProvinceKey) -> pd.Series:
        p = self.provinces
        match = p[(p.code == key[0]) & (p.valid_from.dt.date == key[1])]
        if match.empty:
            raise UnknownProvince(f"no province {key[0]} valid from {key[1]}")
        return match.iloc[0]

    def resolve(self, text: str, day: date) -> ProvinceKey:
        """The province that ``text`` (a code or any known name) meant on ``day``."""
        text = str(text).strip()
        candidates = self._candidates(text)
        if candidates.empty:
            raise UnknownProvince(f"'{text}' is not a known province code or name")
        on_day = candidates[(candidates.valid_from.dt.date <= day)
                            & (candidates.valid_to.isna() | (candidates.valid_to.dt.date >= day))]
        if len(on_day) == 1:
            return _key(on_day.iloc[0])
        if len(on_day) > 1:
            raise UnknownProvince(f"'{text}' matches several provinces on {day}")
        latest = candidates.sort_values("valid_from").iloc[-1]
        successor = latest.successor_code
        hint = f"; its successor is {successor}" if isinstance(successor, str) and successor else ""
        raise UnknownProvince(f"'{text}' ({latest['name']}) was not a province on {day}{hint}")

    def resolve_latest(self, text: str) -> ProvinceKey:
        """The most recent province that ``text`` has named (for lookups without a date)."""
        candidates = self._candidates(str(text).strip())
        if candidates.empty:
            raise UnknownProvince(f"'{text}' is not a known province code or name")
        return _key(candidates.sort_values("valid_from").iloc[-1])

    def predecessors(self, key: ProvinceKey) -> list[ProvinceKey]:
        """The provinces that became ``key`` (empty for a province of the old list)."""
        p = self.provinces
        match = p[(p.successor_code == key[0]) & (p.successor_valid_from.dt.date == key[1])]
        return [_key(r) for _, r in match.sort_values("code").iterrows()]

    def _candidates(self, text: str) -> pd.DataFrame:
        p = self.provinces
        if text.isdigit():
            return p[p.code == text.zfill(2)]
        a = self.aliases[self.aliases.alias_key == name_key(text)]
        keys = set(zip(a.code, a.valid_from.dt.date))
        return p[[(c, d) in keys for c, d in zip(p.code, p.valid_from.dt.date)]]


def _key(row: pd.Series) -> ProvinceKey:
    return row["code"], row["valid_from"].date()
