"""Issue 30, point 1: "are we on track?" in at most three clicks. The Overview remembers the province chosen (in
the URL, for the visit and in the browser) and says, beside the targets by status, what changed since the last
report: each target's status as of the year against as of the year before."""

from datetime import date

import pandas as pd

from indicators.services.changes import status_changes
from indicators.services.views import Dataset, judged_targets
from indicators.web import memory
from tests.test_app import app, open_page  # noqa: F401 - the app fixture

HA_TINH = ("42", date(2004, 1, 1))


def _judged(rows):
    return pd.DataFrame(rows, columns=["target_id", "province_name", "indicator_name_vi", "indicator_name_en",
                                       "status"])


def test_a_change_of_status_is_told_better_worse_or_neither():
    before = _judged([("A", "P", "a", "a", "at_risk"), ("B", "P", "b", "b", "achieved"),
                      ("C", "P", "c", "c", "no_data"), ("D", "P", "d", "d", "missed"),
                      ("E", "P", "e", "e", "on_track")])
    now = _judged([("A", "P", "a", "a", "achieved"), ("B", "P", "b", "b", "off_track"),
                   ("C", "P", "c", "c", "on_track"), ("D", "P", "d", "d", "missed"), ("F", "P", "f", "f", "missed")])
    changes = status_changes(before, now)
    assert changes[["target_id", "before", "status", "better"]].values.tolist() == [
        ["A", "at_risk", "achieved", True], ["B", "achieved", "off_track", False], ["C", "no_data", "on_track", None]]
    assert status_changes(before.iloc[:0], now).empty and status_changes(before, now.iloc[:0]).empty


def test_ha_tinh_s_papi_targets_changed_between_2019_and_2020(store):
    """From the shipped PAPI ranks: Hà Tĩnh's accountability rank target reached in 2020, its procedures rank
    target no longer."""
    keys = [HA_TINH]
    ds = Dataset.load(store)
    changes = status_changes(judged_targets(ds, keys, 2019), judged_targets(ds, keys, 2020))
    assert sorted(changes[["target_id", "better"]].values.tolist()) == [["HT239-04", True], ["HT239-06", False]]


def test_the_overview_says_what_changed_since_the_year_before(app):  # noqa: F811
    at = open_page(app, "pages/overview.py", province="42@2004", year="2020")
    assert not at.exception
    told = [e.label for e in at.expander if e.label.startswith("Thay đổi")]
    assert told == ["Thay đổi so với năm 2019: 2 mục tiêu đổi trạng thái (1 tốt lên, 1 xấu đi, 0 thay đổi khác)"]
    table = [t.value for t in at.dataframe if "Trạng thái năm 2019" in t.value.columns]
    assert len(table) == 1 and sorted(table[0].ID) == ["HT239-04", "HT239-06"]


def test_the_province_chosen_is_remembered_for_the_visit(app):  # noqa: F811
    at = open_page(app, "pages/overview.py", province="80@2025")
    assert not at.exception and at.session_state[memory.KEPT] == "80@2025"
    del at.query_params["province"]
    at.switch_page("pages/profile.py")
    at = at.run()
    assert not at.exception and at.selectbox(key="province").value == "80@2025"
