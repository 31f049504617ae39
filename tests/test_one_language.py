"""One language at a time (issue 30 point 5): every page, opened in Vietnamese, shows no English word of the
interface, and opened in English no Vietnamese one, signed in as an admin (so that the import page's tabs show).

What a page shows is read from every element AppTest holds: titles, text, captions, notices, widgets' labels,
help, placeholders and options, tabs and expanders, metrics, buttons, tables' column names and the charts'
titles, axis titles, legends, annotations and trace names. Names that are the same in both languages are not
words of the interface: provinces and units (Vietnamese proper nouns), plan numbers, the indices' own names
(PAPI, PCI, SIPAS, PAR INDEX) and codes.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from streamlit.testing.v1 import AppTest

from indicators.storage import open_store
from tests.conftest import REPO, copy_db
from tests.test_app import PAGES, open_page

# English words that never belong in a Vietnamese sentence, as whole words (case-insensitive): the widgets'
# defaults ("Choose an option"), empty states and table headings as they would leak from code.
ENGLISH = ("choose", "option", "options", "no data", "none", "nan", "null", "province", "provinces", "year",
           "value", "source", "download", "the", "of", "and", "with", "for", "from", "to", "not", "is", "are",
           "rank", "target", "targets", "indicator", "status", "total", "score", "period", "achieved", "missed",
           "on_track", "no_data", "true", "false", "upload", "browse", "file", "files", "page", "chart", "table",
           "select", "search", "date", "error", "warning", "delete", "undo", "name", "sign", "password", "user",
           "action", "outcome", "channel", "detail", "happened", "batch", "kind", "count", "unit")
ENGLISH_WORD = re.compile(r"(?<![\w@./#-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w@./#-])",
                          re.IGNORECASE)
# Vietnamese words without a letter outside ASCII that an English sentence never holds
VIETNAMESE = ("va", "cua", "cac", "nhung", "khong", "chua", "chon", "tat ca")
VIETNAMESE_WORD = re.compile(r"(?<![\w-])(" + "|".join(VIETNAMESE) + r")(?![\w-])")
# text inside a placeholder of a template ("%{y}"), a URL, an e-mail address or a code (snake_case or "42@2025")
NOT_WORDS = re.compile(r"<style>.*?</style>|%\{[^}]*\}|<[^>]+>|https?://\S+|\S+@\S+|\b\w+_\w+\b|:material/\w+:|\{[^}]*\}",
                       re.DOTALL)
WORD = re.compile(r"[^\W\d_]+")
MARKDOWN_ESCAPE = re.compile(r"\\(\S)")
SKIPPED_FIELDS = {"id", "form_id", "deferred_file_id", "format", "icon", "url", "type", "default", "value",
                  "min", "max", "step", "arrow_data", "spec", "columns", "tag", "key", "widths", "theme",
                  "selection_mode", "page_script_hash", "page_name", "color", "data", "mime"}
DATA_FIELDS = {"options"}                 # a widget's choices: names from the database (provinces, units, tasks)
CHART_TITLES = {"title", "annotations"}  # the parts of a figure whose texts are the interface's; traces hold data
Shown = tuple[str, bool]                 # a text, and whether it is data (a choice, a trace) rather than interface


def _strings(message, field: str = "") -> list[Shown]:
    """Every text a protobuf message holds (ids, keys, formats and raw data left out); the choices as data."""
    found = []
    for described, value in message.ListFields():
        name = described.name
        if name in SKIPPED_FIELDS:
            continue
        values = value if described.is_repeated else [value]
        for item in values:
            if isinstance(item, str):
                found.append((item, name in DATA_FIELDS))
            elif hasattr(item, "ListFields"):
                found += _strings(item, name)
    return found


def _chart_strings(node: object, key: str = "", titled: bool = False) -> list[Shown]:
    """The texts of a Plotly figure's JSON: titles, axis titles, legend titles and annotations (the interface);
    trace names, texts and hover templates (data, with the interface's words in the templates)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _chart_strings(v, k, titled or k in CHART_TITLES)]
    if isinstance(node, list):
        return [s for v in node for s in _chart_strings(v, key, titled)]
    if isinstance(node, str) and key in {"text", "name", "hovertemplate", "ticktext"}:
        return [(node, not titled)]
    return []


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def shown_texts(at: AppTest) -> list[Shown]:
    """Every text the page shows (see the module's docstring), each marked as data or interface."""
    texts: list[Shown] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        kind = type(node).__name__
        if kind == "Dataframe":
            config = json.loads(proto.columns or "{}")
            texts += [(str(c), False) for c in node.value.columns]
            texts += [(str(v.get("display_text") or ""), False) for v in config.values() if isinstance(v, dict)]
            texts += [(o["value"], False) for v in config.values() if isinstance(v, dict)
                      for o in (v.get("type_config") or {}).get("options", [])]
        elif kind == "UnknownElement" and getattr(node, "type", "") == "plotly_chart":
            texts += _chart_strings(json.loads(proto.spec))
        else:
            texts += _strings(proto)
    return [(text, data) for text, data in texts if text and text.strip()]


def _proper_nouns(db) -> tuple[list[str], set[str]]:
    """Names that are the same in both languages, as the database holds them: provinces, units and their
    groups, plans (numbers, titles), tasks, the plans' quoted sentences and the sources of the figures and of the
    units' changes (kept exactly as typed or published); the longest first. Also their words, lower-cased, and
    every beginning of those words (a task's name is cut short in a select box)."""
    store = open_store(db)
    try:
        provinces, plans, units = store.provinces(), store.plans(), store.units()
        names = [*provinces["name"], *provinces.full_name, *provinces.name_ascii, *store.unit_groups().name_vi,
                 *plans.number, *plans.title, *store.tasks().task, *store.targets().source_quote,
                 *store.actuals(unit_code=None).source.unique(), *store.national_values().source.unique(),
                 *units.source.dropna().unique(), *units["name"]]
        words = {w.lower() for name in names if isinstance(name, str) for w in WORD.findall(name)}
    finally:
        store.close()
    names = sorted({str(n) for n in names if isinstance(n, str) and n.strip()}, key=len, reverse=True)
    return names, {w[:end] for w in words for end in range(1, len(w) + 1)}


def _without(text: str, names: list[str]) -> str:
    """``text`` with the proper nouns, codes, template placeholders, addresses and style sheets taken out (and
    Markdown's escapes: ``Nguồn\\:`` is ``Nguồn:``)."""
    plain = NOT_WORDS.sub(" ", MARKDOWN_ESCAPE.sub(r"\1", text))
    for name in names:
        if name in plain:
            plain = plain.replace(name, " ")
    return plain


def english_in(text: str, names: list[str] = (), words: set[str] = frozenset()) -> list[str]:
    """The English words of ``ENGLISH`` in ``text``: proper nouns, codes, placeholders and addresses left out, and
    the words of ``words`` (for data: ``Nan`` of ``Xã Ia Nan``)."""
    plain = _without(text, list(names))
    return [m.group(0) for m in ENGLISH_WORD.finditer(plain) if m.group(0).lower() not in words]


def _vietnamese_letter(char: str) -> bool:
    """A letter with a Vietnamese diacritic (``ắ``, ``ơ``, ``đ``): a Latin letter with combining marks."""
    decomposed = unicodedata.normalize("NFD", char)
    return char in "đĐ" or (decomposed[:1].isascii() and decomposed[:1].isalpha() and len(decomposed) > 1)


def vietnamese_in(text: str, names: list[str], words: set[str] = frozenset()) -> list[str]:
    """The Vietnamese words in ``text`` once the proper nouns are taken out: words with a Vietnamese letter, and
    the common Vietnamese words of ``VIETNAMESE``, that are not among ``words`` (for data: the words, and their
    beginnings, of the proper nouns)."""
    plain = _without(text, names)
    found = [w for w in WORD.findall(plain) if any(map(_vietnamese_letter, w))]
    found += [m.group(0) for m in VIETNAMESE_WORD.finditer(plain.lower())]
    return [w for w in found if w.lower() not in words]


@pytest.fixture
def admin_app(built_db, users_db, tmp_path, monkeypatch):
    """The app on a copy of the database with users, an admin signed in in this browser."""
    from indicators.services.auth import User
    from indicators.web import cache, ui

    db = copy_db(users_db, tmp_path / "users.duckdb")
    monkeypatch.setenv("KPI_DB", str(db))
    cache.close_store()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.session_state[ui.USER] = User("admin", "admin", "admin")
    at.session_state[ui.BOUND] = None          # AppTest sends no XSRF cookie: the browser's token is None
    yield at, db
    cache.close_store()


# every page, and each tab of the pages that have tabs (a tab is drawn only when chosen)
VIEWS = [("pages/overview.py", {}), ("pages/overview.py", {"province": "42@2025"}),
         *[("pages/profile.py", {"province": "42@2004", "tab": tab}) for tab in ("trend", "papi", "targets")],
         *[("pages/compare.py", {"tab": tab}) for tab in ("multiples", "ranks", "gaps")],
         *[("pages/rankings.py", {"view": view}) for view in ("bars", "map", "table")],
         ("pages/plans.py", {}), ("pages/data.py", {}),
         *[("pages/imports.py", {"tab": tab}) for tab in ("upload", "batches", "templates", "locks", "users",
                                                           "backup")],
         *[("pages/units.py", {"province": "42@2025", "tab": tab}) for tab in ("unit", "departments", "communes")],
         ("pages/reports.py", {})]
assert {page for page, _ in VIEWS} == set(PAGES)


def without_placeholder(at: AppTest) -> list[str]:
    """The select boxes and multiselects that would show Streamlit's own English placeholder ("Choose an
    option", "Choose options"): those not given one."""
    return [node.label for node in _nodes(at._tree) if type(node).__name__ in ("Selectbox", "Multiselect")
            and not node.proto.placeholder]


def _texts(admin_app, page: str, params: dict[str, str], lang: str) -> list[Shown]:
    at, _ = admin_app
    at = open_page(at, page, **params, **({"lang": "en"} if lang == "en" else {}))
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]      # no parameter of the view was dropped
    assert not without_placeholder(at)
    texts = shown_texts(at)
    assert len(texts) > 5, texts          # the page was read: its title, labels and texts
    return texts


# what the checks found in pages other helpers own, left for them (issue 30 point 5)
KNOWN: dict = {}   # (page, tab) -> why that view still shows the other language (a strict expected failure)


def _view_id(value: object) -> str:
    return value if isinstance(value, str) else ",".join(value.values())


def _vi_views() -> list:
    return [pytest.param(page, params, marks=pytest.mark.xfail(reason=KNOWN[page, params.get("tab")], strict=True))
            if (page, params.get("tab")) in KNOWN else (page, params) for page, params in VIEWS]


@pytest.mark.slow  # 22 views
@pytest.mark.parametrize(("page", "params"), _vi_views(), ids=_view_id)
def test_a_vietnamese_page_shows_no_english(admin_app, page, params):
    names, words = _proper_nouns(admin_app[1])
    english = {text: found for text, data in _texts(admin_app, page, params, "vi")
               if (found := english_in(text, () if data else names, words if data else frozenset()))}
    assert not english, english


@pytest.mark.slow  # 22 views
@pytest.mark.parametrize(("page", "params"), VIEWS, ids=_view_id)
def test_an_english_page_shows_no_vietnamese(admin_app, page, params):
    names, words = _proper_nouns(admin_app[1])
    vietnamese = {text: found for text, data in _texts(admin_app, page, params, "en")
                  if (found := vietnamese_in(text, [] if data else names, words if data else frozenset()))}
    assert not vietnamese, vietnamese


def test_the_word_lists_catch_what_they_are_meant_to():
    """The checks themselves: English caught in a Vietnamese text, Vietnamese in an English one; codes,
    placeholders, proper nouns and the indices' names let through."""
    assert english_in("Choose an option") == ["Choose", "option"]
    assert english_in("Số liệu của Tây Ninh · Download") == ["Download"]
    assert not english_in("PAPI – điểm tổng · hạng 6 · papi_total · %{y} · 42@2025 · PAR INDEX · SIPAS · DTI")
    names, words = ["Tây Ninh", "Sở Nội vụ Hà Tĩnh"], {"tây", "ninh", "sở", "nội", "vụ", "hà", "tĩnh"}
    assert vietnamese_in("Chọn tỉnh", names, words) == ["Chọn", "tỉnh"]
    assert vietnamese_in("Province: Tây Ninh (from 01/07/2025)", names, words) == []
    assert vietnamese_in("Khong co du lieu", names, words) == ["khong"]
