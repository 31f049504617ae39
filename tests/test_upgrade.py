"""A database made and used by the release before issue 27 opens under this code, keeps everything, and takes new
imports (issue 27, point 3).

The release's own code (``git archive`` of :data:`RELEASE`, the last commit before the layers, the composed
storage and the catalogues) builds a database, adds two users and imports figures through its own CLI, in a
process of its own. This code then opens that database (migrating it in place), finds the users, the figures,
the batch and its history as the release left them, signs the analyst in with the password the release set, and
imports new figures. On PostgreSQL the same is done in a database of the suite's cluster.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from datetime import date

import pytest

from indicators.imports import Context, commit, preview
from indicators.services.auth import authenticate
from indicators.services.building import open_writable
from indicators.storage import open_store
from tests.conftest import REPO, new_db

RELEASE = "d993f7d"   # main before issue 27 (the release a province runs today)
PASSWORD = "an old release's password 1"
FIGURES = ("province,indicator,period,value,source\n"
           "42,sipas,2019,80.25,Báo cáo SIPAS 2019 (release test)\n"
           "40,sipas,2019,79.5,Báo cáo SIPAS 2019 (release test)\n")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The release's code, unpacked from the repository's history."""
    folder = tmp_path_factory.mktemp("release")
    found = subprocess.run(["git", "cat-file", "-e", f"{RELEASE}^{{commit}}"], cwd=REPO, capture_output=True)
    assert found.returncode == 0, f"the history must hold the release {RELEASE} (a full clone, not a shallow one)"
    archive = subprocess.run(["git", "archive", "--format=tar", RELEASE], cwd=REPO, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _old(release, db: str, *args: str, password: str | None = None, user: str | None = None) -> str:
    """Run the release's CLI on ``db``: its own package first on the path, never this checkout's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}
    env.update(PYTHONPATH=str(release), KPI_DB=db, PYTHONDONTWRITEBYTECODE="1")
    if password:
        env["KPI_NEW_PASSWORD"] = env["KPI_PASSWORD"] = password
    if user:
        env["KPI_USER"] = user
    done = subprocess.run([sys.executable, "-m", "indicators", *args], cwd=release, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"the release's `{' '.join(args)}` failed: {done.stdout}{done.stderr}"
    return done.stdout


def _made_by_the_release(release, db: str, tmp_path) -> None:
    where = subprocess.run([sys.executable, "-c", "import indicators; print(indicators.__file__)"], cwd=release,
                           env={**os.environ, "PYTHONPATH": str(release)}, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(release))   # the release's own package runs, not this checkout's
    _old(release, db, "build")
    _old(release, db, "users", "add", "admin", "--role", "admin", password=PASSWORD)
    _old(release, db, "users", "add", "lan", "--role", "analyst", "--user", "admin", password=PASSWORD)
    figures = tmp_path / "sipas-2019.csv"
    figures.write_text(FIGURES, encoding="utf-8")
    _old(release, db, "import", str(figures), "--user", "lan", "--replace", password=PASSWORD)


def _opens_keeps_everything_and_takes_imports(db: str) -> None:
    older = open_store(db)
    try:
        pending = not older.is_built()   # the release's schema lacks this code's migrations
    finally:
        older.close()
    assert pending
    store = open_writable(db)   # what the server and every writing command open: migrated in place, then refilled
    try:
        assert store.is_built()
        users = store.users().set_index("name")
        assert users.loc["admin", "role"] == "admin" and users.loc["lan", "role"] == "analyst"
        lan = authenticate(store, "lan", PASSWORD, channel="cli")   # the release's password hash still signs in
        batches = store.batches()
        mine = batches[batches.imported_by == "lan"]
        assert len(mine) == 1 and mine.iloc[0].file_name == "sipas-2019.csv"
        kept = store.actuals("42", date(2004, 1, 1))
        assert kept[(kept.indicator_code == "sipas") & (kept.period == "2019")].value.tolist() == [80.25]
        assert len(store.history(int(mine.iloc[0].id))) == 2          # the release's history rows, both kept
        assert store.replay_differences() == 0
        new = ("province,indicator,period,value,source\n42,sipas,2019,81.5,Báo cáo SIPAS 2019 (corrected)\n")
        result = preview(store, "sipas-2019-corrected.csv", new.encode("utf-8"),
                         Context.of(store, user=lan, today=date(2026, 12, 1)))
        assert result.ok and result.counts["change"] == 1
        done = commit(store, result, lan, replace=True)
        assert done.replaced == 1
        kept = store.actuals("42", date(2004, 1, 1))
        assert kept[(kept.indicator_code == "sipas") & (kept.period == "2019")].value.tolist() == [81.5]
        assert store.replay_differences() == 0
    finally:
        store.close()


def test_a_database_of_the_release_before_opens_keeps_everything_and_takes_new_imports(release, tmp_path):
    db = str(new_db(tmp_path / "release.duckdb"))   # a new file, or a new database of the suite's cluster
    _made_by_the_release(release, db, tmp_path)
    _opens_keeps_everything_and_takes_imports(db)
