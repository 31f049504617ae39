"""What a report says about the 2025 merger and the plans it covers: the provinces a successor was formed from and
on which day (the province registry's successor columns), and each plan reported on, with the province that issued
it when that is a predecessor (an inherited plan, reported under the successor's name).

Names are written as prose ("tỉnh Long An", "tỉnh Tây Ninh (cũ)" for a predecessor whose name the successor kept),
in both languages, so that the report's sentences and titles read as Vietnamese administrative text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.domain.registry import ProvinceKey
from indicators.reports.phrases import w
from indicators.services.views import Dataset


@dataclass(frozen=True)
class PlanLine:
    """A plan the report covers: its number and title, its term, and the province that issued it."""

    number: str
    title: str
    start: str
    end: str
    issuer_vi: str         # "tỉnh Tây Ninh (cũ)"
    issuer_en: str
    inherited: bool        # issued by a predecessor, carried on by the report's province


@dataclass(frozen=True)
class Merger:
    """The province's place in the 2025 merger: the day it was formed and the provinces it was formed from."""

    formed_on: date
    from_vi: tuple[str, ...]
    from_en: tuple[str, ...]

    @property
    def merged(self) -> bool:
        """Formed from two or more provinces (one predecessor: the province kept its territory)."""
        return len(self.from_vi) > 1


def prose_name(ds: Dataset, key: ProvinceKey, lang: str, successor: ProvinceKey | None = None) -> str:
    """``tỉnh Long An`` / ``Long An province``; ``tỉnh Tây Ninh (cũ)`` for a predecessor whose name ``successor``
    kept (the two would otherwise read the same)."""
    row = ds.registry.row(key)
    full = str(row.full_name or row["name"])
    kind = "city" if full.lower().startswith("thành phố") else "province"
    name = str(row["name"])
    text = w(f"prose_{kind}", lang, name=name)
    if successor is not None and successor != key and ds.registry.row(successor)["name"] == name:
        text = w("prose_former", lang, name=text)
    return text


def merger_of(ds: Dataset, key: ProvinceKey) -> Merger | None:
    """The provinces ``key`` was formed from (None for a province of the old list)."""
    olds = ds.registry.predecessors(key)
    if not olds:
        return None
    # the absorbed provinces first in the registry's order, the one whose name was kept last ("Long An và Tây Ninh
    # (cũ)"), as the merger's texts name them
    olds = sorted(olds, key=lambda k: (ds.registry.row(k)["name"] == ds.registry.row(key)["name"], k))
    return Merger(key[1], tuple(prose_name(ds, k, "vi", key) for k in olds),
                  tuple(prose_name(ds, k, "en", key) for k in olds))


def plan_lines(ds: Dataset, key: ProvinceKey, plan_ids: list[str]) -> list[PlanLine]:
    """The plans reported on, in the order given; an inherited one names the predecessor that issued it."""
    plans = ds.plans.set_index("id")
    out = []
    for plan_id in plan_ids:
        plan = plans.loc[plan_id]
        owner = (str(plan.province_code), pd.Timestamp(plan.province_valid_from).date())
        out.append(PlanLine(str(plan.number), dashes(str(plan.title)), str(plan.period_start), str(plan.period_end),
                            prose_name(ds, owner, "vi", key), prose_name(ds, owner, "en", key), owner != key))
    return out


def dashes(text: str) -> str:
    """A term written ``2021 - 2025`` as ``2021–2025`` (an en dash between years, as titles print it)."""
    return re.sub(r"(\d{4})\s*[-–]\s*(\d{4})", r"\1–\2", text)


def plan_title(plan: PlanLine, lang: str) -> str:
    """The summary line of a plan's closing review: ``Tổng kết Chương trình hành động … giai đoạn 2021–2025 của
    tỉnh Tây Ninh (cũ)``; a plan of the province itself needs no owner."""
    issuer = plan.issuer_vi if lang == "vi" else plan.issuer_en
    key = "title_closing_of" if plan.inherited else "title_closing"
    return w(key, lang, title=plan.title, number=plan.number, issuer=issuer)
