"""AppTest of every page."""


import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO


@pytest.fixture
def app(built_db, monkeypatch):
    monkeypatch.setenv("KPI_DB", str(built_db))
    from indicators.ui import cached_counts, cached_table, get_store
    get_store.clear()
    cached_table.clear()
    cached_counts.clear()
    yield AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    get_store().close()  # DuckDB allows one configuration per file and process
    get_store.clear()


def test_home_page_shows_what_the_database_holds_in_vietnamese(app):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Theo dõi mục tiêu cải cách hành chính"
    metrics = [m.value for m in at.metric]
    assert metrics[:5] == ["98", "101", "5", "60", "78"]
    assert int(metrics[5].replace(".", "")) > 20000  # Vietnamese thousands separator
    assert not at.info
    plans = at.dataframe[0].value
    assert "239/KH-UBND" in set(plans.iloc[:, 0])


def test_home_page_switches_to_english_and_keeps_it_in_the_url(app):
    at = app.run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Administrative reform targets"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_choosing_a_plan_lists_its_targets_with_their_sentences(app):
    at = app.run()
    at.selectbox(key="plan").set_value("tay-ninh-490-qd-ubnd-2021").run()
    targets = at.dataframe[1].value
    assert len(targets) == 11
    assert targets.iloc[1, -1].startswith("Mức độ hài lòng")
