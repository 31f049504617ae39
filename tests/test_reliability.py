"""The reliability report's live parts, small: the server SIGKILLed during imports made on the Import page, and
viewer sessions rerunning while an import runs (bench/reliability.py runs them at full size)."""

from pathlib import Path

import pytest

from bench import reliability

pytestmark = pytest.mark.slow  # the reliability report's live runs: left out of `pytest -m "not slow"`


@pytest.fixture
def work(tmp_path):
    if not Path(reliability.CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    reliability.RESULTS.clear()
    return tmp_path, reliability.base_database(tmp_path)


def test_server_killed_during_imports_keeps_acknowledged_batches_and_no_partial_one(work):
    tmp_path, base = work
    reliability.faults(tmp_path, base, kills=3, rows=4000)
    assert reliability.RESULTS and all(ok for _, _, ok in reliability.RESULTS), reliability.RESULTS


def test_viewers_rerun_without_errors_while_an_import_runs(work):
    tmp_path, base = work
    reliability.load(tmp_path, base, sessions=4, rows=3000, duration=3.0)
    assert reliability.RESULTS and all(ok for _, _, ok in reliability.RESULTS), reliability.RESULTS
