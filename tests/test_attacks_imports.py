"""Imports that broke the server or the reader (issue 25): a disk that fills up during an import (F6), odd cells
of an .xlsx in any column (F9), a killed .xlsx reading process (F11)."""

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from indicators import imports
from indicators.domain.registry import Registry
from indicators.imports import reader
from indicators.imports.table import column_letter
from indicators.services.auth import User
from indicators.storage import DatabaseUnusable, StorageFailed, open_store
from indicators.storage.errors import is_disk_full
from tests.conftest import duckdb_only, monthly_figures

TODAY = date(2026, 11, 23)
HEADER = ["province", "indicator", "period", "value", "source"]


def preview(engine, name, content, **options):
    return imports.preview(engine, name, content,
                           imports.Context(engine.registry, engine.catalogue, today=TODAY, **options))


def commit(engine, result, user="lan"):
    return imports.commit(engine, result, engine.users[user])


def _counts(store) -> tuple[int, int, int]:
    return tuple(int(store.scalar(f"SELECT count(*) FROM {table}"))
                 for table in ("actual", "actual_history", "import_batch"))


def _figures(rows: int, seed: int = 1) -> bytes:
    """An actuals CSV of ``rows`` new figures (12 provinces × 3 indicators × months)."""
    return monthly_figures(rows, f"disk {seed}", seed).encode()


# --- F6: a full disk during an import --------------------------------------------------------------------------------

@pytest.fixture
def tiny_mount():
    """An empty folder on which a small tmpfs can be mounted (``mount(size)``); unmounted and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="kpi-tiny-"))
    mounted = []

    def mount(size: str) -> Path:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a small tmpfs here (needs root and mount rights): {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _fill(folder: Path, leave: int) -> Path:
    """Fill the file system of ``folder`` up to ``leave`` free bytes."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@duckdb_only
def test_an_import_that_fills_the_disk_is_refused_and_the_server_goes_on_reading(tiny_mount, users_db):
    """What DuckDB 1.5 does on a full disk, for real: a commit large enough to be checkpointed at once (DuckDB
    does so above ``checkpoint_threshold``, 16 MB by default; lowered here so that a 9,000-row file takes that
    path) fails with ``FatalException: Failed to create checkpoint … No space left on device`` and invalidates
    the database for every later statement. The import is refused as a full disk, nothing of it is kept, and the
    same store reads on at once (it reopened the file)."""
    size = Path(users_db).stat().st_size
    folder = tiny_mount(f"{size // 1024 + 8 * 1024}k")
    path = folder / "kpi.duckdb"
    shutil.copyfile(users_db, path)
    store = open_store(path)
    try:
        store.registry = Registry(store.provinces(), store.province_aliases())
        store.catalogue = store.indicators()
        store.users = {"lan": User("lan", "lan", "analyst")}
        result = preview(store, "figures.csv", _figures(9_000))
        assert result.ok and result.counts["insert"] == 9_000
        before, batches = _counts(store), store.batches()
        filler = _fill(folder, leave=1024 * 1024)
        invalidated = store.connection
        invalidated.execute("SET checkpoint_threshold = '1KB'")
        with pytest.raises(StorageFailed) as refused:
            commit(store, result)
        assert "disk full" in refused.value.en and "hết dung lượng đĩa" in refused.value.vi
        assert "Traceback" not in refused.value.en and "FATAL" not in refused.value.en
        raised = refused.value.__context__   # what DuckDB raised: the database was invalidated by it
        assert isinstance(raised, duckdb.FatalException) and "No space left on device" in str(raised)
        assert store.connection is not invalidated
        assert _counts(store) == before and store.batches().equals(batches)   # reads go on, nothing kept
        assert store.data_version() is not None
        filler.unlink()
        done = commit(store, preview(store, "again.csv", _figures(50, seed=2)))   # and writes, once there is room
        assert done.inserted == 50
    finally:
        store.close()
    reopened = open_store(path)   # nothing partial in the file either
    try:
        assert _counts(reopened) == (before[0] + 50, before[1] + 50, before[2] + 1)
    finally:
        reopened.close()


def _disk_full_error(backend: str) -> Exception:
    """The error each backend's driver raised when the disk filled up (seen on a tmpfs here): DuckDB's fatal
    checkpoint error; PostgreSQL's disk_full (SQLSTATE 53100) as DuckDB's postgres extension passes it on."""
    if backend == "duckdb":
        return duckdb.FatalException('FATAL Error: Failed to create checkpoint because of error: Could not write file '
                                     '"/srv/kpi/kpi.duckdb": No space left on device')
    return duckdb.Error('Failed to copy data: ERROR:  could not extend file "base/16384/16386": No space left on '
                        'device\nHINT:  Check free disk space.\nCONTEXT:  COPY actual, line 2000\n')


def test_a_write_error_of_a_full_disk_is_named_on_either_backend(engine, monkeypatch):
    from indicators.storage.sql.actuals import ActualWrites as Writes

    result = preview(engine, "figures.csv", _figures(30))
    assert result.ok
    before = _counts(engine)
    connection = engine.connection

    def full(*args, **kwargs):
        raise _disk_full_error(engine.backend)

    monkeypatch.setattr(Writes, "write_actuals", full)
    with pytest.raises(StorageFailed) as refused:
        commit(engine, result)
    assert "disk full" in refused.value.en and "hết dung lượng đĩa" in refused.value.vi
    monkeypatch.undo()
    assert _counts(engine) == before
    if engine.backend == "duckdb":   # a fatal error: the store reopened the file
        assert engine.connection is not connection
    assert commit(engine, preview(engine, "again.csv", _figures(30))).inserted == 30


@duckdb_only
def test_a_read_that_meets_an_invalidated_database_reopens_it(store):
    connection = store.connection
    with pytest.raises(DatabaseUnusable) as unusable:
        with store._cursor():
            raise duckdb.FatalException('FATAL Error: Failed: database has been invalidated because of a previous '
                                        'fatal error. Original error: "Could not write file: No space left on device"')
    assert "disk full" in unusable.value.en
    assert store.connection is not connection
    assert store.scalar("SELECT count(*) FROM province") > 0


@pytest.mark.parametrize("error, full", [
    (OSError(28, "No space left on device"), True),
    (duckdb.IOException('Could not write file "kpi.duckdb.wal": No space left on device'), True),
    (duckdb.TransactionException('Failed to commit: Could not write file "x.wal": No space left on device'), True),
    (duckdb.Error('ERROR:  could not write to file "base/pgsql_tmp/t1": No space left on device'), True),
    (duckdb.TransactionException("Conflict on tuple deletion!"), False),
    (duckdb.Error('ERROR:  duplicate key value violates unique constraint "actual_pkey"'), False),
])
def test_disk_full_is_told_from_other_errors(error, full):
    assert is_disk_full(error) is full


def test_psycopg_disk_full_sqlstate_is_a_full_disk():
    import psycopg.errors

    error = psycopg.errors.DiskFull("could not extend file")
    assert error.sqlstate == "53100" and is_disk_full(error)


@pytest.mark.postgres_only
def test_postgresql_running_out_of_disk_refuses_the_import_as_a_full_disk(tiny_mount, engine):
    """A real full disk on PostgreSQL: the test database's figures moved to a tablespace on a small tmpfs, which
    is then filled up to 256 KB."""
    from tests.conftest import PG

    folder = tiny_mount("64m")
    shutil.chown(folder, "postgres")

    def psql(sql: str, database: str = "postgres") -> None:
        done = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG}/{database}", "-c", sql],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    database = engine.url.rsplit("/", 1)[1]
    tablespace = "kpi_tiny_" + database[-12:]
    psql(f"CREATE TABLESPACE {tablespace} LOCATION '{folder}'")
    try:
        engine.close()
        psql(f"ALTER TABLE actual SET TABLESPACE {tablespace}", database)
        result = preview(engine, "figures.csv", _figures(9_000))
        before = _counts(engine)
        filler = _fill(folder, leave=256 * 1024)
        with pytest.raises(StorageFailed) as refused:
            commit(engine, result)
        assert "disk full" in refused.value.en and "hết dung lượng đĩa" in refused.value.vi
        assert _counts(engine) == before
        filler.unlink()
        assert commit(engine, preview(engine, "again.csv", _figures(50, seed=2))).inserted == 50
    finally:
        engine.close()
        psql("ALTER TABLE actual SET TABLESPACE pg_default", database)
        psql(f"DROP TABLESPACE {tablespace}")


# --- F9: any cell of any type in any column of an .xlsx --------------------------------------------------------------

ROW = ["Hà Tĩnh", "satisfaction_procedures_pct", "2024", 85.5, "BC 1"]
SHARED_STRINGS = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
                  '<si><t>Hà Tĩnh</t></si><si><r><rPr><b/></rPr><t>Hà</t></r><r><t xml:space="preserve"> Tĩnh</t></r>'
                  '</si></sst>')
# Cells written into the sheet's XML as Excel (or another program) saves them: (attributes, content).
XML_CELLS = {
    "formula, saved number": ("", "<f>1+1</f><v>2</v>"),
    "formula, saved text": ('t="str"', '<f>"a"&amp;"b"</f><v>ab</v>'),
    "formula, saved boolean": ('t="b"', "<f>TRUE()</f><v>1</v>"),
    "formula, saved error": ('t="e"', "<f>1/0</f><v>#DIV/0!</v>"),
    "formula, saved empty text": ('t="str"', '<f>""</f><v></v>'),
    "array formula": ("", '<f t="array" ref="{ref}">1+1</f><v>2</v>'),
    "shared formula": ("", '<f t="shared" ref="{ref}" si="0">1+1</f><v>2</v>'),
    "shared formula, dependent": ("", '<f t="shared" si="0"/><v>2</v>'),
    "inline string": ('t="inlineStr"', "<is><t>Hà Tĩnh</t></is>"),
    "inline rich text": ('t="inlineStr"', "<is><r><rPr><b/></rPr><t>Hà</t></r><r><t> Tĩnh</t></r></is>"),
    "empty inline string": ('t="inlineStr"', "<is><t></t></is>"),
    "shared string": ('t="s"', "<v>0</v>"),
    "shared rich text": ('t="s"', "<v>1</v>"),
    "ISO date": ('t="d"', "<v>2024-05-01T00:00:00</v>"),
    "error": ('t="e"', "<v>#N/A</v>"),
    "boolean out of range": ('t="b"', "<v>2</v>"),
    "shared string index past the table": ('t="s"', "<v>99</v>"),
    "number that is not one": ("", "<v>abc</v>"),
}
# Cells as openpyxl writes Python values.
PYTHON_CELLS = {
    "formula without a saved value": "=1+1", "error written as text": "#N/A", "true": True, "false": False,
    "date and time": datetime(2024, 5, 1, 13, 30), "date": date(2024, 5, 1), "time": clock(13, 30),
    "duration": timedelta(days=1, hours=2), "text": "một chuỗi", "blank text": " ", "huge number": 1e300,
    "whole number": 7, "negative": -3.5, "rich text": CellRichText([TextBlock(InlineFont(b=True), "Hà"), " Tĩnh"]),
    "number beyond 64 bits": 10 ** 20,
}
KINDS = sorted(XML_CELLS) + sorted(PYTHON_CELLS)


def _patched(content: bytes, sheet=None, extra_parts=None) -> bytes:
    """``content`` with its first sheet's XML changed by ``sheet`` and extra parts added (with their
    relationships and content types)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet:
                data = sheet(data)
            if extra_parts and item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            if extra_parts and item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            target.writestr(item, data)
        for name, text in (extra_parts or {}).items():
            target.writestr(name, text)
    return out.getvalue()


def _workbook(kind: str, column: int, exact: bool, header=HEADER, row=ROW) -> bytes:
    """A sheet whose row 2 holds a cell of ``kind`` in ``column`` (0 = A; past the header's last column too);
    with ``exact``, a %-formatted cell in row 3 makes the reader go cell by cell (openpyxl, not calamine)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    cells = list(row) + [None] * (column + 1 - len(row))
    cells[column] = PYTHON_CELLS.get(kind, "PLACEHOLDER")
    sheet.append(cells)
    if exact:
        sheet.append(["Nghệ An", "satisfaction_procedures_pct", "2023", 0.855, "BC 2"])
        sheet["D3"].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    if kind not in XML_CELLS:
        return buffer.getvalue()
    attributes, inner = XML_CELLS[kind]
    ref = f"{column_letter(column)}2"

    def put(data: bytes) -> bytes:
        data, count = re.subn(rf'<c r="{ref}"([^>]*?) t="inlineStr"([^>]*)><is><t>PLACEHOLDER</t></is></c>'.encode(),
                              f'<c r="{ref}"\\1\\2 {attributes}>{inner.replace("{ref}", ref)}</c>'.encode(), data)
        assert count == 1
        return data

    return _patched(buffer.getvalue(), put, {"xl/sharedStrings.xml": SHARED_STRINGS})


@pytest.fixture(scope="module")
def reading(users_db):
    """The database read-only, with what a preview needs (a preview writes nothing)."""
    store = open_store(users_db, read_only=True)
    store.registry = Registry(store.provinces(), store.province_aliases())
    store.catalogue = store.indicators()
    yield store
    store.close()


@pytest.mark.backend_free
@pytest.mark.parametrize("exact", [False, True], ids=["calamine", "openpyxl"])
@pytest.mark.parametrize("kind", KINDS)
def test_any_cell_in_any_column_is_a_value_or_a_refusal_naming_its_row_and_column(reading, kind, exact):
    for column in range(len(HEADER) + 1):   # A … E under the header, and F past its last column
        letter = column_letter(column)
        result = preview(reading, f"{kind}.xlsx", _workbook(kind, column, exact))   # never an exception
        assert result.ok or (result.problems and all(p.en and p.vi for p in result.problems))
        if not result.ok:
            assert any(p.row == 2 and (p.column or "").split(" ")[0] == letter for p in result.problems), \
                (kind, letter, [p.text() for p in result.problems])


def test_a_formula_in_the_last_column_gives_its_saved_value(engine):
    """F9's own case: the saved value of a formula in the row's last column (its trailing cells were dropped
    while the formula was set aside) used to raise IndexError."""
    header = ["province", "indicator", "period", "source", "value"]
    row = ["Hà Tĩnh", "satisfaction_procedures_pct", "2024", "BC 1", "PLACEHOLDER"]
    result = preview(engine, "last.xlsx", _workbook("formula, saved number", 4, False, header, row))
    assert result.ok, [p.text() for p in result.problems]
    assert result.diff.value.tolist() == [2.0]
    result = preview(engine, "last.xlsx", _workbook("formula, saved text", 4, True))
    assert result.ok and result.diff.source.tolist()[:1] == ["ab"]


def test_an_error_value_is_refused_by_its_cell(engine):
    problems = preview(engine, "e.xlsx", _workbook("formula, saved error", 3, True)).problems
    assert [(p.row, p.column) for p in problems] == [(2, "D")]
    assert "error value #DIV/0!" in problems[0].en and problems[0].value == "#DIV/0!"
    problems = preview(engine, "e.xlsx", _workbook("error", 4, False)).problems
    assert [(p.row, p.column) for p in problems] == [(2, "E")] and "error value #N/A" in problems[0].en


# --- F11: the .xlsx reading process killed ---------------------------------------------------------------------------

def _reading_pids() -> list[int]:
    return list(reader._reading_process()._processes)


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.startswith(
                "Z"):
            return
        time.sleep(0.05)


def _dies(keys):
    """A header test that kills the process it runs in (the reading process)."""
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("wait", [True, False], ids=["pool-noticed", "at-once"])
def test_a_killed_reading_process_is_replaced_and_the_next_import_works(engine, wait):
    content = _workbook("text", 4, False)
    assert preview(engine, "one.xlsx", content, apart=True).ok
    [pid] = _reading_pids()
    _kill(pid)
    if wait:   # the pool has seen its process die: a submit is refused at once
        for _ in range(100):
            if reader._READER._broken:
                break
            time.sleep(0.05)
    result = preview(engine, "two.xlsx", content, apart=True)
    assert result.ok, [p.text() for p in result.problems]
    assert _reading_pids() != [pid]


def test_a_file_during_which_the_reader_dies_twice_is_refused_and_the_next_one_read(engine):
    with pytest.raises(reader.FileRefused, match="process reading Excel files stopped"):
        reader.read_table_apart("x.xlsx", _workbook("text", 4, False), _dies)
    assert preview(engine, "next.xlsx", _workbook("text", 4, False), apart=True).ok
