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

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.domain.registry import ProvinceKey
from indicators.i18n import N_, label
from indicators.services.views import COMPOSITES, MERGER_DAY, Dataset, _series, per_dataset, province_label

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
    # a rank is among the provinces with a figure that year (a province left unranked, as a tie, is among them);
    # one published for the top places only is among every province of that year, not among those held
    year_of, scored = latest.period_end.year, int((ds.actuals(code).period == latest.period).sum())
    ranked = provinces_in_year(ds, year_of) if partial_year(ds, code, year_of, scored) else max(scored, len(ranks))
    return {"period": latest.period, "value": float(latest.value), "change": change, "source": latest.source,
            "rank": None if rank.empty else int(rank.iloc[0].value), "ranked": int(ranked) or None}


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


@per_dataset
def no_combined_value(ds: Dataset, key: ProvinceKey, lang: str) -> str:
    """What stands in place of a successor's own figure for the years before it existed."""
    name = province_label(ds, key, lang)
    olds = ds.registry.predecessors(key)
    if len(olds) == 1:
        old = province_label(ds, olds[0], lang)
        return label("svc_no_value_one_predecessor", lang, name=name, old=old)
    return label("svc_no_value_predecessors", lang, name=name)


@per_dataset
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
    if len(values) and not partial_year(ds, code, int(period[:4]), len(values)):
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


# --- partial years and absence ------------------------------------------------------------------------

@dataclass(frozen=True)
class Publication:
    """What a publisher releases of its index each year (from the indicator's ``first_year``)."""
    blank_unpublished: bool = False   # the table held is the publisher's own: a province missing was not published
    top: int | None = None            # from ``top_from`` on, only the ``top`` best provinces of ``top_codes``
    top_from: int | None = None
    top_codes: tuple[str, ...] = ()

    def top_only(self, code: str, year: int) -> bool:
        return self.top_from is not None and year >= self.top_from and code in self.top_codes


# As ../shared/data/SOURCES.md and the catalogue's notes (data/indicators.yaml) record them. PAPI: rows left blank
# in the published tables are provinces not published. PCI: full tables to 2022, then totals and ranks of the top
# 30 only. PAR INDEX and SIPAS: the Ministry publishes every province in its report's appendices. DTI: dti.gov.vn
# ranks every province.
PUBLICATIONS = {"papi": Publication(blank_unpublished=True),
                "pci": Publication(top=30, top_from=2023, top_codes=("pci_total", "pci_rank")),
                "par_index": Publication(), "sipas": Publication(), "dti": Publication()}
THIN = 0.5   # below this share of the year's provinces, the figures held are top places or single reports, no table
ABSENCE = {"not_published": N_("absent_not_published"), "not_imported": N_("absent_not_imported"),
           "top_only": N_("absent_top_only"), "unknown": N_("absent_unknown")}


@per_dataset
def publication(ds: Dataset, code: str) -> Publication | None:
    """The publication of a published index's indicator; None for any other (a province's own figures)."""
    meta = ds.indicator(code)
    return PUBLICATIONS.get(meta.family) if pd.notna(meta.first_year) else None


def publisher_name(ds: Dataset, code: str, lang: str) -> str:
    """``Bộ Nội vụ`` / ``Ministry of Home Affairs``, from the catalogue's ``Vietnamese (English)``."""
    text = str(ds.indicator(code).publisher or "")
    if text.endswith(")") and " (" in text:
        vi, en = text[:-1].split(" (", 1)
        return en if lang == "en" else vi
    return text


@per_dataset
def provinces_in_year(ds: Dataset, year: int) -> int:
    """How many provinces of the year's list (63 before the 2025 merger, 34 from 2025) existed during ``year``."""
    p = ds.provinces
    new = p.valid_from >= pd.Timestamp(MERGER_DAY)
    alive = (p.valid_from <= pd.Timestamp(year, 12, 31)) & (p.valid_to.isna()
                                                             | (p.valid_to >= pd.Timestamp(year, 1, 1)))
    return int((alive & (new if year >= MERGER_DAY.year else ~new)).sum())


@per_dataset
def held_by_year(ds: Dataset, code: str) -> dict[int, int]:
    """Year → how many provinces have a figure of ``code`` that year."""
    a = ds.actuals(code)
    return {int(y): int(n) for y, n in a.groupby(a.period_end.dt.year).province_key.nunique().items()}


def partial_year(ds: Dataset, code: str, year: int, held: int) -> bool:
    """Whether the ``held`` figures of a year are no table of its provinces (a publisher's top places, single
    press figures): then no quartile, no rank and no mean is computed from them."""
    found = publication(ds, code)
    return bool(found and found.top_only(code, year)) or held < THIN * provinces_in_year(ds, year)


@per_dataset
def absence(ds: Dataset, code: str, year: int, today: date | None = None) -> str:
    """Why a province has no figure of ``code`` in ``year`` (a key of ABSENCE): its publisher did not publish it
    (before the index's first year, a year not out yet, below a top-only list held whole, blank in a table that
    is the publisher's own), it is published but not imported (the publisher's full table is not held), or it
    cannot be told."""
    found = publication(ds, code)
    if found is None:
        return "unknown"
    meta = ds.indicator(code)
    if year < int(meta.first_year) or year >= (today or date.today()).year:  # an edition comes out the year after
        return "not_published"
    held, existed = held_by_year(ds, code).get(year, 0), provinces_in_year(ds, year)
    if found.top_only(code, year):
        return "not_published" if held >= found.top else "top_only"
    if held >= THIN * existed:
        return "not_published" if found.blank_unpublished else "unknown"
    family = ds.indicators[(ds.indicators.family == meta.family) & ds.indicators.parent_code.isna()
                           & ds.indicators.first_year.notna()].code
    counts = [held_by_year(ds, c) for c in family]
    if not held and any(c.get(year, 0) >= THIN * existed for c in counts):
        return "unknown"   # the index's table of that year is held without this indicator: perhaps never in it
    latest = max((y for c in counts for y in c), default=None)
    return "not_imported" if held or (latest is not None and year <= latest) else "unknown"


def absence_text(ds: Dataset, code: str, year: int, lang: str, today: date | None = None) -> str:
    """``Bộ Nội vụ chưa công bố`` / ``chưa nhập số liệu`` / …: the absence in words."""
    found = publication(ds, code)
    return label(ABSENCE[absence(ds, code, year, today)], lang, publisher=publisher_name(ds, code, lang),
                 top=found.top if found and found.top else "")


def coverage_note(ds: Dataset, code: str, year: int, held: int, lang: str, today: date | None = None) -> str | None:
    """``Năm 2023: đã công bố 30/63 tỉnh (VCCI). …``: what a year's figures cover, when fewer provinces have one
    than existed that year; None when every province has one."""
    existed = provinces_in_year(ds, year)
    if held >= existed:
        return None
    found, name = publication(ds, code), publisher_name(ds, code, lang)
    if found and found.top_only(code, year):
        published = max(held, found.top)
        text = label("cov_published", lang, year=year, published=published, m=existed, publisher=name) + " " \
            + label("cov_top_only", lang, publisher=name, top=found.top, since=found.top_from)
        if held < published:
            text += " " + label("cov_not_all_imported", lang, held=held)
    elif found and absence(ds, code, year, today) == "not_published":
        text = label("cov_published", lang, year=year, published=held, m=existed, publisher=name)
    elif found and absence(ds, code, year, today) == "not_imported":
        text = label("cov_held_missing", lang, year=year, held=held, m=existed)
    else:
        text = label("cov_held", lang, year=year, held=held, m=existed)
    return text + (" " + label("cov_shown_only", lang) if partial_year(ds, code, year, held) else "")


def _alive_years(ds: Dataset, key: ProvinceKey) -> range:
    row = ds.registry.row(key)
    last = pd.Timestamp(row.valid_to).year if pd.notna(row.valid_to) else date.today().year
    return range(pd.Timestamp(row.valid_from).year, last + 1)


@per_dataset
def missing_figures(ds: Dataset, keys: list[ProvinceKey], code: str, today: date | None = None,
                    span: tuple[int, int] | None = None) -> list[dict]:
    """For each province of ``keys``, the years from the first to the last of which any province has a figure of
    ``code`` (within ``span`` when given) in which it has none while it existed, as spans of consecutive years with
    the same reason: ``{"key", "spans": [(first, last, kind)]}``; provinces missing nothing are left out."""
    held = held_by_year(ds, code)
    years = list(range(min(held), max(held) + 1)) if held else []
    years = [y for y in years if span[0] <= y <= span[1]] if span else years
    found = []
    for key in keys:
        own = set(_series(ds, [key], code).period_end.dt.year.astype(int))
        alive = _alive_years(ds, key)
        spans: list[tuple[int, int, str]] = []
        for year in (y for y in years if y in alive and y not in own):
            kind = absence(ds, code, year, today)
            if spans and spans[-1][2] == kind and spans[-1][1] == year - 1:
                spans[-1] = (spans[-1][0], year, kind)
            else:
                spans.append((year, year, kind))
        if spans:
            found.append({"key": key, "spans": spans})
    return found


def missing_lines(ds: Dataset, keys: list[ProvinceKey], code: str, lang: str, today: date | None = None,
                  span: tuple[int, int] | None = None) -> list[str]:
    """``Hà Tĩnh (đến 30/06/2025): 2023–2024 VCCI chỉ công bố 30 tỉnh đứng đầu; …``, one line per province."""
    found, name = publication(ds, code), publisher_name(ds, code, lang)
    lines = []
    for item in missing_figures(ds, keys, code, today, span):
        parts = [(f"{a}" if a == b else f"{a}–{b}") + " " + label(ABSENCE[kind], lang, publisher=name,
                                                                  top=found.top if found and found.top else "")
                 for a, b, kind in item["spans"]]
        lines.append(province_label(ds, item["key"], lang) + ": " + "; ".join(parts))
    return lines


def import_helps(ds: Dataset, keys: list[ProvinceKey], code: str, today: date | None = None,
                 span: tuple[int, int] | None = None) -> bool:
    """Whether an import could fill a gap of ``keys`` in ``code`` (a figure published but not imported)."""
    return any(kind in ("not_imported", "top_only") for item in missing_figures(ds, keys, code, today, span)
               for _, _, kind in item["spans"])
