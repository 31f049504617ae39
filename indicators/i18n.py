"""The interface's texts, read from the gettext catalogues in ``locales/`` (Vietnamese, the default, and English),
and Vietnamese number and date formats.

A message's id is a stable key (``app_title``), as in DHIS2's property files; its text in each language is the
``msgstr`` of ``locales/<lang>/LC_MESSAGES/<domain>.po``. Two domains: ``messages`` (the dashboard, the command line)
and ``report`` (the periodic report and the brief, read by :func:`indicators.reports.phrases.w`). The ``.po`` files
are compiled with Babel when a process first needs them, in memory, never written to disk; a language is a folder:
``locales/xx/LC_MESSAGES/messages.po`` adds one with no code change (docs/development.md, "Texts and languages").
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent / "locales"
SOURCE = "vi"                       # the language every other one falls back to, message by message
DOMAINS = ("messages", "report")


def _languages() -> tuple[str, ...]:
    """The languages with a ``messages`` catalogue, Vietnamese first, then by code."""
    found = {path.parent.parent.name for path in LOCALES.glob("*/LC_MESSAGES/messages.po")}
    return tuple(sorted(found, key=lambda code: (code != SOURCE, code)))


LANGUAGES = _languages()


def N_(key: str) -> str:
    """Marks a key the code uses at run time (built, or passed in a variable) so that extraction
    (``pybabel extract -k N_``) finds it; returns the key unchanged."""
    return key


# Keys that code outside the interface's own modules builds at run time, which extraction cannot see; each family
# names the code that builds it. The interface marks its own where it uses them. tests/test_messages.py checks
# that the catalogues hold exactly the keys extraction finds, these included.
RUNTIME_KEYS = (
    # a target's status (domain/status.py STATUS_ORDER) and a task's reported progress (domain/tasks.py STATUSES)
    N_("missed"), N_("off_track"), N_("at_risk"), N_("no_data"), N_("on_track"), N_("not_due"), N_("achieved"),
    N_("not_started"), N_("in_progress"), N_("done"), N_("dropped"),
    # a requirement in words: label(f"req_{phrase}") and label(f"req_unit_{unit}") in domain/scorecard.py
    N_("req_>="), N_("req_>"), N_("req_<="), N_("req_<"), N_("req_between"), N_("req_full"), N_("req_top"),
    N_("req_above_rank"), N_("req_rank_or_lower"), N_("req_tier_or_better"), N_("req_cut"), N_("req_cut_more"),
    N_("req_unit_percent"), N_("req_unit_point"), N_("req_unit_months"),
    # a unit's kind (domain/units.py): label(f"kind_{kind}") in services/unit_charts.py and pages/units.py
    N_("kind_people_committee"), N_("kind_department"), N_("kind_agency"), N_("kind_party"), N_("kind_press"),
    N_("kind_other"), N_("kind_commune"), N_("kind_ward"), N_("kind_special_zone"), N_("kind_township"),
    N_("kind_district"),
)


@functools.cache
def read_catalogue(lang: str, domain: str = "messages") -> dict[str, str]:
    """``locales/<lang>/LC_MESSAGES/<domain>.po`` read with Babel, once per process: each message's id and its
    text, empty where the catalogue has none or marks it fuzzy (as gettext would not use it either)."""
    with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalogue = read_po(handle, domain=domain)
    return {message.id: "" if message.fuzzy else str(message.string or "") for message in catalogue if message.id}


# domain → language → key → text: each catalogue is compiled once per process, then read as a dict (label() is
# called thousands of times per page: a dict lookup keeps it as fast as the table in code it replaced)
_TEXTS: dict[str, dict[str, dict[str, str]]] = {domain: {} for domain in DOMAINS}
_MESSAGES = _TEXTS["messages"]


def texts(lang: str, domain: str = "messages") -> dict[str, str]:
    """Every message of ``domain`` in ``lang``, by key. A message the language lacks (an empty ``msgstr``, or no
    catalogue of the domain at all) and a language without a catalogue read as Vietnamese."""
    lang = lang if lang in LANGUAGES else SOURCE
    found = _TEXTS[domain].get(lang)
    if found is None:
        source = read_catalogue(SOURCE, domain)
        own = read_catalogue(lang, domain) if lang != SOURCE and (
            LOCALES / lang / "LC_MESSAGES" / f"{domain}.po").is_file() else {}
        # the language's text, else the source's (Vietnamese), else the key itself: gettext's fallbacks
        found = _TEXTS[domain][lang] = {key: own.get(key) or text or key for key, text in source.items()}
    return found


def label(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``. An unknown key raises
    KeyError: a mistyped key fails loudly instead of showing itself to the reader."""
    try:
        text = _MESSAGES[lang][key]
    except KeyError:
        text = texts(lang)[key]
    return text.format(**values) if values else text


def has_label(key: str) -> bool:
    """Whether ``key`` is a message of the dashboard's catalogue."""
    return key in texts(SOURCE)


def bilingual(key: str, **values: object) -> tuple[str, str]:
    """``key`` in Vietnamese and in English: the two texts a :class:`indicators.errors.Bilingual` refusal takes."""
    return label(key, "vi", **values), label(key, "en", **values)


def column(base: str, lang: str) -> str:
    """The name of the column that holds ``base`` in ``lang``: ``name_vi`` or ``name_en`` (Vietnamese unless
    English is asked for)."""
    return f"{base}_{'en' if lang == 'en' else 'vi'}"


def in_language(row: Any, base: str, lang: str) -> Any:
    """``row[base_vi]`` or ``row[base_en]``: the text of a row, a record or a frame's column in ``lang``."""
    return row[column(base, lang)]


def format_number(value: float | int | None, decimals: int = 0, lang: str = "vi", unit: str | None = None) -> str:
    """``1234.5`` → ``1.234,5`` in Vietnamese, ``1,234.5`` in English; ``85,5 %`` with unit percent;
    missing → ``—``."""
    if value is None or value != value:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} %" if unit == "percent" else text


WHOLE_NUMBER_UNITS = ("rank", "tier", "count", "milestone")


def format_value(value: float | None, unit: str | None, lang: str = "vi") -> str:
    """A figure as a table shows it: whole numbers for ranks and counts, two decimals otherwise."""
    return format_number(value, 0 if unit in WHOLE_NUMBER_UNITS else 2, lang, unit)


def format_date(day: date | None, lang: str = "vi") -> str:
    """``29/07/2016`` in both languages (the form Vietnamese documents use)."""
    return "—" if day is None else day.strftime("%d/%m/%Y")
