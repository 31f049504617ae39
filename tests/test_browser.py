"""Browser test: a real `streamlit run` on 127.0.0.1 with its own database, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/browser/."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "browser"
# Software WebGL so the map (MapLibre) renders headless; no network calls from the browser itself.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
PAGES = [("", "overview"), ("profile?province=80@2025", "profile"), ("compare", "compare"),
         ("rankings", "rankings"), ("plans", "plans"), ("data", "data"), ("?lang=en", "overview-en")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(built_db, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; the README test command installs it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    db = tmp_path_factory.mktemp("browser") / "kpi.duckdb"
    shutil.copyfile(built_db, db)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO, env={**os.environ, "KPI_DB": str(db)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGTERM)
        pytest.fail("the server did not come up: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_a_link_opened_first_after_a_start_gets_the_dashboard_menu(server, browser):
    """Runs first on a fresh server: Streamlit would serve /profile alone, with a menu of file names."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "profile?lang=en&province=80@2025")
    page.wait_for_selector("[data-testid='stSidebarNav'] a", timeout=30000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30000)
    menu = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert [m.strip()[-len("Province profile"):] for m in menu][1] == "Province profile"
    assert not any(m.strip().endswith(("home", "app")) for m in menu)
    assert page.locator("h1").first.inner_text() == "Province profile"
    assert "province=80%402025" in page.url or "province=80@2025" in page.url
    page.close()


@pytest.mark.parametrize("path, name", PAGES)
def test_each_page_renders_its_charts_without_an_error(server, browser, path, name):
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    started = time.monotonic()
    page.goto(server + path)
    page.wait_for_selector("[data-testid='stDataFrame'], .js-plotly-plot", timeout=30000)
    if name not in ("plans", "data"):
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30000)
    interactive = time.monotonic() - started
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    (ARTIFACTS / f"{name}.seconds").write_text(f"{interactive:.2f}\n")
    page.close()


def test_the_map_is_drawn(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(server + "rankings?view=map")
    page.wait_for_selector(".js-plotly-plot canvas, .js-plotly-plot .maplibregl-canvas", timeout=30000)
    assert page.locator(".js-plotly-plot").count() == 1
    page.close()


def test_a_target_chart_link_shows_the_target(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(server + "profile?province=42@2004&indicator=papi_d2_transparency_rank")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30000)
    legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
    assert any("HT239-03" in text for text in legend)
    page.close()


def test_english_is_kept_in_the_url(server, browser):
    page = browser.new_page()
    page.goto(server + "rankings?lang=en")
    page.wait_for_selector("h1", timeout=30000)
    assert page.locator("h1").first.inner_text() == "Rankings"
    page.close()
