"""The pages of task progress and units (issue 14, points 3 and 7), through Streamlit's AppTest."""

from datetime import date

import pytest

from indicators.services.auth import User, add_user
from indicators.storage import open_store
from tests.conftest import PASSWORD
from tests.test_app import app, open_page  # noqa: F401 - the app fixture

HT = "ha-tinh-239-kh-ubnd-2016"


@pytest.fixture
def page(app):  # noqa: F811 - the app fixture of test_app
    return app


def _sign_in(at, user: User):
    from indicators.web import ui
    at.session_state[ui.USER] = user
    at.session_state[ui.BOUND] = None
    return at


def _people(db):
    store = open_store(db)
    try:
        admin = add_user(store, None, "admin1", PASSWORD, "admin")
        analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
        reporter = add_user(store, admin, "nv.hatinh", PASSWORD, "reporter", unit=("42", date(2004, 1, 1), "42-SNV"))
    finally:
        store.close()
    return admin, analyst, reporter


def test_the_plans_page_shows_task_progress_overdue_first(page):
    at = open_page(page, "pages/plans.py", provinces="Hà Tĩnh", as_of_day="2026-12-01")
    assert not at.exception
    tasks = at.dataframe[-2].value
    states = tasks["Tình trạng theo báo cáo"]
    total = len(tasks)
    assert total >= 43 + 2 * 5 + 2 * 5  # 43 one-off tasks, 1.3 and 5.7 yearly, two reports a year, 2016–2020
    # nothing was ever reported: every occurrence is "not reported" (all due before 2026), none is called late
    assert set(states) == {"Chưa có báo cáo"}
    done, late, unreported, complete = (m.value for m in at.metric[-4:])
    assert (done, late, unreported, complete) == (f"0/{total}", "0", str(total), "0,0 %")
    caption = next(c.value for c in at.caption if "nhiệm vụ đến hạn chưa có báo cáo" in c.value)
    assert f"{total}/{total} nhiệm vụ đến hạn chưa có báo cáo — chưa đánh giá được tiến độ" in caption


def test_a_signed_out_visitor_sees_no_form_only_how_to_sign_in(page):
    at = open_page(page, "pages/plans.py", provinces="Hà Tĩnh")
    assert not at.exception
    assert any("Đăng nhập" in i.value for i in at.info)


def test_an_analyst_marks_a_task_done_through_the_form(page, ):
    import os
    _, analyst, _ = _people(os.environ["KPI_DB"])
    at = open_page(page, "pages/plans.py", provinces="Hà Tĩnh", as_of_day="2026-12-01")
    _sign_in(at, analyst).run()
    box = next(s for s in at.selectbox if s.label == "Nhiệm vụ")
    choice = next(i for i, text in enumerate(box.options) if " · 1.2 — " in text)
    box.set_value(choice).run()
    form_status = next(s for s in at.selectbox if s.label == "Trạng thái")
    form_status.set_value("done")
    next(d for d in at.date_input if d.label == "Ngày hoàn thành").set_value(date(2017, 5, 10))
    next(t for t in at.text_input if t.label == "Văn bản minh chứng").set_value("=HYPERLINK(\"x\") 1234/QĐ-UBND")
    next(b for b in at.button if b.label == "Lưu").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Đã ghi tiến độ" in s.value for s in at.success)
    from indicators.web import cache
    progress = cache.get_store().task_progress()       # the server's own connection
    assert progress.ref.tolist() == ["1.2"] and progress.status.tolist() == ["done"]
    tasks = at.dataframe[-2].value
    row = tasks[tasks["#"] == "1.2"].iloc[0]
    assert row["Tình trạng theo báo cáo"] == "Hoàn thành"
    assert row["Văn bản minh chứng"] == "=HYPERLINK(\"x\") 1234/QĐ-UBND"   # on screen as typed; files escape it


def test_a_reporter_is_offered_only_its_units_tasks(page):
    import os
    _, _, reporter = _people(os.environ["KPI_DB"])
    at = open_page(page, "pages/plans.py", provinces="Hà Tĩnh")
    _sign_in(at, reporter).run()
    box = next(s for s in at.selectbox if s.label == "Nhiệm vụ")
    assert box.options and all(" · 2." not in text.split(" — ")[0] for text in box.options)   # 2.x: Sở Tư pháp


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_plans_page_in_both_languages(page, lang):
    at = open_page(page, "pages/plans.py", lang=lang)
    assert not at.exception
    heading = "Tiến độ nhiệm vụ" if lang == "vi" else "Task progress"
    assert any(h.value == heading for h in at.subheader)


def test_the_units_page_shows_a_departments_tasks_and_targets_inherited_from_the_old_province(page):
    at = open_page(page, "pages/units.py", province="80@2025", tab="unit", as_of_day="2026-12-01")
    assert not at.exception
    chosen = next(s for s in at.selectbox if s.label == "Đơn vị")
    assert chosen.value.startswith("80-")                  # a department of the new Tây Ninh
    chosen.set_value("80-STC@2025").run()
    tasks = at.dataframe[0].value
    assert set(tasks["#"]) == {"III.6.a", "III.6.b", "III.6.c", "III.4"}   # Tài chính and KH&ĐT's of old Tây Ninh
    assert any(h.value == "Mục tiêu đơn vị phụ trách" for h in at.subheader)
    targets = at.dataframe[1].value
    assert "TN490-05" in " ".join(map(str, targets.iloc[:, 0])) or len(targets) == 1


def test_the_league_tables_and_the_commune_map(page):
    import os

    from indicators.imports import Context, commit, preview
    from indicators.web import cache
    admin, analyst, _ = _people(os.environ["KPI_DB"])
    store = open_store(os.environ["KPI_DB"])
    wards = store.units(("80", date(2025, 7, 1)), kinds=("ward", "commune")).code.tolist()[:3]
    text = ("province,unit,year,stage,criterion,criterion_name,max_points,points\n"
            + "".join(f"80,{w},2025,appraised,1,Chỉ đạo điều hành,10,{7 + n}\n" for n, w in enumerate(wards))
            + "80,80-SNV,2025,appraised,1,Chỉ đạo điều hành,20,18\n80,80-STP,2025,appraised,1,,,16\n")
    result = preview(store, "i.csv", text.encode(), Context.of(store, today=date(2026, 12, 1)))
    assert result.ok, [p.en for p in result.problems]
    commit(store, result, analyst)
    store.close()
    # every copy of the built database has the same identity, so another test's copy that committed other scores
    # may have left a league cached under the very data version this commit reaches: start from empty caches
    cache.clear_caches(store=True)
    at = open_page(page, "pages/units.py", province="80@2025", tab="departments")
    assert not at.exception
    league = at.dataframe[0].value
    assert list(league["Xếp hạng"]) == ["1", "2"] and league["Đơn vị"].iloc[0].startswith("80-SNV")
    at = open_page(page, "pages/units.py", province="80@2025", tab="communes")
    assert not at.exception
    communes = at.dataframe[0].value
    assert list(communes["Xếp hạng"]) == ["1", "2", "3"] and communes["Đơn vị"].iloc[0].startswith(wards[2])
    figure = at.get("plotly_chart")[0]
    import json
    spec = json.loads(figure.proto.spec)
    assert {trace["type"] for trace in spec["data"]} == {"scatter"} and spec["layout"]["yaxis"]["scaleanchor"] == "x"
    assert sum(len(trace["y"]) for trace in spec["data"]) == len(at.dataframe[1].value)       # every commune a point
    assert len(spec["data"][1]["y"]) == 3                                                      # three with a score


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_units_page_in_both_languages(page, lang):
    for tab in ("unit", "departments", "communes"):
        at = open_page(page, "pages/units.py", province="42@2025", tab=tab, lang=lang)
        assert not at.exception
