"""Every cache of the web layer, in one list, keyed on the database's data version.

The data version (``Store.data_version``: the change log's count, which every committed import, undo, lock
and build moves) is read once at the start of each rerun (:func:`start_rerun`, from ``ui.language``, which
every page calls first). Each cached table and view takes it as part of its key, so a figure written by
another session, another process or another replica is shown on the next rerun, whoever wrote it — no
cache is cleared by the process that wrote. Views are cached by their own functions (:func:`cached_view`),
not named by strings.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from indicators.domain.registry import ProvinceKey
from indicators.reports import content as report_content
from indicators.services import comparisons, index_views, unit_views, views
from indicators.services.building import open_writable
from indicators.services.views import Dataset, key_text
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


def cached_view(function: Callable[..., Any], max_entries: int = 1024) -> Callable[..., Any]:
    """``function(dataset, *args)`` of views.py, cached on the data version and its (hashable) arguments: a filter
    the user has chosen before costs nothing the second time."""
    def run(version: tuple, *args: Any) -> Any:
        return function(_dataset(version), *args)

    run.__qualname__ = run.__name__ = f"view_{function.__name__}"  # Streamlit keys a cache on the name
    cached = _listed(st.cache_data(max_entries=max_entries, show_spinner=False)(run))

    def call(*args: Any) -> Any:
        return cached(data_version(), *args)

    call.__doc__, call.__name__ = function.__doc__, function.__name__
    return call


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
_judged = cached_view(views.judged_targets, max_entries=256)
task_occurrences = cached_view(unit_views.task_occurrences, max_entries=64)
progress_by_unit = cached_view(unit_views.progress_by_unit, max_entries=64)
unit_tasks = cached_view(unit_views.unit_tasks, max_entries=64)
unit_targets = cached_view(unit_views.unit_targets, max_entries=64)
province_bodies = cached_view(unit_views.province_bodies, max_entries=64)
communes = cached_view(unit_views.communes, max_entries=16)
unit_index_table = cached_view(unit_views.unit_index_table, max_entries=64)
report_contents = cached_view(report_content.content_of, max_entries=16)


def judged_targets(keys: tuple[ProvinceKey, ...] | None, year: int) -> pd.DataFrame:
    """The latest judgement of every target of ``keys`` (all provinces when None), most urgent first."""
    return _judged(None if keys is None else list(keys), year)
