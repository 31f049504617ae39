"""The several-machines recipe of docs/deployment.md (deploy/hosts.example.conf), run through deploy/run.sh on one
machine: the database host, two app hosts and nginx on distinct loopback addresses, each "machine" with its own
state folder and only the files an operator would copy to it (issues 16 and 27). Two analysts import through the
two app hosts and one app host is SIGKILLed mid-import; then every acknowledged batch is in the database whole,
none partial, and both hosts show the same figures. The database admits TLS only, every client verifies its
certificate, and no password is on any command line or in the replicas' environment.
Run by `pytest --backend=postgresql`."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, REPO
from tests.test_browser import ARTIFACTS, _settled, _sign_in, launch, require_chromium

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]
RECIPE = REPO / "deploy" / "hosts.example.conf"


def _recipe() -> dict[str, str]:
    """The recipe's settings, KEY=VALUE lines as deploy/run.sh reads them."""
    pairs = (line.split("=", 1) for line in RECIPE.read_text().splitlines() if line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def _port(*addresses: str) -> int:
    """A port free on every one of ``addresses``."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((addresses[0], 0))
            port = s.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as s:
                    s.bind((address, port))
            return port
        except OSError:
            continue
    raise AssertionError(f"no port free on all of {addresses}")


class _CommandLines(threading.Thread):
    """Every process's command line, read from /proc every 20 ms while the recipe starts: those naming a
    password are kept (redacted), and how many processes were seen shows the watch ran."""

    def __init__(self, passwords):
        super().__init__(daemon=True)
        self.passwords = [p.encode() for p in passwords]
        self.seen: set[str] = set()
        self.programs: set[str] = set()
        self.leaks: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for entry in Path("/proc").iterdir():
                try:
                    line = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
                except OSError:
                    continue
                self.seen.add(entry.name)
                self.programs.add(Path(line.split(b"\0", 1)[0].decode(errors="replace")).name)
                for password in self.passwords:
                    if password in line:
                        self.leaks.append(line.replace(password, b"***").replace(b"\0", b" ").decode()[:200])
            self.done.wait(0.02)


def _run_sh(env: dict, *args: str) -> None:
    done = subprocess.run(["bash", "deploy/run.sh", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.fixture(scope="module")
def deployment():
    require_chromium()
    recipe = _recipe()
    db, apps, proxy = recipe["KPI_DB_HOST"], recipe["KPI_APP_HOSTS"].split(), recipe["KPI_HTTP_ADDRESS"]
    assert len({db, proxy, *apps}) == 4 and len(apps) == 2, recipe
    # outside pytest's own folders (mode 700), which PostgreSQL's user could not enter
    root = Path(tempfile.mkdtemp(prefix="kpi-test-deploy-"))
    root.chmod(0o755)
    base = {key: value for key, value in os.environ.items() if not key.startswith(("KPI_", "PG"))}
    # ports also free on 127.0.0.1, where nothing of the recipe but nginx may listen
    base.update({"KPI_DEPLOY_CONF": str(RECIPE), "KPI_PG_PORT": str(_port(db, "127.0.0.1")),
                 "KPI_HTTP_PORT": str(_port(proxy)), "KPI_APP_PORT": str(_port(*apps, "127.0.0.1"))})
    passwords = {f"KPI_{name}_PW": secrets.token_urlsafe(18) for name in ("SUPER", "OWNER", "APP")}
    machines = {"db": {**base, **passwords, "KPI_ROLES": "db", "KPI_DEPLOY_STATE": str(root / "db")},
                "app": {**base, "KPI_ROLES": "app", "KPI_DEPLOY_STATE": str(root / "app"),
                        "KPI_SECRETS": str(root / "app" / "secrets"), "KPI_PG_CA": str(root / "app" / "ca.crt")},
                "proxy": {**base, "KPI_ROLES": "proxy", "KPI_DEPLOY_STATE": str(root / "proxy")}}
    watch = _CommandLines(passwords.values())
    watch.start()
    try:
        _run_sh(machines["db"], "up")
        # what an operator copies to an app host: the authority's certificate and kpi_app's password, nothing else
        (root / "app").mkdir(mode=0o755)
        shutil.copy(root / "db" / "tls" / "ca.crt", root / "app" / "ca.crt")
        (root / "app" / "secrets").write_text(f"APP_PW={passwords['KPI_APP_PW']}\n")
        (root / "app" / "secrets").chmod(0o600)
        _run_sh(machines["app"], "up")
        _run_sh(machines["proxy"], "up")
        watch.done.set()
        tls = {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(root / "db" / "tls" / "ca.crt")}
        owner = {**base, **tls, "KPI_DB": f"postgresql://kpi_owner@{db}:{base['KPI_PG_PORT']}/kpi",
                 "PGPASSWORD": passwords["KPI_OWNER_PW"], "KPI_PASSWORD": PASSWORD}
        for name, role, by in (("admin", "admin", []), ("lan", "analyst", ["--user", "admin"]),
                               ("minh", "analyst", ["--user", "admin"])):
            made = subprocess.run([sys.executable, "-m", "indicators", "users", "add", name, "--role", role, *by],
                                  cwd=REPO, env={**owner, "KPI_NEW_PASSWORD": PASSWORD}, capture_output=True,
                                  text=True)
            assert made.returncode == 0, made.stderr
        yield {"machines": machines, "owner": owner, "root": root, "passwords": passwords, "watch": watch,
               "tls": tls, "db": (db, int(base["KPI_PG_PORT"])), "url": f"http://{proxy}:{base['KPI_HTTP_PORT']}/",
               "apps": [f"http://{app}:{base['KPI_APP_PORT']}/" for app in apps]}
    finally:
        watch.done.set()
        for machine in ("proxy", "app", "db"):
            subprocess.run(["bash", "deploy/run.sh", "stop"], cwd=REPO, env=machines[machine], capture_output=True,
                           timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def _on_replica(browser, url: str, wanted: str):
    """A browser context whose sticky route lands on the replica ``wanted`` (its number, as X-Kpi-Replica says)."""
    for _ in range(40):
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        page = context.new_page()
        response = page.goto(url + "imports?lang=en")
        if response.headers.get("x-kpi-replica") == wanted:
            return context, page
        context.close()
    raise AssertionError(f"no route landed on {wanted}")


def _csv(path, source: str, year: int):
    path.write_text("province,indicator,period,value,source\n" + "".join(
        f"{p},satisfaction_procedures_pct,{year}-{m:02d},{50 + m}.5,{source}\n"
        for p in ("Hà Tĩnh", "Nghệ An", "Thanh Hoá") for m in range(1, 13)), encoding="utf-8")
    return path


def _upload_and_write(page, path) -> None:
    page.wait_for_selector("[data-testid='stFileUploader'] input[type=file]", state="attached", timeout=30000)
    page.set_input_files("[data-testid='stFileUploader'] input[type=file]", str(path))
    page.get_by_role("button", name="Write to the database").wait_for(timeout=30000)
    _settled(page)
    page.get_by_role("button", name="Write to the database").click()


def _python(env: dict, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _batches(owner_env) -> list[tuple]:
    out = _python(owner_env, (
        "from indicators.storage import open_store; s = open_store(); "
        "print(s.query(\"SELECT b.id, b.row_count, (SELECT count(*) FROM actual a WHERE a.batch_id = b.id), "
        "(SELECT count(*) FROM actual_history h WHERE h.batch_id = b.id), b.source FROM import_batch b "
        "WHERE b.source_kind <> 'reference' ORDER BY b.id\").to_csv(index=False)); s.close()"))
    return [tuple(line.split(",")) for line in out.strip().splitlines()[1:]]


def _psql(deployment, role: str, sql: str, **settings: str) -> subprocess.CompletedProcess:
    """psql as ``role`` (its password in the environment) at the database host, with libpq ``settings``."""
    host, port = deployment["db"]
    conninfo = " ".join(f"{k}={v}" for k, v in {"host": host, "port": port, "user": role, "dbname": "kpi",
                                                   **settings}.items())
    env = {**deployment["owner"], **deployment["tls"], "PGPASSWORD": deployment["passwords"][
        {"postgres": "KPI_SUPER_PW", "kpi_owner": "KPI_OWNER_PW", "kpi_app": "KPI_APP_PW"}[role]]}
    return subprocess.run(["psql", "-XAtq", conninfo, "-c", sql], env=env, capture_output=True, text=True,
                          timeout=60)


def test_two_app_hosts_take_imports_while_one_is_killed(deployment, tmp_path):
    url, apps = deployment["url"], deployment["apps"]
    with launch() as browser:
        a_context, a = _on_replica(browser, url, "1")      # the first app host
        b_context, b = _on_replica(browser, url, "2")
        _sign_in(a, url + "imports?lang=en", "lan")
        _sign_in(b, url + "imports?lang=en", "minh")
        # two analysts, two app hosts, two imports of different rows: both acknowledged
        _upload_and_write(a, _csv(tmp_path / "a.csv", "replica test A", 2021))
        _upload_and_write(b, _csv(tmp_path / "b.csv", "replica test B", 2022))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            a.get_by_text("36 inserted").wait_for(timeout=60000)
        finally:
            a.screenshot(path=str(ARTIFACTS / "replica-1-import.png"), full_page=True)
        b.get_by_text("36 inserted").wait_for(timeout=60000)
        # a third import on the second app host, which is SIGKILLed as the analyst confirms it
        _upload_and_write(b, _csv(tmp_path / "c.csv", "replica test C", 2023))
        time.sleep(0.2)
        pid = int((deployment["root"] / "app" / "run" / "app-2.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        b_context.close()
        # every acknowledged batch whole, none partial (C either whole or absent)
        batches = _batches(deployment["owner"])
        sources = [row[4] for row in batches]
        assert "replica test A" in sources and "replica test B" in sources
        for batch_id, row_count, rows, history, source in batches:
            assert row_count == rows == history, f"batch {batch_id} ({source}) is partial"
        # the killed app host comes back (deploy/run.sh up starts what is missing); both show the same figures
        _run_sh(deployment["machines"]["app"], "up")
        seen = []
        for app in apps:
            page = browser.new_page()
            page.goto(app + "data?lang=en")
            _settled(page)
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=30000)
            seen.append(page.locator("[data-testid='stMetricValue']").all_inner_texts())
            page.close()
        assert seen[0] == seen[1] and seen[0]
        a_context.close()
    # the app hosts' own connections (the extension's pool, still open) are every one TLS
    done = _psql(deployment, "postgres", "SELECT count(*), bool_and(s.ssl) FROM pg_stat_activity a "
                                         "JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'kpi_app'")
    assert done.returncode == 0, done.stderr
    count, all_tls = done.stdout.strip().split("|")
    assert int(count) > 0 and all_tls == "t", done.stdout


def test_the_database_takes_tls_only_and_is_verified_by_name(deployment):
    """Issue 27: the app's own connection path (KPI_DB, libpq's password file and verify-full, as the replicas
    run) is TLS; a connection without TLS is refused, and a server whose certificate does not name the host the
    client asked for is refused by the client."""
    root, (host, port) = deployment["root"], deployment["db"]
    app = {**deployment["owner"], "KPI_DB": f"postgresql://kpi_app@{host}:{port}/kpi",
           "PGSSLROOTCERT": str(root / "app" / "ca.crt"), "PGPASSFILE": str(root / "app" / "run" / "app.pgpass")}
    app.pop("PGPASSWORD")
    out = _python(app, "from indicators.storage import open_store; s = open_store(); print(s.query(\"SELECT * "
                       "FROM postgres_query('pg', 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = "
                       "pg_backend_pid()')\").to_csv(index=False, header=False)); s.close()")
    assert out.strip().startswith("True,TLSv1."), out
    plain = _psql(deployment, "kpi_owner", "SELECT 1", sslmode="disable")
    assert plain.returncode != 0 and "no encryption" in plain.stderr, plain.stderr
    misnamed = _psql(deployment, "kpi_owner", "SELECT 1", host="db.invalid", hostaddr=host)
    assert misnamed.returncode != 0 and "does not match host name" in misnamed.stderr, misnamed.stderr
    assert _psql(deployment, "kpi_owner", "SELECT 1").stdout.strip() == "1"   # the same, named right, connects
    # each server listens only where the recipe says: neither PostgreSQL nor an app host on 127.0.0.1
    for other in (port, int(deployment["apps"][0].rsplit(":", 1)[1].strip("/"))):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", other)) != 0, other


def test_no_password_on_a_command_line_and_the_replicas_run_unprivileged(deployment):
    """Issues 25 and 27: as root, deploy/run.sh starts the replicas as an unprivileged user, whose environment holds
    no password (kpi_app's reaches libpq through a password file); no process started by the recipe had a password
    on its command line; nginx names the replica that answered by its number, never by its address."""
    import urllib.request

    watch, passwords = deployment["watch"], [p.encode() for p in deployment["passwords"].values()]
    assert {"psql", "initdb", "openssl"} <= watch.programs, "the watch missed the recipe's short-lived commands"
    assert watch.leaks == [], watch.leaks
    for i in (1, 2):
        pid = int((deployment["root"] / "app" / "run" / f"app-{i}.pid").read_text())
        assert os.stat(f"/proc/{pid}").st_uid != 0, f"replica {i} runs as root"
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert b"PGPASSFILE=" in environ and not any(p in environ for p in passwords), f"replica {i}'s environment"
    seen = set()
    for _ in range(20):           # a new sticky route each time (no cookie sent): both replicas answer
        with urllib.request.urlopen(deployment["url"] + "_stcore/health", timeout=10) as response:
            seen.add(response.headers["X-Kpi-Replica"])
    assert seen == {"1", "2"}, seen
