"""The frames behind the profile, the comparison and the rankings: a province's series beside the national mean
and best, the PAPI dimensions, peers and gaps, the ranking of a year, the country's composite indices, and the
choices those pages offer. Functions over a :class:`~indicators.services.views.Dataset`, testable without
Streamlit."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from indicators.domain.periods import position
from indicators.domain.registry import ProvinceKey
from indicators.i18n import label
from indicators.services.index_views import (
    ABSENCE,
    absence,
    coverage_note,
    held_by_year,
    missing_lines,
    partial_year,
    publication,
    publisher_name,
)
from indicators.services.views import (
    COMPARE_FIRST,
    COMPOSITES,
    MERGER_DAY,
    RANK_INDICATORS,
    Dataset,
    _in_keys,
    _series,
    judged_targets,
    province_label,
)


def country_composites(ds: Dataset) -> pd.DataFrame:
    """For the whole country: per composite index, the latest year with a full table (best province,
    number of provinces) and the latest published national mean."""
    rows = []
    for code in COMPOSITES:
        values = ds.actuals(code)
        counts = values.groupby("period").size()
        full = counts[counts >= 30]
        national = ds.national[(ds.national.indicator_code == code) & (ds.national.statistic == "mean")]
        row = {"indicator_code": code, "full_year": None, "provinces": None, "best_province": None,
               "best_value": None, "mean_period": None, "mean": None, "source": None}
        if not full.empty:
            year = full.index.max()
            last = values[values.period == year]
            best = last.loc[last.value.idxmax()]
            row.update(full_year=year, provinces=int(len(last)), best_province=best.province_name,
                       best_value=float(best.value), source=best.source)
        if not national.empty:
            latest = national.sort_values("period_end").iloc[-1]
            row.update(mean_period=latest.period, mean=float(latest.value),
                       source=(row["source"] + "; " if row["source"] else "") + latest.source)
        rows.append(row)
    return pd.DataFrame(rows)


PUBLISHED_SERIES = ("PAPI", "PCI", "PAR INDEX", "SIPAS", "DTI")   # sources whose yearly editions are one series


def summarise_sources(sources: pd.Series) -> str:
    """``PAPI (UNDP, CECODES, VFF-CRT) 2011–2024``: the yearly editions of a published index as one entry with its
    years; any other source (an analyst's import, a report) exactly as it was typed."""
    groups: dict[str, set[int]] = {}
    verbatim: set[str] = set()
    for source in sources.dropna().unique():
        if not str(source).upper().startswith(PUBLISHED_SERIES):
            verbatim.add(str(source))
            continue
        years = {int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", source)}
        groups.setdefault(" ".join(re.sub(r"\b(?:19|20)\d{2}\b", "", source).split()), set()).update(years)
    parts = list(verbatim)
    for text, years in groups.items():
        span = "" if not years else (f" {min(years)}" if len(years) == 1 else f" {min(years)}–{max(years)}")
        parts.append(text + span)
    return "; ".join(sorted(parts))


# --- profile and comparison ------------------------------------------------------------------------

def province_series(ds: Dataset, keys: list[ProvinceKey], indicator_code: str, lang: str = "vi") -> pd.DataFrame:
    """The actuals of ``keys`` for one indicator, each labelled with the province and its era."""
    series = _series(ds, keys, indicator_code).copy()
    labels = {k: province_label(ds, k, lang) for k in keys}
    series["label"] = [labels[(c, d.date())] for c, d in zip(series.province_code, series.province_valid_from)]
    series["x"] = [position(p) for p in series.period]  # its place on a chart's axis of years
    return series.sort_values(["label", "x", "period_end"], kind="stable")


def reference_lines(ds: Dataset, indicator_code: str) -> pd.DataFrame:
    """National mean (published) and national best (the best province figure stored) per period."""
    meta = ds.indicator(indicator_code)
    columns = ["period", "period_end", "line", "value", "source", "province_name"]
    national = ds.national[(ds.national.indicator_code == indicator_code) & (ds.national.statistic == "mean")]
    parts = [national.assign(line="mean", province_name=None)[columns]] if not national.empty else []
    a = ds.actuals(indicator_code)
    a = a[a.groupby("period").province_code.transform("count") >= 30]  # only where most provinces have a figure
    if not a.empty:
        by_period = a.groupby("period").value
        best = a.loc[by_period.idxmax() if meta.direction == "higher" else by_period.idxmin()]
        parts.append(best.assign(line="best")[columns])
    lines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    lines["x"] = [position(p) for p in lines.period]
    return lines.sort_values(["line", "x"], kind="stable").reset_index(drop=True)


def indicators_with_data(ds: Dataset, keys: list[ProvinceKey]) -> list[str]:
    """Indicators that have an actual or a target for ``keys``, in catalogue order."""
    used = set(ds.coverage[_in_keys(ds.coverage, keys)].indicator_code)
    used |= set(ds.targets[_in_keys(ds.targets, keys)].indicator_code)
    return [c for c in ds.indicators.code if c in used]


def papi_dimensions(ds: Dataset, key: ProvinceKey, year: int) -> pd.DataFrame:
    """The province's PAPI dimension scores in ``year`` beside those of the best province that year
    (the highest PAPI total)."""
    dims = ds.indicators[(ds.indicators.family == "papi") & ds.indicators.code.str.match(r"papi_d\d_[a-z_]+$")
                         & ~ds.indicators.code.str.endswith("_rank")]
    year_rows = ds.actuals_in(str(year))
    totals = year_rows[year_rows.indicator_code == "papi_total"]
    columns = ["indicator_code", "name_vi", "name_en", "value", "best", "best_province"]
    if totals.empty:
        return pd.DataFrame(columns=columns)
    leader = totals.loc[totals.value.idxmax()]
    scores = year_rows[year_rows.indicator_code.isin(dims.code)]
    own = scores[(scores.province_code == key[0]) & (scores.province_valid_from.dt.date == key[1])]
    best = scores[(scores.province_code == leader.province_code)
                  & (scores.province_valid_from == leader.province_valid_from)]
    own_values, best_values = dict(zip(own.indicator_code, own.value)), dict(zip(best.indicator_code, best.value))
    rows = [{"indicator_code": d.code, "name_vi": d.name_vi.replace("PAPI – ", ""),
             "name_en": d.name_en.replace("PAPI – ", ""), "value": own_values.get(d.code),
             "best": best_values.get(d.code), "best_province": leader.province_name}
            for d in dims.itertuples() if d.code in best_values]
    return pd.DataFrame(rows, columns=columns)


def peers(ds: Dataset, key: ProvinceKey) -> dict[str, list[ProvinceKey]]:
    """Suggested comparisons: the same region in the same list, and (old provinces) the others that
    merged into the same new province."""
    p = ds.provinces
    row = ds.registry.row(key)
    same_era = p[(p.valid_from == row.valid_from) & (p.code != key[0])]
    region = [(r.code, r.valid_from.date()) for _, r in same_era[same_era.region_code == row.region_code].iterrows()]
    merged = []
    if isinstance(row.successor_code, str) and pd.notna(row.valid_to) and row.valid_to.date() < MERGER_DAY:
        siblings = same_era[(same_era.successor_code == row.successor_code)
                            & (same_era.successor_valid_from == row.successor_valid_from)]
        merged = [(r.code, r.valid_from.date()) for _, r in siblings.iterrows()]
    return {"region": region, "merged": merged}


def gap_table(ds: Dataset, keys: list[ProvinceKey], as_of_year: int,
              judged: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each province, each target's latest figure and the gap to the target (positive = short)."""
    judged = judged_targets(ds, keys, as_of_year) if judged is None else judged
    if judged.empty:
        return judged
    targets = ds.targets.set_index("target_id")
    gaps = []
    for _, r in judged.iterrows():
        t = targets.loc[r.target_id]
        if r.actual is None or pd.isna(r.actual):
            gaps.append(None)
            continue
        goal = t.target_value if t.comparator != "between" or t.direction == "higher" else t.target_high
        better_up = t.comparator in (">=", ">") or (t.comparator == "between" and t.direction == "higher")
        gap = (goal - r.actual) if better_up else (r.actual - goal)
        gaps.append(max(gap, 0.0))
    return judged.assign(gap=gaps)


# --- rankings ------------------------------------------------------------------------------------

def ranking(ds: Dataset, indicator_code: str, year: int) -> pd.DataFrame:
    """Every province's figure for one indicator and year, best first, with its rank and quartile (1 = best).

    The year's own figure where the indicator has one; for an indicator reported monthly, quarterly or by half
    year, the year's latest period that has figures (``2024-12``), one period for every province so that the
    figures compare (the ``period`` column says which).

    The rank is the published one where the index publishes ranks (a province it left unranked has none); else
    it is computed, equal figures sharing the better rank, and only in a year of which the figures make a table:
    in a partial year (top places only, single press figures) no rank and no quartile (0) is derived."""
    meta = ds.indicator(indicator_code)
    a = ds.actuals(indicator_code)
    in_year = a[a.period.str.startswith(str(year))]
    rows = in_year[in_year.period == str(year)]
    if rows.empty and not in_year.empty:
        last = in_year[in_year.period_end == in_year.period_end.max()]
        rows = in_year[in_year.period == last.period.mode().iloc[0]]
    rows = rows.copy()
    if rows.empty:
        return rows.assign(rank=pd.Series(dtype=float), quartile=pd.Series(dtype=int),
                           feature_id=pd.Series(dtype=str))
    ascending = meta.direction == "lower"
    rows = rows.sort_values("value", ascending=ascending, kind="stable").reset_index(drop=True)
    partial = partial_year(ds, indicator_code, year, len(rows))
    rows["rank"] = _ranks(ds, indicator_code, rows, partial)
    order = rows.value.rank(ascending=ascending, method="first")
    rows["quartile"] = 0 if partial else ((order - 1) * 4 // len(rows) + 1).astype(int)
    rows["feature_id"] = [f"{c}@{d.date()}" for c, d in zip(rows.province_code, rows.province_valid_from)]
    return rows


def rank_code_of(ds: Dataset, indicator_code: str) -> str | None:
    """The indicator that holds the published ranks of ``indicator_code`` (``pci_total`` → ``pci_rank``)."""
    code = COMPOSITES.get(indicator_code, f"{indicator_code}_rank")
    return code if code in set(ds.indicators.code) else None


def _ranks(ds: Dataset, indicator_code: str, rows: pd.DataFrame, partial: bool) -> pd.Series:
    if ds.indicator(indicator_code).unit == "rank":
        return rows.value.astype(float)
    rank_code = rank_code_of(ds, indicator_code)
    if rank_code is not None:
        ranks = ds.actuals(rank_code)
        ranks = ranks[ranks.period == rows.period.iloc[0]]
        published = dict(zip(ranks.province_key, ranks.value.astype(float)))
        return pd.Series([published.get(k) for k in rows.province_key], index=rows.index, dtype=float)
    if partial:
        return pd.Series(float("nan"), index=rows.index)
    return rows.value.rank(ascending=ds.indicator(indicator_code).direction == "lower", method="min")


def years_with_data(ds: Dataset, indicator_code: str) -> list[int]:
    return sorted({int(p[:4]) for p in ds.actuals(indicator_code).period.unique()})


def indicator_changes(ds: Dataset, indicator_code: str) -> pd.DataFrame:
    """The method changes of an indicator or of its index (PAPI's 2018 move to 8 dimensions)."""
    changes = ds.method_changes
    return changes[changes.indicator_code.isin([indicator_code, ds.indicator(indicator_code).parent_code])]


def threshold_for(ds: Dataset, keys: list[ProvinceKey], indicator_code: str) -> pd.DataFrame:
    """The targets of ``keys``' plans on this indicator (the line a ranking chart draws)."""
    t = ds.targets[ds.targets.indicator_code == indicator_code]
    return t[_in_keys(t, keys)]


# --- choices and filters of the pages ---------------------------------------------------------------

def comparable_indicators(ds: Dataset) -> list[str]:
    """Indicators with figures that a comparison can chart: COMPARE_FIRST, then the others in catalogue order
    (no ranks, no tiers)."""
    measured = set(ds.measured)
    first = [c for c in COMPARE_FIRST if c in measured]
    return first + [c for c in ds.indicators.code if c not in first and c in measured
                    and not c.endswith("_rank") and c != "pci_tier"]


def rank_indicators(ds: Dataset) -> list[str]:
    measured = set(ds.measured)
    return [c for c in RANK_INDICATORS if c in measured]


def absence_notes(ds: Dataset, keys: list[ProvinceKey], indicator_code: str, lang: str,
                  today: date | None = None, span: tuple[int, int] | None = None) -> list[str]:
    """What a chart of ``keys`` on one indicator leaves out, in words: each partial year's coverage (đã công bố
    30/63 tỉnh), then each province's years without a figure and why (chưa nhập số liệu, VCCI chưa công bố);
    only the years of ``span`` when given (the chart's range of years)."""
    first, last = span or (0, 9999)
    notes = [coverage_note(ds, indicator_code, year, held, lang, today)
             for year, held in sorted(held_by_year(ds, indicator_code).items())
             if first <= year <= last and partial_year(ds, indicator_code, year, held)]
    return [n for n in notes if n] + missing_lines(ds, keys, indicator_code, lang, today, span)


# --- the comparison's range of years -----------------------------------------------------------------

def in_years(frame: pd.DataFrame, span: tuple[int, int]) -> pd.DataFrame:
    """The rows of a province_series frame whose period lies in the years ``span`` (both included)."""
    return frame[(frame.x >= span[0]) & (frame.x < span[1] + 1)]


def years_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def no_figures_note(ds: Dataset, indicator_code: str, name: str, span: tuple[int, int] | None, lang: str,
                    today: date | None = None) -> str:
    """``PAR INDEX: không có số liệu cho các tỉnh đã chọn trong 2018–2020 (2018–2019 chưa nhập số liệu; 2020 Bộ
    Nội vụ chưa công bố).``: the words a comparison shows instead of an empty panel, with why, year by year, when
    the publisher's editions tell it (see index_views.absence)."""
    if span is None:
        return label("compare_no_figures_ever", lang, indicator=name)
    spans: list[list] = []
    for year in range(span[0], span[1] + 1):
        kind = absence(ds, indicator_code, year, today)
        if spans and spans[-1][2] == kind:
            spans[-1][1] = year
        else:
            spans.append([year, year, kind])
    found, publisher = publication(ds, indicator_code), publisher_name(ds, indicator_code, lang)
    top = found.top if found and found.top else ""
    text = label("compare_no_figures", lang, indicator=name, years=years_text(*span))
    if any(kind != "unknown" for _, _, kind in spans):   # "không có số liệu" again would say nothing more
        text += " (" + "; ".join(years_text(a, b) + " " + label(ABSENCE[kind], lang, publisher=publisher, top=top)
                                 for a, b, kind in spans) + ")"
    return text + "."
