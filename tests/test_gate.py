"""The gate (issue 25): `.ci/run` fails whenever a test, the lint, the contracts or a benchmark's quick mode fails,
and both test runs (DuckDB, then PostgreSQL) always run and are reported before it fails.

`.ci/run` is run for real, on a copy of the checkout in a temporary folder, with stand-ins: a `pytest` package on
PYTHONPATH that records its arguments and exits with the status a test chooses, and a `python3` and `lint-imports`
on PATH that record every other step (pip, ruff, the benchmarks) and fail the one a test chooses. The copy keeps the
run from touching the checkout (pip's `-e .` would rewrite it) and from running the real suite inside the suite."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.backend_free   # run once, in the DuckDB run (see conftest.py)

STAND_IN_PYTEST = """import os, sys
with open(os.environ["GATE_LOG"], "a") as log:
    log.write("pytest " + " ".join(sys.argv[1:]) + "\\n")
run = "postgresql" if "--backend=postgresql" in sys.argv else "duckdb"
sys.exit(int(os.environ.get("GATE_PYTEST_" + run.upper(), "0")))
"""
# python3 -m tests runs for real (the runner under test); every other `python3 -m X` and lint-imports are recorded
STAND_IN_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "tests" ]; then exec {python} "$@"; fi
echo "python3 $*" >> "$GATE_LOG"
if [ -n "$GATE_FAIL" ] && [ "$2" = "$GATE_FAIL" ]; then exit 3; fi
exit 0
"""
STAND_IN_LINT = """#!/bin/sh
echo "lint-imports $*" >> "$GATE_LOG"
if [ "$GATE_FAIL" = "lint-imports" ]; then exit 3; fi
exit 0
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The checkout's tracked files (with the working tree's changes) copied to a temporary folder."""
    copy = tmp_path_factory.mktemp("checkout")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(source.read_bytes())
            (copy / name).chmod(source.stat().st_mode)
    return copy


def run_gate(checkout: Path, tmp_path: Path, duckdb: int = 0, postgresql: int = 0, fail: str = ""):
    stand_ins = tmp_path / "bin"
    (stand_ins / "pytest").mkdir(parents=True)
    (stand_ins / "pytest" / "__init__.py").write_text("")
    (stand_ins / "pytest" / "__main__.py").write_text(STAND_IN_PYTEST)
    _executable(stand_ins / "python3", STAND_IN_PYTHON.format(python=sys.executable))
    _executable(stand_ins / "lint-imports", STAND_IN_LINT)
    log = tmp_path / "log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{stand_ins}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(stand_ins),
           "GATE_LOG": str(log), "GATE_PYTEST_DUCKDB": str(duckdb), "GATE_PYTEST_POSTGRESQL": str(postgresql),
           "GATE_FAIL": fail}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(["bash", str(checkout / ".ci" / "run")], env=env, capture_output=True, text=True,
                          timeout=600)
    return done, log.read_text().splitlines()


def test_the_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8").split("```sh\n")
    command = readme[2].split("\n```")[0]
    assert command.count("\n") == 0 and "python3 -m tests" in command
    assert f"if ! ( {command} ); then" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_a_failing_test_fails_the_gate_after_both_runs(checkout, tmp_path):
    done, log = run_gate(checkout, tmp_path, duckdb=1)
    assert done.returncode != 0, done.stdout + done.stderr
    assert [line for line in log if line.startswith("pytest")] == ["pytest ", "pytest --backend=postgresql"]
    assert "DuckDB      FAILED (pytest exit status 1)" in done.stdout
    assert "PostgreSQL  passed" in done.stdout
    assert not any(line.startswith("python3 -m bench") for line in log), log   # it fails at once


def test_a_failure_on_postgresql_alone_fails_the_gate(checkout, tmp_path):
    done, log = run_gate(checkout, tmp_path, postgresql=1)
    assert done.returncode != 0
    assert "DuckDB      passed" in done.stdout and "PostgreSQL  FAILED (pytest exit status 1)" in done.stdout


@pytest.mark.parametrize("step", ["pip", "ruff", "lint-imports", "bench.scale", "bench.sessions"])
def test_a_failing_step_fails_the_gate(checkout, tmp_path, step):
    done, log = run_gate(checkout, tmp_path, fail=step)
    assert done.returncode != 0, (step, log)
    assert any(step in line for line in log), log


def test_the_gate_passes_when_every_step_passes(checkout, tmp_path):
    done, log = run_gate(checkout, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [line.split()[2] if line.startswith("python3 -m") else line.split()[0] for line in log]
    assert ran[:4] == ["pip", "pytest", "pytest", "ruff"], ran
    assert "lint-imports" in ran and "bench.sessions" in ran


def test_the_suite_never_opens_a_database_inside_the_repository():
    """The session-wide guard of conftest.py: a DuckDB file inside the checkout is refused (and the test that
    tried fails); the default database of the run lies in a temporary folder."""
    import duckdb

    from indicators.storage import default_db_path, open_store
    from tests import conftest

    target = REPO / "data" / "kpi.duckdb"
    before = len(conftest.INSIDE_REPO)
    for attempt in (lambda: duckdb.connect(str(target)), lambda: open_store(target, read_only=True).table_counts(),
                    lambda: duckdb.connect("data/other.duckdb")):
        with pytest.raises(RuntimeError, match="inside the repository"):
            attempt()
    assert len(conftest.INSIDE_REPO) == before + 3
    del conftest.INSIDE_REPO[before:]     # refused on purpose here; any other test doing this fails
    assert not (REPO / "data" / "other.duckdb").exists()
    assert REPO not in Path(default_db_path()).resolve().parents
    assert duckdb.connect(":memory:").execute("SELECT 1").fetchone() == (1,)
