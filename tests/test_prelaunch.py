"""Issue 28.6: the ``report`` command starts its browser before it loads anything else, unless the same report's
charts are all kept already (reports/prelaunch.py), and leaves nothing behind when it exits early."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indicators.reports import prelaunch, render_pool
from tests.conftest import PG

REPO = Path(__file__).resolve().parent.parent
REPORT = ["report", "--province", "42", "--period", "2025"]


@pytest.fixture
def prepared(monkeypatch):
    """The browsers the shared browser was asked to start (none is started)."""
    asked: list[str] = []
    monkeypatch.setattr(render_pool.SHARED, "prepare", asked.append)
    monkeypatch.setenv("BROWSER_PATH", sys.executable)          # any file that exists: nothing is run
    return asked


@pytest.mark.parametrize("argv", [
    ["status"],
    ["report", "--province", "42"],                                        # refused by the command itself
    [*REPORT, "--format", "pdf"],
    [*REPORT, "-o", "tom-tat.pdf"],
    [*REPORT, "--format", "docx", "-o", "bao-cao.pdf"],                   # contradictory: refused by the command
    [*REPORT, "--no-charts"],
])
def test_no_browser_is_started_for_anything_but_a_word_report_with_charts(prepared, argv, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    assert prelaunch.start_early(argv) is False and prepared == []


@pytest.mark.parametrize("argv", [REPORT, ["--db", "x.duckdb", *REPORT, "-o", "bao-cao.docx"],
                                  ["--lang", "en", *REPORT, "--format", "docx"]])
def test_a_word_report_starts_the_shared_browser_at_once(prepared, argv, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    assert prelaunch.start_early(argv) is True and prepared == [sys.executable]


def test_without_a_browser_nothing_is_started(prepared, monkeypatch, tmp_path):
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path / "charts"))
    monkeypatch.setenv("BROWSER_PATH", "")
    monkeypatch.setattr(render_pool.shutil, "which", lambda name: None)
    assert prelaunch.start_early(REPORT) is False and prepared == []


def _note(db: Path, folder: Path, keys: list[str], **ask) -> None:
    for key in keys:
        (folder / f"{key}.png").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.png").write_bytes(b"png")
    prelaunch.remember(db, ask.get("province", "42"), ask.get("period", "2025"), ask.get("lang"), keys)


def test_a_note_that_still_holds_spares_the_browser_and_one_that_does_not_starts_it(prepared, monkeypatch, tmp_path):
    folder, db = tmp_path / "charts", tmp_path / "kpi.duckdb"
    monkeypatch.setenv("KPI_CHART_CACHE", str(folder))
    db.write_bytes(b"a database")
    argv = ["--db", str(db), *REPORT]
    _note(db, folder, ["a" * 64, "b" * 64])
    assert prelaunch.all_kept(argv) and prelaunch.start_early(argv) is False and prepared == []
    # another province, period or language is another report
    assert not prelaunch.all_kept(["--db", str(db), "report", "--province", "44", "--period", "2025"])
    assert not prelaunch.all_kept(["--db", str(db), *REPORT, "--lang", "en"])
    # a chart aged out of the cache: it will be drawn
    (folder / f"{'b' * 64}.png").unlink()
    assert not prelaunch.all_kept(argv)
    _note(db, folder, ["a" * 64, "b" * 64])
    assert prelaunch.all_kept(argv)
    # the database written since (an import, an undo, a lock): a new data version, new charts
    time.sleep(0.01)
    db.write_bytes(b"a database, changed")
    assert not prelaunch.all_kept(argv) and prelaunch.start_early(argv) is True


def test_a_damaged_or_unreadable_note_only_means_an_early_browser(prepared, monkeypatch, tmp_path):
    folder, db = tmp_path / "charts", tmp_path / "kpi.duckdb"
    monkeypatch.setenv("KPI_CHART_CACHE", str(folder))
    db.write_bytes(b"a database")
    argv = ["--db", str(db), *REPORT]
    _note(db, folder, ["a" * 64])
    note = prelaunch.note_path(db, "42", "2025", None)
    note.write_bytes(b"\xff\xfe not text")
    assert not prelaunch.all_kept(argv) and prelaunch.start_early(argv) is True
    note.write_text("")
    assert not prelaunch.all_kept(argv)


def test_old_notes_are_removed_when_a_new_one_is_written(monkeypatch, tmp_path):
    folder, db = tmp_path / "charts", tmp_path / "kpi.duckdb"
    monkeypatch.setenv("KPI_CHART_CACHE", str(folder))
    db.write_bytes(b"a database")
    (folder / prelaunch.NOTES).mkdir(parents=True)
    old = folder / prelaunch.NOTES / "old.txt"
    old.write_text("x")
    past = time.time() - 3 * 86400
    os.utime(old, (past, past))
    _note(db, folder, ["c" * 64])
    assert not old.exists() and len(list((folder / prelaunch.NOTES).iterdir())) == 1


@pytest.mark.skipif(bool(PG), reason="a note is of a DuckDB file: PostgreSQL always starts its browser early")
def test_the_command_notes_its_charts_and_exits_leaving_no_browser(built_db, tmp_path):
    """As a cron job runs it: the file written with its ten charts, the note written, no Chromium left behind
    (the command exits without the interpreter's teardown, after its exit handlers closed the browser)."""
    if render_pool.browser_path() is None:
        pytest.skip("Debian's chromium: the README test command installs it")
    env = {**os.environ, "KPI_CHART_CACHE": str(tmp_path / "charts")}
    out = tmp_path / "bao-cao.docx"
    argv = ["--db", str(built_db), *REPORT, "-o", str(out)]
    done = subprocess.run([sys.executable, "-m", "indicators", *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 100_000 and "10 charts" in done.stderr
    time.sleep(0.5)                              # a browser left behind would still be running now
    assert _chromium_under(tmp_path) == []
    os.environ["KPI_CHART_CACHE"] = env["KPI_CHART_CACHE"]
    try:
        assert prelaunch.all_kept(argv)
    finally:
        del os.environ["KPI_CHART_CACHE"]
    again = subprocess.run([sys.executable, "-m", "indicators", *argv, "--force"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "10 charts" in again.stderr


def _chromium_under(folder: Path) -> list[int]:
    """Chromium processes started for this test: their environment (inherited from the command) names ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"chromium" in line and str(folder).encode() in environ:
            found.append(int(entry.name))
    return found


def test_a_late_close_never_ends_a_browser_started_since_nor_one_drawing():
    """make(last=True) closes the command's browser while the Word file is written; in a process that goes on
    drawing (the tests, a server) that close may arrive after another browser was started, or while one draws."""
    import asyncio

    browser = render_pool.ChartBrowser()
    loop = browser._running_loop()
    shut = []

    async def shut_now():
        shut.append(browser._kaleido)
        browser._kaleido = None

    browser._shut = shut_now
    first, second = object(), object()
    browser._kaleido = second                       # started after the close of `first` was asked for
    asyncio.run_coroutine_threadsafe(browser._close_this(first), loop).result(5)
    assert shut == [] and browser._kaleido is second
    browser._busy = 1                               # drawing
    asyncio.run_coroutine_threadsafe(browser._close_this(second), loop).result(5)
    assert shut == []
    browser._busy = 0
    asyncio.run_coroutine_threadsafe(browser._close_this(second), loop).result(5)
    assert shut == [second] and browser._kaleido is None
    loop.call_soon_threadsafe(loop.stop)
