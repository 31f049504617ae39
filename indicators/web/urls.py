"""The URL's parameters: every parameter a page reads goes through url_value(), whose parser gives a value the page
supports, or the parameter is dropped from the URL with a short notice (plain text) and the page shows its default;
filters are written back (``remember``) so that a link reproduces the view."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Sequence, TypeVar

import streamlit as st

from indicators.domain.plain import md
from indicators.domain.suggest import closest, did_you_mean
from indicators.i18n import LANGUAGES, label

# Every parameter a page reads goes through url_value(): its parser gives a value the page supports, or the
# parameter is dropped from the URL with a short notice (plain text) and the page shows its default.

T = TypeVar("T")
URL_TEXT_LIMIT = 1000        # longer values are not parsed at all (the longest valid one, 8 indicator codes, is ~250)
SHOWN_LIMIT = 40             # characters of a dropped value the notice repeats
ASCII_INT = re.compile(r"-?[0-9]{1,9}")
YEAR_SPAN = re.compile(r"([0-9]{4})-([0-9]{4})")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def from_url(name: str, default: str | None = None) -> str | None:
    """The raw text of a parameter (the last one when the URL repeats it); pages read it through url_value."""
    return st.query_params.get(name, default)


def url_language() -> str:
    """The page's language as the URL holds it (language() has dropped any other value by then)."""
    lang = st.query_params.get("lang")
    return lang if lang in LANGUAGES else "vi"


def shown_text(text: str) -> str:
    """A value from the URL as a notice may repeat it: cut to SHOWN_LIMIT characters, as plain text (``md`` shows a
    right-to-left override or another control character as a visible mark, so none reverses the sentence)."""
    return md(text[:SHOWN_LIMIT] + ("…" if len(text) > SHOWN_LIMIT else ""))


Suggest = Callable[[str], Sequence[str]]      # a dropped value → the choices closest to it, as the page shows them


def drop_from_url(name: str, text: str, lang: str | None = None, suggestions: Sequence[str] = ()) -> None:
    """Remove the parameter ``name`` from the URL and say so, with the closest choices when there are some ("did
    you mean …?"); an empty value is removed without a word."""
    if name in st.query_params:
        del st.query_params[name]
    if text.strip():
        lang = lang or url_language()
        notice = label("bad_url_value", lang, name=md(name), value=shown_text(text))
        if suggestions:
            question = did_you_mean([md(s) for s in suggestions], lang)
            notice += " " + question[:1].upper() + question[1:]
        st.warning(notice)


def url_value(name: str, parse: Callable[[str], T | None], lang: str | None = None,
              suggest: Suggest | None = None) -> T | None:
    """The parameter ``name`` parsed by ``parse`` (which returns None, or raises ValueError, for a value the page
    does not support); None when it is absent or was dropped (see drop_from_url), with the suggestions of
    ``suggest`` for the dropped value."""
    text = from_url(name)
    if text is None:
        return None
    value = None
    if len(text) <= URL_TEXT_LIMIT and text.strip():
        try:
            value = parse(text)
        except (ValueError, LookupError, OverflowError):
            value = None
    if value is None:
        suggestions = suggest(text) if suggest is not None and len(text) <= URL_TEXT_LIMIT and text.strip() else ()
        drop_from_url(name, text, lang, suggestions)
    return value


def suggest_options(options: Sequence[T], format_func: Callable[[T], str] = str) -> Suggest:
    """Suggestions among ``options`` for a misspelt value, or for each misspelt part of ``a,b,c``: the options
    whose text or shown name is closest, as ``format_func`` shows them."""
    def suggest(text: str) -> list[str]:       # called only when a value is dropped: nothing is done per rerun
        pairs = [(str(option), option) for option in options] + [(format_func(option), option) for option in options]
        known = {str(option) for option in options}
        found = [option for part in text.split(",") if part not in known for option in closest(part, pairs)]
        return list(dict.fromkeys(format_func(option) for option in found))
    return suggest


def one_of(options: Sequence[T]) -> Callable[[str], T | None]:
    """A parser: the option whose text is the value (options may be numbers: ``?year=2024``)."""
    by_text = {str(option): option for option in options}
    return by_text.get


def many_of(options: Sequence[T], limit: int) -> Callable[[str], list[T] | None]:
    """A parser of ``a,b,c``: every part one of ``options``, repeats left out, at most ``limit`` parts."""
    by_text = {str(option): option for option in options}

    def parse(text: str) -> list[T] | None:
        parts = list(dict.fromkeys(text.split(",")))
        if len(parts) > limit or any(part not in by_text for part in parts):
            return None
        return [by_text[part] for part in parts]
    return parse


def int_in(allowed: Sequence[int]) -> Callable[[str], int | None]:
    """A parser of an integer among ``allowed``, in ASCII digits only (``²`` or ``①`` pass ``str.isdigit`` but
    are no numbers; ``1e309`` and ``NaN`` are not integers)."""
    allowed = set(allowed)
    return lambda text: int(text) if ASCII_INT.fullmatch(text) and int(text) in allowed else None


def span_in(low: int, high: int) -> Callable[[str], tuple[int, int] | None]:
    """A parser of a span of years ``2021-2025`` within ``low``–``high``."""
    def parse(text: str) -> tuple[int, int] | None:
        found = YEAR_SPAN.fullmatch(text)
        first, last = (int(found[1]), int(found[2])) if found else (0, -1)
        return (first, last) if low <= first <= last <= high else None
    return parse


def day_in(low: date, high: date) -> Callable[[str], date | None]:
    """A parser of an ISO day ``2026-06-30`` within ``low``–``high``."""
    def parse(text: str) -> date | None:
        day = date.fromisoformat(text) if ISO_DAY.fullmatch(text) else None
        return day if day is not None and low <= day <= high else None
    return parse


def year_span_from_url(name: str, low: int, high: int, lang: str) -> tuple[int, int]:
    """A span of years ``2021-2025`` from the URL within ``low``–``high``; anything else is dropped (the whole
    span)."""
    return url_value(name, span_in(low, high), lang) or (low, high)


def remember(name: str, value: Any, default: Any = None) -> None:
    """Keep a filter in the URL so a link reproduces the view; defaults are left out."""
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else ("" if value is None else str(value))
    default_text = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else (
        "" if default is None else str(default))
    if text == default_text or text == "":
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != text:
        st.query_params[name] = text


def url_choice(name: str, options: Sequence[Any], default: Any, widget_label: str, *,
               format_func: Callable[[Any], str] = str, key: str | None = None, where: Any = None,
               placeholder: str | None = None) -> Any:
    """A select box whose choice is kept in the URL (``?name=…``): the URL's value when it is one of ``options``,
    else ``default`` (a misspelt value is dropped with the closest options suggested); the choice is written back
    (left out when it is the default). The placeholder is "Choose…" in the page's language unless given."""
    options = list(options)
    found = url_value(name, one_of(options), suggest=suggest_options(options, format_func))
    chosen_default = default if found is None else found
    chosen = (where or st).selectbox(widget_label, options, index=options.index(chosen_default),
                                     format_func=format_func, key=key or name,
                                     placeholder=placeholder or label("choose", url_language()))
    remember(name, chosen, default)
    return chosen


def url_choices(name: str, options: Sequence[Any], default: Sequence[Any], widget_label: str, *,
                format_func: Callable[[Any], str] = str, key: str | None = None, where: Any = None,
                seed: bool = False, **widget: Any) -> list[Any]:
    """A multiselect whose choices are kept in the URL as ``?name=a,b``: the URL's values when every one is among
    ``options`` and there are at most ``max_selections`` of them (else ``default``, the misspelt ones' closest
    options suggested). With ``seed`` the widget's state is set from the URL once, so that buttons may change it
    later (``st.session_state[key] = …``). The placeholder is "Choose one or more…" in the page's language unless
    given."""
    key = key or name
    options = list(options)
    widget.setdefault("placeholder", label("choose_many", url_language()))
    wanted = url_value(name, many_of(options, widget.get("max_selections") or len(options)),
                       suggest=suggest_options(options, format_func)) or list(default)
    if seed:
        if key not in st.session_state:
            st.session_state[key] = wanted
        chosen = (where or st).multiselect(widget_label, list(options), format_func=format_func, key=key, **widget)
    else:
        chosen = (where or st).multiselect(widget_label, list(options), default=wanted, format_func=format_func,
                                           key=key, **widget)
    remember(name, chosen, list(default))
    return chosen
