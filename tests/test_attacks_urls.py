"""Hostile URL parameters (issue 25, F10): every parameter every page reads, given values no page supports (days
out of range, numbers that are not, very long text, a right-to-left override, markup, repeats, nothing), is dropped
from the URL with a short plain-text notice and the page shows its default; no error box, no traceback. First
through AppTest (every page × every parameter × every value), then in Chromium against a real server, each URL in
a fresh browser context."""

import os
import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from indicators.domain.plain import md
from tests.conftest import PASSWORD, REPO
from tests.test_app import app, open_page  # noqa: F401 - the fixture
from tests.test_hardening import rendered
from tests.test_import_page import sign_in, users  # noqa: F401 - the fixture

pytestmark = pytest.mark.backend_free   # run once, in the DuckDB run (see conftest.py)

RTL = "\u202e"
# Values no page supports; a list is a parameter repeated in the URL (Streamlit reads the last one).
HOSTILE = ["9999-12-31", "0000-01-01", "-1", "1e309", "NaN", "x" * 5000, RTL + "1202-10-10",
           "<script>alert(1)</script>", "[x](http://evil.example)", ["2024", "[x](http://evil.example)"], ""]
# (page, parameters that choose the view, the parameters that view reads); a hostile tab falls back to the first
# tab, which reads the parameters listed with it.
VIEWS = [
    ("pages/overview.py", {}, ["lang", "province", "year"]),
    ("pages/profile.py", {}, ["province", "tab", "indicator"]),
    ("pages/profile.py", {"tab": "papi"}, ["papi_year"]),
    ("pages/compare.py", {}, ["provinces", "tab", "indicators", "years"]),
    ("pages/compare.py", {"tab": "ranks"}, ["rank", "years"]),
    ("pages/rankings.py", {}, ["indicator", "year", "province", "view"]),
    ("pages/plans.py", {}, ["provinces", "families", "status", "deadline", "as_of_day"]),
    ("pages/units.py", {}, ["province", "tab", "unit", "as_of_day"]),
    ("pages/units.py", {"tab": "departments"}, ["department_year"]),
    ("pages/units.py", {"tab": "communes"}, ["commune_year"]),
    ("pages/reports.py", {}, ["province", "period"]),
    ("pages/data.py", {}, ["lang"]),
]
IMPORT_VIEWS = [({}, ["tab"]), ({"tab": "locks"}, ["lock_province"])]


def score_units(db: str) -> None:
    """Index scores of 2025 for two departments and two communes of Tây Ninh (80@2025), so that the league
    tables (which read ?department_year= and ?commune_year=) are drawn."""
    from indicators.imports import Context, commit, preview
    from indicators.services.auth import add_user
    from indicators.storage import open_store
    from indicators.web import cache

    store = open_store(db)
    try:
        analyst = add_user(store, None, "scorer", PASSWORD, "admin")
        communes = store.units(("80", date(2025, 7, 1)), kinds=("ward", "commune")).code.tolist()[:2]
        text = "province,unit,year,stage,criterion,criterion_name,max_points,points\n" + "".join(
            f"80,{unit},2025,appraised,1,Chỉ đạo điều hành,10,{7 + n}\n"
            for n, unit in enumerate(communes + ["80-SNV", "80-STP"]))
        result = preview(store, "i.csv", text.encode(), Context.of(store, today=date(2026, 12, 1)))
        assert result.ok, [p.en for p in result.problems]
        commit(store, result, analyst)
    finally:
        store.close()
    cache.close_store()


def visit(page: str, **params):
    """``page`` opened by a link with ``params`` in a new session (as a new browser tab would): the router's run
    first (app.py registers the pages), then the page with the parameters."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page(page)
    at.query_params.update(params)
    return at.run()


def notices(at) -> list[str]:
    return [w.value for w in at.warning]


def assert_dropped(at, names: list[str], value) -> None:
    """No exception; each parameter gone from the URL; a notice naming it (none for an empty value), in plain
    text: no link, script or bidirectional override made of the value."""
    assert not at.exception, (names, value, [e.message for e in at.exception])
    for name in names:
        assert name not in at.query_params, (name, value, at.query_params)
        said = [text for text in notices(at) if f"'{md(name)}'" in text]
        assert said if value != "" else not said, (name, value, notices(at))
    for text in notices(at):
        html = rendered(text)
        assert not re.search(r"<(a|img|script)\b", html) and RTL not in text, text
        assert len(text) < 300, text  # the value is cut short


def sweep(at, fixed: dict, names: list[str]) -> int:
    """Each hostile value given to every parameter of the view at once; returns how many runs were checked."""
    runs = 0
    for value in HOSTILE:
        at.query_params.clear()
        at.query_params.update({"lang": "en", **fixed})
        at.query_params.update({name: value for name in names})
        at = at.run()
        assert_dropped(at, names, value)
        runs += 1
    return runs


@pytest.mark.parametrize("page, fixed, names", VIEWS, ids=[f"{p[6:-3]}-{'-'.join(n)}" for p, _, n in VIEWS])
def test_every_hostile_parameter_is_dropped_with_a_notice(app, page, fixed, names):  # noqa: F811
    if page == "pages/units.py":
        score_units(os.environ["KPI_DB"])
    # the page opened once, each hostile value a rerun of it (in Vietnamese where ?lang= is attacked: the
    # language radio keeps a session's choice, and the default is what a dropped ?lang= leaves)
    at = open_page(app, page, **({} if "lang" in names else {"lang": "en"}))
    assert not at.exception and not notices(at)
    assert sweep(at, fixed, names) == len(HOSTILE)


@pytest.mark.parametrize("fixed, names", IMPORT_VIEWS, ids=["tab", "lock_province"])
def test_the_import_page_drops_hostile_parameters_for_a_signed_in_admin(users, fixed, names):  # noqa: F811
    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "admin")
    assert at.get("file_uploader") and not at.exception
    assert sweep(at, fixed, names) == len(HOSTILE)


def test_the_issue_s_link_shows_today_and_a_notice(app):  # noqa: F811
    """/units?as_of_day=9999-12-31 was an error box: now the unit page counts tasks as of today."""
    from datetime import date

    at = visit("pages/units.py", as_of_day="9999-12-31")
    assert not at.exception
    assert any("as\\_of\\_day" in text and "not valid" in text for text in notices(at)), notices(at)
    assert at.date_input(key="as_of_day").value == date.today()
    assert "as_of_day" not in at.query_params


def test_valid_parameters_are_kept_without_a_notice(app):  # noqa: F811
    """The validation refuses only what a page does not support: a day, a league year and a span in range."""
    score_units(os.environ["KPI_DB"])
    at = visit("pages/units.py", tab="departments", department_year="2025")
    assert not at.exception and not notices(at)
    assert at.selectbox(key="department_year").value == 2025  # a number option matched by its text
    at = visit("pages/units.py", tab="departments", department_year="2024")
    assert any("department\\_year" in text for text in notices(at))  # no score of 2024
    at = visit("pages/plans.py", deadline="2018-2022", as_of_day="2022-06-30")
    assert not at.exception and not notices(at)
    assert at.slider(key="plan_deadline").value == (2018, 2022)
    assert str(at.date_input(key="as_of_day").value) == "2022-06-30"


def test_a_list_is_deduplicated_and_bounded(app):  # noqa: F811
    at = visit("pages/compare.py", provinces="42@2004,40@2004,42@2004")
    assert not at.exception and not notices(at)
    assert at.multiselect(key="compare_provinces").value == ["42@2004", "40@2004"]
    at = visit("pages/compare.py", provinces=",".join(["42@2004", "40@2004", "38@2004", "01@2004",
                                                                          "79@2004", "48@2004", "31@2004"]))
    assert not at.exception and any("provinces" in text for text in notices(at))  # 7 > max_selections (6)
    assert "provinces" not in at.query_params


def test_a_typed_report_period_must_be_within_the_plans_years(app):  # noqa: F811
    at = visit("pages/reports.py", province="42@2004", period="2009")
    assert not at.exception and not notices(at)  # an older year than the menu lists: still one the data cover
    assert at.selectbox(key="period").value == "2009"
    for period in ("2099", "1990", f"plan:{RTL}x", "2009-Q5"):
        at = visit("pages/reports.py", province="42@2004", period=period)
        assert not at.exception and any("period" in text for text in notices(at)), period
        assert "period" not in at.query_params


# --- in the browser -----------------------------------------------------------------------------------------------

def hostile_urls() -> list[tuple[str, list[str], object]]:
    """Twenty-five links: every view with two of the hostile values in turn (each value at least twice), and
    the issue's own link."""
    from urllib.parse import urlencode

    urls = [("units?as_of_day=9999-12-31", ["as_of_day"], "9999-12-31")]
    for number, (page, fixed, names) in enumerate(VIEWS):
        path = "" if page == "pages/overview.py" else page[len("pages/"):-len(".py")]
        for value in (HOSTILE[(2 * number + k) % len(HOSTILE)] for k in range(2)):
            params = {"lang": "en", **fixed, **{name: value for name in names}}
            urls.append((f"{path}?{urlencode(params, doseq=True)}", names, value))
    return urls


@pytest.fixture(scope="module")
def hostile_server(built_db, tmp_path_factory):
    from tests.test_browser import serve_copy

    with serve_copy(built_db, tmp_path_factory, "hostile-urls", prepare=score_units) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(hostile_server):
    from tests.test_browser import launch

    with launch() as instance:
        yield instance


@pytest.mark.slow  # a real server and Chromium
@pytest.mark.parametrize("path, names, value", hostile_urls(),
                         ids=[f"{n}-{p.split('?')[0] or 'overview'}" for n, (p, _, _) in enumerate(hostile_urls())])
def test_a_hostile_link_opens_without_an_error_box(hostile_server, chromium, path, names, value):
    """Each link in a fresh browser context (its own cookies and session): no error box, no traceback; the
    parameters are gone from the address bar and a notice says so."""
    from urllib.parse import parse_qs, urlsplit

    from tests.test_browser import _settled

    context = chromium.new_context(viewport={"width": 1400, "height": 1200})
    try:
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(hostile_server + path)
        _settled(page)
        if value != "":
            page.locator("[data-testid='stAlertContentWarning']").filter(
                has_text=re.compile("not valid|không hợp lệ")).first.wait_for(timeout=30000)
        page.wait_for_timeout(500)
        text = page.evaluate("() => document.body.innerText")
        assert page.locator("[data-testid='stException']").count() == 0, path[:200]
        assert "Traceback" not in text and "Error:" not in text, path[:200]
        left = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
        assert not set(names) & set(left), (path[:200], page.url[:300])
        assert RTL not in text and not dialogs  # no override in effect, no script run
    finally:
        context.close()
