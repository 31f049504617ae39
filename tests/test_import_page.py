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


def first_message(at) -> tuple[str, str] | None:
    """The first message (success, info, warning, error) or count card the page draws, in the page's order."""
    for node in at.main:
        if node.type in ("success", "info", "warning", "error"):
            return node.type, node.value
        if node.type == "metric":
            return "metric", node.label
    return None


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
    assert first_message(at) == ("success", at.success[0].value)   # the outcome first, the file chooser emptied
    assert not at.info and not at.metric
    # the same file again: nothing to write, said first
    at.get("file_uploader")[0].set_value(("sipas.csv", GOOD, "text/csv"))
    at = at.run()
    assert {m.label: m.value for m in at.metric}["Unchanged"] == "2"
    assert first_message(at) == ("info", at.info[0].value) and "Nothing to write" in at.info[0].value
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
    assert first_message(at) == ("error", at.error[0].value)   # the refusal before the counts and the rows
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


# Issue 30 point 4: the import in human terms.

BATCH_KEYS = ("col_batch", "col_imported_by", "col_imported_at", "col_file", "col_rows_added", "col_rows_changed",
              "col_rows_unchanged", "col_rows_refused", "col_status")


def _upload(at, name: str, content: bytes, source: str | None = None):
    if source is not None:
        at.text_input(key="batch_source").input(source)
    at.get("file_uploader")[0].set_value((name, content, "text/csv"))
    return at.run()


def _cells(table) -> list[str]:
    return [str(v) for v in table.to_numpy().ravel()]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_batch_table_shows_who_when_file_counts_and_status_never_a_hash_or_none(users, lang):
    """An import, a refused attempt and an undone import: each with its counts and status in words; a missing
    value is an empty cell or —, never None/nan/NaT, and the file's SHA-256 is shown nowhere."""
    import re

    at = sign_in(open_page(users, "pages/imports.py", lang=lang), "lan")
    at = _upload(at, "first.csv", GOOD)
    at = at.button(key="commit").click().run()
    bad = GOOD.replace(b'"85,5"', b"N/A")
    at = _upload(at, "bad.csv", bad)
    assert at.error and not [b for b in at.button if b.key == "commit"]
    again = GOOD.replace(b"2024", b"2023")
    at = _upload(at, "second.csv", again)
    at = at.button(key="commit").click().run()
    at = open_page(at, "pages/imports.py", tab="batches", lang=lang)
    at = at.button(key="undo").click().run()    # the latest import (second.csv) undone
    assert not at.exception
    from indicators.i18n import label

    columns = [label(key, lang) for key in BATCH_KEYS]
    table = at.dataframe[0].value
    assert list(table.columns[:9]) == columns
    assert not {"file_sha256", "row_count"} & set(table.columns)
    mine = table[table[columns[3]].isin(["first.csv", "bad.csv", "second.csv"])]
    counts = mine.set_index(columns[3])[columns[4:]]
    imported, undone, refused = (("Đã nhập", "Đã hoàn tác", "Bị từ chối (không ghi gì)") if lang == "vi"
                                 else ("Imported", "Undone", "Refused (nothing written)"))
    assert counts.loc["first.csv"].tolist() == ["2", "0", "0", "0", imported]
    assert counts.loc["second.csv"].tolist() == ["2", "0", "0", "0", undone]
    assert counts.loc["bad.csv"].tolist() == ["0", "0", "—", "1", refused]
    cells = _cells(table)
    assert not {"None", "nan", "NaT", "<NA>"} & set(cells)
    assert not [c for c in cells if re.search(r"\b[0-9a-f]{64}\b", c)]
    # the build's own batches (an older kind of row, no counts) show — for their counts
    assert set(_cells(table[table[columns[1]] == "build"][columns[4:8]])) == {"—"}
    # the refused attempt is not offered for undo
    offered = at.selectbox(key="undo_choice").options
    assert offered and not [o for o in offered if "bad.csv" in o]


def test_a_refused_file_is_recorded_writes_nothing_moves_no_version_and_cannot_be_undone(engine):
    from indicators.imports import Context, ImportRefused, commit, preview, undo

    before, batches = engine.data_version(), len(engine.batches())
    bad = GOOD.replace(b'"85,5"', b"N/A")
    result = preview(engine, "bad.csv", bad, Context(engine.registry, engine.catalogue, source="x"))
    with pytest.raises(ImportRefused):
        commit(engine, result, engine.users["lan"])
    assert engine.data_version() == before
    listed = engine.batches()
    assert len(listed) == batches + 1
    record = listed.iloc[0]
    assert (record.file_name, record.imported_by, record.status, record.rows_refused, record.rows_added,
            record.row_count) == ("bad.csv", "lan", "refused", 1, 0, 0)
    with pytest.raises(ImportRefused, match="nothing to undo"):
        undo(engine, int(record.id), engine.users["lan"])
    assert engine.data_version() == before
    # a viewer's refused file is not recorded (the record needs the reporter's role)
    with pytest.raises(ImportRefused):
        commit(engine, result, engine.users["viewer"])
    assert len(engine.batches()) == batches + 1


@pytest.mark.parametrize(("lang", "figure", "province"), [("vi", "1.234,5", "Hà Tĩnh"), ("en", "1,234.5", "Hà Tĩnh")])
def test_the_preview_shows_province_names_and_the_languages_number_format(users, lang, figure, province):
    content = ("province,indicator,period,value,source\n"
               "42,recruitment_replacement_pct,2024,1234.5,Báo cáo 12/BC-UBND\n").encode("utf-8")
    at = sign_in(open_page(users, "pages/imports.py", lang=lang), "lan")
    at = _upload(at, "figures.csv", content)
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert table.iloc[0].tolist()[:2] == [2, province]   # the file's row, the province by name (never "42")
    assert figure in table.iloc[0].tolist()
    at = at.button(key="commit").click().run()
    from indicators.web import cache
    stored = cache.get_dataset().actuals("recruitment_replacement_pct")
    assert stored[(stored.province_code == "42") & (stored.period == "2024")].value.tolist() == [1234.5]   # exact


def test_the_source_is_stored_and_shown_exactly_as_typed(users):
    """The analyst's source for rows that name none: kept as typed (NFC only: no stripping, no lowercasing, the
    double space kept) and shown as plain text, never as markup."""
    import unicodedata

    typed = "  Báo cáo  số 12/BC-UBND *không* <b>đậm</b> "
    decomposed = unicodedata.normalize("NFD", typed)    # typed on a keyboard that sends combining marks
    content = "province,indicator,period,value\nHà Tĩnh,satisfaction_procedures_pct,2024,85.5\n".encode("utf-8")
    at = sign_in(open_page(users, "pages/imports.py", lang="vi"), "lan")
    at = _upload(at, "typed.csv", content, source=decomposed)
    assert not at.exception and not at.error
    assert typed in at.dataframe[0].value["Nguồn"].tolist()
    at = at.button(key="commit").click().run()
    from indicators.web import cache
    stored = cache.get_dataset().actuals("satisfaction_procedures_pct")
    assert stored[(stored.province_code == "42") & (stored.period == "2024")].source.tolist() == [typed]
    at = open_page(at, "pages/imports.py", tab="batches", lang="vi")
    table = at.dataframe[0].value
    assert table[table["Tệp"] == "typed.csv"]["Nguồn"].tolist() == [typed]
