"""Two replicas behind nginx, as deploy/run.sh starts them (issue 16): browser sessions on both, two analysts
importing on different replicas, one replica SIGKILLed mid-import; then every acknowledged batch is in the
database whole, none partial, and both replicas show the same figures. Run by `pytest --backend=postgresql`."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, REPO
from tests.test_browser import ARTIFACTS, _settled, _sign_in, launch, require_chromium

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def deployment():
    require_chromium()
    # outside pytest's own folders (mode 700), which PostgreSQL's user could not enter
    state = Path(tempfile.mkdtemp(prefix="kpi-test-deploy-"))
    state.chmod(0o755)
    first = _port()
    env = {**os.environ, "KPI_DEPLOY_STATE": str(state), "KPI_PG_PORT": str(_port()),
           "KPI_HTTP_PORT": str(_port()), "KPI_APP_PORT": str(first)}
    env.pop("KPI_DB", None)
    up = subprocess.run(["bash", "deploy/run.sh", "up", "2"], cwd=REPO, env=env, capture_output=True, text=True,
                        timeout=600)
    assert up.returncode == 0, up.stderr[-2000:]
    secrets = dict(line.split("=", 1) for line in (state / "secrets").read_text().split())
    owner = {**env, "KPI_DB": f"postgresql://kpi_owner@127.0.0.1:{env['KPI_PG_PORT']}/kpi",
             "PGPASSWORD": secrets["OWNER_PW"], "KPI_PASSWORD": PASSWORD}
    for name, role, by in (("admin", "admin", []), ("lan", "analyst", ["--user", "admin"]),
                           ("minh", "analyst", ["--user", "admin"])):
        made = subprocess.run([sys.executable, "-m", "indicators", "users", "add", name, "--role", role, *by],
                              cwd=REPO, env={**owner, "KPI_NEW_PASSWORD": PASSWORD}, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
    yield {"env": env, "owner": owner, "state": state, "url": f"http://127.0.0.1:{env['KPI_HTTP_PORT']}/",
           "apps": [first, first + 1]}
    subprocess.run(["bash", "deploy/run.sh", "stop"], cwd=REPO, env=env, capture_output=True, timeout=120)
    shutil.rmtree(state, ignore_errors=True)


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


def _batches(owner_env) -> list[tuple]:
    code = ("from indicators.storage import open_store; s = open_store(); "
            "print(s.query(\"SELECT b.id, b.row_count, (SELECT count(*) FROM actual a WHERE a.batch_id = b.id), "
            "(SELECT count(*) FROM actual_history h WHERE h.batch_id = b.id), b.source FROM import_batch b "
            "WHERE b.source_kind <> 'reference' ORDER BY b.id\").to_csv(index=False)); s.close()")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=owner_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [tuple(line.split(",")) for line in done.stdout.strip().splitlines()[1:]]


def test_two_replicas_two_analysts_one_replica_killed_mid_import(deployment, tmp_path):
    url, (one, two) = deployment["url"], deployment["apps"]
    with launch() as browser:
        a_context, a = _on_replica(browser, url, "1")      # the replica on port `one`
        b_context, b = _on_replica(browser, url, "2")
        _sign_in(a, url + "imports?lang=en", "lan")
        _sign_in(b, url + "imports?lang=en", "minh")
        # two analysts, two replicas, two imports of different rows: both acknowledged
        _upload_and_write(a, _csv(tmp_path / "a.csv", "replica test A", 2021))
        _upload_and_write(b, _csv(tmp_path / "b.csv", "replica test B", 2022))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            a.get_by_text("36 inserted").wait_for(timeout=60000)
        finally:
            a.screenshot(path=str(ARTIFACTS / "replica-1-import.png"), full_page=True)
        b.get_by_text("36 inserted").wait_for(timeout=60000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        a.screenshot(path=str(ARTIFACTS / "replica-1-import.png"))
        # a third import on replica 2, which is SIGKILLed as the analyst confirms it
        _upload_and_write(b, _csv(tmp_path / "c.csv", "replica test C", 2023))
        time.sleep(0.2)
        pid = int((deployment["state"] / "run" / "app-2.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        b_context.close()
        # every acknowledged batch whole, none partial (C either whole or absent)
        batches = _batches(deployment["owner"])
        sources = [row[4] for row in batches]
        assert "replica test A" in sources and "replica test B" in sources
        for batch_id, row_count, rows, history, source in batches:
            assert row_count == rows == history, f"batch {batch_id} ({source}) is partial"
        # the killed replica comes back (deploy/run.sh up starts what is missing); both show the same figures
        up = subprocess.run(["bash", "deploy/run.sh", "up", "2"], cwd=REPO, env=deployment["env"],
                            capture_output=True, text=True, timeout=600)
        assert up.returncode == 0, up.stderr[-2000:]
        seen = []
        for port in (one, two):
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/data?lang=en")
            _settled(page)
            page.wait_for_selector("[data-testid='stMetricValue']", timeout=30000)
            seen.append(page.locator("[data-testid='stMetricValue']").all_inner_texts())
            page.close()
        assert seen[0] == seen[1] and seen[0]
        a_context.close()


def test_the_replicas_run_unprivileged_and_the_header_names_no_replica_address(deployment):
    """Issue 25: as root, deploy/run.sh starts the replicas as an unprivileged user; nginx names the replica that
    answered by its number, never by its address."""
    import urllib.request

    for i in (1, 2):
        pid = int((deployment["state"] / "run" / f"app-{i}.pid").read_text())
        owner = os.stat(f"/proc/{pid}").st_uid
        assert owner != 0, f"replica {i} runs as root"
    seen = set()
    for _ in range(20):           # a new sticky route each time (no cookie sent): both replicas answer
        with urllib.request.urlopen(deployment["url"] + "_stcore/health", timeout=10) as response:
            seen.add(response.headers["X-Kpi-Replica"])
    assert seen <= {"1", "2"} and seen, seen
