"""What the periodic CCHC report of a province says, assembled from the database (issue 15, first part: the
content; the Word and PDF files are written from it).

A report is for a province and a period: a quarter (``2026-Q1``), a half (``2026-H1``), a year (``2026``) or a
plan's whole term for its closing review (``plan:<plan id>``). Targets are judged on the figures of the period's
year. Task progress is counted as of the end of the Ministry of Home Affairs' data window for the report
(thời gian chốt số liệu, Văn bản 581/BNV-CCHC on the periodic CCHC reports under Decree 09/2019/NĐ-CP, as
published by Sở Nội vụ Nam Định: quarter I 15/12 of the year before to 14/3, 6 months 15/12 to 14/6, quarter III
15/6 to 14/9, the year 15/12 to 14/12; the report is due by the 20th of the period's last month). Periods the
Ministry sets no window for (quarters II and IV, the second half, a plan's term) use the calendar period, and the
report says so. Every figure is one the database holds; a missing one stays ``None`` and is shown as missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from indicators.domain.league import league
from indicators.domain.periods import PeriodError, parse_period
from indicators.domain.reform_areas import CODES
from indicators.domain.registry import ProvinceKey
from indicators.domain.tasks import Summary, by_unit, summary
from indicators.i18n import N_ as W_
from indicators.i18n import column
from indicators.reports.merger import Merger, PlanLine, merger_of, plan_lines, prose_name
from indicators.reports.phrases import w
from indicators.services.index_views import composite_summary, national_reference
from indicators.services.unit_views import task_occurrences, unit_index_table
from indicators.services.views import STATUS_ORDER, Dataset, judged_targets, plan_ids, province_label, scope

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
WINDOW_SOURCE = ("Văn bản 581/BNV-CCHC của Bộ Nội vụ hướng dẫn chế độ báo cáo CCHC định kỳ "
                 "(sonoivu.namdinh.gov.vn/cai-cach-hanh-chinh/bo-noi-vu-huong-dan-thuc-hien-che-do-bao-cao-"
                 "cai-cach-hanh-chinh-dinh-ky-2627)")


def _window(kind: str, year: int, number: int) -> tuple[date, date] | None:
    """The Ministry's data window of a quarter I, a first half, a quarter III or a year; None for the rest."""
    if (kind, number) in (("quarter", 1), ("half", 1), ("year", 1)):
        end = {"quarter": date(year, 3, 14), "half": date(year, 6, 14), "year": date(year, 12, 14)}[kind]
        return date(year - 1, 12, 15), end
    if (kind, number) == ("quarter", 3):
        return date(year, 6, 15), date(year, 9, 14)
    return None


class ReportPeriodError(ValueError):
    """A period a report cannot be made for."""


@dataclass(frozen=True)
class ReportPeriod:
    text: str
    kind: str            # quarter, half, year, plan
    start: date
    end: date
    label_vi: str
    label_en: str
    plan_id: str | None = None
    window: tuple[date, date] | None = None    # the Ministry's data window, where it sets one

    @property
    def year(self) -> int:
        return self.end.year

    def as_of(self, today: date) -> date:
        """The day task progress is counted on: the window's last day (else the period's), today at the latest."""
        return min(self.window[1] if self.window else self.end, today)


def report_period(text: str, ds: Dataset | None = None) -> ReportPeriod:
    """``2026-Q1``, ``2026-H1``, ``2026`` or ``plan:<id>`` (a plan's term, for its closing review)."""
    text = text.strip()
    if text.startswith("plan:"):
        plan_id = text[5:]
        plans = ds.plans.set_index("id") if ds is not None else None
        if plans is None or plan_id not in plans.index:
            raise ReportPeriodError(f"no plan {plan_id}")
        plan = plans.loc[plan_id]
        first, last = parse_period(str(plan.period_start)), parse_period(str(plan.period_end))
        return ReportPeriod(text, "plan", first.start, last.end,
                            *both(W_("period_plan"), number=plan.number, start=plan.period_start, end=plan.period_end),
                            plan_id)
    try:
        period = parse_period(text)
    except PeriodError as error:
        raise ReportPeriodError(str(error)) from None
    year = period.start.year
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        return ReportPeriod(period.text, "quarter", period.start, period.end,
                            *both(W_("period_quarter"), roman=ROMAN[quarter], number=quarter, year=year),
                            window=_window("quarter", year, quarter))
    if period.kind == "half":
        first = period.start.month == 1
        return ReportPeriod(period.text, "half", period.start, period.end,
                            *both(W_("period_first_half") if first else W_("period_second_half"), year=year),
                            window=_window("half", year, 1 if first else 2))
    if period.kind == "year":
        return ReportPeriod(period.text, "year", period.start, period.end, *both(W_("period_year"), year=year),
                            window=_window("year", year, 1))
    raise ReportPeriodError(f"a report is for a quarter, a half, a year or a plan, not {period.kind} {text}")


@dataclass
class ReportContent:
    province: ProvinceKey
    province_vi: str
    province_en: str
    period: ReportPeriod
    as_of: date
    targets: pd.DataFrame                      # every target of the province's plans, inherited ones too
    status_counts: dict[str, int]
    tasks: Summary
    tasks_by_unit: pd.DataFrame
    overdue: pd.DataFrame                      # overdue occurrences, by lead unit
    indices: pd.DataFrame                      # composite indices: value, rank, change, national mean and best
    shortcomings: list[tuple[str, str]]        # (vi, en) sentences, generated, for the analyst to edit
    all_occurrences: pd.DataFrame = field(default_factory=pd.DataFrame)   # every occurrence, for the appendix
    done_in_period: int = 0                    # occurrences completed within the period (or its data window)
    leagues: dict[str, pd.DataFrame] = field(default_factory=dict)   # the province's own index: scope → league
    league_year: int | None = None
    full_name: str = ""                        # "Tỉnh Hà Tĩnh": the issuing body's line
    name_ascii: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    plans: list[PlanLine] = field(default_factory=list)   # the plans reported on, inherited ones named as such
    merger: Merger | None = None               # the provinces it was formed from on 01/07/2025, if any
    prose_vi: str = ""                         # "tỉnh Tây Ninh": the province in a sentence
    prose_en: str = ""

    def prose(self, lang: str) -> str:
        return self.prose_vi if lang == "vi" else self.prose_en


def report_content(ds: Dataset, key: ProvinceKey, period: ReportPeriod, today: date | None = None,
                   now: datetime | None = None) -> ReportContent:
    today = today or date.today()
    as_of = period.as_of(today)
    keys = scope(ds, key)
    targets = judged_targets(ds, keys, as_of.year)
    plans = [period.plan_id] if period.plan_id is not None else running_plans(ds, keys, period)
    targets = targets[targets.plan_id.isin(plans)]
    baselines = ds.targets.drop_duplicates("target_id").set_index("target_id")[["baseline_period", "baseline_value"]]
    targets = with_area(targets.join(baselines, on="target_id"), ds.targets, "target_id")
    counts = {s: int((targets.status == s).sum()) for s in STATUS_ORDER}
    occurrences = task_occurrences(ds, keys, as_of)
    if len(occurrences):
        occurrences = occurrences[occurrences.plan_id.isin(plans)]
    occurrences = with_area(occurrences, ds.tasks, ["plan_id", "ref"])
    late = occurrences[occurrences.overdue] if len(occurrences) else occurrences
    unreported = occurrences[occurrences.not_reported] if len(occurrences) else occurrences
    first = period.window[0] if period.window else period.start
    occurrences = _marked_done_in(occurrences, first, as_of)
    done_in = int(occurrences.done_in_period.sum())
    leagues, league_year = _leagues(ds, keys, as_of.year)
    provinces = ds.provinces
    row = provinces[(provinces.code == key[0]) & (provinces.valid_from.dt.date == key[1])].iloc[0]
    return ReportContent(
        province=key, province_vi=province_label(ds, key, "vi"), province_en=province_label(ds, key, "en"),
        period=period, as_of=as_of, targets=targets, status_counts=counts, tasks=summary(occurrences),
        tasks_by_unit=by_unit(occurrences, ds.lead_names), overdue=late, indices=_indices(ds, keys, as_of.year),
        shortcomings=_shortcomings(targets, late, unreported), all_occurrences=occurrences, done_in_period=done_in,
        leagues=leagues, league_year=league_year, full_name=str(row.full_name), name_ascii=str(row.name_ascii),
        provenance=_provenance(ds, now or datetime.now()), plans=plan_lines(ds, key, plans),
        merger=merger_of(ds, key), prose_vi=prose_name(ds, key, "vi"), prose_en=prose_name(ds, key, "en"))


def with_area(frame: pd.DataFrame, source: pd.DataFrame, on: str | list[str]) -> pd.DataFrame:
    """``frame`` with its ``reform_area`` column: its own, else the one of ``source`` (the stored tasks or targets,
    matched on ``on``), else none yet. A value that is not an area's code is not classified (None): never guessed."""
    if "reform_area" not in frame.columns:
        if "reform_area" in source.columns and len(frame):
            keys = [on] if isinstance(on, str) else on
            areas = source.drop_duplicates(keys).set_index(keys).reform_area
            frame = frame.join(areas, on=keys)
        else:
            frame = frame.assign(reform_area=None)
    return frame.assign(reform_area=[a if a in CODES else None for a in frame.reform_area])


def _marked_done_in(occurrences: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """The occurrences with ``done_in_period``: completed between ``first`` and ``last`` (the period or its data
    window), so that each reform area's sentence counts its own."""
    if not len(occurrences):
        return occurrences.assign(done_in_period=pd.Series(dtype=bool))
    finished = pd.to_datetime(occurrences.completed_on)
    return occurrences.assign(done_in_period=(occurrences.status == "done") & (finished >= pd.Timestamp(first))
                              & (finished <= pd.Timestamp(last)))


def running_plans(ds: Dataset, keys: list[ProvinceKey], period: ReportPeriod) -> list[str]:
    """The plans of the province's scope (its own and those it inherited) whose term overlaps the period: a 2026
    report covers the plans running in 2026, not one that closed in 2020."""
    mine = set(plan_ids(ds.plans, keys))
    return [p.id for p in ds.plans.itertuples() if p.id in mine
            and parse_period(str(p.period_start)).start <= period.end
            and parse_period(str(p.period_end)).end >= period.start]


def content_of(ds: Dataset, key: ProvinceKey, period_text: str, today: date | None = None) -> ReportContent:
    """The report of a province for a period written as text (what the page caches per data version and day)."""
    return report_content(ds, key, report_period(period_text, ds), today=today)


def _leagues(ds: Dataset, keys: list[ProvinceKey], year: int) -> tuple[dict[str, pd.DataFrame], int | None]:
    """The league tables of the province's own index (departments, communes) for the latest year up to ``year``
    that has scores, with each unit's change of appraised points since the year before (where it was appraised
    then); empty when the province has scored none."""
    table = unit_index_table(ds, keys[:1])
    years = sorted(int(y) for y in table.year.unique() if int(y) <= year) if len(table) else []
    if not years:
        return {}, None
    latest, out = years[-1], {}
    for scope_name in ("department", "commune"):
        now = league(table, scope_name, latest)
        if not len(now):
            continue
        before = league(table, scope_name, latest - 1).set_index("unit_code").appraised
        out[scope_name] = now.assign(change=now.appraised - now.unit_code.map(before))
    return out, latest


def _indices(ds: Dataset, keys: list[ProvinceKey], year: int) -> pd.DataFrame:
    """The province's composite indices (its predecessors' side by side where it has no figure of its own), each
    with the national mean of the same year (published, or computed and labelled) and the best province."""
    mine = composite_summary(ds, keys, year)
    refs = [national_reference(ds, c, p if isinstance(p, str) else None)
            for c, p in zip(mine.indicator_code, mine.period)]
    mine["national_mean"] = [r["value"] for r in refs]
    mine["mean_period"] = [r["period"] for r in refs]
    mine["mean_kind"] = [r["kind"] for r in refs]
    mine["mean_provinces"] = [r["provinces"] for r in refs]
    best = [_best(ds, c, p) for c, p in zip(mine.indicator_code, mine.period)]
    mine["best_province"] = [b[0] for b in best]
    mine["best_value"] = [b[1] for b in best]
    return mine


def _best(ds: Dataset, code: str, period: str | None) -> tuple[str | None, float | None]:
    """The province with the highest figure of ``code`` in ``period`` (None when the period has none)."""
    if not isinstance(period, str):
        return None, None
    values = ds.actuals(code)
    values = values[values.period == period]
    if values.empty:
        return None, None
    top = values.loc[values.value.idxmax()]
    return str(top.province_name), float(top.value)


REFS_LISTED = 8     # task references named in one shortcoming sentence; the rest are counted


def _shortcomings(targets: pd.DataFrame, overdue: pd.DataFrame, unreported: pd.DataFrame) -> list[tuple[str, str]]:
    """One sentence per missed or off-track target and per lead body with overdue tasks: a draft the analyst
    edits, made only of what the database holds."""
    out = []
    for r in targets[targets.status.isin(["missed", "off_track"])].itertuples():
        out.append(tuple(_target_shortcoming(r, lang) for lang in ("vi", "en")))
    if len(unreported):
        for names, group in unreported.groupby("lead_names", sort=True):
            refs = task_refs(group.head(REFS_LISTED))
            out.append(tuple(
                w("short_unreported", lang, names=names or w("short_no_lead", lang), n=len(group), refs=refs,
                  more=w("short_more", lang, n=len(group) - REFS_LISTED) if len(group) > REFS_LISTED else "")
                for lang in ("vi", "en")))
    if len(overdue):
        for names, group in overdue.groupby("lead_names", sort=True):
            refs = task_refs(group)
            out.append(tuple(w("short_overdue", lang, names=names or w("short_no_lead", lang), n=len(group),
                               refs=refs) for lang in ("vi", "en")))
    return out


def task_refs(occurrences: pd.DataFrame) -> str:
    """The tasks' items, each once with the years of its occurrences: ``490/QĐ-UBND III.5.b (2021, 2022)``."""
    years: dict[str, list[str]] = {}
    for g in occurrences.itertuples():
        years.setdefault(f"{g.plan_number} {g.ref}", []).append(g.occurrence or "")
    return ", ".join(item + (f" ({', '.join(y for y in found if y)})" if any(found) else "")
                     for item, found in years.items())


# the status word of a shortcoming, w(f"short_{status}")
SHORTCOMING_WORDS = (W_("short_missed"), W_("short_off_track"))


def _target_shortcoming(r: Any, lang: str) -> str:
    """A missed or off-track target in one sentence: its indicator, requirement, deadline and latest figure."""
    got = (w("missing", lang) if r.actual is None or pd.isna(r.actual)
           else w("short_got", lang, value=f"{r.actual:g}", period=r.period))
    return w("short_target", lang, indicator=getattr(r, column("indicator_name", lang)),
             requirement=getattr(r, column("requirement", lang)), deadline=r.deadline_period,
             word=w(f"short_{r.status}", lang), got=got)


def both(key: str, **values: Any) -> tuple[str, str]:
    """The report's word ``key`` in Vietnamese and in English (a period's two labels)."""
    return w(key, "vi", **values), w(key, "en", **values)


def _provenance(ds: Dataset, now: datetime) -> dict[str, Any]:
    """When the report was made and from which database state, so that two reports can be told apart."""
    version = ds.store.data_version()
    batches = ds.store.batches()
    batches = batches[batches.status != "refused"]   # a refused attempt wrote nothing: not the data's state
    latest = batches.iloc[0] if len(batches) else None
    return {"generated_at": now.replace(microsecond=0), "database_id": version[0], "data_version": version[1:3],
            "latest_batch": None if latest is None else int(latest.id),
            "latest_batch_at": None if latest is None else pd.Timestamp(latest.imported_at).to_pydatetime()}
