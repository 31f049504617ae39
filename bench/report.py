"""The periodic report's benchmark. First, issue 28.6, each timed as a whole process: the ``report`` command
writing new Hà Tĩnh's 2025 report with ten charts (.docx) on a copy of the shipped database, with its chart cache
empty (cold) and filled by an earlier run (warm), against the floor: a fresh Python that imports plotly and Kaleido,
starts Kaleido with Debian's Chromium, writes one of the report's charts to PNG and exits. Then the files made in
one process (the breakdown: the yearly report and the brief, on the shipped database and at the unit scale of
bench/units.py, beside the same floor). Then the attack of issue 25 (F8): thirty visitors of
a real server asking for thirty different reports at the same moment, while other visitors rerun their pages.

    python3 -m bench.report [--quick] [--keep DIR] [--only files|attack]

Goals on the 2-core machine: the report command within 1.5× of the floor; in-process, the yearly report with ten
charts < 10 s, the brief < 3 s; under the attack, the other visitors' rerun p95 within 1.5× of their p95 measured
idle in the same run. Reported, never asserted. What is asserted (exit status 1): at most two Chromium browsers
alive below the server at any moment of the attack, every request answered (a file or the busy message), and no
exception on any page. ``--quick`` (CI): two whole-process runs of each, one in-process run of each file, the
unit-scale database of ``bench.units --quick``, a short idle phase and one wave of the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.pages import _free_port, _wait_until_up, report, workspace
from bench.sessions import PAGES
from bench.units import generate
from indicators.reports import priority

REPO = Path(__file__).resolve().parent.parent
KEY, PERIOD = ("42", date(2025, 7, 1)), "2025"     # new Hà Tĩnh's 2025: its own and its predecessor's figures


# the floor as a process of its own: plotly and Kaleido imported, Debian's Chromium started, one figure (given as
# the JSON of one of the report's charts) written to PNG, the browser closed
FLOOR = '''import asyncio, sys, kaleido, plotly.io
async def draw(figure, opts):
    async with kaleido.Kaleido(n=1, mathjax=False, path=sys.argv[1]) as k:
        open(sys.argv[3], "wb").write(await k.calc_fig(figure, opts=opts))
with open(sys.argv[2]) as f:
    figure = plotly.io.from_json(f.read())
asyncio.run(draw(figure, {"format": "png", "width": 900, "height": figure.layout.height or 380, "scale": 2}))
'''


def _timed(command: list[str], env: dict | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-2000:]}")
    return took, done.stderr


def whole_process(db: Path, folder: Path, runs: int) -> list[tuple[str, list[float]]]:
    """Issue 28.6: the floor, the report command with its chart cache emptied first (cold) and kept from the
    run before (warm), each a process of its own, in turns so that the machine's load falls on each alike."""
    from indicators.reports.charts import browser_path, report_charts
    from indicators.reports.content import report_content, report_period
    from indicators.services.views import Dataset
    from indicators.storage import open_store

    store = open_store(db, read_only=True)
    try:
        ds = Dataset.load(store)
        figures = report_charts(ds, report_content(ds, KEY, report_period(PERIOD, ds)))
    finally:
        store.close()
    figure = folder / "floor-figure.json"
    figure.write_text(figures[1].figure.to_json())              # the report's first indicator's trend
    cache = folder / "chart-cache"
    env = {**os.environ, "KPI_CHART_CACHE": str(cache)}
    floor_cmd = [sys.executable, "-c", FLOOR, browser_path() or "chromium", str(figure), str(folder / "floor.png")]
    report_cmd = [sys.executable, "-m", "indicators", "report", "--db", str(db), "--province", KEY[0], "--period",
                  PERIOD, "--format", "docx", "-o", str(folder / "report.docx"), "--force"]
    floor, cold, warm, said = [], [], [], ""
    for _ in range(runs):
        floor.append(_timed(floor_cmd)[0])
        shutil.rmtree(cache, ignore_errors=True)
        took, said = _timed(report_cmd, env)
        cold.append(took)
        warm.append(_timed(report_cmd, env)[0])
    print(f"the report command said: {said.strip()}")
    return [("floor: a process writing one chart with Kaleido", floor),
            ("report command, 10 charts, chart cache empty (cold)", cold),
            ("report command, 10 charts, charts cached (warm)", warm)]


def measure(db: Path, runs: int, label: str) -> list[tuple[str, list[float]]]:
    from indicators.reports.files import Ask, make
    from indicators.services.views import Dataset
    from indicators.storage import open_store

    store = open_store(db, read_only=True)
    try:
        ds = Dataset.load(store)
        rows, charts = [], 0
        for fmt, name in (("docx", "yearly report (.docx, charts drawn)"), ("pdf", "one-page brief (.pdf)")):
            times = []
            for run in range(runs):      # the chart cache empty each time: the charts drawn, the browser kept
                os.environ["KPI_CHART_CACHE"] = str(db.parent / f"chart-cache-{label}-{fmt}-{run}")
                started = time.perf_counter()
                made = make(ds, Ask(KEY, PERIOD, fmt))
                times.append(time.perf_counter() - started)
                charts = made.charts if fmt == "docx" else charts
            rows.append((f"{label}: {name}", times))
        print(f"{label}: {charts} charts in the report")
        return rows
    finally:
        store.close()


# The attack: thirty different files (ten years, each whole and in halves) of old Hà Tĩnh, one per visitor
ATTACK_QUERY = "province=42@2004&period={period}"
ATTACK_PERIODS = [f"{y}{part}" for y in range(2016, 2026) for part in ("", "-H1", "-H2")]
BUSY = "Đang có nhiều yêu cầu tạo báo cáo"


class Visitor:
    """One browser tab, as its websocket speaks Streamlit's protocol: runs a page, clicks a button."""

    def __init__(self, url: str, page: str, query: str = ""):
        self.url, self.page, self.query = url, page, query

    async def __aenter__(self) -> Visitor:
        import websockets

        base = self.url.rstrip("/")
        self._socket = websockets.connect(f"ws://{base.split('//', 1)[1]}/_stcore/stream", subprotocols=["streamlit"],
                                          additional_headers={"Origin": base}, max_size=None, open_timeout=120,
                                          ping_interval=None)   # a loaded server answers late, not never
        self.ws = await self._socket.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._socket.__aexit__(*exc)

    async def run(self, click: tuple[str, str] | None = None) -> tuple[float, list[tuple[str, object, str]]]:
        """A rerun (with a button's click: its widget id and fragment); its time and the elements drawn, each as
        (kind, element, fragment id)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name, msg.rerun_script.query_string = self.page, self.query
        if click:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.trigger_value = click[0], True
            msg.rerun_script.fragment_id = click[1]
        started, drawn = time.perf_counter(), []
        await self.ws.send(msg.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(self.ws.recv(), 600))
            kind = reply.WhichOneof("type")
            if kind == "script_finished":
                return time.perf_counter() - started, drawn
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                drawn.append((element.WhichOneof("type"), element, reply.delta.fragment_id))


def _below(root: int, parents: dict[int, int]) -> list[int]:
    """``root`` and every process below it."""
    return [pid for pid in parents if pid == root or priority.below(pid, root, parents)]


def _pss(pids: list[int]) -> int:
    """The proportional memory of ``pids``: the pages shared between processes split between them."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, StopIteration):
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            total += int(next(line for line in rollup if line.startswith("Pss:")).split()[1]) * 1024
    return total


def _tree(root: int) -> tuple[int, int, int, int]:
    """Of ``root`` and its descendants: the Chromium browsers, the Chromium processes, the memory (PSS) of all
    processes and of the Chromium ones."""
    names, parents = priority.processes()
    tree = _below(root, parents)
    chromium = [pid for pid in tree if names[pid].startswith("chrom")]
    return len(priority.chromium_browsers(root)), len(chromium), _pss(tree), _pss(chromium)


def _watching(root: int, stop, answer) -> None:
    """The watcher process: the peaks of :func:`_tree` until ``stop`` is set, sent on ``answer``. The browsers are
    counted every 100 ms, the memory (dearer to read) every second."""
    peaks, last_memory = [0, 0, 0, 0], 0.0
    while not stop.is_set():
        peaks[0] = max(peaks[0], len(priority.chromium_browsers(root)))
        if time.monotonic() - last_memory >= 1.0:
            peaks = [max(peak, now) for peak, now in zip(peaks, _tree(root))]
            last_memory = time.monotonic()
        stop.wait(0.1)
    answer.send(tuple(peaks))


class Watch:
    """The peaks of :func:`_tree` while in the block, sampled by a process of its own: a thread in this one would
    take turns with the event loop that times the visitors' reruns, and slow the timing down."""

    def __init__(self, root: int):
        self.root, self.browsers, self.processes, self.rss, self.chromium_rss = root, 0, 0, 0, 0

    def __enter__(self) -> Watch:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._answer, theirs = context.Pipe(duplex=False)
        self._process = context.Process(target=_watching, args=(self.root, self._stop, theirs), daemon=True)
        self._process.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._answer.poll(30):
            self.browsers, self.processes, self.rss, self.chromium_rss = self._answer.recv()
        self._process.join(10)


async def _other(url: str, page: str, times: list, stop: asyncio.Event, errors: list) -> None:
    """A visitor of another page rerunning it every 0.25–0.75 s: (start, seconds) of each rerun."""
    async with Visitor(url, page) as visitor:
        await visitor.run()
        while not stop.is_set():
            started = time.perf_counter()
            took, drawn = await visitor.run()
            times.append((started, took))
            errors += [f"an exception on {page or 'the Overview'}: {e.exception.message[:200]}"
                       for kind, e, _ in drawn if kind == "exception"]
            await asyncio.sleep(random.uniform(0.25, 0.75))


async def _attacker(url: str, period: str, ready: list, go: asyncio.Event, outcomes: list) -> None:
    """A visitor of the Reports page who clicks "make the report" when ``go`` is set: made, busy, kept (offered
    at once, made before), or what went wrong."""
    async with Visitor(url, "reports", ATTACK_QUERY.format(period=period)) as visitor:
        try:
            _, drawn = await visitor.run()
        finally:
            ready.append(period)
        await go.wait()
        button = [(e.button.id, fragment) for kind, e, fragment in drawn
                  if kind == "button" and e.button.label == "Lập báo cáo (.docx)"]
        if not button:
            outcomes.append("kept" if any(kind == "download_button" for kind, _, _ in drawn) else "no button")
            return
        _, drawn = await visitor.run(button[0])
        kinds = [kind for kind, _, _ in drawn]
        busy = any(kind == "alert" and BUSY in e.alert.body for kind, e, _ in drawn)
        outcomes.append("exception" if "exception" in kinds else "made" if "download_button" in kinds
                        else "busy" if busy else "nothing")


async def _attack(url: str, server: int, idle: float, waves: int, others: int) -> dict:
    """Other visitors rerun their pages, idle for ``idle`` seconds, then through ``waves`` waves of the attack:
    each wave's thirty visitors open the Reports page, then all click at once. The watcher runs through both
    phases, so that the idle reruns and those under attack are timed alike."""
    times: list[tuple[float, float]] = []
    stop, errors = asyncio.Event(), []
    clients = [asyncio.create_task(_other(url, PAGES[i % len(PAGES)], times, stop, errors)) for i in range(others)]
    while len(times) < others and not all(c.done() for c in clients):      # every other visitor in
        await asyncio.sleep(0.2)
    outcomes: list[str] = []
    windows, before = [], []
    with Watch(server) as watch:
        begun = time.perf_counter()
        await asyncio.sleep(idle)
        idle_times = [took for at, took in times if at >= begun]
        for wave in range(waves):
            go, ready = asyncio.Event(), []
            periods = ATTACK_PERIODS[wave:] + ATTACK_PERIODS[:wave]
            attackers = [asyncio.create_task(_attacker(url, period, ready, go, outcomes)) for period in periods]
            while len(ready) < len(periods) and not all(a.done() for a in attackers):
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)                   # the other visitors back to their idle pace
            before.append(_tree(server)[2])
            started = time.perf_counter()
            go.set()
            failed = [r for r in await asyncio.gather(*attackers, return_exceptions=True) if r is not None]
            windows.append((started, time.perf_counter()))
            errors += [f"a visitor of the Reports page: {type(r).__name__}: {r}" for r in failed]
    stop.set()
    errors += [f"another visitor: {type(r).__name__}: {r}"
               for r in await asyncio.gather(*clients, return_exceptions=True) if r is not None]
    under = [took for at, took in times if any(a <= at <= b for a, b in windows)]
    return {"idle": idle_times, "attack": under, "outcomes": outcomes, "errors": errors, "watch": watch,
            "seconds": sum(b - a for a, b in windows), "rss_before": before[0] if before else 0}


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def attack(shipped: Path, folder: Path, quick: bool) -> bool:
    """The attack of F8 on a server of its own (a copy of ``shipped``); True when its guarantees held."""
    db = folder / "attack.duckdb"
    shutil.copy(shipped, db)
    env = {**os.environ, "KPI_DB": str(db)}
    log = folder / "attack-server.log"
    with log.open("wb") as out:
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.address",
                                    "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
                                    "--server.fileWatcherType", "none"],   # the checkout may change meanwhile
                                   cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process, url = _wait_until_up(process, f"http://127.0.0.1:{port}/")
    try:
        result = asyncio.run(_attack(url, process.pid, idle=20 if quick else 40, waves=1 if quick else 2,
                                     others=3 if quick else 4))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    watch, outcomes = result["watch"], result["outcomes"]
    counts = {o: outcomes.count(o) for o in dict.fromkeys(outcomes)}
    idle, under = p95(result["idle"]), p95(result["attack"])
    print(f"\nF8: {len(ATTACK_PERIODS)} visitors ask for {len(ATTACK_PERIODS)} different reports at once "
          f"({'1 wave' if quick else '2 waves'}, {result['seconds']:.0f} s under attack)")
    print(f"  answers: {counts}")
    print(f"  other visitors' rerun p95: idle {idle * 1000:.0f} ms ({len(result['idle'])} reruns), under attack "
          f"{under * 1000:.0f} ms ({len(result['attack'])} reruns): {under / idle:.2f}× (goal ≤ 1.5×); median "
          f"{statistics.median(result['idle'] or [float('nan')]) * 1000:.0f} ms idle, "
          f"{statistics.median(result['attack'] or [float('nan')]) * 1000:.0f} ms under attack")
    print(f"  Chromium below the server at most: {watch.browsers} browser(s) (guarantee ≤ 2), {watch.processes} "
          f"processes, {watch.chromium_rss / 2**20:.0f} MB (PSS); the server with them "
          f"{result['rss_before'] / 2**20:.0f} MB at the click, at most {watch.rss / 2**20:.0f} MB")
    broken = [f"{watch.browsers} browsers at once"] * (watch.browsers > 2)
    broken += [f"{n} requests {o}" for o, n in counts.items() if o not in ("made", "busy", "kept")]
    broken += result["errors"][:3]
    if not any(o == "made" for o in outcomes):
        broken.append("no report was made")
    for problem in broken:
        print(f"  BROKEN: {problem}")
    if broken and "Traceback" in (text := log.read_text(errors="replace")):
        print(f"  the server's first traceback ({log}):\n" + text[text.index("Traceback"):][:3000])
    return not broken


def _built(path: Path) -> Path:
    """The database built from data/ at ``path`` (the benchmark never opens the checkout's own data/kpi.duckdb)."""
    from indicators.services.building import build
    from indicators.storage import open_store

    if not path.exists():
        store = open_store(path)
        build(store)
        store.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) DIR/units.duckdb")
    parser.add_argument("--only", choices=["files", "attack"], help="only the files' times, or only the attack")
    parser.add_argument("--db", type=Path, default=None,
                        help="the shipped database (a DuckDB file; default: one built from data/ in the workspace)")
    args = parser.parse_args()
    runs = 1 if args.quick else 5
    if args.db is not None and not args.db.exists():
        raise SystemExit(f"there is no database at {args.db}")
    with workspace(args.keep, "kpi-report-") as folder:
        shipped = args.db or _built(folder / "shipped.duckdb")
        if args.only != "attack":
            db = folder / ("units-quick.duckdb" if args.quick else "units.duckdb")
            if not db.exists():
                generate(db, **({"indicators": 10, "first_year": 2025, "last_year": 2025, "tasks": 2000}
                                if args.quick else {"indicators": 50, "first_year": 2021, "last_year": 2030,
                                                    "tasks": 10000}))
            process_rows = whole_process(shipped, folder, 2 if args.quick else 3)
            report("Issue 28.6: new Hà Tĩnh's 2025 report, each a whole process (goal: ≤ 1.5× the floor)",
                   process_rows, unit="s")
            floor = statistics.median(process_rows[0][1])
            for name, times in process_rows[1:]:
                ratio = statistics.median(times) / floor
                print(f"  {name}: {ratio:.2f}× the floor (goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'missed'})")
            rows = [process_rows[0], *measure(shipped, runs, "shipped data")]
            rows += measure(db, runs, "unit scale")
            report("The periodic report of new Hà Tĩnh for 2025 (goals: report < 10 s, brief < 3 s)", rows, unit="s")
        if args.only != "files" and not attack(shipped, folder, quick=args.quick):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
