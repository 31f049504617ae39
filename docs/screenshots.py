"""Regenerate the screenshots of docs/screenshots/ from the current pages.

    python3 docs/screenshots.py                  # every page below, into docs/screenshots/
    python3 docs/screenshots.py overview units   # only those
    python3 docs/screenshots.py --out /tmp/shots

It builds a database from data/ into a temporary folder (``python3 -m indicators build --db TMP/kpi.duckdb``),
adds one admin with a random password (the Import page shows its tools only to a signed-in user), serves it with
``python3 -m streamlit run app.py`` on 127.0.0.1 and a free port, photographs each page in Debian's Chromium
(``/usr/bin/chromium``, driven by Playwright; never a downloaded browser) once its script run has finished, and
stops the server by its PID. Nothing is written outside the temporary folder and the output folder.
"""

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-angle=swiftshader",
                 "--enable-unsafe-swiftshader"]
VIEWPORT = {"width": 1400, "height": 1800}
WAIT_MS = 120_000   # a cold server's first run reads the data: slow on a busy 2-core machine
ADMIN = "admin"
# name of the PNG -> the page's address (Vietnamese, the default language), with a province that has plans
SHOTS = {
    "overview": "?province=42@2004",
    "profile": "profile?province=42@2004&indicator=papi_total",
    "compare": "compare",
    "rankings": "rankings",
    "plans": "plans",
    "units": "units?province=80@2025&tab=unit&unit=80-STC@2025",
    "commune-map": "units?province=VN&tab=communes",
    "data": "data",
    "imports": "imports",
    "reports": "reports?province=42@2004&period=2020",
    "overview-phone": "?province=80@2025",
    "presentation": "rankings?present=1",
}
SIGNED_IN = {"imports"}   # photographed after the admin signs in
# a phone (the status cards two to a row) and a projector (the presentation view); the others at VIEWPORT
VIEWPORTS = {"overview-phone": {"width": 390, "height": 844}, "presentation": {"width": 1920, "height": 1080}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "indicators", *args], cwd=REPO, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"`indicators {args[0]}` failed:\n{done.stdout}{done.stderr}")


def prepare(folder: Path, password: str) -> Path:
    """A database built from data/ in ``folder``, with one admin."""
    db = folder / "kpi.duckdb"
    env = {**os.environ, "KPI_DB": str(db), "KPI_BACKUP_DIR": str(folder / "backups"), "KPI_NEW_PASSWORD": password}
    _run(["build", "--db", str(db)], env)
    _run(["users", "add", ADMIN, "--role", "admin", "--db", str(db)], env)
    return db


@contextlib.contextmanager
def serve(db: Path):
    """``streamlit run app.py`` on 127.0.0.1 and a free port; yields its URL and stops it by its PID."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO, env={**os.environ, "KPI_DB": str(db), "KPI_BACKUP_DIR": str(db.parent / "backups")},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(url + "_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the server did not come up") from None
                time.sleep(0.5)
        yield url
    finally:
        # the server runs in a session of its own (start_new_session), so its group id is its PID
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def settled(page) -> None:
    """Wait until the page's script run has finished and nothing is still a skeleton (as tests/test_browser.py's
    ``_settled``), then for its charts to be drawn."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => document.querySelector("
                           "'[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"] h1') && "
                           "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=WAIT_MS)
    if page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=WAIT_MS)
    page.wait_for_timeout(1500)   # Plotly's transitions and the maps' tiles of SVG


def sign_in(page, password: str) -> None:
    """Sign the admin in on the page shown (a reload or a new address would sign out again)."""
    page.get_by_role("textbox", name="Tên đăng nhập").fill(ADMIN)
    page.get_by_role("textbox", name="Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Đã đăng nhập").wait_for(timeout=WAIT_MS)
    settled(page)


def photograph(url: str, names: list[str], out: Path, password: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in names:
                page = browser.new_page(viewport=VIEWPORTS.get(name, VIEWPORT))
                page.goto(url + SHOTS[name])
                settled(page)
                if name in SIGNED_IN:
                    sign_in(page, password)
                if page.locator("[data-testid='stException']").count():
                    raise SystemExit(f"the {name} page shows an exception; no screenshot taken")
                path = out / f"{name}.png"
                page.screenshot(path=str(path))
                written.append(path)
                page.close()
                print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="pages to photograph (default: all): " + ", ".join(SHOTS))
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: docs/screenshots/)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(SHOTS))
    if unknown:
        parser.error("unknown page(s): " + ", ".join(unknown))
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium")
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="kpi-screenshots-") as folder:
        db = prepare(Path(folder), password)
        with serve(db) as url:
            photograph(url, args.names or list(SHOTS), args.out.resolve(), password)
    return 0


if __name__ == "__main__":
    sys.exit(main())
