import shutil
from pathlib import Path

import pytest

from indicators.database import Store
from indicators.reference import DATA_DIR

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """A database built once from data/ for the read-only tests."""
    path = tmp_path_factory.mktemp("db") / "kpi.duckdb"
    store = Store(path)
    store.build()
    store.close()
    return path


@pytest.fixture
def store(tmp_path, built_db) -> Store:
    """A fresh writable copy of the database built from data/, for one test."""
    path = tmp_path / "kpi.duckdb"
    shutil.copyfile(built_db, path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A copy of data/ that a test may break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.duckdb*"))
    return target


@pytest.fixture
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip("../shared/seeds is not beside the repository; the quote check needs the plans' text")
    return path


@pytest.fixture(scope="module")
def ds(built_db):
    """The pages' dataset, read from the database built from data/."""
    from indicators.views import Dataset

    store = Store(built_db, read_only=True)
    yield Dataset.load(store)
    store.close()
