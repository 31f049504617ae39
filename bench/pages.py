"""Page speed benchmark: server time of a rerun after a filter change (AppTest), what the server reads on
first use (against DuckDB reading the same rows), time to interactive in headless Chromium and the server's
peak memory, each against a floor measured in the same run.

    python3 -m bench.pages [--quick] [--runs N]

Prints a table of medians (and min–max). Uses the database built from data/ (KPI_DB overrides).
Never fails on a time: the goals are reported, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

import logging  # noqa: E402


class _BareMode(logging.Filter):
    """AppTest and the store's caches, used outside a server, warn on every cached call: not news here."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return "missing ScriptRunContext" not in text and "No runtime found" not in text


for _name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
    logging.getLogger(_name).addFilter(_BareMode())

# page, widget key, new value (a filter change a user makes)
FILTER_CHANGES = [
    ("pages/overview.py", "province", "42@2025"),
    ("pages/profile.py", "indicator", "pci_total"),
    ("pages/compare.py", "compare_indicators", ["papi_total", "pci_total", "papi_d5_procedures"]),
    ("pages/rankings.py", "year", 2020),
    ("pages/plans.py", "plan_status", ["off_track"]),
    ("pages/data.py", "plan", "ha-tinh-239-kh-ubnd-2016"),
]
BROWSER_PAGES = [("", "overview"), ("profile", "profile"), ("compare", "compare"), ("rankings", "rankings"),
                 ("plans", "plans"), ("data", "data")]
HELLO = 'import streamlit as st\nst.title("Hello")\nst.write("world")\n'
HELLO_CHART = ('import streamlit as st\nst.title("Hello")\nst.selectbox("x", [1, 2])\n'
               'st.plotly_chart({"data": [{"type": "scatter", "x": [1, 2, 3], "y": [2, 1, 3]}]})\n')


def _as_on_a_server() -> None:
    """Take out two costs AppTest adds to every run that a server does not have, so the figures are the server's:
    - a server compiles each script once (its ScriptCache lives as long as the server); AppTest makes a new cache
      for every run, so each rerun would pay for compiling and rewriting the page (Streamlit's "magic", about
      30 ms a page here): one cache for the whole benchmark, as on a server;
    - AppTest's runtime is a MagicMock, and reading ``st.context.cookies`` through it builds a dozen mock objects
      (about 13 ms a rerun); a server reads the request's cookies from a dict: the client context is given as
      absent (no cookies), which costs what a server's does."""
    from streamlit.runtime import context
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    context._get_client_context = lambda: None


def measure_reruns(runs: int) -> list[tuple[str, list[float]]]:
    from streamlit.testing.v1 import AppTest

    _as_on_a_server()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.py"
        empty.write_text(HELLO, encoding="utf-8")
        floor = []
        for _ in range(runs + 1):
            at = AppTest.from_file(str(empty)).run()
            started = time.perf_counter()
            at.run()
            floor.append(time.perf_counter() - started)
        results.append(("empty Streamlit page (floor)", floor[1:]))
    for page, key, value in FILTER_CHANGES:
        times = []
        for _ in range(runs + 1):
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
            at.run()  # app.py registers the pages; then the page, as a click in the menu opens it
            at.switch_page(page)
            at.run()
            widget = at.multiselect(key=key) if isinstance(value, list) else at.selectbox(key=key)
            widget.set_value(value)
            started = time.perf_counter()
            at.run()
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].value}")
            times.append(time.perf_counter() - started)
        results.append((f"{page} rerun after changing {key}", times[1:]))
    results.append(("pages/profile.py, an indicator not read since the start", _cold_reruns(runs)))
    return results


def _cold_reruns(runs: int) -> list[float]:
    """The profile page after choosing an indicator whose actuals the server has not read yet (a different one
    each run): the rerun includes reading that indicator from DuckDB."""
    from streamlit.testing.v1 import AppTest

    from indicators.services import comparisons, views
    from indicators.web import cache

    times = []
    for _ in range(runs + 1):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/profile.py")
        at.run()
        ds = cache.get_dataset()
        key = views.parse_key_text(ds, "42@2025")
        unread = [c for c in comparisons.indicators_with_data(ds, views.scope(ds, key)) if not ds.is_kept(c)]
        if not unread:
            break
        at.selectbox(key="indicator").set_value(unread[len(unread) // 2])
        started = time.perf_counter()
        at.run()
        if at.exception:
            raise RuntimeError(f"profile: {at.exception[0].value}")
        times.append(time.perf_counter() - started)
    return times[1:] or times


def measure_data_layer(runs: int) -> list[tuple[str, list[float]]]:
    """What a server pays for data it has not read yet: the small tables every page needs (once per process,
    and after each import), and an indicator's actuals the first time a page asks for them (then kept)."""
    from indicators.services.views import Dataset
    from indicators.storage import default_db_path, open_store

    store = open_store(default_db_path(), read_only=True)
    try:
        codes = store.query("SELECT DISTINCT indicator_code FROM actual ORDER BY 1").indicator_code.tolist()
        picks = [codes[i * len(codes) // (2 * runs)] for i in range(2 * runs)]  # distinct, so each read is a first
        raw, load, first, again = [], [], [], []
        for code in picks[::2]:
            started = time.perf_counter()
            store.query("SELECT * FROM actual WHERE indicator_code = ?", [code])
            raw.append(time.perf_counter() - started)
        for _ in range(runs):
            started = time.perf_counter()
            dataset = Dataset.load(store)
            load.append(time.perf_counter() - started)
        for code in picks[1::2]:
            started = time.perf_counter()
            dataset.actuals(code)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            dataset.actuals(code)
            again.append(time.perf_counter() - started)
    finally:
        store.close()
    return [("DuckDB: SELECT * of one indicator's actuals (floor)", raw),
            ("the small tables every page needs (once per process)", load),
            ("one indicator's actuals, all provinces, first read", first),
            ("the same indicator again (kept in memory)", again)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, cwd: Path, env: dict, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    return _wait_until_up(*_start(script, cwd, env, log))


def _start(script: Path, cwd: Path, env: dict, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A Streamlit server on a free loopback port; its output goes to `log` when given (read it when a run fails)."""
    port = _free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child holds it; closed below
    try:
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.address",
                                    "127.0.0.1", "--server.port", str(port), "--server.headless", "true"],
                                   cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT if log else out,
                                   start_new_session=True)
    finally:
        if log:
            out.close()
    return process, f"http://127.0.0.1:{port}/"


def _wait_until_up(process: subprocess.Popen, url: str) -> tuple[subprocess.Popen, str]:
    for _ in range(180):
        try:
            if urllib.request.urlopen(url + "_stcore/health", timeout=2).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"{url} did not start")


IDLE = """() => {
  const controls = document.querySelectorAll('[data-testid="stSelectbox"], [data-testid="stMultiSelect"], h1');
  return controls.length > 0 && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


READY = """([title, selector]) => {
  const heading = document.querySelector('h1');
  return !!heading && heading.innerText.trim() === title && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]') && !!document.querySelector(selector);
}"""
SETTLE = 0.75  # seconds between two timed navigations: a user reads a page before leaving it


def measure_browser(runs: int, settle: float = SETTLE) -> list[tuple[str, list[float]]]:
    """Two journeys, each timed until the page has finished its run, its title and controls are shown
    and its first chart (or, on the table pages, its first table) is drawn:

    * opening a link: a full navigation in one tab with a warm browser cache (the Streamlit frontend
      loads again, a new session starts), against a hello-world Streamlit page as the floor;
    * moving through the dashboard: a click on the page in the menu (same session, no reload).
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    # Chromium's own headless rendering: the measured views draw SVG only (the WebGL map is the ?view=map
    # option of Rankings), so the SwiftShader flags the browser test needs would only add CPU work.
    args = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    links, clicks = [], []
    with tempfile.TemporaryDirectory() as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO, encoding="utf-8")
        hello_chart = Path(folder) / "hello_chart.py"
        hello_chart.write_text(HELLO_CHART, encoding="utf-8")
        started = [_start(hello, Path(folder), dict(os.environ)), _start(hello_chart, Path(folder), dict(os.environ)),
                   _start(REPO / "app.py", REPO, dict(os.environ))]  # the three start side by side
        try:
            servers = [_wait_until_up(*server) for server in started]
        except RuntimeError:
            for process, _ in started:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            raise
        app = servers[2][1]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=args)
                page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
                cases = [(servers[0][1], "", "hello-world Streamlit page (floor)", "h1"),
                         (servers[1][1], "", "select box + Plotly chart page (floor 2)", ".js-plotly-plot .main-svg")]
                cases += [(app, path, f"{name} page", "[data-testid='stDataFrame'] canvas" if name in ("plans", "data")
                           else ".js-plotly-plot .main-svg") for path, name in BROWSER_PAGES]
                titles = {}
                for base, path, name, ready in cases:  # warm the server's and the browser's caches
                    page.goto(base + path)
                    page.wait_for_function(IDLE, polling=50, timeout=60000)
                    page.wait_for_selector(ready, timeout=60000)
                    titles[name] = page.locator("h1").first.inner_text().strip()
                # In rounds (each page once a round, the floors first), not each page's runs one after another: a
                # spell of load on the machine then falls on the floors and the pages alike, and the ratios hold.
                times_by_case: dict[str, list[float]] = {name: [] for _, _, name, _ in cases}
                for _ in range(runs):
                    for base, path, name, ready in cases:
                        time.sleep(settle)
                        started = time.perf_counter()
                        page.goto(base + path)
                        page.wait_for_function(READY, arg=[titles[name], ready], polling=20, timeout=60000)
                        times_by_case[name].append(time.perf_counter() - started)
                links = [(f"open a link: {name}", times) for name, times in times_by_case.items()]
                # Moving through the menu: each page in turn, from the page before it.
                menu = cases[2:]
                times_by_page: dict[str, list[float]] = {name: [] for _, _, name, _ in menu}
                page.goto(app)
                page.wait_for_function(READY, arg=[titles[menu[0][2]], menu[0][3]], polling=20, timeout=60000)
                for round_ in range(runs + 1):
                    for base, path, name, ready in menu[1:] + menu[:1]:
                        time.sleep(settle)
                        link = page.locator(f"[data-testid='stSidebarNav'] a[href='{base}{path}']")
                        started = time.perf_counter()
                        link.click()
                        page.wait_for_function(READY, arg=[titles[name], ready], polling=20, timeout=60000)
                        if round_:  # the first round warms the session's widgets
                            times_by_page[name].append(time.perf_counter() - started)
                clicks = [("hello-world Streamlit page (floor)", links[0][1])]
                clicks += [(f"menu click: {name}", times) for name, times in times_by_page.items()]
                browser.close()
            PEAK_RSS["server"] = peak_rss(servers[2][0].pid)
        finally:
            for process, _ in servers:
                os.killpg(process.pid, signal.SIGTERM)
    return links, clicks


PEAK_RSS: dict[str, int] = {}


def peak_rss(pid: int) -> int:
    """The peak resident memory (VmHWM) of a process, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def workspace(keep: Path | None, prefix: str):
    """The folder a benchmark generates its database into: ``keep`` (made if needed, left in place, so that a
    second run reuses the database) or a temporary one, removed at the end."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def report(title: str, rows: list[tuple[str, list[float]]], unit: str = "ms") -> None:
    factor = 1000 if unit == "ms" else 1
    floor = statistics.median(rows[0][1])
    print(f"\n{title}")
    print(f"{'measure':58} {'median':>9} {'min–max':>17} {'× floor':>8}")
    for name, times in rows:
        median = statistics.median(times)
        span = f"{min(times) * factor:.0f}–{max(times) * factor:.0f}" if unit == "ms" \
            else f"{min(times):.2f}–{max(times):.2f}"
        value = f"{median * factor:.0f} ms" if unit == "ms" else f"{median:.2f} s"
        print(f"{name:58} {value:>9} {span:>17} {median / floor:>7.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="for CI: 2 runs of each server measure, 1 of each browser measure")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--db", type=Path, help="the database to measure (default: $KPI_DB or data/kpi.duckdb)")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    if args.quick:
        print("--quick: two runs and one browser run per measure, a smoke run; the goals are stated for the full "
              "runs (and, for scale, for the reference database of bench/scale.py)")
    if args.db:
        os.environ["KPI_DB"] = str(args.db)
    from indicators.services.building import open_read_only
    from indicators.storage import default_db_path
    from indicators.web import ui

    open_read_only(default_db_path()).close()  # build data/kpi.duckdb if it is new
    print(f"machine: {os.cpu_count()} cores; database: {default_db_path()}; runs per measure: {runs} "
          "(after one warm-up)")
    report("Server time of a rerun after a filter change (AppTest, as a server runs it); goal < 100 ms (issue 30)",
           measure_reruns(runs))
    ui.get_store().close()  # the AppTest runs opened the database for writing: free it for the server
    ui.get_store.clear()
    report("Data the server reads on first use (pages then use what it keeps)", measure_data_layer(runs))
    if not args.no_browser:
        links, clicks = measure_browser(1 if args.quick else runs, settle=0.2 if args.quick else SETTLE)
        report("Time to interactive in headless Chromium, opening a link (full load, warm browser cache)\n"
               "(run finished, title shown, first chart or table drawn); goal < 2 s", links, unit="s")
        chart_floor = statistics.median(links[1][1])
        print("\nopening a link, against the select box + Plotly chart page (issue 30: first chart within 1.5×)")
        for name, times in links[2:]:
            ratio = statistics.median(times) / chart_floor
            print(f"  {name}: {ratio:.2f}× ({'met' if ratio <= 1.5 else 'missed'})")
        report("Time to interactive in headless Chromium, moving through the menu (same session)\n"
               "(run finished, title shown, first chart or table drawn); goal < 2 s", clicks, unit="s")
        print(f"\npeak memory (RSS) of the dashboard server after every page: "
              f"{PEAK_RSS.get('server', 0) / 2**20:.0f} MB (goal < 1 GB)")


if __name__ == "__main__":
    main()
