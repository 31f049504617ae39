"""The composite indices of a province as a leader reads them, true across the 2025 merger.

A province formed on 2025-07-01 (the new Tây Ninh, code 80) has no index values of its own from before it
existed; its code may even be a predecessor's (Long An was 80 until 2025-06-30). So its figures are its own only
where stored under its own key (code and validity). Where it has none, each predecessor's figure is shown beside
the others, labelled with the predecessor's name and era ("Tây Ninh (đến 30/06/2025) 47,35 · hạng 20 — Long An
(đến 30/06/2025) 42,29 · hạng 45"), and never one of them as the successor's: the publishers have not published
a combined value for the new provinces, and none is computed here.

National reference values: a published national mean where the publisher gives one (``national_value``), else a
mean computed over the provinces with a figure that year, labelled as computed with the number of provinces.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.domain.registry import ProvinceKey
from indicators.i18n import label
from indicators.services.views import COMPOSITES, MERGER_DAY, Dataset, _series, province_label

SUMMARY_COLUMNS = ["indicator_code", "name_vi", "name_en", "period", "value", "rank", "ranked", "change", "source",
                   "province_code", "province_name", "label_vi", "label_en", "own", "decimals"]


def composite_summary(ds: Dataset, keys: list[ProvinceKey], year: int) -> pd.DataFrame:
    """Per composite index, the latest value up to ``year`` with its rank (of how many provinces ranked) and the
    change since the year before. One row (``own``) when the province (``keys[0]``) has a figure of its own or
    absorbed nobody; otherwise one row per predecessor (``keys[1:]``), each labelled, ``own`` False."""
    rows = []
    for code, rank_code in COMPOSITES.items():
        meta = ds.indicator(code)
        mine = _latest(ds, keys[0], code, rank_code, year)
        if mine or len(keys) == 1:
            rows.append(_row(ds, meta, keys[0], mine, own=True))
            continue
        for old in keys[1:]:
            rows.append(_row(ds, meta, old, _latest(ds, old, code, rank_code, year), own=False))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _latest(ds: Dataset, key: ProvinceKey, code: str, rank_code: str, year: int) -> dict | None:
    series = _series(ds, [key], code)
    series = series[series.period_end.dt.year <= year]
    if series.empty:
        return None
    series = series.sort_values("period_end")
    latest = series.iloc[-1]
    previous = series[series.period_end < latest.period_end]
    change = None
    if not previous.empty and previous.iloc[-1].period_end.year == latest.period_end.year - 1 \
            and comparable(ds, code, previous.iloc[-1].period_end.year, latest.period_end.year):
        change = float(latest.value - previous.iloc[-1].value)
    ranks = ds.actuals(rank_code)
    ranks = ranks[ranks.period == latest.period]
    rank = ranks[(ranks.province_code == key[0]) & (ranks.province_valid_from.dt.date == key[1])]
    return {"period": latest.period, "value": float(latest.value), "change": change, "source": latest.source,
            "rank": None if rank.empty else int(rank.iloc[0].value), "ranked": int(len(ranks)) or None}


def _row(ds: Dataset, meta: pd.Series, key: ProvinceKey, found: dict | None, own: bool) -> dict:
    row = {"indicator_code": meta.name, "name_vi": meta.name_vi, "name_en": meta.name_en, "period": None,
           "value": None, "rank": None, "ranked": None, "change": None, "source": None, "province_code": key[0],
           "province_name": ds.registry.name(key), "label_vi": province_label(ds, key, "vi"),
           "label_en": province_label(ds, key, "en"), "own": own, "decimals": int(meta.decimals)}
    return row | (found or {})


def comparable(ds: Dataset, code: str, year_a: int, year_b: int) -> bool:
    """False across a method change (PAPI's 2018 move from 6 to 8 dimensions)."""
    changes = ds.method_changes[ds.method_changes.indicator_code == code].from_year
    return not any(min(year_a, year_b) < y <= max(year_a, year_b) for y in changes)


def predecessor_line(rows: pd.DataFrame, lang: str, number) -> str:
    """``Tây Ninh (đến 30/06/2025) 47,35 · hạng 20 — Long An (đến 30/06/2025) 42,29 · hạng 45``: the predecessors'
    figures of one index side by side (``number(value, decimals, lang)`` formats a figure)."""
    parts = []
    for r in rows.itertuples():
        name = r.label_vi if lang == "vi" else r.label_en
        if r.value is None or pd.isna(r.value):
            parts.append(f"{name}: " + label("no_figure", lang))
            continue
        text = f"{name} {number(r.value, int(r.decimals), lang)} ({r.period})"
        if r.rank is not None and not pd.isna(r.rank):
            text += " · " + label("rank_of", lang, rank=int(r.rank))
        parts.append(text)
    return " — ".join(parts)


def no_combined_value(ds: Dataset, key: ProvinceKey, lang: str) -> str:
    """What stands in place of a successor's own figure for the years before it existed."""
    name = province_label(ds, key, lang)
    olds = ds.registry.predecessors(key)
    if len(olds) == 1:
        old = province_label(ds, olds[0], lang)
        return label("svc_no_value_one_predecessor", lang, name=name, old=old)
    return label("svc_no_value_predecessors", lang, name=name)


def merger_note(ds: Dataset, key: ProvinceKey, lang: str) -> str | None:
    """What a leader must know about the province's place in the 2025 merger: formed from whom (or not merged),
    or, for a province that ended, when and into which one. None for a province the merger did not concern."""
    row = ds.registry.row(key)
    if pd.notna(row.valid_to):
        successor = row.get("successor_code")
        ended = pd.Timestamp(row.valid_to).strftime("%d/%m/%Y")
        if isinstance(successor, str) and successor:
            after = (successor, pd.Timestamp(row.successor_valid_from).date())
            name = province_label(ds, after, lang) if after in ds.labels else successor
            return label("svc_province_ended_into", lang, province=row["name"], ended=ended, successor=name)
        return label("svc_province_ended", lang, province=row["name"], ended=ended)
    olds = ds.registry.predecessors(key)
    if key[1] != MERGER_DAY or not olds:
        return None
    day = MERGER_DAY.strftime("%d/%m/%Y")
    if len(olds) == 1:
        return label("svc_province_not_merged", lang, province=row["name"], day=day,
                     old=province_label(ds, olds[0], lang))
    names = ", ".join(province_label(ds, k, lang) for k in olds)
    return label("svc_province_merged", lang, province=row["name"], day=day, names=names)


def years_with_figures(ds: Dataset, keys: list[ProvinceKey] | None) -> list[int]:
    """The years in which the scope (a province and its predecessors; the whole country when None) has a figure
    of a composite index or of one of its targets' indicators, oldest first."""
    years: set[int] = set()
    for code in COMPOSITES:
        series = ds.actuals(code) if keys is None else _series(ds, keys, code)
        years |= set(series.period_end.dt.year.astype(int))
    targets = ds.targets if keys is None else ds.targets[ds.targets.province_key.isin(
        {f"{c}|{d.isoformat()}" for c, d in keys})]
    if len(targets):
        series = ds.target_series(targets)
        if len(series):
            years |= set(pd.to_datetime(series.period_end).dt.year.astype(int))
    return sorted(years)


def latest_year_with_figures(ds: Dataset, keys: list[ProvinceKey] | None, today: date | None = None) -> int | None:
    """The latest year up to this one with figures for the scope (None when it has none at all)."""
    return latest_year(years_with_figures(ds, keys), today)


def latest_year(years: list[int], today: date | None = None) -> int | None:
    """The latest of ``years`` up to this one (None when there is none): where a page opens."""
    this_year = (today or date.today()).year
    return max((y for y in years if y <= this_year), default=None)


def national_reference(ds: Dataset, code: str, period: str | None) -> dict:
    """The national mean for ``code`` in ``period``: published where the publisher gives one (``kind`` published,
    with its source), else computed as the mean of the provinces with a figure that period (``kind`` computed,
    ``provinces`` how many); ``value`` None when neither exists."""
    out = {"value": None, "period": period, "kind": None, "provinces": None, "source": None}
    if period is None:         # the province has no figure: the latest reference there is
        published = ds.national[(ds.national.indicator_code == code) & (ds.national.statistic == "mean")]
        values = ds.actuals(code)
        if len(published):
            period = published.sort_values("period_end").iloc[-1].period
        elif len(values):
            period = values.sort_values("period_end").iloc[-1].period
        else:
            return out
        out["period"] = period
    national = ds.national[(ds.national.indicator_code == code) & (ds.national.statistic == "mean")
                           & (ds.national.period == period)]
    if len(national):
        row = national.iloc[-1]
        return out | {"value": float(row.value), "kind": "published", "source": row.source}
    values = ds.actuals(code)
    values = values[values.period == period]
    if len(values):
        return out | {"value": float(values.value.mean()), "kind": "computed", "provinces": int(len(values))}
    return out


def reference_text(ref: dict, decimals: int, lang: str, number) -> str:
    """``86,98 (2023, công bố)`` / ``47,50 (2024, tính: trung bình 63 tỉnh)``; "chưa có số liệu" when none."""
    if ref["value"] is None:
        return label("no_figure", lang)
    figure = number(ref["value"], decimals, lang)
    if ref["kind"] == "published":
        return label("svc_reference_published", lang, figure=figure, period=ref["period"])
    return label("svc_reference_computed", lang, figure=figure, period=ref["period"], count=int(ref["provinces"]))
