"""Streamlit helpers shared by the pages: the cached data, the URL state, the language switch,
the province picker and the download buttons. Pages lay out widgets; the work is in views.py."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any, Callable, Collection, Sequence, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.domain.plain import md
from indicators.domain.scorecard import deadline_words
from indicators.i18n import LANGUAGES, format_date, format_value, in_language, label
from indicators.reference.loader import DATA_DIR
from indicators.services.auth import SignInRefused, User, authenticate, current, sign_in_to_read
from indicators.services.charts import STATUS_COLOURS
from indicators.services.exporting import on_screen, to_csv
from indicators.services.views import Dataset, key_text, parse_key_text, province_label
from indicators.storage import DatabaseUnusable
from indicators.web.cache import get_store, sorted_keys, start_rerun

# The pages, in menu order: file, title label, icon, URL path (None: the default page, "/"). The URL path is the
# file's stem: a link opened first after the server starts is served by Streamlit's file-based router, which
# knows pages by file name (another path would show "Page not found" over the page).
# Icons are Streamlit's bundled Material Symbols (a web font shipped with Streamlit): emoji would show as empty
# boxes where no colour-emoji font is installed (Debian's default).
PAGES = [("pages/overview.py", "page_overview", ":material/dashboard:", None),
         ("pages/profile.py", "page_profile", ":material/show_chart:", "profile"),
         ("pages/compare.py", "page_compare", ":material/compare_arrows:", "compare"),
         ("pages/rankings.py", "page_rankings", ":material/leaderboard:", "rankings"),
         ("pages/plans.py", "page_plans", ":material/checklist:", "plans"),
         ("pages/units.py", "page_units", ":material/account_tree:", "units"),
         ("pages/reports.py", "page_reports", ":material/summarize:", "reports"),
         ("pages/data.py", "page_data", ":material/database:", "data"),
         ("pages/imports.py", "page_import", ":material/upload_file:", "imports")]
ROUTED = "_routed_by_app"
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
COUNTRY = "VN"


@st.cache_resource
def boundaries() -> dict[str, Any]:
    return json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))


def after_write() -> None:
    """Re-read the data version after an import, an undo or a lock, so that the rest of this run shows what was
    just written (every other session sees it on its next rerun: the caches are keyed on the version)."""
    start_rerun()


def navigation(lang: str) -> Any:
    """The menu of the dashboard (``st.navigation``), titles in ``lang``; app.py runs the chosen page."""
    st.session_state[ROUTED] = True
    return st.navigation([st.Page(path, title=label(title, lang), icon=icon, default=url is None,
                                  **({"url_path": url} if url else {})) for path, title, icon, url in PAGES])


def language() -> str:
    """The language chosen in the sidebar, kept in the URL (``?lang=en``). Every page calls this first.

    A page reached without app.py is rerun through it: until some session of the server process has called
    ``st.navigation``, Streamlit serves an app with a ``pages/`` folder as an old-style multipage app, so a
    link to ``/profile`` opened first after a restart would run the page alone, with a menu of file names.
    """
    if not st.session_state.get(ROUTED):
        navigation("vi")  # switches the process to app.py's menu
        st.rerun()
    current = url_value("lang", one_of(LANGUAGES), "vi") or "vi"
    chosen = st.sidebar.radio(label("language", current), LANGUAGES, index=LANGUAGES.index(current),
                              format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
                              horizontal=True, key="lang")
    remember("lang", chosen, "vi")
    try:
        start_rerun()  # the data version every cache of this rerun is keyed on
    except DatabaseUnusable as unusable:  # once per rerun, never a traceback
        # The store's message names the database (a file's path; a server's hosts, port and database, never its
        # user or password) and the cause: only an administrator signed in in this browser, as last read, sees
        # it; every other visitor reads only that the database is unavailable.
        user = st.session_state.get(USER)
        if isinstance(user, User) and user.can("admin") and st.session_state.get(BOUND) == browser_token():
            st.error(md(unusable.vi if chosen == "vi" else unusable.en))
        else:
            st.error({"vi": "Cơ sở dữ liệu tạm thời không sử dụng được. Vui lòng thử lại sau.",
                      "en": "The database is unavailable at the moment. Please try again later."}[chosen])
        st.stop()
    if sign_in_to_read() and current_user() is None:  # the account re-read from the database, as every rerun
        st.info(label("needs_sign_in_to_read", chosen))
        sign_in_form(chosen)
        st.stop()
    return chosen


USER = "_user"
BOUND = "_user_bound_to"
NOTICE = "_sign_in_notice"
XSRF_COOKIE = "_streamlit_xsrf"


def browser_token() -> str | None:
    """A digest of the secret only this browser holds: the token of Streamlit's XSRF cookie (sent with the
    websocket of every connection, never in a URL). The cookie's text is masked afresh on every page load
    (``2|mask|masked token|time``), so the token itself is unmasked before it is digested."""
    raw = st.context.cookies.get(XSRF_COOKIE)
    return token_digest(raw) if isinstance(raw, str) and raw else None


def token_digest(raw: str) -> str:
    """The SHA-256 of the token inside an XSRF cookie's text, whatever mask it was written with."""
    parts = raw.strip("\"'").split("|")
    try:
        if parts[0] == "2" and len(parts) >= 3:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            token = bytes(m ^ t for m, t in zip(mask * (len(masked) // max(1, len(mask)) + 1), masked))
        else:
            token = raw.encode("utf-8")
    except ValueError:
        token = raw.encode("utf-8")
    return hashlib.sha256(token).hexdigest()


def current_user() -> User | None:
    """The user signed in in this browser session, as the database holds the account now.

    Checked on every rerun: a session whose sign-in was made in another browser (a second connection that
    named this session's id, which appears in upload URLs) is signed out, and so is an account that was
    disabled or removed meanwhile; a changed role takes effect at once."""
    user = st.session_state.get(USER)
    if user is None:
        return None
    if st.session_state.get(BOUND) != browser_token():
        _sign_out("signed_out_other_browser")
        return None
    now = current(get_store(), user)
    if now is None:
        _sign_out("signed_out_disabled")
        return None
    if now != user:
        st.session_state[USER] = now
    return now


def _sign_out(reason: str | None = None) -> None:
    st.session_state.pop(USER, None)
    st.session_state.pop(BOUND, None)
    if reason:
        st.session_state[NOTICE] = reason


def sign_in_form(lang: str, where: Any = None) -> User | None:
    """A sign-in form (in ``where``, default the page). Failures are throttled in the database per account and
    client address (``auth.authenticate``), whatever session, process or replica they come from, and every
    attempt is recorded. The address is the websocket's peer: behind the proxy, the address nginx passes in
    X-Forwarded-For (trusted from 127.0.0.1 only, uvicorn's default); None on localhost."""
    where = where or st
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(label(notice, lang))
    with where.form("sign_in", clear_on_submit=True):
        name = st.text_input(label("user_name", lang), key="sign_in_name")
        password = st.text_input(label("password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(label("sign_in", lang))
    if not submitted:
        return None
    try:
        user = authenticate(get_store(), name, password, channel="web", address=st.context.ip_address)
    except SignInRefused as refused:
        st.error(label("sign_in_wait", lang, seconds=refused.wait) if refused.wait else label("sign_in_failed", lang))
        return None
    st.session_state[USER] = user
    st.session_state[BOUND] = browser_token()
    st.rerun()


def user_box(lang: str) -> User | None:
    """Who is signed in, with a sign-out button, in the sidebar."""
    user = current_user()
    if user is not None:
        st.sidebar.markdown(label("signed_in_as", lang, name=md(user.display_name), role=user.role))
        if st.sidebar.button(label("sign_out", lang), key="sign_out"):
            _sign_out()
            st.rerun()
    return user


def data_table(frame: pd.DataFrame, *, file_name: str | None = None, lang: str = "vi", key: str | None = None,
               **options: Any) -> None:
    """``st.dataframe`` of ``frame``, its text exactly as stored (control characters as visible marks); with
    ``file_name``, the app's own CSV download of it below (formula cells escaped, see :func:`download`). The
    table's built-in CSV download and copy are off (``client.disableDataExport`` in .streamlit/config.toml):
    they would write the cells unescaped."""
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    st.dataframe(on_screen(frame), **options)
    if file_name:
        download(frame, file_name, lang, key=key or f"download_{file_name}")


# --- the URL's parameters ------------------------------------------------------------------------------------------
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
    return "en" if st.query_params.get("lang") == "en" else "vi"


def shown_text(text: str) -> str:
    """A value from the URL as a notice may repeat it: cut to SHOWN_LIMIT characters, as plain text (``md`` shows a
    right-to-left override or another control character as a visible mark, so none reverses the sentence)."""
    return md(text[:SHOWN_LIMIT] + ("…" if len(text) > SHOWN_LIMIT else ""))


def drop_from_url(name: str, text: str, lang: str | None = None) -> None:
    """Remove the parameter ``name`` from the URL and say so; an empty value is removed without a word."""
    if name in st.query_params:
        del st.query_params[name]
    if text.strip():
        st.warning(label("bad_url_value", lang or url_language(), name=md(name), value=shown_text(text)))


def url_value(name: str, parse: Callable[[str], T | None], lang: str | None = None) -> T | None:
    """The parameter ``name`` parsed by ``parse`` (which returns None, or raises ValueError, for a value the page
    does not support); None when it is absent or was dropped (see drop_from_url)."""
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
        drop_from_url(name, text, lang)
    return value


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
               format_func: Callable[[Any], str] = str, key: str | None = None, where: Any = None) -> Any:
    """A select box whose choice is kept in the URL (``?name=…``): the URL's value when it is one of ``options``,
    else ``default``; the choice is written back (left out when it is the default)."""
    options = list(options)
    found = url_value(name, one_of(options))
    chosen_default = default if found is None else found
    chosen = (where or st).selectbox(widget_label, options, index=options.index(chosen_default),
                                     format_func=format_func, key=key or name)
    remember(name, chosen, default)
    return chosen


def url_choices(name: str, options: Sequence[Any], default: Sequence[Any], widget_label: str, *,
                format_func: Callable[[Any], str] = str, key: str | None = None, where: Any = None,
                seed: bool = False, **widget: Any) -> list[Any]:
    """A multiselect whose choices are kept in the URL as ``?name=a,b``: the URL's values when every one is among
    ``options`` and there are at most ``max_selections`` of them (else ``default``). With ``seed`` the widget's
    state is set from the URL once, so that buttons may change it later (``st.session_state[key] = …``)."""
    key = key or name
    options = list(options)
    wanted = url_value(name, many_of(options, widget.get("max_selections") or len(options))) or list(default)
    if seed:
        if key not in st.session_state:
            st.session_state[key] = wanted
        chosen = (where or st).multiselect(widget_label, list(options), format_func=format_func, key=key, **widget)
    else:
        chosen = (where or st).multiselect(widget_label, list(options), default=wanted, format_func=format_func,
                                           key=key, **widget)
    remember(name, chosen, list(default))
    return chosen


def province_options(ds: Dataset, include_country: bool = False) -> list[str]:
    """Key texts of every province: the 34 current ones first, then the 63 (and Hà Tây), each in
    Vietnamese alphabetical order."""
    return ([COUNTRY] if include_country else []) + sorted_keys()


def province_picker(ds: Dataset, lang: str, *, name: str = "province", default: str = "42@2025",
                    include_country: bool = False, key: str | None = None) -> str:
    options = province_options(ds, include_country)
    current = url_value(name, one_of(options), lang) or default
    chosen = st.selectbox(label("province", lang) if not include_country else label("scope", lang), options,
                          index=options.index(current), key=key or name,
                          format_func=lambda k: label("whole_country", lang) if k == COUNTRY
                          else province_label(ds, parse_key_text(ds, k), lang))
    remember(name, chosen, default)
    return chosen


def download(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, lang: str, key: str) -> None:
    """A CSV download of ``frame``: UTF-8 with BOM (Excel opens it right), formula cells escaped. The file is
    written when the button is clicked, not on every rerun (a page's series can be thousands of rows); ``frame``
    may be the function that reads it, then read only then too (the trail of changes is millions of rows at
    national scale)."""
    st.download_button(label("download_csv", lang),
                       lambda: to_csv(frame() if callable(frame) else frame, bom=True).encode("utf-8"),
                       file_name=file_name, mime="text/csv", key=key, on_click="ignore")


def targets_table(judged: pd.DataFrame, lang: str, file_name: str, key: str) -> None:
    """The judged targets as one colour-coded table (status, province, indicator, requirement, deadline,
    latest figure, plan, a link to its chart, the plan's sentence) with its CSV download."""
    links = [f"./profile?province={key_text((c, d.date()))}&indicator={i}" + ("&lang=en" if lang == "en" else "")
             for c, d, i in zip(judged.province_code, judged.province_valid_from, judged.indicator_code)]
    table = pd.DataFrame({
        "ID": judged.target_id,
        label("col_status", lang): [label(s, lang) for s in judged.status],
        label("province", lang): judged.province_name,
        label("indicator", lang): in_language(judged, "indicator_name", lang),
        label("col_requirement", lang): judged[f"requirement_{'en' if lang == 'en' else 'vi'}"],
        label("col_deadline", lang): [deadline_words(r, lang) for r in judged.to_dict("records")],
        label("col_actual", lang): [format_value(v, u, lang) for v, u in zip(judged.actual, judged.unit)],
        label("col_period_judged", lang): _judged_period(judged, lang),
        label("col_plan", lang): judged.plan_number,
        label("col_chart", lang): links,
        label("col_quote", lang): judged.source_quote,
    })
    data_table(status_tags(table, lang), column_config={
        **status_column(lang),
        label("col_chart", lang): st.column_config.LinkColumn(display_text=label("open_chart", lang))})
    download(table, file_name, lang, key=key)


def _judged_period(judged: pd.DataFrame, lang: str) -> list[str]:
    """The period judged, and whose figure it was when a successor province or a replacing indicator reported
    it ("2025 · số liệu của Tây Ninh (từ 01/07/2025)")."""
    def column(base: str) -> pd.Series:
        name = f"{base}_{'en' if lang == 'en' else 'vi'}"
        return judged[name] if name in judged else pd.Series([None] * len(judged), index=judged.index)

    texts = []
    for period, province, indicator in zip(judged.period, column("judged_on"), column("judged_indicator")):
        text = period if isinstance(period, str) else "—"
        if isinstance(province, str):
            text += f" · {label('judged_on', lang, name=province)}"
        if isinstance(indicator, str):
            text += f" · {label('judged_indicator', lang, name=indicator)}"
        texts.append(text)
    return texts


def status_tags(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with its status column as one-tag lists, for :func:`status_column`."""
    column = label("col_status", lang)
    return table.assign(**{column: [[text] for text in table[column]]})


def status_column(lang: str) -> dict[str, Any]:
    """The status column as a coloured tag in the charts' colours (a read-only ``MultiselectColumn``).
    A pandas Styler would colour the cell but renders every cell on the server (slower: docs/benchmarks.md);
    emoji marks would need a colour-emoji font."""
    return {label("col_status", lang): st.column_config.MultiselectColumn(
        options=[label(s, lang) for s in STATUS_COLOURS], color=list(STATUS_COLOURS.values()), disabled=True)}


def plans_table(plans: pd.DataFrame, lang: str) -> None:
    """The plans: number, province, issue date, period, counts of targets and tasks, title."""
    data_table(pd.DataFrame({
        label("col_number", lang): plans.number,
        label("col_province", lang): plans.province_name,
        label("col_issued", lang): [format_date(d.date(), lang) for d in plans.issued_on],
        label("col_period", lang): plans.period_start + "–" + plans.period_end,
        label("targets", lang): plans.target_count,
        label("tasks", lang): plans.task_count,
        label("col_title", lang): plans.title,
    }))


def chart(figure: go.Figure, key: str) -> None:
    st.plotly_chart(figure, config=PLOTLY_CONFIG, key=key, width="stretch")


def this_year() -> int:
    return date.today().year


def plan_days(ds: Dataset) -> tuple[date, date]:
    """The days task progress can be counted on: 1 January of the plans' first year to 31 December of their last
    year, or of this year when that is later (today is the default day)."""
    years = pd.concat([ds.plans.period_start, ds.plans.period_end]).astype(str).str[:4]
    years = [int(y) for y in years if y.isdigit()] or [this_year()]
    return date(min(min(years), this_year()), 1, 1), date(max(max(years), this_year()), 12, 31)


def day_picker(lang: str, days: tuple[date, date], name: str = "as_of_day", where: Any = None) -> date:
    """A day within ``days`` kept in the URL (``?as_of_day=2026-06-30``; today when absent)."""
    default = url_value(name, day_in(*days), lang) or date.today()
    chosen = (where or st).date_input(label("as_of_day", lang), value=default, min_value=days[0], max_value=days[1],
                                      format="DD/MM/YYYY", key=name)
    remember(name, chosen.isoformat(), date.today().isoformat())
    return chosen


def lazy_tabs(lang: str, codes: Sequence[str], name: str = "tab") -> tuple[str, Any]:
    """Tabs of which only the chosen one is computed and drawn (``st.tabs`` with ``on_change="rerun"``),
    kept in the URL by its code (``?tab=ranks``) so a link opens the same tab in either language.
    Returns the chosen code and its container."""
    codes = list(codes)
    current = url_value(name, one_of(codes), lang) or codes[0]
    labels = [label(f"tab_{code}", lang) for code in codes]
    tabs = st.tabs(labels, default=labels[codes.index(current)], key=f"{name}_{lang}", on_change="rerun")
    chosen = next((code for code, tab in zip(codes, tabs) if tab.open), current)
    remember(name, chosen, codes[0])
    return chosen, tabs[codes.index(chosen)]


def year_picker(lang: str, years: Sequence[int], default: int, name: str = "year", text_key: str = "year",
                with_figures: Collection[int] | None = None) -> int:
    """A year from the URL or the list; with ``with_figures``, the years outside it are marked as having none."""
    years = list(years)
    found = url_value(name, int_in(years), lang)
    chosen_default = default if found is None else found
    marked = set(years) - set(with_figures) if with_figures is not None else set()
    chosen = st.selectbox(label(text_key, lang), years, index=years.index(chosen_default), key=name,
                          format_func=lambda y: f"{y} ({label('year_no_figures', lang)})" if y in marked else str(y))
    remember(name, chosen, default)
    return int(chosen)
