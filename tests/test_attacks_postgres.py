"""Issue 25, F7 and F15: a PostgreSQL URL's credentials and the server's address never reach a person, and the
app's own role cannot rewrite the record (who imported a batch, the histories, the audit, the migrations).

The redaction, the CLI with an unreachable server and the pages run on every backend (DuckDB's postgres
extension is installed either way); the role's privileges need a server: `pytest --backend=postgresql`."""

import socket
import subprocess
import sys
import uuid
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from indicators.storage.pg.grants import APP_PRIVILEGES, grant_script
from indicators.storage.pg.redaction import UNREADABLE, describe, scrub
from tests.conftest import REPO, copy_db


def _closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = _closed_port()
USER = "mallory"
# (URL, what must never be shown: the password whole and in pieces, the user); the passwords hold the characters
# that cut a URL short or that a regex stops at
CASES = {
    "raw @": (f"postgresql://{USER}:zq1@xv2@127.0.0.1:{PORT}/kpi", ["zq1@xv2", "zq1", "xv2"]),
    "raw : and /": (f"postgresql://{USER}:kw3:jy4/hn5@127.0.0.1:{PORT}/kpi", ["kw3:jy4/hn5", "kw3", "jy4", "hn5"]),
    "raw ? and #": (f"postgresql://{USER}:rb6?tc7#ud8@127.0.0.1:{PORT}/kpi", ["rb6?tc7#ud8", "rb6", "tc7", "ud8"]),
    "percent-encoded": (f"postgresql://{USER}:ve9%40wf1%3Axg2%2Fyh3@127.0.0.1:{PORT}/kpi",
                        ["ve9%40wf1", "ve9@wf1:xg2/yh3", "ve9", "wf1", "xg2", "yh3"]),
    "?password= and ?user=": (f"postgresql://127.0.0.1:{PORT}/kpi?user={USER}&password=zi4%40aj5",
                              ["zi4%40aj5", "zi4@aj5", "zi4", "aj5"]),
    "host list": (f"postgresql://{USER}:bk6@127.0.0.1:{PORT},localhost:{PORT}/kpi", ["bk6"]),
}


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in [*secrets, USER] if s in text]


@pytest.mark.parametrize("case", CASES)
def test_a_url_is_described_without_user_or_password(case):
    url, secrets = CASES[case]
    shown = describe(url)
    assert not _leaks(shown, secrets), shown
    if case in ("percent-encoded", "?password= and ?user="):
        assert shown == f"postgresql://127.0.0.1:{PORT}/kpi"
    elif case == "host list":
        assert shown == f"postgresql://127.0.0.1:{PORT},localhost:{PORT}/kpi"
    else:   # libpq would take part of the password for the host, port or database: nothing of it is described
        assert shown == UNREADABLE


@pytest.mark.parametrize("case", CASES)
def test_a_drivers_message_is_scrubbed_of_the_url_account_and_server(case):
    url, secrets = CASES[case]
    message = (f'IO Error: Unable to connect to Postgres at "{url}": connection to server at "127.0.0.1", port '
               f'{PORT} failed: FATAL:  password authentication failed for user "{USER}"; dsn user={USER} '
               f"password={secrets[0]}")
    clean = scrub(message, url)
    assert not _leaks(clean, secrets) and "127.0.0.1" not in clean and str(PORT) not in clean, clean
    assert "password authentication failed" in clean


def _cli(*args: str, env_db: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("KPI_DB", "PGPASSWORD")}
    if env_db:
        env["KPI_DB"] = env_db
    return subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("case", CASES)
def test_the_cli_names_an_unreachable_server_without_its_credentials(case):
    url, secrets = CASES[case]
    runs = [_cli("status", "--province", "42", "--db", url)]
    if case == "raw @":          # the database named by KPI_DB, as the server and every command default to
        runs.append(_cli("build", "--if-needed", env_db=url))
    for done in runs:
        out = done.stdout + done.stderr
        assert done.returncode == 2 and "cannot connect to PostgreSQL" in done.stderr, out
        assert not _leaks(out, secrets) and "Traceback" not in out, out


def _page(monkeypatch, url: str, user=None) -> AppTest:
    from indicators.web import cache
    from tests.test_app import open_page

    monkeypatch.setenv("KPI_DB", url)
    cache.close_store()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if user is not None:      # signed in in this browser before the database became unavailable
        from indicators.web import ui

        at.session_state[ui.USER] = user
        at.session_state[ui.BOUND] = None      # AppTest sends no XSRF cookie: the browser's token is None
    return open_page(at, "pages/overview.py", lang="en")


def _shown(at: AppTest) -> str:
    """Every text the page shows, its Markdown escapes taken out (``\\@`` would hide an ``@``)."""
    return "\n".join(e.value for kind in (at.error, at.warning, at.info, at.markdown, at.caption)
                     for e in kind).replace("\\", "")


@pytest.mark.parametrize("case", ["raw @", "percent-encoded", "?password= and ?user="])
def test_an_anonymous_visitor_reads_only_that_the_database_is_unavailable(case, monkeypatch):
    url, secrets = CASES[case]
    at = _page(monkeypatch, url)
    shown = _shown(at)
    assert not at.exception and "The database is unavailable" in at.error[0].value, shown
    assert not _leaks(shown, secrets) and "127.0.0.1" not in shown and str(PORT) not in shown, shown
    assert "PostgreSQL" not in shown and "kpi" not in shown.replace("Kpi", ""), shown


def test_a_signed_in_admin_reads_the_cause_without_credentials(monkeypatch):
    from indicators.services.auth import User

    url, secrets = CASES["percent-encoded"]
    at = _page(monkeypatch, url, User("admin", "admin", "admin"))
    shown = _shown(at)
    assert not at.exception and f"cannot connect to PostgreSQL at postgresql://127.0.0.1:{PORT}/kpi" in shown, shown
    assert not _leaks(shown, secrets), shown
    analyst = _page(monkeypatch, url, User("lan", "lan", "analyst"))      # not an admin: the fixed sentence
    assert "The database is unavailable" in _shown(analyst) and "127.0.0.1" not in _shown(analyst)


def test_every_table_of_the_schema_has_the_app_roles_privileges_named():
    from indicators.storage.pg.schema import schema_ddl

    tables = {statement.split()[2] for statement in schema_ddl() if statement.startswith("CREATE TABLE")}
    assert tables == set(APP_PRIVILEGES)
    kept = [t for t in APP_PRIVILEGES if t.endswith("_history")
            or t in ("import_batch", "audit_event", "data_change", "meta", "schema_migration")]
    assert len(kept) == 11      # six histories, the batches, the audit, the change log, meta, the migrations
    for table in kept:
        privileges, columns = APP_PRIVILEGES[table]
        assert "UPDATE" not in privileges and "DELETE" not in privileges, table
    assert APP_PRIVILEGES["import_batch"][1] == ("undone_by", "undone_at")


# --- the app's role on a server ------------------------------------------------------------------------------

def _psql(url: str, statement: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, *(["-f", "-"] if stdin else ["-c", statement])],
                          input=stdin, capture_output=True, text=True)


@pytest.fixture
def app_role(users_db, tmp_path):
    """A copy of the users' database, a login role holding exactly the app's privileges on it (as deploy/run.sh
    grants them), and the URLs of both: (owner's, app's, role)."""
    owner = copy_db(users_db, tmp_path / "app-role.duckdb")
    server, database = owner.rsplit("/", 1)
    role = f"kpi_app_{uuid.uuid4().hex[:8]}"
    done = _psql(f"{server}/postgres", f"CREATE ROLE {role} LOGIN")
    assert done.returncode == 0, done.stderr
    try:
        assert _psql(owner, f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}").returncode == 0
        done = _psql(owner, "", stdin=grant_script(role))
        assert done.returncode == 0, done.stderr
        yield owner, f"postgresql://{role}@{server.split('@', 1)[1]}/{database}", role
    finally:
        _psql(f"{server}/postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _psql(f"{server}/postgres", f"DROP ROLE IF EXISTS {role}")


REWRITES = [
    "UPDATE import_batch SET imported_by = 'mallory'", "DELETE FROM import_batch",
    "UPDATE import_batch SET source = 'forged', undone_by = NULL",
    "UPDATE schema_migration SET applied_at = now()", "DELETE FROM schema_migration",
    "UPDATE meta SET value = 'forged'", "DELETE FROM meta", "INSERT INTO meta VALUES ('forged', 'x')",
    "UPDATE audit_event SET outcome = 'ok'", "DELETE FROM audit_event", "TRUNCATE audit_event",
    "UPDATE data_change SET kind = 'forged'", "DELETE FROM data_change",
    "UPDATE app_user SET created_by = 'mallory'", "DELETE FROM app_user",
    "DELETE FROM province", "UPDATE indicator SET name_en = 'forged'",
    "SELECT setval('import_batch_id', 1)", "CREATE TABLE forged (x int)", "DROP TABLE actual_history",
] + [f"{verb} {table}" for table in ("actual_history", "target_history", "lock_history", "task_progress_history",
                                     "unit_score_history", "unit_history")
     for verb in ("DELETE FROM", "TRUNCATE")] + [
    f"UPDATE {table} SET changed_by = 'mallory'" for table in ("actual_history", "target_history", "lock_history",
                                                             "task_progress_history", "unit_score_history",
                                                             "unit_history")]


@pytest.mark.postgres_only
def test_the_app_role_imports_undoes_and_locks_but_cannot_rewrite_the_record(app_role):
    from indicators.imports import lock_period, undo, unlock_period
    from indicators.services.auth import User, add_user, set_user
    from indicators.storage import StorageFailed, open_store
    from tests.conftest import PASSWORD, import_rows

    owner, app, role = app_role
    admin = User("admin", "admin", "admin")
    store = open_store(app)
    try:
        batch, _ = import_rows(store, [("42", date(2004, 1, 1), "sipas", "2019", 77.0)], "attack test", "lan")
        assert undo(store, batch, User("lan", "lan", "analyst")) == 1
        assert store.scalar("SELECT undone_by FROM import_batch WHERE id = ?", [batch]) == "lan"
        lock_period(store, admin, ("42", date(2004, 1, 1)), "2019")
        unlock_period(store, admin, ("42", date(2004, 1, 1)), "2019")
        add_user(store, admin, "newcomer", PASSWORD, "viewer")
        set_user(store, admin, "newcomer", role="analyst", password=PASSWORD + "!")
        # the app's own connection, through DuckDB's extension: refused, nothing written
        with pytest.raises(StorageFailed) as refused:
            with store.transaction() as session:
                session._run("UPDATE import_batch SET imported_by = 'mallory' WHERE id = ?", [batch])
        assert "permission denied" in refused.value.en and role not in refused.value.en
    finally:
        store.close()
    for statement in REWRITES:
        done = _psql(app, statement)
        assert done.returncode != 0 and ("permission denied" in done.stderr or "must be owner" in done.stderr), \
            (statement, done.stderr)
    check = open_store(owner, read_only=True)
    try:
        assert check.scalar("SELECT imported_by FROM import_batch WHERE id = ?", [batch]) == "lan"
        assert check.scalar("SELECT count(*) FROM audit_event WHERE detail LIKE 'forged%'") == 0
    finally:
        check.close()


@pytest.mark.postgres_only
def test_the_app_role_signs_in(app_role):
    """Sign-in writes the audit as the app's role: it only adds to it."""
    from indicators.services.auth import authenticate
    from indicators.storage import open_store
    from tests.conftest import PASSWORD

    store = open_store(app_role[1])
    try:
        assert authenticate(store, "lan", PASSWORD).role == "analyst"
    finally:
        store.close()

