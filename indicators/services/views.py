"""What the pages show, computed from the store's frames: functions over pandas.

A :class:`Dataset` holds the small tables every page needs, read once, and reads actuals a slice at a time (4.7
million rows at ten times the country's volume, never copied whole); these functions make the frames behind each
card, table and chart, testable without Streamlit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, wraps
from typing import Any, Callable

import pandas as pd

from indicators.domain.registry import ProvinceKey, Registry
from indicators.domain.scorecard import judge_targets, series_wanted, with_successors
from indicators.domain.status import STATUS_ORDER
from indicators.domain.units import DEPARTMENT_KINDS
from indicators.i18n import label
from indicators.storage import Store

COMPOSITES = {"par_index": "par_index_rank", "papi_total": "papi_total_rank", "sipas": "sipas_rank",
              "pci_total": "pci_rank"}
MERGER_DAY = date(2025, 7, 1)
# What the comparison offers first (the composite indices, then the dimensions most asked for), what it opens
# with, and the ranks it can chart.
COMPARE_FIRST = ("papi_total", "pci_total", "par_index", "sipas", "dti", "papi_d5_procedures",
                 "papi_d8_e_governance", "pci_transparency", "pci_time_costs")
COMPARE_DEFAULT = ("papi_total", "pci_total")
COMPARE_PROVINCES = ("42@2004", "40@2004", "38@2004")
RANK_INDICATORS = ("papi_total_rank", "pci_rank", "par_index_rank", "sipas_rank", "dti_rank")


MEMO_SIZE = 4096   # results kept per dataset before the memo starts again (each a few numbers or a short text)


def per_dataset(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function(ds, *args)``, a pure function of one dataset (one data version) and its arguments, computed once
    per dataset and arguments: the pages ask the same question many times a rerun (why a year has no figure, how
    many provinces existed then). Lists among the arguments count by their contents; the day is part of the key
    (some answers change when a year's edition is due). Results must not be changed by callers."""
    @wraps(function)
    def run(ds: "Dataset", *args: Any, **kwargs: Any) -> Any:
        key = (function.__module__, function.__qualname__, date.today(),
               *(tuple(a) if isinstance(a, list) else a for a in args), *sorted(kwargs.items()))
        try:
            return ds._memo[key]
        except KeyError:
            pass
        except TypeError:          # an argument that cannot be a key: computed each time
            return function(ds, *args, **kwargs)
        if len(ds._memo) >= MEMO_SIZE:
            ds._memo.clear()
        value = ds._memo[key] = function(ds, *args, **kwargs)
        return value
    return run


@dataclass(frozen=True, eq=False)
class Dataset:
    store: Store
    provinces: pd.DataFrame
    aliases: pd.DataFrame
    indicators: pd.DataFrame
    targets: pd.DataFrame
    national: pd.DataFrame
    plans: pd.DataFrame
    tasks: pd.DataFrame
    method_changes: pd.DataFrame
    progress: pd.DataFrame = field(default_factory=pd.DataFrame)      # task progress as entered
    departments: pd.DataFrame = field(default_factory=pd.DataFrame)   # units that are not communes or wards
    kept: int = 48  # indicators whose actuals stay in memory, the most recently used (memory: docs/benchmarks.md)
    _slices: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)     # results of the functions marked @per_dataset

    @classmethod
    def load(cls, store: Store, kept: int = 48) -> "Dataset":
        provinces, indicators = store.provinces(), store.indicators()
        targets = with_successors(store.targets(), provinces, indicators)
        targets["province_key"] = _key_column(targets)
        return cls(store, provinces, store.province_aliases(), indicators, targets,
                   store.national_values(), store.plans(), store.tasks(), store.method_changes(),
                   store.task_progress(), store.units(kinds=DEPARTMENT_KINDS), kept)

    @cached_property
    def unit_names(self) -> dict[tuple[str, date, str], str]:
        return {(r.province_code, r.province_valid_from.date(), r.code): r.name for r in self.departments.itertuples()}

    @cached_property
    def unit_groups(self) -> dict[str, str]:
        groups = self.store.unit_groups()
        return dict(zip(groups.code, groups.name_vi))

    @cached_property
    def lead_names(self) -> dict[str, str]:
        """Unit code → name of every department, other body and group: how progress by lead body is labelled."""
        return {code: name for (_, _, code), name in self.unit_names.items()} | self.unit_groups

    def actuals(self, indicator_code: str) -> pd.DataFrame:
        """Every actual of one indicator (all provinces and periods), read on first use and then kept while it
        is among the ``kept`` most recently used. The frame is shared: callers copy before changing it."""
        with self._lock:
            if indicator_code in self._slices:
                self._slices.move_to_end(indicator_code)
                return self._slices[indicator_code]
        frame = self.store.indicator_actuals(indicator_code)  # with its province_key (see _key_column)
        with self._lock:
            self._slices[indicator_code] = frame
            while len(self._slices) > self.kept:
                self._slices.popitem(last=False)
        return frame

    def is_kept(self, indicator_code: str) -> bool:
        """Whether that indicator's actuals are in memory (read and not yet dropped)."""
        with self._lock:
            return indicator_code in self._slices

    def actuals_in(self, period: str) -> pd.DataFrame:
        """Every actual of one period (all indicators and provinces)."""
        return self.store.actuals(period=period)

    def target_series(self, targets: pd.DataFrame) -> pd.DataFrame:
        """The actuals each target of ``targets`` is judged on (its province era and indicator, and its
        successor's where the province was merged before the deadline)."""
        return self.store.actual_series(series_wanted(targets))

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """How many actuals each indicator has per province era: which indicators have data, and where."""
        return self.store.actual_coverage()  # with its province_key

    @cached_property
    def measured(self) -> list[str]:
        """Indicators with at least one actual, in catalogue order."""
        used = set(self.coverage.indicator_code)
        return [c for c in self.indicators.code if c in used]

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.provinces, self.aliases)

    @cached_property
    def key_index(self) -> dict[str, ProvinceKey]:
        return {key_text((r.code, r.valid_from.date())): (r.code, r.valid_from.date())
                for r in self.provinces.itertuples()}

    @cached_property
    def labels(self) -> dict[ProvinceKey, dict[str, str]]:
        result = {}
        for r in self.provinces.itertuples():
            if pd.isna(r.valid_to):
                era = {lang: label("svc_era_from", lang, day=f"{r.valid_from:%d/%m/%Y}") for lang in ("vi", "en")}
            else:
                era = {lang: label("svc_era_to", lang, day=f"{r.valid_to:%d/%m/%Y}") for lang in ("vi", "en")}
            result[(r.code, r.valid_from.date())] = {lang: f"{r.name} ({era[lang]})" for lang in ("vi", "en")}
        return result

    @cached_property
    def indicator_index(self) -> pd.DataFrame:
        return self.indicators.set_index("code")

    def indicator(self, code: str) -> pd.Series:
        return self.indicator_index.loc[code]

    def indicator_names(self, lang: str) -> dict[str, str]:
        """Indicator code → name in ``lang`` (a dict: select boxes look up every option on every rerun)."""
        return self._names["vi" if lang == "vi" else "en"]

    @cached_property
    def _names(self) -> dict[str, dict[str, str]]:
        return {lang: dict(zip(self.indicators.code, self.indicators[f"name_{lang}"])) for lang in ("vi", "en")}


def key_text(key: ProvinceKey) -> str:
    """``42@2004``: a province key as it stands in a URL (code @ year its validity began)."""
    return f"{key[0]}@{key[1].year}"


def parse_key_text(ds: Dataset, text: str) -> ProvinceKey | None:
    return ds.key_index.get(str(text))


def province_label(ds: Dataset, key: ProvinceKey, lang: str = "vi") -> str:
    """``Tây Ninh (từ 01/07/2025)`` / ``Tây Ninh (to 30/06/2025)``: a name that says which era."""
    return ds.labels[key]["vi" if lang == "vi" else "en"]


def scope(ds: Dataset, key: ProvinceKey) -> list[ProvinceKey]:
    """A province and, for one formed in 2025, the old provinces it absorbed (their history)."""
    return [key, *ds.registry.predecessors(key)]


def status_table(store: Store, keys: list[ProvinceKey], as_of_year: int) -> pd.DataFrame:
    """One row per target (per year for recurring targets), judged as of the end of ``as_of_year``."""
    targets = with_successors(store.targets(keys), store.provinces(), store.indicators())
    return judge_targets(targets, store.actual_series(series_wanted(targets)), as_of_year)


# --- overview ---------------------------------------------------------------------------------

# what a judged target carries of its target besides the judgement
JUDGED_META = ["indicator_name_vi", "indicator_name_en", "source_quote", "plan_id", "province_valid_from", "unit",
               "successor_valid_from", "not_stated", "reform_area"]


def judged_targets(ds: Dataset, keys: list[ProvinceKey] | None, as_of_year: int) -> pd.DataFrame:
    """The latest judgement of every target of ``keys`` (all provinces when None), most urgent first."""
    targets = ds.targets if keys is None else ds.targets[_in_keys(ds.targets, keys)]
    judged = judge_targets(targets, ds.target_series(targets), as_of_year)
    if judged.empty:      # no target: the same columns, so that every reader of them finds none rather than fails
        named = [f"judged_{what}_{lang}" for lang in ("vi", "en") for what in ("on", "indicator")]
        return judged.assign(urgency=pd.Series(dtype=int), **{c: pd.Series(dtype=object) for c in JUDGED_META + named})
    latest = judged.drop_duplicates("target_id", keep="last").copy()
    latest["urgency"] = latest.status.map({s: i for i, s in enumerate(STATUS_ORDER)})
    meta = targets.set_index("target_id")[JUDGED_META]
    latest = latest.join(meta, on="target_id")
    for lang in ("vi", "en"):  # whose figure was judged: "Tây Ninh (từ 01/07/2025)", the replacing indicator
        latest[f"judged_on_{lang}"] = [province_label(ds, (c, s.date()), lang) if isinstance(c, str) else None
                                       for c, s in zip(latest.judged_on_code, latest.successor_valid_from)]
        names = ds.indicator_names(lang)
        latest[f"judged_indicator_{lang}"] = [names.get(c) if isinstance(c, str) else None
                                              for c in latest.judged_indicator]
    return latest.sort_values(["urgency", "deadline_period", "target_id"]).reset_index(drop=True)


def inherited_plans(ds: Dataset, key: ProvinceKey) -> pd.DataFrame:
    """The plans of the provinces merged into ``key`` that were still running when it took over: it reports
    their remaining periods and closes them (tổng kết)."""
    return plans_inherited(ds.plans, ds.registry.predecessors(key), key)


def plans_inherited(plans: pd.DataFrame, predecessors: list[ProvinceKey], key: ProvinceKey) -> pd.DataFrame:
    olds = set(predecessors)
    mine = [(c, d.date()) in olds for c, d in zip(plans.province_code, plans.province_valid_from)]
    running = plans.period_end.astype(str).str[:4].astype(int) >= key[1].year
    return plans[pd.Series(mine, index=plans.index) & running]


def plan_ids(plans: pd.DataFrame, keys: list[ProvinceKey] | None) -> list[str]:
    """The plans of a province's scope (itself and the provinces it absorbed, so the plans it inherited), or
    all plans when ``keys`` is None."""
    if keys is None:
        return list(plans.id)
    wanted = set(keys)
    return [p for p, c, d in zip(plans.id, plans.province_code, plans.province_valid_from) if (c, d.date()) in wanted]


def status_counts(judged: pd.DataFrame) -> dict[str, int]:
    counts = judged.status.value_counts().to_dict() if not judged.empty else {}
    return {status: int(counts.get(status, 0)) for status in STATUS_ORDER}


def _key_column(frame: pd.DataFrame) -> pd.Series:
    """``42|2004-01-01`` per row: the province key the store's reads add in SQL (database._PROVINCE_KEY)."""
    return frame.province_code + "|" + frame.province_valid_from.dt.strftime("%Y-%m-%d")


def _in_keys(frame: pd.DataFrame, keys: list[ProvinceKey]) -> pd.Series:
    """A boolean mask: the rows of ``frame`` whose (province_code, province_valid_from) is in ``keys``."""
    column = frame.province_key if "province_key" in frame else _key_column(frame)
    return column.isin({f"{c}|{d.isoformat()}" for c, d in keys})


def _series(ds: Dataset, keys: list[ProvinceKey], indicator_code: str) -> pd.DataFrame:
    a = ds.actuals(indicator_code)
    return a[_in_keys(a, keys)]


def with_families(ds: Dataset, judged: pd.DataFrame) -> pd.DataFrame:
    """Judged targets with their indicator's family and their deadline's year (what the plans page filters on)."""
    families = ds.indicators.set_index("code").family
    return judged.assign(family=judged.indicator_code.map(families),
                         deadline_year=judged.deadline_period.str[:4].astype(int))


def plan_targets(ds: Dataset, as_of_year: int) -> pd.DataFrame:
    """Every judged target as of ``as_of_year`` with its family and deadline year: the plans page's table."""
    return with_families(ds, judged_targets(ds, None, as_of_year))


def filter_targets(judged: pd.DataFrame, provinces: list[str], families: list[str], statuses: list[str],
                   span: tuple[int, int]) -> pd.DataFrame:
    """The targets (from :func:`with_families`) of the chosen provinces, families and statuses (none chosen:
    all) whose deadline falls in ``span``."""
    shown = judged
    if provinces:
        shown = shown[shown.province_name.isin(provinces)]
    if families:
        shown = shown[shown.family.isin(families)]
    if statuses:
        shown = shown[shown.status.isin(statuses)]
    return shown[shown.deadline_year.between(*span)]


def filter_tasks(tasks: pd.DataFrame, provinces: list[str], span: tuple[int, int]) -> pd.DataFrame:
    if provinces:
        tasks = tasks[tasks.province_name.isin(provinces)]
    return tasks[tasks.deadline_period.str[:4].astype(int).between(*span)]


def filter_occurrences(occurrences: pd.DataFrame, provinces: list[str], span: tuple[int, int]) -> pd.DataFrame:
    """Task occurrences of the chosen provinces (all when none) due within the span of years."""
    if provinces:
        occurrences = occurrences[occurrences.province_name.isin(provinces)]
    return occurrences[occurrences.due_year.between(*span)] if len(occurrences) else occurrences
