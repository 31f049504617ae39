import glob
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

# The suite keeps both cores busy on purpose (pytest-xdist): a report's browser at the server's lowest CPU priority
# (priority.NICE, 19 by default) would wait behind the other tests for minutes. The benchmark measures the default.
os.environ.setdefault("KPI_REPORTS_NICE", "0")

from indicators.reference.loader import DATA_DIR
from indicators.services.building import build
from indicators.storage import Store, open_store
from tests import timings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# The backend the suite runs on: the embedded DuckDB file by default; with `--backend=postgresql` (a throwaway
# PostgreSQL cluster started for the run) or KPI_TEST_PG (a server's URL without a database, e.g.
# postgresql://postgres@127.0.0.1:5433), every database of the suite is a throwaway PostgreSQL one.
PG = os.environ.get("KPI_TEST_PG", "").rstrip("/")
_TEMPLATES: dict[str, str] = {}     # a database the tests read → the untouched copy new copies are made from
_CLUSTER: dict[str, Path] = {}
_MADE: list[str] = []      # the databases this process made on a server named by KPI_TEST_PG, dropped at the end

duckdb_only = pytest.mark.duckdb_only     # a DuckDB file's own behaviour (its file, its lock, its older versions)
backend_free = pytest.mark.backend_free   # the code's own checks (lint, the gate, parsing a link or a cell): run once


def pytest_addoption(parser):
    parser.addoption("--backend", choices=["duckdb", "postgresql"], default="duckdb",
                     help="run the suite on the embedded DuckDB (default) or on a throwaway PostgreSQL cluster")


# The suite touches only its own temporary files (issue 25). Every DuckDB file opened in a test process must lie
# outside the checkout: the guard below refuses any other and fails the test that tried, the variables that name a
# default database or backup folder point into a temporary folder for the run (servers and commands the tests start
# inherit them), and the run fails if any file of the checkout was added, changed or removed, a dashboard's own live
# database (data/kpi.duckdb and its WAL, which it may write meanwhile) and Python's and git's caches aside.
INSIDE_REPO: list[str] = []
_LIVE = {"kpi.duckdb", "kpi.duckdb.wal"}
_CACHES = {".git", "__pycache__", ".pytest_cache", ".venv", ".ruff_cache", ".import_linter_cache"}


def _inside_repo(database) -> bool:
    text = str(database or ":memory:")
    if text.startswith(":memory:") or text.startswith("md:"):
        return False
    path = Path(text).expanduser()
    return REPO in (path if path.is_absolute() else Path.cwd() / path).resolve().parents


def _guard_duckdb() -> None:
    import duckdb

    real = duckdb.connect
    if getattr(real, "_kpi_guard", False):
        return

    def connect(database=":memory:", *args, **kwargs):
        if _inside_repo(database):
            INSIDE_REPO.append(str(database))
            raise RuntimeError(f"a test opened {database}, inside the repository: tests use their temporary "
                               "folders only")
        return real(database, *args, **kwargs)

    connect._kpi_guard = True
    duckdb.connect = connect


def _checkout_snapshot() -> dict[str, tuple[int, int]]:
    """Every file of the checkout (size, modification time), caches and the live database aside."""
    found = {}
    for folder, folders, files in os.walk(REPO):
        folders[:] = [f for f in folders if f not in _CACHES]
        for name in files:
            path = Path(folder) / name
            if name in _LIVE and path.parent == DATA_DIR:
                continue
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            found[str(path.relative_to(REPO))] = (info.st_size, info.st_mtime_ns)
    return found


_DATA_AT_START: dict[str, tuple[int, int]] = {}


@pytest.fixture(autouse=True)
def _chart_cache_of_its_own(monkeypatch, tmp_path_factory):
    """The charts a test's reports draw kept in a folder of the test's own (reports/chart_cache.py): no test finds
    another's charts, so each one's browser starts and drawing failures are its own."""
    monkeypatch.setenv("KPI_CHART_CACHE", str(tmp_path_factory.mktemp("chart-cache")))


@pytest.fixture(autouse=True)
def _only_temporary_files():
    """Fails the test during which a DuckDB file inside the repository was opened (or refused to be)."""
    before = len(INSIDE_REPO)
    yield
    opened = INSIDE_REPO[before:]
    if opened:
        pytest.fail(f"the test opened a database inside the repository: {opened}")


def pytest_configure(config):
    global PG
    _guard_duckdb()
    from hypothesis import configuration, settings

    settings.register_profile("suite", database=None)    # no .hypothesis/ folder in the checkout
    settings.load_profile("suite")
    configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "kpi-test-hypothesis")
    if not hasattr(config, "workerinput"):
        scratch = Path(tempfile.mkdtemp(prefix="kpi-test-defaults-"))
        os.environ["KPI_DB"] = str(scratch / "default.duckdb")      # a test that forgets to name its database
        os.environ["KPI_BACKUP_DIR"] = str(scratch / "backups")     # and a backup of a PostgreSQL database
        _DATA_AT_START.update(_checkout_snapshot())
    if config.getoption("backend") == "postgresql" and not PG and not hasattr(config, "workerinput"):
        _CLUSTER.update(start_cluster())
        PG = os.environ["KPI_TEST_PG"] = _CLUSTER["url"]    # the workers inherit it
        os.environ["KPI_TEST_PG_THROWAWAY"] = "1"          # and know that it goes away with its databases


def pytest_unconfigure(config):
    if _CLUSTER and not hasattr(config, "workerinput"):
        stop_cluster(_CLUSTER)


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput") and _DATA_AT_START:
        now = _checkout_snapshot()
        # a file added or removed anywhere, or one of data/ changed (a developer's edit of the code is not the suite's)
        changed = sorted(name for name in set(now) ^ set(_DATA_AT_START)) + sorted(
            name for name in set(now) & set(_DATA_AT_START)
            if name.startswith("data/") and now[name] != _DATA_AT_START[name])
        if changed:
            writer = session.config.get_terminal_writer()
            writer.line()
            writer.line(f"FAILED: the suite changed files of the checkout: {changed}", red=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if PG and not os.environ.get("KPI_TEST_PG_THROWAWAY"):   # a server the suite did not start: as it was found
        for name in reversed(_MADE):
            subprocess.run(["psql", "-q", f"{PG}/postgres", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                           capture_output=True)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="a DuckDB file's own behaviour; PostgreSQL has its own test of it" if PG else
                            "PostgreSQL's own behaviour: `pytest --backend=postgresql`")
    once = pytest.mark.skip(reason="touches no database of its own: run once, in the DuckDB run")
    measured = timings.listed()        # tests measured slow (tests/slow_tests.txt): left out of -m "not slow"
    for item in items:
        if timings.test_id(item.nodeid) in measured:
            item.add_marker(pytest.mark.slow)
        if ("duckdb_only" if PG else "postgres_only") in item.keywords:
            item.add_marker(skip)
        elif PG and "backend_free" in item.keywords:
            item.add_marker(once)


def _as_postgres(command: list[str]) -> subprocess.CompletedProcess:
    """PostgreSQL's programs refuse to run as root: run them as the postgres user when the suite is root."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def stop_cluster(cluster: dict, remove: bool = True) -> None:
    _as_postgres([str(cluster["bin"] / "pg_ctl"), "-D", str(cluster["data"]), "-m", "fast", "-w", "stop"])
    if remove:
        shutil.rmtree(cluster["base"], ignore_errors=True)


def run_cluster(cluster: dict) -> None:
    _as_postgres([str(cluster["bin"] / "pg_ctl"), "-D", str(cluster["data"]), "-l", str(cluster["base"] / "log"),
                  "-o", cluster["options"], "-w", "start"])


def start_cluster() -> dict:
    """A throwaway PostgreSQL cluster (Debian's postgresql package) on 127.0.0.1 and a free port, with fsync off
    (nothing in it outlives the run): its programs' folder, data folder, options and URL without a database."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise pytest.UsageError("--backend=postgresql needs Debian's postgresql package (the README test command "
                                "installs it)")
    binaries = Path(found[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="kpi-test-pg-"))
    base.chmod(0o755)
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    _as_postgres([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400"
    cluster = {"bin": binaries, "data": data, "base": base, "options": options,
               "url": f"postgresql://postgres@127.0.0.1:{port}"}
    run_cluster(cluster)
    for _ in range(50):
        if subprocess.run(["psql", "-q", f"{cluster['url']}/postgres", "-c", "SELECT 1"],
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    return cluster


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG}/postgres", "-c", sql], check=True,
                   capture_output=True)


def _pg_name(where: Path | str) -> str:
    return "kpi_t_" + hashlib.sha1(str(where).encode()).hexdigest()[:20]


def copy_db(source, target: Path):
    """A copy of the database ``source`` for a test: a file copy on DuckDB; on PostgreSQL a new database made
    from ``source``'s template (PostgreSQL copies a database only while nobody is connected to it)."""
    if not PG:
        shutil.copyfile(source, target)
        return target
    name = _pg_name(target)
    template = _TEMPLATES.get(str(source), str(source)).rsplit("/", 1)[1]
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    _MADE.append(name)
    return f"{PG}/{name}"


def new_db(where: Path):
    """An empty database for a test (a new file on DuckDB, a new PostgreSQL database)."""
    if not PG:
        return where
    name = _pg_name(where)
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(f"CREATE DATABASE {name}")
    _MADE.append(name)
    return f"{PG}/{name}"


def _kept(template: str, tmp_path_factory, label: str) -> str:
    """A PostgreSQL database the tests read, copied from ``template`` (kept untouched for further copies)."""
    copy = copy_db(template, tmp_path_factory.mktemp(label) / "kpi.duckdb")
    _TEMPLATES[copy] = template
    return copy


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """A database built once from data/ for the read-only tests (a path, or a PostgreSQL URL)."""
    where = new_db(tmp_path_factory.mktemp("db") / "kpi.duckdb")
    store = open_store(where)
    build(store)
    store.close()
    return _kept(where, tmp_path_factory, "built") if PG else where


@pytest.fixture
def store(tmp_path, built_db) -> Store:
    """A fresh writable copy of the database built from data/, for one test."""
    s = open_store(copy_db(built_db, tmp_path / "kpi.duckdb"))
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
    from indicators.services.views import Dataset

    store = open_store(built_db, read_only=True)
    yield Dataset.load(store)
    store.close()


PASSWORD = "correct horse battery"
USERS = (("admin", "admin"), ("lan", "analyst"), ("minh", "analyst"), ("viewer", "viewer"))


@pytest.fixture(scope="session")
def users_db(built_db, tmp_path_factory) -> Path:
    """The built database with an admin, two analysts (lan, minh) and a viewer, all with PASSWORD
    (bcrypt hashing is slow on purpose, so it is done once)."""
    from indicators.services.auth import add_user

    path = copy_db(built_db, tmp_path_factory.mktemp("users") / "kpi.duckdb")
    store = open_store(path)
    admin = add_user(store, None, "admin", PASSWORD, "admin")
    for name, role in USERS[1:]:
        add_user(store, admin, name, PASSWORD, role)
    store.close()
    return _kept(path, tmp_path_factory, "users-read") if PG else path


@pytest.fixture
def engine(tmp_path, users_db):
    """A writable copy of ``users_db`` with what the import engine needs: ``users`` by name, the province
    ``registry`` and the indicator ``catalogue``."""
    from indicators.domain.registry import Registry
    from indicators.services.auth import User

    s = open_store(copy_db(users_db, tmp_path / "engine.duckdb"))
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

    from indicators.imports import Context, commit, preview
    from indicators.services.auth import User, add_user, has_users

    if not has_users(store):
        add_user(store, None, user_name, PASSWORD, "admin")
    frame = pd.DataFrame(list(rows), columns=["province_code", "province_valid_from", "indicator_code", "period",
                                              "value"]) if not isinstance(rows, pd.DataFrame) else rows
    out = io.StringIO()
    frame.assign(source=source).to_csv(out, index=False)
    content = out.getvalue().encode("utf-8")
    result = preview(store, "rows.csv", content, Context.of(store, today=date.today()))
    assert result.ok, [p.en for p in result.problems]
    done = commit(store, result, User(user_name, user_name, "admin"), channel="cli")
    return done.batch_id, content


def monthly_figures(rows: int, source: str, seed: int = 1) -> str:
    """An actuals CSV of ``rows`` new monthly figures (12 provinces × 3 indicators × 21 years × 12 months at
    most: 9,072), each value random (``seed``), each row with ``source``."""
    import random

    rng = random.Random(seed)
    provinces = ["Hà Nội", "Hà Tĩnh", "Nghệ An", "Thanh Hoá", "Quảng Bình", "Đà Nẵng", "Cần Thơ", "Lâm Đồng",
                 "Hải Phòng", "Huế", "Đắk Lắk", "Sơn La"]
    lines = ["province,indicator,period,value,source"]
    for province in provinces:
        for indicator in ("satisfaction_procedures_pct", "dossiers_online_pct", "headcount_change_pct"):
            for year in range(2004, 2025):
                for month in range(1, 13):
                    lines.append(f"{province},{indicator},{year}-{month:02d},{rng.uniform(0, 99):.2f},{source}")
    return "\n".join(lines[:rows + 1]) + "\n"
