"""AppTest of every page: it runs, shows what it should, follows the language and the URL."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, copy_db

PAGES = ["pages/overview.py", "pages/profile.py", "pages/compare.py", "pages/rankings.py", "pages/plans.py",
         "pages/data.py", "pages/imports.py", "pages/units.py", "pages/reports.py"]


@pytest.fixture
def app(built_db, tmp_path, monkeypatch):
    """The app on its own copy of the database: the server opens it for writing."""
    db = tmp_path / "kpi.duckdb"
    db = copy_db(built_db, db)
    monkeypatch.setenv("KPI_DB", str(db))
    from indicators.web import cache
    # the server's connection is opened on this test's file; the caches stay: they are keyed on the data version,
    # which names the database (every copy of built_db is the same one) and moves with every write
    cache.close_store()
    yield AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    cache.close_store()  # DuckDB allows one configuration per file and process


def open_page(app: AppTest, page: str, **params: str) -> AppTest:
    """The page as a link to it opens it: app.py runs first (it registers the pages), then the page."""
    for name, value in params.items():
        app.query_params[name] = value
    if page != "pages/overview.py":
        app.run()
    app.switch_page(page)
    return app.run()


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def spec(element) -> dict:
    return json.loads(element.proto.spec)


def trace_names(element) -> list[str]:
    return [trace.get("name") for trace in spec(element)["data"]]


def test_a_page_opened_before_the_router_ever_ran_goes_through_it(app):
    """Before any session has run app.py, Streamlit runs a page of a pages/ folder alone; it must rerun
    through app.py (its menu, its page settings)."""
    app.query_params["lang"] = "en"
    at = app.switch_page("pages/profile.py").run()
    assert not at.exception
    assert at.session_state["_routed_by_app"] is True
    assert at.title[0].value == "Province profile"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_runs_in_both_languages(app, page, lang):
    at = open_page(app, page, **({"lang": "en"} if lang == "en" else {}))
    assert not at.exception and not at.error
    assert at.title[0].value


def test_overview_counts_the_statuses_of_the_whole_country(app):
    at = open_page(app, "pages/overview.py")
    metrics = {m.label: m.value for m in at.metric[:7]}       # the targets' statuses; then the tasks' progress
    # every target whose deadline has passed is achieved or missed; none of the shipped ones is still off track
    assert metrics["Không đạt"] == "6" and metrics["Đã đạt"] == "2" and metrics["Chậm tiến độ"] == "0"
    assert sum(int(v) for v in metrics.values()) == 63
    tasks = {m.label: m.value for m in at.metric[7:]}
    # no progress is shipped: nothing is known to be late, everything due is "not reported"
    done, total = tasks["Hoàn thành"].split("/")
    assert done == "0" and int(total) > 100
    assert tasks["Quá hạn (đã báo cáo, chưa xong)"] == "0" and int(tasks["Đến hạn, chưa có báo cáo"]) > 100
    urgent = at.dataframe[-1].value          # the targets, most urgent first: the page's last table
    assert list(urgent["Trạng thái"].iloc[0]) == ["Không đạt"]  # a coloured tag
    tags = json.loads(at.dataframe[-1].proto.columns)["Trạng thái"]["type_config"]["options"]
    assert {"value": "Chậm tiến độ", "color": "#d73027"} in tags and len(tags) == 7
    assert {"value": "Không đạt", "color": "#7f0000"} in tags
    assert len(charts(at)) == 1


def test_overview_of_a_province_shows_its_composite_indices(app):
    at = open_page(app, "pages/overview.py", province="68@2004", year="2024")
    labels = [m.label for m in at.metric]
    assert "PAPI – điểm tổng · 2024" in labels
    papi = next(m for m in at.metric if m.label == "PAPI – điểm tổng · 2024")
    assert papi.value == "41,02"
    assert any("hạng 54" in c.value for c in at.caption)


def test_overview_scope_change_is_kept_in_the_url(app):
    at = open_page(app, "pages/overview.py")
    at.selectbox(key="province").set_value("42@2025").run()
    assert at.query_params["province"] in ("42@2025", ["42@2025"])
    assert not at.exception


def test_profile_draws_the_history_of_the_old_provinces_of_a_new_one(app):
    at = open_page(app, "pages/profile.py", province="80@2025", indicator="papi_total")
    assert "Long An" in at.info[0].value and "Tây Ninh" in at.info[0].value
    names = trace_names(charts(at)[0])
    assert "Long An (đến 30/06/2025)" in names and "Tây Ninh (đến 30/06/2025)" in names
    at.query_params["tab"] = "targets"
    at.run()
    assert not charts(at) and len(at.dataframe[0].value) == 11  # old Tây Ninh's targets


def test_profile_switches_indicator(app):
    at = open_page(app, "pages/profile.py", province="42@2004")
    at.selectbox(key="indicator").set_value("papi_d2_transparency_rank").run()
    assert not at.exception
    assert any("HT239-03" in (n or "") for n in trace_names(charts(at)[0]))


def test_compare_draws_small_multiples_ranks_and_gaps_one_tab_at_a_time(app):
    at = open_page(app, "pages/compare.py", provinces="42@2004,40@2004")
    assert not at.exception and len(charts(at)) == 1 and not at.dataframe  # only the open tab is drawn
    assert len({axis for axis in spec(charts(at)[0])["layout"] if axis.startswith("xaxis")}) == 2  # 2 indicators
    assert "tab" not in at.query_params  # the first tab is the default

    at.query_params["tab"] = "ranks"
    at.run()
    assert not at.exception and len(charts(at)) == 1 and not at.dataframe
    assert spec(charts(at)[0])["layout"]["yaxis"]["autorange"] == "reversed"  # rank 1 on top

    at.query_params["tab"] = "gaps"
    at.run()
    assert not at.exception and not charts(at)
    gaps = at.dataframe[0].value
    assert set(gaps.iloc[:, 0]) == {"Hà Tĩnh"}
    assert at.query_params["tab"] == ["gaps"] or at.query_params["tab"] == "gaps"


def test_compare_tab_link_opens_in_english_too(app):
    at = open_page(app, "pages/compare.py", provinces="42@2004,40@2004", tab="gaps", lang="en")
    assert not at.exception and at.dataframe and not charts(at)


def test_compare_asks_for_two_provinces(app):
    at = open_page(app, "pages/compare.py", provinces="42@2004")
    assert at.info and "ít nhất 2" in at.info[-1].value


def test_rankings_has_bars_with_the_target_line(app):
    at = open_page(app, "pages/rankings.py", indicator="papi_d2_transparency_rank", year="2020", province="42@2004")
    assert len(charts(at)) == 1 and not at.dataframe  # the bars tab only
    shapes = spec(charts(at)[0])["layout"]["shapes"]
    assert shapes[0]["x0"] == 5  # Hà Tĩnh's top-5 target
    at.query_params["view"] = "table"
    at.run()
    assert not charts(at) and len(at.dataframe[0].value) == 63


def test_rankings_map_is_the_63_province_list_before_2025(app):
    at = open_page(app, "pages/rankings.py", indicator="papi_total", year="2024", view="map")
    assert any("63" in h.value for h in at.subheader)
    trace = spec(charts(at)[0])["data"][0]
    assert trace["type"] == "choroplethmap" and len(trace["locations"]) == 63


def test_profile_shows_the_papi_dimensions_in_their_tab(app):
    at = open_page(app, "pages/profile.py", province="42@2004", tab="papi", papi_year="2020")
    assert not at.exception and len(charts(at)) == 1
    traces = spec(charts(at)[0])["data"]
    assert traces[0]["type"] == "scatterpolar" and len(traces[0]["r"]) >= 8


def test_plans_filters_by_status(app):
    at = open_page(app, "pages/plans.py", status="achieved")
    targets = at.dataframe[1].value
    assert len(targets) == 2 and {tag for tags in targets["Trạng thái"] for tag in tags} == {"Đã đạt"}
    assert targets.iloc[0]["Biểu đồ"].startswith("./profile?province=")


def test_plans_lists_the_tasks(app):
    at = open_page(app, "pages/plans.py", provinces="Hà Tĩnh")
    tasks = at.dataframe[-2].value
    # the 43 one-off tasks, the yearly 1.3, 5.7, II.5 and II.6 (2016–2020), and section III's reports: the province's
    # and Sở Nội vụ's, each 6-monthly from 2017 (the plan was signed after June 2016) and yearly (docs/seed-audit.md)
    assert len(tasks) == 43 + 4 * 5 + 2 * (4 + 5)


def test_data_page_shows_what_the_database_holds(app):
    at = open_page(app, "pages/data.py")
    metrics = [m.value for m in at.metric]
    assert metrics[:5] == ["98", "113", "5", "63", "130"]  # 113 indicators: DTI score and rank, five SIPAS factors
    assert int(metrics[5].replace(".", "")) > 20000  # Vietnamese thousands separator


def test_every_url_path_is_the_file_name_so_a_first_link_is_found():
    """Before any session has run app.py, Streamlit routes by file name: /data must be pages/data.py."""
    from pathlib import Path as _Path

    from indicators.web.ui import PAGES
    assert PAGES and all(url is None or _Path(path).stem == url for path, _, _, url in PAGES)


def test_a_write_by_another_connection_shows_on_the_next_rerun(app):
    """The caches are keyed on the database's data version, read at the start of every rerun: a figure written by
    another process or replica (here another connection, which no code of the web layer sees) is shown at once,
    with no cache cleared by anyone."""
    import os
    from datetime import date

    from indicators.storage import open_store
    from tests.conftest import import_rows

    at = open_page(app, "pages/data.py")
    before = int(at.metric[5].value.replace(".", ""))
    other = open_store(os.environ["KPI_DB"])  # not the server's connection
    try:
        import_rows(other, [("42", date(2004, 1, 1), "sipas", "2019", 77.0)], source="another replica")
    finally:
        other.close()
    at = at.run()
    assert not at.exception
    assert int(at.metric[5].value.replace(".", "")) == before + 1


def test_the_successor_overview_lists_the_plans_it_inherited(app):
    at = open_page(app, "pages/overview.py", province="80@2025", lang="en")
    assert not at.exception
    assert "Plans inherited from the provinces merged into it" in [s.value for s in at.subheader]
    inherited = at.dataframe[-2].value  # the inherited plans, above the targets (the last table)
    assert list(inherited.iloc[:, 0]) == ["490/QĐ-UBND"]
    assert any("judged on the figures of Tây Ninh (from 01/07/2025)" in c.value.replace("\\", "") for c in at.caption)


def test_a_target_judged_on_the_successor_says_whose_figure_it_was(app):
    import os
    from datetime import date

    from indicators.storage import open_store
    from tests.conftest import import_rows

    other = open_store(os.environ["KPI_DB"])
    try:
        import_rows(other, [("80", date(2025, 7, 1), "satisfaction_procedures_pct", "2025", 92.0)], source="BC 2025")
    finally:
        other.close()
    at = open_page(app, "pages/overview.py", province="80@2025", lang="en")
    assert not at.exception
    targets = at.dataframe[-1].value.set_index("ID")
    judged = targets.loc["TN490-02"]
    assert list(judged["Status"]) == ["Achieved"]
    assert judged["Period"] == "2025 · figure of Tây Ninh (from 01/07/2025)"
