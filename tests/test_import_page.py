"""AppTest of the import page: a viewer is refused, an analyst previews, confirms and undoes."""

import pytest

from tests.conftest import PASSWORD
from tests.test_app import app, open_page  # noqa: F401 - the fixture

GOOD = ("province,indicator,period,value,source\n"
        "Hà Tĩnh,satisfaction_procedures_pct,2024,\"85,5\",Báo cáo 12/BC-UBND\n"
        "Nghệ An,satisfaction_procedures_pct,2024,88.1,Báo cáo 12/BC-UBND\n").encode("utf-8")


@pytest.fixture
def users(app, users_db, tmp_path, monkeypatch):  # noqa: F811
    """The app on a copy of the database that has users."""
    from tests.conftest import copy_db

    monkeypatch.setenv("KPI_DB", str(copy_db(users_db, tmp_path / "users.duckdb")))
    return app


def sign_in(at, name):
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(PASSWORD)
    return at.get("form_submit_button")[0].click().run()


def test_without_sign_in_the_page_shows_no_upload(users):
    at = open_page(users, "pages/imports.py", lang="en")
    assert not at.exception
    assert "analyst" in at.warning[0].value
    assert not at.get("file_uploader")


def test_a_viewer_is_refused(users):
    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "viewer")
    assert not at.exception
    assert "Signed in" in at.sidebar.markdown[0].value
    assert "analyst" in at.warning[0].value
    assert not at.get("file_uploader")


def test_a_wrong_password_is_refused(users):
    at = open_page(users, "pages/imports.py", lang="en")
    at.text_input(key="sign_in_name").input("lan")
    at.text_input(key="sign_in_password").input("wrong password!")
    at = at.get("form_submit_button")[0].click().run()
    assert "Wrong user name or password" in at.error[0].value
    assert not at.get("file_uploader")


def test_an_analyst_previews_confirms_and_undoes(users):
    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "lan")
    assert not at.exception
    at.get("file_uploader")[0].set_value(("sipas.csv", GOOD, "text/csv"))
    at = at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"To insert": "2", "To change": "0", "Unchanged": "0", "Rejected": "0"}
    at = at.button(key="commit").click().run()
    assert not at.exception
    assert "Batch" in at.success[0].value and "2 inserted" in at.success[0].value
    # the same file again: nothing to write
    assert {m.label: m.value for m in at.metric}["Unchanged"] == "2"
    assert "Nothing to write" in at.info[0].value
    # the dashboard sees the new figure
    from indicators.web import cache
    assert len(cache.get_dataset().actuals("satisfaction_procedures_pct")) >= 2
    # undo it from the batches tab
    at = open_page(at, "pages/imports.py", tab="batches", lang="en")
    at = at.button(key="undo").click().run()
    assert not at.exception
    assert "undone" in at.success[0].value
    actuals = cache.get_dataset().actuals("satisfaction_procedures_pct")
    assert not (actuals.source == "Báo cáo 12/BC-UBND").any()


def test_the_batches_tab_reads_the_trail_of_changes_only_when_it_is_downloaded(users, monkeypatch):
    """At national scale the trail is millions of rows: a rerun of the tab must not read it."""
    from indicators.storage.sql.actuals import ActualReads as Reads

    def read_trail(self, batch_id=None):
        raise AssertionError("the whole trail was read on a rerun")

    at = sign_in(open_page(users, "pages/imports.py", lang="en"), "lan")
    monkeypatch.setattr(Reads, "history", read_trail)
    at = open_page(at, "pages/imports.py", tab="batches", lang="en")
    assert not at.exception
    assert "Download table (CSV)" in [b.proto.label for b in at.get("download_button")]


def test_a_rejected_file_lists_row_column_and_reason_and_offers_no_commit(users):
    at = sign_in(open_page(users, "pages/imports.py", lang="vi"), "lan")
    bad = GOOD.replace(b'"85,5"', b"N/A").replace("Nghệ An".encode(), "Yên Bái".encode()).replace(b"2024,88",
                                                                                                  b"2026,88")
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv"))
    at = at.run()
    assert not at.exception
    assert "không ghi gì" in at.error[0].value
    table = at.dataframe[0].value
    assert list(table["Dòng"]) == [2, 3]
    assert "Lào Cai" in table["Lý do"].iloc[1]
    assert not [b for b in at.button if b.key == "commit"]


def test_reading_can_require_sign_in(users, monkeypatch):
    monkeypatch.setenv("KPI_SIGN_IN_TO_READ", "1")
    at = open_page(users, "pages/overview.py", lang="en")
    assert not at.exception
    assert "sign in" in at.info[0].value and not at.get("plotly_chart")
    at = sign_in(at, "viewer")
    assert not at.exception and at.get("plotly_chart")


def test_an_admin_makes_a_backup_from_the_page(users, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_BACKUP_DIR", str(tmp_path / "backups"))
    at = sign_in(open_page(users, "pages/imports.py", lang="en", tab="backup"), "admin")
    at = at.button(key="make_backup").click().run()
    assert not at.exception
    assert "Backup written and checked" in at.success[0].value
    assert len(list((tmp_path / "backups").glob("*.d*"))) == 1       # .duckdb, or PostgreSQL's .dump
