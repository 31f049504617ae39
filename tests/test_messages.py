"""The message catalogues (issue 27, point 5): every message in both languages, the template up to date with the
code, no English on a Vietnamese page, and a third language added as a file."""

import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from indicators import i18n
from tests.conftest import REPO, backend_free, copy_db

LOCALES = REPO / "indicators" / "locales"
# The extraction docs/development.md gives, one command per domain: the keywords that take a message key
EXTRACT = {"messages": (["-k", "label", "-k", "N_", "-k", "bilingual"], ["indicators", "pages", "app.py"]),
           "report": (["-k", "w", "-k", "W_"], ["indicators", "pages"])}
# Messages whose two texts differ in their placeholders on purpose: a quarter is a Roman numeral in Vietnamese
# ("quý II năm 2026") and a digit in English ("Q2 2026"); the English refusal of an undo names the batches gone;
# storage's English refusals add the driver's detail (its error, the extension's version, the missing migrations),
# which the Vietnamese leave out.
OWN_PLACEHOLDERS = {("report", "period_quarter"), ("messages", "imp_old_batches_gone"),
                    ("messages", "sto_write_conflict"), ("messages", "sto_reopened"),
                    ("messages", "sto_pg_extension_missing"), ("messages", "sto_pg_old_schema")}


def catalogue(lang: str, domain: str):
    with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, domain=domain)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_languages_are_the_folders_of_locales_vietnamese_first():
    assert i18n.LANGUAGES[0] == "vi" and set(i18n.LANGUAGES) == {"vi", "en"}


@backend_free
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_message_has_both_languages_with_the_same_placeholders(domain):
    vi, en = catalogue("vi", domain), catalogue("en", domain)
    ids = [m.id for m in vi if m.id]
    assert len(ids) > (300 if domain == "messages" else 80)
    assert sorted(ids) == sorted(m.id for m in en if m.id)
    assert not vi.obsolete and not en.obsolete       # a key dropped from the code leaves no "#~" entry behind
    for key in ids:
        texts = vi[key].string, en[key].string
        vi_text, en_text = texts
        assert isinstance(vi_text, str) and vi_text.strip() and isinstance(en_text, str) and en_text.strip(), \
            (domain, key, texts)
        assert not vi[key].fuzzy and not en[key].fuzzy, (domain, key)
        if (domain, key) not in OWN_PLACEHOLDERS:
            assert placeholders(texts[0]) == placeholders(texts[1]), (domain, key, texts)


@backend_free
def test_the_compiled_catalogues_read_back_every_text():
    """label() and w() read what the .po files hold, compiled in memory (no .mo file in the checkout)."""
    from indicators.reports.phrases import w

    checked = 0
    for lang in ("vi", "en"):
        for message in catalogue(lang, "messages"):
            if message.id:
                assert i18n.label(message.id, lang) == message.string
                checked += 1
        for message in catalogue(lang, "report"):
            if message.id:
                assert w(message.id, lang) == message.string
                checked += 1
    assert checked == 2 * sum(len(catalogue("vi", d)) for d in i18n.DOMAINS)
    assert not list(LOCALES.rglob("*.mo"))
    with pytest.raises(KeyError):
        i18n.label("no_such_key", "vi")


@backend_free
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_the_template_is_what_extraction_finds_and_the_catalogues_hold_exactly_its_keys(domain, tmp_path, capsys):
    """Babel's own extraction (pybabel extract, run in-process into a temporary folder) finds every key the code
    uses, the runtime ones marked with N_/W_ included: none is missing from the catalogues, none is left over,
    and the committed .pot is up to date."""
    keywords, paths = EXTRACT[domain]
    out = tmp_path / f"{domain}.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(REPO / "babel.cfg"), "--no-default-keywords",
                                *keywords, "--sort-output", "-o", str(out), *(str(REPO / p) for p in paths)])
    capsys.readouterr()
    with out.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (LOCALES / f"{domain}.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    held = {m.id for m in catalogue("vi", domain) if m.id}
    assert len(extracted) > (300 if domain == "messages" else 80)
    assert sorted(extracted - held) == [], "keys the code uses that the catalogues lack"
    assert sorted(held - extracted) == [], "keys of the catalogues that no code uses (or marks with N_/W_)"
    assert committed == extracted, "the .pot is out of date: run the extraction of docs/development.md"


@backend_free
def test_the_runtime_keys_cover_the_codes_the_domain_builds_them_from():
    """Keys the code builds (f"state_{s}", a status as a key…) are marked for extraction; each family is
    checked here against the codes it is built from."""
    from indicators.domain.status import STATUS_ORDER
    from indicators.domain.tasks import STATES, STATUSES
    from indicators.web.task_ui import STATE_KEYS
    from indicators.web.ui import PAGES, TAB_KEYS

    runtime = set(i18n.RUNTIME_KEYS)
    assert set(STATUS_ORDER) | set(STATUSES) <= runtime
    assert {f"state_{s}" for s in STATES} == set(STATE_KEYS)
    assert {title for _, title, _, _ in PAGES} <= set(i18n.texts("vi"))
    assert {key for key in i18n.texts("vi") if key.startswith("tab_")} == set(TAB_KEYS)


# --- a Vietnamese page shows no English interface words ---------------------------------------------------------

# the pages, and the tabs each has (lazy_tabs draws only the chosen one): every tab is rendered once
TABS = {"pages/profile.py": ("tab", ["trend", "papi", "targets"]),
        "pages/compare.py": ("tab", ["multiples", "ranks", "gaps"]),
        "pages/rankings.py": ("view", ["bars", "map", "table"]),
        "pages/units.py": ("tab", ["unit", "departments", "communes"]),
        "pages/imports.py": ("tab", ["upload", "batches", "templates", "locks", "users", "backup"])}
VIEWS = [(page, None, None) for page in sorted(str(p.relative_to(REPO)) for p in (REPO / "pages").glob("*.py"))
         if page not in TABS] + [(page, name, code) for page, (name, codes) in TABS.items() for code in codes]
# English texts that are a Vietnamese page's own words too: the name of each language on the language switch, and
# a role's English name in auth's refusals, which is the role's code (shown as data: the signed-in "admin" here)
SHOWN_IN_EVERY_LANGUAGE = {"language_name", "auth_role_viewer", "auth_role_reporter", "auth_role_analyst",
                           "auth_role_admin"}
NAMES = {"PAPI", "PCI", "SIPAS", "PAR INDEX", "CCHC", "CSV", "Excel", "Word", "PDF"}


def test_every_page_and_tab_is_rendered():
    from indicators.web.ui import PAGES

    assert sorted({page for page, _, _ in VIEWS}) == sorted(path for path, _, _, _ in PAGES)
    assert len(VIEWS) == len(PAGES) - len(TABS) + sum(len(codes) for _, codes in TABS.values()) == 22


def english_words() -> dict[str, re.Pattern]:
    """The English texts of the interface that differ from their Vietnamese ones, as patterns matched on word
    boundaries: a text with placeholders by its longest fixed part."""
    vi, en = i18n.texts("vi"), i18n.texts("en")
    found = {}
    for key, text in en.items():
        if key in SHOWN_IN_EVERY_LANGUAGE or text == vi[key]:
            continue
        fixed = max((part for part, *_ in string.Formatter().parse(text)), key=len).strip(" .:;,(")
        if len(fixed) > 3 and fixed not in NAMES and fixed not in vi[key]:
            found[key] = re.compile(rf"(?<!\w){re.escape(fixed)}(?!\w)")
    return found


def shown_texts(at: AppTest) -> list[str]:
    """What a page puts before the reader: text, labels, options, captions, table headers, chart titles."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "exception"):
        texts += [element.value for element in at.get(kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "number_input", "date_input", "selectbox",
                 "multiselect", "radio", "select_slider", "slider", "text_area", "tab", "expander", "metric"):
        for element in at.get(kind):
            texts += [getattr(element, "label", ""), getattr(element, "help", "") or "",
                      getattr(element, "placeholder", "") or ""]
            texts += [str(o) for o in getattr(element, "options", []) or []]
            if kind == "metric":
                texts.append(element.value)
    texts += [str(column) for frame in at.dataframe for column in frame.value.columns]
    for kind in ("download_button", "form_submit_button", "plotly_chart"):
        texts += [str(element.proto) for element in at.get(kind)]
    return [t for t in texts if isinstance(t, str) and t]


@pytest.fixture
def admin_app(users_db, tmp_path, monkeypatch):
    """The app on a copy of the database with users, an admin signed in (so that every tab shows)."""
    db = copy_db(users_db, tmp_path / "kpi.duckdb")
    monkeypatch.setenv("KPI_DB", str(db))
    from indicators.web import cache
    cache.close_store()
    yield AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    cache.close_store()


@pytest.mark.parametrize(("page", "name", "code"), VIEWS)
def test_a_vietnamese_page_shows_no_english_interface_words(admin_app, page, name, code):
    from indicators.services.auth import User
    from indicators.web import ui

    at = admin_app
    at.session_state[ui.USER] = User("admin", "admin", "admin")
    at.session_state[ui.BOUND] = None      # AppTest sends no XSRF cookie: the browser's token is None
    if name:
        at.query_params[name] = code
    at.run()
    at.switch_page(page)
    at = at.run()
    assert not at.exception
    shown = shown_texts(at)
    assert len(shown) > 5, shown
    assert i18n.label("page_overview", "vi") in shown or page != "pages/overview.py"
    if code:          # the tab asked for is drawn (the admin is signed in: the Import page shows all its tabs)
        assert i18n.label(f"tab_{code}", "vi") in shown
    words = english_words()
    assert len(words) > 250
    english = {key: pattern.pattern for key, pattern in words.items() if any(pattern.search(t) for t in shown)}
    assert english == {}, f"English on the Vietnamese {page} {code or ''}: {english}"


def test_the_check_finds_english_on_a_page(admin_app):
    """The same check on the English page finds English words: it can fail."""
    at = admin_app
    at.query_params["lang"] = "en"
    at = at.run()
    shown = shown_texts(at)
    found = [key for key, pattern in english_words().items() if any(pattern.search(t) for t in shown)]
    assert len(found) > 10


# --- a third language is a file -----------------------------------------------------------------------------------

FRENCH = {"app_title": "Objectifs de la réforme administrative", "language_name": "Français",
          "rank_of": "rang {rank}"}


@backend_free
def test_a_third_language_is_a_folder_of_locales_and_no_code(tmp_path):
    """A copy of the package with locales/fr/LC_MESSAGES/messages.po (three messages translated, the rest left
    empty) offers French: its texts where it has them, Vietnamese elsewhere, in the interface and the report."""
    package = tmp_path / "indicators"
    shutil.copytree(REPO / "indicators", package, ignore=shutil.ignore_patterns("__pycache__"))
    french = catalogue("en", "messages")
    french.locale = "fr"
    for message in french:
        if message.id:
            message.string = FRENCH.get(message.id, "")
    target = package / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    from babel.messages.pofile import write_po
    with target.open("wb") as handle:
        write_po(handle, french)
    probe = ("from indicators import i18n\n"
             "from indicators.reports.phrases import w\n"
             "print(i18n.__file__)\n"
             "print(i18n.LANGUAGES)\n"
             "print(i18n.label('app_title', 'fr'), '|', i18n.label('rank_of', 'fr', rank=3), '|',"
             " i18n.label('intro', 'fr') == i18n.label('intro', 'vi'), '|', w('kind', 'fr'))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    where, languages, texts = done.stdout.splitlines()
    assert Path(where).parent == package
    assert languages == "('vi', 'en', 'fr')"
    assert texts == "Objectifs de la réforme administrative | rang 3 | True | BÁO CÁO"
