"""Kill test: an import SIGKILLed at random moments, many times, never leaves part of a batch behind, and the
database opens after every kill."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from indicators.storage import open_store
from tests.conftest import PASSWORD, REPO, copy_db, monthly_figures

pytestmark = pytest.mark.slow  # servers and commands killed mid-write: left out of `pytest -m "not slow"`

KILLS = 10
ROWS = 9_072  # 12 provinces × 3 indicators × 21 years × 12 months


def _file(path, seed: int) -> None:
    path.write_text(monthly_figures(ROWS, f"kill test {seed}", seed), encoding="utf-8")


def _run(db, csv, *extra):
    return subprocess.Popen([sys.executable, "-m", "indicators", "import", str(csv), "--db", str(db), "--user", "lan",
                             "--replace", *extra], cwd=REPO, env={**os.environ, "KPI_PASSWORD": PASSWORD},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _check(db) -> tuple[int, int]:
    """Every batch whole (its rows and its history rows both equal its row count); returns (batches, rows)."""
    store = open_store(db)  # must open after a kill (DuckDB replays or drops its WAL; PostgreSQL rolled back)
    connection = store.connection
    try:
        batches = connection.execute(
            "SELECT id, row_count FROM import_batch WHERE source_kind = 'cli' AND undone_at IS NULL").fetchall()
        for batch_id, row_count in batches:
            history = connection.execute("SELECT count(*) FROM actual_history WHERE batch_id = ?",
                                         [batch_id]).fetchone()[0]
            assert history == row_count, f"batch {batch_id}: {history} history rows of {row_count}"
        orphans = connection.execute("""
            SELECT count(*) FROM actual_history h
            WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = h.batch_id)
            UNION ALL SELECT count(*) FROM actual a
            WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = a.batch_id)
            """).fetchall()
        assert orphans == [(0,), (0,)], "rows of a batch that does not exist"
        latest = connection.execute("SELECT max(id) FROM import_batch WHERE source_kind = 'cli'").fetchone()[0]
        if latest is not None:  # the latest batch holds every one of its rows
            held = connection.execute("SELECT count(*) FROM actual WHERE batch_id = ?", [latest]).fetchone()[0]
            assert held == ROWS, f"batch {latest} holds {held} of {ROWS} rows"
        kept = connection.execute("SELECT count(*) FROM actual WHERE source LIKE 'kill test%'").fetchone()[0]
        return len(batches), kept
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_an_import_killed_mid_commit_leaves_no_partial_batch(tmp_path, users_db):
    db = copy_db(users_db, tmp_path / "kill.duckdb")
    csv = tmp_path / "figures.csv"
    # how long a whole import takes, and how long until its commit starts (a dry run stops there)
    _file(csv, 0)
    started = time.monotonic()
    assert _run(db, csv, "--dry-run").wait(120) == 0
    before_commit = time.monotonic() - started
    started = time.monotonic()
    full = _run(db, csv)
    assert full.wait(120) == 0, full.stderr.read().decode()
    whole = time.monotonic() - started
    assert _check(db) == (1, ROWS)
    rng = random.Random(7)
    killed_in_commit = 0
    for attempt in range(1, KILLS + 1):
        _file(csv, attempt)
        process = _run(db, csv)
        # most kills land between the end of the checks and the end of the commit
        delay = rng.uniform(before_commit * 0.9, whole * 1.05)
        started = time.monotonic()
        try:
            process.wait(delay)     # finished before the kill: the machine got faster, so aim earlier next time
            took = time.monotonic() - started
            before_commit, whole = min(before_commit, took * before_commit / whole), min(whole, took)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        code = process.wait(60)
        killed_in_commit += code == -signal.SIGKILL
        batches, rows = _check(db)
        assert rows == ROWS  # every figure is there exactly once: from the last whole batch
    assert killed_in_commit >= KILLS // 2, "too few kills landed before the import finished"
