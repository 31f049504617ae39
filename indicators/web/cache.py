"""Every cache of the web layer, in one list, keyed on the database's data version.

The data version (``Store.data_version``: the change log's count, which every committed import, undo, lock
and build moves) is read once at the start of each rerun (:func:`start_rerun`, from ``ui.language``, which
every page calls first). Each cached table and view takes it as part of its key, so a figure written by
another session, another process or another replica is shown on the next rerun, whoever wrote it — no
cache is cleared by the process that wrote. Views are cached by their own functions (:func:`cached_view`),
not named by strings.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Any, Callable, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from indicators.domain.registry import ProvinceKey
from indicators.reports import content as report_content
from indicators.services import comparisons, index_views, unit_views, views
from indicators.services.building import open_writable
from indicators.services.views import Dataset, key_text, per_dataset
from indicators.storage import Store, default_db_path, vietnamese_order

VERSION = "_data_version"
CACHES: list[Any] = []  # every data cache below; clear_caches() empties them all


def _listed(cache: Any) -> Any:
    CACHES.append(cache)
    return cache


_OPEN: list[Store] = []   # the connections get_store opened and has not closed (close_store never opens one)


@st.cache_resource
def get_store() -> Store:
    """The server's single read-write connection (built from data/ first if the file is new). Every query and
    every import runs on a cursor or a transaction of its own."""
    store = open_writable(default_db_path())
    _OPEN.append(store)
    return store


def _read_version() -> tuple:
    return get_store().data_version()


def start_rerun() -> tuple:
    """Read the data version for this rerun (what every cache below is keyed on)."""
    version = _read_version()
    if get_script_run_ctx() is not None:
        st.session_state[VERSION] = version
    return version


def data_version() -> tuple:
    """The data version read at the start of this rerun; read afresh for a caller outside a page's run."""
    if get_script_run_ctx() is None:
        return _read_version()
    version = st.session_state.get(VERSION)
    return version if version is not None else start_rerun()


def clear_caches(store: bool = False) -> None:
    """Empty every cache (tests; an operator's "clear cache"); with ``store``, close the connection too."""
    for cache in CACHES:
        cache.clear()
    if store:
        close_store()


def close_store() -> None:
    """Close the server's connection (the next rerun opens ``$KPI_DB`` again); the caches stay, keyed on the data
    version, which names the database and not the file. Nothing is opened to be closed: with no connection open,
    this only forgets the cached one."""
    get_store.clear()
    while _OPEN:
        _OPEN.pop().close()


class _ServerStore:
    """The server's store as it is now: a dataset, kept per data version, reads its slices through the current
    connection (which a restart, a test or a switch of file may have replaced)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(get_store(), name)


@_listed
@st.cache_resource(max_entries=2)
def _dataset(version: tuple) -> Dataset:
    dataset = Dataset.load(_ServerStore())
    dataset.registry  # noqa: B018 - build the lookup tables once
    return dataset


def get_dataset() -> Dataset:
    """Every small table the pages read, loaded once per data version."""
    return _dataset(data_version())


@_listed
@st.cache_data(max_entries=4)
def _table_counts(version: tuple) -> dict[str, int]:
    return get_store().table_counts()


def table_counts() -> dict[str, int]:
    return _table_counts(data_version())


@_listed
@st.cache_resource(max_entries=2)
def _sorted_keys(version: tuple) -> list[str]:
    p = _dataset(version).provinces.copy()
    p["current"] = p.valid_to.isna()
    p["sort"] = p.name.map(vietnamese_order(p.name))
    p = p.sort_values(["current", "sort"], ascending=[False, True])
    return [key_text((r.code, r.valid_from.date())) for r in p.itertuples()]


def sorted_keys() -> list[str]:
    """Key texts of every province: the 34 current ones first, then the 63 (and Hà Tây), each in Vietnamese
    alphabetical order."""
    return _sorted_keys(data_version())


def cached_view(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function(dataset, *args)`` of views.py, kept with the dataset of the current data version for its
    (hashable) arguments (:func:`views.per_dataset`): a filter the user has chosen before costs nothing the second
    time, and nothing is copied or hashed to give it back, only a shallow copy of a frame (pandas copies on write:
    a caller changing it never changes the kept one). A new data version is a new dataset: nothing stale is kept;
    the dataset's memo is bounded (views.MEMO_SIZE)."""
    kept = per_dataset(function)

    def call(*args: Any) -> Any:
        return _own(kept(get_dataset(), *args))

    call.__doc__, call.__name__ = function.__doc__, function.__name__
    return call


T = TypeVar("T")


KEPT_SIZE = 256         # what kept() holds per data version: the most recently used, each a table or a chart
_KEPT_LOCK = threading.Lock()


def kept(key: tuple, build: Callable[[], T]) -> T:
    """``build()``, kept with the current data version's dataset under ``key``: what a page shows for the choices
    in ``key`` (a table as the reader sees it, its counts), built once per data version, day and choices. ``key``
    must hold every choice the result depends on (its first item names what is built); the rest is the dataset,
    which a new data version replaces, and the day, which is part of the key. At most KEPT_SIZE results are kept,
    the least recently used dropped first (a table of tasks is ~0.2 MB: the memory stays bounded however many
    choices the readers make). Given back as :func:`_own` does."""
    memo = get_dataset()._memo
    full = (date.today(), *key)
    with _KEPT_LOCK:
        results = memo.get(_KEPT)
        if results is None:
            results = memo[_KEPT] = OrderedDict()
        if full in results:
            results.move_to_end(full)
            return _own(results[full])
    value = build()
    with _KEPT_LOCK:
        results[full] = value
        while len(results) > KEPT_SIZE:
            results.popitem(last=False)
    return _own(value)


_KEPT = ("kept",)   # the key of kept()'s results among the dataset's memo (per_dataset's keys start with a module)


def _own(value: Any) -> Any:
    """A kept result as a caller may change it: frames and series as shallow copies, lists and dicts copied."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, (list, dict, set)):
        return type(value)(value)
    if type(value) is tuple:       # several results kept together: each as above
        return tuple(_own(v) for v in value)
    return value


years_with_data = cached_view(comparisons.years_with_data)
ranking = cached_view(comparisons.ranking)
province_series = cached_view(comparisons.province_series)
gap_table = cached_view(comparisons.gap_table)
composite_summary = cached_view(index_views.composite_summary)
years_with_figures = cached_view(index_views.years_with_figures)
country_composites = cached_view(comparisons.country_composites)
indicators_with_data = cached_view(comparisons.indicators_with_data)
threshold_for = cached_view(comparisons.threshold_for)
reference_lines = cached_view(comparisons.reference_lines)
papi_dimensions = cached_view(comparisons.papi_dimensions)
inherited_plans = cached_view(views.inherited_plans)
plan_targets = cached_view(views.plan_targets)
_judged = cached_view(views.judged_targets)
task_occurrences = cached_view(unit_views.task_occurrences)
progress_by_unit = cached_view(unit_views.progress_by_unit)
unit_tasks = cached_view(unit_views.unit_tasks)
unit_targets = cached_view(unit_views.unit_targets)
province_bodies = cached_view(unit_views.province_bodies)
communes = cached_view(unit_views.communes)
unit_index_table = cached_view(unit_views.unit_index_table)
report_contents = cached_view(report_content.content_of)


def judged_targets(keys: tuple[ProvinceKey, ...] | None, year: int) -> pd.DataFrame:
    """The latest judgement of every target of ``keys`` (all provinces when None), most urgent first."""
    return _judged(None if keys is None else list(keys), year)
