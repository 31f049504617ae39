"""What a page shows for a reader's choices, built once per data version and choices (web/cache.kept): a choice
changed is a table built again, the same choices are the same table, and a new data version forgets them all."""

from types import SimpleNamespace

import pandas as pd
import pytest

from indicators.web import cache
from tests.test_app import app, open_page  # noqa: F401 - the app fixture


@pytest.fixture
def datasets(monkeypatch):
    """Two data versions' datasets; the current one is ``holder[0]``."""
    holder = [SimpleNamespace(_memo={})]
    monkeypatch.setattr(cache, "get_dataset", lambda: holder[0])
    return holder


def test_the_same_choices_are_built_once_other_choices_again(datasets):
    built = []

    def build(n):
        built.append(n)
        return pd.DataFrame({"n": [n]})

    first = cache.kept(("table", "vi", 1), lambda: build(1))
    again = cache.kept(("table", "vi", 1), lambda: build(99))        # the same choices: kept, not rebuilt
    other = cache.kept(("table", "vi", 2), lambda: build(2))
    english = cache.kept(("table", "en", 1), lambda: build(3))
    assert built == [1, 2, 3]
    assert again.n.tolist() == [1] and other.n.tolist() == [2] and english.n.tolist() == [3]
    assert first is not again                                          # each caller its own (shallow) copy
    again.loc[0, "n"] = 7                                              # a caller changing it changes nothing kept
    assert cache.kept(("table", "vi", 1), lambda: build(0)).n.tolist() == [1]


def test_a_new_data_version_builds_everything_again(datasets):
    assert cache.kept(("count",), lambda: 1) == 1
    datasets[0] = SimpleNamespace(_memo={})                            # an import, an undo, a lock: a new dataset
    assert cache.kept(("count",), lambda: 2) == 2


def test_several_results_kept_together_are_each_copied(datasets):
    screen, table = cache.kept(("pair",), lambda: (pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [2]})))
    screen.loc[0, "a"] = 5
    assert cache.kept(("pair",), lambda: None)[0].a.tolist() == [1]


def test_at_most_kept_size_results_are_kept_the_least_recently_used_dropped(datasets, monkeypatch):
    monkeypatch.setattr(cache, "KEPT_SIZE", 2)
    built = []

    def build(n):
        built.append(n)
        return n

    for n in (1, 2):
        cache.kept(("n", n), lambda n=n: build(n))
    cache.kept(("n", 1), lambda: build(-1))          # used again: now the most recent
    cache.kept(("n", 3), lambda: build(3))           # the third: 2, the least recently used, is dropped
    assert cache.kept(("n", 1), lambda: build(-1)) == 1
    assert cache.kept(("n", 2), lambda: build(2)) == 2
    assert built == [1, 2, 3, 2]


def _tasks(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Tình trạng theo báo cáo" in d.value.columns)


def _targets(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Trích dẫn nguyên văn" in d.value.columns)


def test_the_plans_page_follows_each_choice_there_and_back(app):  # noqa: F811
    at = open_page(app, "pages/plans.py", as_of_day="2026-12-01")
    assert not at.exception
    all_tasks, all_targets = _tasks(at), _targets(at)
    provinces = next(m for m in at.multiselect if m.key == "plan_provinces")
    provinces.set_value(["Hà Tĩnh"]).run()
    assert not at.exception
    tasks, targets = _tasks(at), _targets(at)
    assert 0 < len(tasks) < len(all_tasks) and set(tasks["Tỉnh, thành phố"]) == {"Hà Tĩnh"}
    assert 0 < len(targets) < len(all_targets) and set(targets["Tỉnh, thành phố"]) == {"Hà Tĩnh"}
    next(t for t in at.toggle if t.key == "overdue_only").set_value(True).run()
    shown = _tasks(at)
    assert set(shown["Tình trạng theo báo cáo"]) <= {"Chưa có báo cáo", "Quá hạn"}
    next(m for m in at.multiselect if m.key == "plan_provinces").set_value([]).run()
    next(t for t in at.toggle if t.key == "overdue_only").set_value(False).run()
    assert _tasks(at).equals(all_tasks) and _targets(at).equals(all_targets)    # back where it began


def test_the_overview_s_urgent_targets_follow_the_reform_area(app):  # noqa: F811
    from indicators.web.areas import OPTIONS
    at = open_page(app, "pages/overview.py", province="42@2025")
    assert not at.exception
    everything = _targets(at)
    counts = []
    for code in OPTIONS:      # each area in turn: its own rows, never the table built for another area
        next(m for m in at.multiselect if m.key == "overview_areas").set_value([code]).run()
        assert not at.exception
        tables = [d.value for d in at.dataframe if "Trích dẫn nguyên văn" in d.value.columns]
        counts.append(len(tables[0]) if tables else 0)
        if tables:
            assert len(set(tables[0]["Lĩnh vực cải cách"])) == 1
    assert sum(counts) == len(everything) and max(counts) < len(everything)
    next(m for m in at.multiselect if m.key == "overview_areas").set_value([]).run()
    assert _targets(at).equals(everything)
