"""``python -m indicators reports``: every province's report and brief of a period into a folder, for cron or a
systemd timer (issue 28, point 8), on both backends."""

import fcntl
import hashlib
import json
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from indicators.cli import manifest, scheduled
from indicators.cli.main import main
from indicators.domain.registry import Registry
from indicators.reports import charts
from indicators.reports.content import report_period
from indicators.services.views import Dataset
from indicators.storage import open_store
from tests.conftest import copy_db, import_rows

NAMES = {f"2025/{kind}-{code}-2025-2025-vi.{fmt}" for code in ("80", "42")
         for kind, fmt in (("bao-cao-cchc", "docx"), ("tom-tat-cchc", "pdf"))}


@pytest.fixture
def db(tmp_path, built_db):
    """A copy of the built database the command reads (closed: the command opens it itself)."""
    return str(copy_db(built_db, tmp_path / "kpi.duckdb"))


def reports(capsys, db, out: Path, *more: str) -> tuple[int, list[str], str]:
    code = main(["reports", "--period", "2025", "--out", str(out), "--db", db, *more])
    printed, err = capsys.readouterr()
    return code, printed.splitlines(), err


def files(out: Path) -> dict[str, str]:
    """Every file of the folder but the manifest and the lock, relative, with its sha256."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*")
            if p.is_file() and p.name not in (manifest.MANIFEST, manifest.LOCK)}


def entries(out: Path) -> dict:
    found = json.loads((out / manifest.MANIFEST).read_text(encoding="utf-8"))
    assert found["layout"] == manifest.LAYOUT
    return found["files"]


def test_made_once_then_skipped_then_only_the_province_whose_data_changed(capsys, monkeypatch, tmp_path, db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    out = tmp_path / "out"
    code, lines, err = reports(capsys, db, out, "--province", "80", "Hà Tĩnh", "--no-charts")
    assert (code, err) == (0, "")
    assert lines == ["80 Tây Ninh: made (bao-cao-cchc-80-2025-2025-vi.docx, tom-tat-cchc-80-2025-2025-vi.pdf)",
                     "42 Hà Tĩnh: made (bao-cao-cchc-42-2025-2025-vi.docx, tom-tat-cchc-42-2025-2025-vi.pdf)",
                     "total: 2 made, 0 skipped, 0 failed"]
    first = files(out)
    assert set(first) == NAMES
    made = entries(out)
    assert sorted(made) == ["42@2025-07-01/2025/docx/vi", "42@2025-07-01/2025/pdf/vi",
                            "80@2025-07-01/2025/docx/vi", "80@2025-07-01/2025/pdf/vi"]
    assert {e["file"]: e["sha256"] for e in made.values()} == first
    assert {e["charts"] for e in made.values()} == {False}
    times = {name: (out / name).stat().st_mtime_ns for name in first}

    code, lines, _ = reports(capsys, db, out, "--province", "80", "42", "--no-charts")
    assert code == 0 and lines[-1] == "total: 0 made, 2 skipped, 0 failed"
    assert lines[0] == "80 Tây Ninh: skipped (data unchanged, files intact)"
    assert {name: (out / name).stat().st_mtime_ns for name in first} == times and entries(out) == made

    store = open_store(db)
    import_rows(store, [("80", "2025-07-01", "dossiers_online_pct", "2025", 91.5)], "Sở Nội vụ, 2026")
    version = [str(v) for v in store.data_version()]
    store.close()
    code, lines, _ = reports(capsys, db, out, "--province", "80", "42", "--no-charts")
    assert code == 0 and lines[0].startswith("80 Tây Ninh: made (") and lines[1].startswith("42 Hà Tĩnh: skipped")
    after = files(out)
    assert after.keys() == first.keys()
    assert sorted(n for n in after if after[n] != first[n]) == sorted(n for n in NAMES if "-80-" in n)
    remade = entries(out)
    assert {k: e["data_version"] for k, e in remade.items()} == dict.fromkeys(made, version)
    assert remade["42@2025-07-01/2025/docx/vi"]["made_at"] == made["42@2025-07-01/2025/docx/vi"]["made_at"]

    code, lines, _ = reports(capsys, db, out, "--province", "80", "42", "--no-charts", "--force")
    assert code == 0 and lines[-1] == "total: 2 made, 0 skipped, 0 failed"
    assert not [p for p in out.rglob("*") if p.name.endswith(manifest.PARTIAL)]


def test_a_file_changed_or_removed_since_is_made_again(capsys, monkeypatch, tmp_path, db):
    monkeypatch.setenv("KPI_LANG", "vi")
    out = tmp_path / "out"
    assert reports(capsys, db, out, "--province", "42", "--format", "pdf", "--no-charts")[0] == 0
    brief = out / "2025" / "tom-tat-cchc-42-2025-2025-vi.pdf"
    brief.write_bytes(b"edited by hand")
    code, lines, _ = reports(capsys, db, out, "--province", "42", "--format", "pdf", "--no-charts")
    assert code == 0 and lines == ["42 Hà Tĩnh: đã làm (tom-tat-cchc-42-2025-2025-vi.pdf)",
                                   "tổng cộng: 1 tỉnh đã làm, 0 bỏ qua, 0 lỗi"]
    assert brief.read_bytes().startswith(b"%PDF")
    brief.unlink()
    assert reports(capsys, db, out, "--province", "42", "--format", "pdf", "--no-charts")[1][0].startswith(
        "42 Hà Tĩnh: đã làm")
    assert brief.is_file()


def test_a_province_that_fails_does_not_stop_the_others(capsys, monkeypatch, tmp_path, db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    out = tmp_path / "out"
    real = scheduled.make

    def make(ds, ask, **options):
        if ask.key[0] == "80" and ask.fmt == "pdf":     # after its Word file was made
            raise RuntimeError("the brief's font is missing")
        return real(ds, ask, **options)

    monkeypatch.setattr(scheduled, "make", make)
    code, lines, err = reports(capsys, db, out, "--province", "80", "42", "--no-charts")
    assert (code, err) == (1, "")
    assert lines == ["80 Tây Ninh: FAILED: RuntimeError: the brief's font is missing",
                     "42 Hà Tĩnh: made (bao-cao-cchc-42-2025-2025-vi.docx, tom-tat-cchc-42-2025-2025-vi.pdf)",
                     "total: 1 made, 0 skipped, 1 failed"]
    assert not [p for p in out.rglob("*") if p.name.endswith(manifest.PARTIAL)]
    assert "80@2025-07-01/2025/pdf/vi" not in entries(out)
    monkeypatch.setattr(scheduled, "make", real)
    code, lines, _ = reports(capsys, db, out, "--province", "80", "42", "--no-charts")
    assert code == 0 and lines[0].startswith("80 Tây Ninh: made") and lines[1].startswith("42 Hà Tĩnh: skipped")
    assert set(files(out)) == NAMES


def test_a_file_is_written_whole_or_not_at_all(monkeypatch, tmp_path):
    target = tmp_path / "2025" / "bao-cao.docx"
    manifest.write_whole(target, b"first")

    def no_rename(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest.os, "replace", no_rename)
    with pytest.raises(OSError):
        manifest.write_whole(target, b"second")
    assert target.read_bytes() == b"first" and [p.name for p in target.parent.iterdir()] == ["bao-cao.docx"]


def test_charts_that_cannot_be_drawn_fail_the_word_file_only(capsys, monkeypatch, tmp_path, db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    out = tmp_path / "out"
    code, lines, _ = reports(capsys, db, out, "--province", "42", "--format", "pdf", "docx")
    assert code == 1 and lines[0].startswith("42 Hà Tĩnh: FAILED: the charts could not be drawn (no Chromium found")
    assert set(files(out)) == {"2025/tom-tat-cchc-42-2025-2025-vi.pdf"}


def test_every_province_of_the_period_unless_named_or_the_plans_own(db):
    store = open_store(db, read_only=True)
    try:
        ds = Dataset.load(store)
        registry = Registry(store.provinces(), store.province_aliases())
        after = scheduled.provinces_asked(registry, report_period("2025", ds), date(2026, 3, 1), None)
        before = scheduled.provinces_asked(registry, report_period("2024", ds), date(2026, 3, 1), None)
        named = scheduled.provinces_asked(registry, report_period("2025", ds), date(2026, 3, 1),
                                          ["Tây Ninh", "80", "42"])
        plan = report_period("plan:tay-ninh-490-qd-ubnd-2021", ds)     # Tây Ninh (old)'s plan, reported by the new
        holder = scheduled.provinces_asked(registry, plan, date(2026, 3, 1), None, store.plans())
    finally:
        store.close()
    assert len(after) == 34 and {k[1] for k in after} == {date(2025, 7, 1)}
    assert ("80", date(2025, 7, 1)) in after and ("72", date(2004, 1, 1)) not in after
    assert len(before) == 63 and ("72", date(2004, 1, 1)) in before
    assert named == [("80", date(2025, 7, 1)), ("42", date(2025, 7, 1))]
    assert holder == [("80", date(2025, 7, 1))]


def test_an_unknown_province_is_refused_with_the_nearest_before_anything_is_made(capsys, monkeypatch, tmp_path,
                                                                                   db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    out = tmp_path / "out"
    code, lines, err = reports(capsys, db, out, "--province", "42", "taynin")
    assert (code, lines) == (2, [])
    assert err == "error: 'taynin' is not a known province code or name. Did you mean: Tây Ninh (80)?\n"
    assert not out.exists()
    code, _, err = reports(capsys, db, out, "--province", "zzz")
    assert (code, err) == (2, "error: 'zzz' is not a known province code or name\n")


def test_a_folder_another_run_holds_or_a_foreign_manifest_is_refused(capsys, monkeypatch, tmp_path, db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    out = tmp_path / "out"
    out.mkdir()
    with (out / manifest.LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, lines, err = reports(capsys, db, out, "--province", "42", "--no-charts")
    assert (code, lines) == (2, []) and err == f"error: another run is writing into {out}; this one does nothing\n"
    (out / manifest.MANIFEST).write_text("[1, 2]")
    code, lines, err = reports(capsys, db, out, "--province", "42", "--no-charts")
    assert (code, lines) == (2, []) and "is not a manifest this command wrote" in err
    assert not (out / "2025").exists()


@pytest.mark.skipif(not charts.browser_path(), reason="no Chromium to draw the charts with")
def test_the_charts_of_every_province_are_drawn_in_one_browser(capsys, monkeypatch, tmp_path, db):
    monkeypatch.delenv("KPI_LANG", raising=False)
    charts.BROWSER.close()                # a browser left by another test: this run must start its own
    started = charts.BROWSER.starts
    out = tmp_path / "out"
    code, lines, _ = reports(capsys, db, out, "--province", "80", "42", "--format", "docx")
    assert code == 0 and lines[-1] == "total: 2 made, 0 skipped, 0 failed", lines
    assert charts.BROWSER.starts == started + 1
    for code in ("80", "42"):
        with zipfile.ZipFile(out / "2025" / f"bao-cao-cchc-{code}-2025-2025-vi.docx") as docx:
            assert len([n for n in docx.namelist() if n.startswith("word/media/")]) >= 5
    assert {e["charts"] for e in entries(out).values()} == {True}
    # the same files without charts are not the ones asked for now: remade with them
    shutil.rmtree(out)
    assert reports(capsys, db, out, "--province", "42", "--format", "docx", "--no-charts")[0] == 0
    assert reports(capsys, db, out, "--province", "42", "--format", "docx")[1][0].startswith("42 Hà Tĩnh: made")
    assert os.listdir(out / "2025") == ["bao-cao-cchc-42-2025-2025-vi.docx"]
