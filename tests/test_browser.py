"""Browser test: a real `streamlit run` on 127.0.0.1 with its own database, driven by Playwright in
Debian's Chromium (never a downloaded browser). Screenshots go to $KPI_TEST_ARTIFACTS/browser/ (default: the
system's temporary folder)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, REPO, copy_db

pytestmark = pytest.mark.slow  # a real server and Chromium: left out of `pytest -m "not slow"`

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT_MS = 90_000   # a deadline for a condition to hold (a cold server on a loaded machine), never a sleep
# screenshots and timings, outside the checkout (the suite writes only temporary files); KPI_TEST_ARTIFACTS keeps them
ARTIFACTS = Path(os.environ.get("KPI_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "kpi-test-artifacts") / "browser"
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


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; the README test command installs it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@contextlib.contextmanager
def serve(db: Path):
    """A real `streamlit run app.py` on 127.0.0.1 and a free port, on the database ``db``; yields its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         # a source file edited while the server runs would pin a "File change. Rerun" prompt in the status widget
         "--server.fileWatcherType", "none"],
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
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@contextlib.contextmanager
def serve_copy(source: Path, tmp_path_factory, name: str, prepare=None):
    """A real server on a copy of ``source`` (``prepare(path)`` may change the copy first), for one module."""
    require_chromium()
    db = tmp_path_factory.mktemp(name) / "kpi.duckdb"
    db = copy_db(source, db)
    if prepare is not None:
        prepare(str(db))
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def server(users_db, tmp_path_factory):
    with serve_copy(users_db, tmp_path_factory, "browser") as url:  # an admin, analysts and a viewer
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with launch() as instance:
        yield instance


@contextlib.contextmanager
def launch():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_a_link_opened_first_after_a_start_gets_the_dashboard_menu(server, browser):
    """Runs first on a fresh server: Streamlit would serve /profile alone, with a menu of file names."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "profile?lang=en&province=80@2025")
    page.wait_for_selector("[data-testid='stSidebarNav'] a", timeout=WAIT_MS)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
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
    page.wait_for_selector("[data-testid='stDataFrame'], .js-plotly-plot", timeout=WAIT_MS)
    if name not in ("plans", "data"):
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
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
    page.wait_for_selector(".js-plotly-plot canvas, .js-plotly-plot .maplibregl-canvas", timeout=WAIT_MS)
    assert page.locator(".js-plotly-plot").count() == 1
    page.close()


def test_a_target_chart_link_shows_the_target(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(server + "profile?province=42@2004&indicator=papi_d2_transparency_rank")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
    assert any("HT239-03" in text for text in legend)
    page.close()


def test_a_chart_s_figures_download_as_csv(server, browser, tmp_path):
    """The CSV is written when the button is clicked (not on every rerun); it still arrives whole."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.goto(server + "profile?province=42@2004&indicator=papi_total&lang=en")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    _settled(page)
    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name="Download table (CSV)").click()
    download = info.value
    assert download.suggested_filename == "42@2004-papi_total.csv"
    path = tmp_path / "series.csv"
    download.save_as(path)
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufefflabel,indicator_code,period,value,source\n")
    assert "Hà Tĩnh" in text and ",papi_total,2024," in text
    page.close()


def test_english_is_kept_in_the_url(server, browser):
    page = browser.new_page()
    page.goto(server + "rankings?lang=en")
    page.wait_for_selector("h1", timeout=WAIT_MS)
    assert page.locator("h1").first.inner_text() == "Rankings"
    page.close()


def _settled(page) -> None:
    """Wait until the page's script run has finished and its elements are drawn. Streamlit's root element carries
    the run's state (``data-test-script-state``: "initial" until the first run starts, then "running" or
    "notRunning"); its status widget is no sign of it, since it appears only after half a second of running and
    shows other prompts too. The title is awaited as well, since a run stopped by ``st.rerun()`` (a page opened
    first after a start is rerun through app.py) reads "notRunning" for a moment before the page itself has run;
    and no element may still be a skeleton, which stands in for it while the browser loads its code."""
    page.wait_for_timeout(300)  # after a click: the rerun it asked for has reached the browser
    page.wait_for_function("() => document.querySelector("
                           "'[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"] h1') && "
                           "!document.querySelector('[data-testid=\"stSkeleton\"]')",
                           timeout=90000)  # a fresh server's first run loads the data: slow on a busy machine


def _sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    _settled(page)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in").wait_for(timeout=WAIT_MS)


def test_an_analyst_imports_a_file_and_the_dashboard_shows_it(server, browser, tmp_path):
    """The analyst's journey: sign in, upload, read the preview, confirm; the profile then draws the figure."""
    upload = tmp_path / "so-lieu.csv"
    upload.write_text("tỉnh;chỉ tiêu;kỳ;giá trị;nguồn\n"
                      "Hà Tĩnh;satisfaction_procedures_pct;2023;\"86,5\";Báo cáo 321/BC-UBND (browser test)\n",
                      encoding="utf-8-sig")
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _sign_in(page, server + "imports?lang=en", "lan")
    page.wait_for_selector("[data-testid='stFileUploader'] input[type=file]", state="attached", timeout=WAIT_MS)
    page.set_input_files("[data-testid='stFileUploader'] input[type=file]", str(upload))
    page.get_by_role("button", name="Write to the database").wait_for(timeout=WAIT_MS)
    _settled(page)
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid='stMetricValue']\").length === 4",
                           timeout=WAIT_MS)  # the preview's four counts are drawn
    assert page.locator("[data-testid='stMetricValue']").all_inner_texts() == ["1", "0", "0", "0"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"))
    page.get_by_role("button", name="Write to the database").click()
    page.get_by_text("1 inserted").wait_for(timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "import-done.png"))
    page.goto(server + "profile?lang=en&province=42@2004&indicator=satisfaction_procedures_pct")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    values = page.evaluate("() => document.querySelector('.js-plotly-plot').data.flatMap(t => t.y || [])")
    assert 86.5 in values
    page.close()


def test_a_viewer_cannot_reach_the_upload(server, browser):
    page = browser.new_page()
    _sign_in(page, server + "imports?lang=en", "viewer")
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    page.close()


def test_the_new_tay_ninh_s_overview_shows_no_figure_of_long_an_as_its_own(server, browser):
    """Issue 26: Long An's PAPI 2024 (42,29) appears only named as Long An's, never as a card of Tây Ninh's."""
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(server + "?province=80@2025")
    page.wait_for_selector("text=Số liệu mới nhất: 2024", timeout=WAIT_MS)
    page.wait_for_selector("text=Long An (đến 30/06/2025) 42,29 (2024) · hạng 45", timeout=WAIT_MS)
    _settled(page)
    cards = page.locator("[data-testid='stMetric']").all_inner_texts()
    assert len(cards) >= 7, cards
    assert not any("42,29" in c or "60,65" in c for c in cards)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Tây Ninh (đến 30/06/2025) 47,35 (2024)" in body
    assert "11/11 mục tiêu chưa có số liệu — chưa đánh giá được" in body
    assert "quá hạn" not in body.split("Tiến độ nhiệm vụ")[1].split("Chỉ số tổng hợp")[0].replace(
        "Quá hạn (đã báo cáo, chưa xong)", "").replace("0 quá hạn", "")
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
