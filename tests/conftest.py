import shutil
from pathlib import Path

import pandas as pd
import pytest

from indicators.reference import DATA_DIR
from indicators.storage import Store, open_store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """A database built once from data/ for the read-only tests."""
    path = tmp_path_factory.mktemp("db") / "kpi.duckdb"
    store = open_store(path)
    store.build()
    store.close()
    return path


@pytest.fixture
def store(tmp_path, built_db) -> Store:
    """A fresh writable copy of the database built from data/, for one test."""
    path = tmp_path / "kpi.duckdb"
    shutil.copyfile(built_db, path)
    s = open_store(path)
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

    store = open_store(built_db, read_only=True)
    yield Dataset.load(store)
    store.close()


PASSWORD = "correct horse battery"
USERS = (("admin", "admin"), ("lan", "analyst"), ("minh", "analyst"), ("viewer", "viewer"))


@pytest.fixture(scope="session")
def users_db(built_db, tmp_path_factory) -> Path:
    """The built database with an admin, two analysts (lan, minh) and a viewer, all with PASSWORD
    (bcrypt hashing is slow on purpose, so it is done once)."""
    from indicators.auth import add_user

    path = tmp_path_factory.mktemp("users") / "kpi.duckdb"
    shutil.copyfile(built_db, path)
    store = open_store(path)
    admin = add_user(store, None, "admin", PASSWORD, "admin")
    for name, role in USERS[1:]:
        add_user(store, admin, name, PASSWORD, role)
    store.close()
    return path


@pytest.fixture
def engine(tmp_path, users_db):
    """A writable copy of ``users_db`` with what the import engine needs: ``users`` by name, the province
    ``registry`` and the indicator ``catalogue``."""
    from indicators.auth import User
    from indicators.registry import Registry

    path = tmp_path / "engine.duckdb"
    shutil.copyfile(users_db, path)
    s = open_store(path)
    s.users = {name: User(name, name, role) for name, role in USERS}
    s.registry = Registry(s.provinces(), s.province_aliases())
    s.catalogue = s.indicators()
    yield s
    s.close()


def import_rows(store, rows, source: str, user_name: str = "tester") -> tuple[int, bytes]:
    """Import actuals (province_code, province_valid_from, indicator_code, period, value) through the import
    engine, as an analyst's CSV would be: the only way figures are written. The user (an admin, created as the
    database's first user if it has none) signs the batch. Returns the batch id and the file's bytes."""
    import io
    from datetime import date

    from indicators.auth import User, add_user, has_users
    from indicators.imports import commit, preview
    from indicators.registry import Registry

    if not has_users(store):
        add_user(store, None, user_name, PASSWORD, "admin")
    frame = pd.DataFrame(list(rows), columns=["province_code", "province_valid_from", "indicator_code", "period",
                                              "value"]) if not isinstance(rows, pd.DataFrame) else rows
    out = io.StringIO()
    frame.assign(source=source).to_csv(out, index=False)
    content = out.getvalue().encode("utf-8")
    result = preview(store, Registry(store.provinces(), store.province_aliases()), store.indicators(), "rows.csv",
                     content, today=date.today())
    assert result.ok, [p.en for p in result.problems]
    done = commit(store, result, User(user_name, user_name, "admin"), channel="cli")
    return done.batch_id, content
