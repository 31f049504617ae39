"""Streamlit helpers shared by the pages: the cached data, the URL state, the language switch,
the province picker and the download buttons. Pages lay out widgets; the work is in views.py."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .database import DatabaseUnusable, Store, default_db_path, open_writable, vietnamese_order
from .auth import User, sign_in_to_read
from .exporting import safe_frame, to_csv
from .i18n import LANGUAGES, label
from .plain import md
from .reference import DATA_DIR
from .registry import ProvinceKey
from .views import Dataset, judged_targets, key_text, parse_key_text, province_label

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
         ("pages/data.py", "page_data", ":material/database:", "data"),
         ("pages/imports.py", "page_import", ":material/upload_file:", "imports")]
ROUTED = "_routed_by_app"
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
COUNTRY = "VN"


@st.cache_resource
def get_store() -> Store:
    """The server's single read-write connection (built from data/ first if the file is new). DuckDB lets one
    process write a file; every query and every import runs on a cursor of its own (``Store.cursor``)."""
    return open_writable(default_db_path())


def refresh_after_write() -> None:
    """Drop every cached table and view after an import, an undo or a lock: the server is the only process
    that can write the database (it holds DuckDB's write lock), so clearing its caches is enough."""
    for cached in (get_dataset, cached_table, cached_counts, view, cached_judged, _sorted_keys):
        cached.clear()


@st.cache_resource
def get_dataset() -> Dataset:
    """Every table the pages read, loaded once per server process (the data changes only on build)."""
    dataset = Dataset.load(get_store())
    dataset.registry  # noqa: B018 - build the lookup tables once
    return dataset


@st.cache_data(ttl=60)
def cached_table(name: str) -> pd.DataFrame:
    """One of the store's read methods, by name, cached for a minute."""
    return getattr(get_store(), name)()


@st.cache_data(ttl=60)
def cached_counts() -> dict[str, int]:
    return get_store().table_counts()


@st.cache_resource
def boundaries() -> dict[str, Any]:
    return json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))


@st.cache_data(max_entries=1024)
def view(name: str, *args: Any) -> Any:
    """A function of views.py applied to the dataset, cached on its (hashable) arguments: a filter
    the user has chosen before costs nothing the second time."""
    from . import views

    return getattr(views, name)(get_dataset(), *args)


@st.cache_data(max_entries=256)
def cached_judged(keys: tuple[ProvinceKey, ...] | None, year: int) -> pd.DataFrame:
    return judged_targets(get_dataset(), None if keys is None else list(keys), year)


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
    current = st.query_params.get("lang", "vi")
    current = current if current in LANGUAGES else "vi"
    chosen = st.sidebar.radio(label("language", current), LANGUAGES, index=LANGUAGES.index(current),
                              format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
                              horizontal=True, key="lang")
    remember("lang", chosen, "vi")
    try:
        get_store()
    except DatabaseUnusable as unusable:  # a damaged file: say what to do, to every viewer, once per rerun
        st.error(md(unusable.vi if chosen == "vi" else unusable.en))
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
    import hashlib

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
    from .auth import current

    user = st.session_state.get(USER)
    if user is None:
        return None
    if st.session_state.get(BOUND) != browser_token():
        _sign_out("signed_out_other_browser")
        return None
    with get_store().cursor() as cur:
        now = current(cur, user)
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
    """A sign-in form (in ``where``, default the page). Failures are throttled per account in the database
    (``auth.authenticate``), whatever session, process or command they come from, and every attempt is
    recorded."""
    from .auth import SignInRefused, authenticate

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
        with get_store().cursor() as cur:
            user = authenticate(cur, name, password, channel="web")
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


def data_table(frame: pd.DataFrame, **options: Any) -> None:
    """``st.dataframe`` of ``frame`` with every text cell formula-escaped: the table's own toolbar writes
    "Download as CSV" in the browser, so the escaping has to be in what the table holds."""
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    st.dataframe(safe_frame(frame), **options)


def notice(key: str, lang: str, **values: Any) -> None:
    """A notice whose values came from data or from the URL (escaped: plain text)."""
    st.warning(label(key, lang, **{k: md(v) for k, v in values.items()}))


def int_from_url(name: str, allowed: Sequence[int], default: int, lang: str) -> int:
    """An integer from the URL if it is one of ``allowed`` (ASCII digits only: ``²`` or ``①`` pass
    ``str.isdigit`` but are no numbers); anything else falls back to ``default`` with a notice."""
    text = from_url(name)
    if text is None:
        return default
    if ASCII_INT.fullmatch(text) and int(text) in allowed:
        return int(text)
    notice("bad_url_value", lang, name=name, value=text[:40])
    return default


ASCII_INT = re.compile(r"-?[0-9]{1,9}")
YEAR_SPAN = re.compile(r"([0-9]{4})-([0-9]{4})")


def year_span_from_url(name: str, low: int, high: int, lang: str) -> tuple[int, int]:
    """A span of years ``2021-2025`` from the URL, clipped to ``low``–``high``; anything else falls back to the
    whole span with a notice."""
    text = from_url(name)
    if text is None:
        return low, high
    found = YEAR_SPAN.fullmatch(text)
    if not found or int(found[1]) > int(found[2]):
        notice("bad_url_value", lang, name=name, value=text[:40])
        return low, high
    first, last = int(found[1]), int(found[2])
    return max(low, min(first, high)), max(low, min(last, high))


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


def from_url(name: str, default: str | None = None) -> str | None:
    return st.query_params.get(name, default)


def province_options(ds: Dataset, include_country: bool = False) -> list[str]:
    """Key texts of every province: the 34 current ones first, then the 63 (and Hà Tây), each in
    Vietnamese alphabetical order."""
    return ([COUNTRY] if include_country else []) + _sorted_keys()


@st.cache_resource
def _sorted_keys() -> list[str]:
    ds = get_dataset()
    p = ds.provinces.copy()
    p["current"] = p.valid_to.isna()
    p["sort"] = p.name.map(vietnamese_order(p.name))
    p = p.sort_values(["current", "sort"], ascending=[False, True])
    return [key_text((r.code, r.valid_from.date())) for r in p.itertuples()]


def province_picker(ds: Dataset, lang: str, *, name: str = "province", default: str = "42@2025",
                    include_country: bool = False, key: str | None = None) -> str:
    options = province_options(ds, include_country)
    current = from_url(name, default)
    current = current if current in options else default
    chosen = st.selectbox(label("province", lang) if not include_country else label("scope", lang), options,
                          index=options.index(current), key=key or name,
                          format_func=lambda k: label("whole_country", lang) if k == COUNTRY
                          else province_label(ds, parse_key_text(ds, k), lang))
    remember(name, chosen, default)
    return chosen


def download(frame: pd.DataFrame, file_name: str, lang: str, key: str) -> None:
    """A CSV download of ``frame``: UTF-8 with BOM (Excel opens it right), formula cells escaped. The file is
    written when the button is clicked, not on every rerun (a page's series can be thousands of rows)."""
    st.download_button(label("download_csv", lang), lambda: to_csv(frame, bom=True).encode("utf-8"),
                       file_name=file_name, mime="text/csv", key=key, on_click="ignore")


def targets_table(judged: pd.DataFrame, lang: str, file_name: str, key: str) -> None:
    """The judged targets as one colour-coded table (status, province, indicator, requirement, deadline,
    latest figure, plan, a link to its chart, the plan's sentence) with its CSV download."""
    from .i18n import format_value

    name_col = "indicator_name_vi" if lang == "vi" else "indicator_name_en"
    links = [f"./profile?province={key_text((c, d.date()))}&indicator={i}" + ("&lang=en" if lang == "en" else "")
             for c, d, i in zip(judged.province_code, judged.province_valid_from, judged.indicator_code)]
    table = pd.DataFrame({
        "ID": judged.target_id,
        label("col_status", lang): [label(s, lang) for s in judged.status],
        label("province", lang): judged.province_name,
        label("indicator", lang): judged[name_col],
        label("col_requirement", lang): judged.requirement,
        label("col_deadline", lang): judged.deadline_period,
        label("col_actual", lang): [format_value(v, u, lang) for v, u in zip(judged.actual, judged.unit)],
        label("col_period_judged", lang): judged.period.fillna("—"),
        label("col_plan", lang): judged.plan_number,
        label("col_chart", lang): links,
        label("col_quote", lang): judged.source_quote,
    })
    data_table(status_tags(table, lang), column_config={
        **status_column(lang),
        label("col_chart", lang): st.column_config.LinkColumn(display_text=label("open_chart", lang))})
    download(table, file_name, lang, key=key)


def status_tags(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with its status column as one-tag lists, for :func:`status_column`."""
    column = label("col_status", lang)
    return table.assign(**{column: [[text] for text in table[column]]})


def status_column(lang: str) -> dict[str, Any]:
    """The status column as a coloured tag in the charts' colours (a read-only ``MultiselectColumn``).
    A pandas Styler would colour the cell but renders every cell on the server (0.2 s for 60 targets);
    emoji marks would need a colour-emoji font."""
    from .charts import STATUS_COLOURS

    return {label("col_status", lang): st.column_config.MultiselectColumn(
        options=[label(s, lang) for s in STATUS_COLOURS], color=list(STATUS_COLOURS.values()), disabled=True)}


def plans_table(plans: pd.DataFrame, lang: str) -> None:
    """The plans: number, province, issue date, period, counts of targets and tasks, title."""
    from .i18n import format_date

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


def lazy_tabs(lang: str, codes: Sequence[str], name: str = "tab") -> tuple[str, Any]:
    """Tabs of which only the chosen one is computed and drawn (``st.tabs`` with ``on_change="rerun"``),
    kept in the URL by its code (``?tab=ranks``) so a link opens the same tab in either language.
    Returns the chosen code and its container."""
    codes = list(codes)
    current = from_url(name, codes[0])
    current = current if current in codes else codes[0]
    labels = [label(f"tab_{code}", lang) for code in codes]
    tabs = st.tabs(labels, default=labels[codes.index(current)], key=f"{name}_{lang}", on_change="rerun")
    chosen = next((code for code, tab in zip(codes, tabs) if tab.open), current)
    remember(name, chosen, codes[0])
    return chosen, tabs[codes.index(chosen)]


def year_picker(lang: str, years: Sequence[int], default: int, name: str = "year", text_key: str = "year") -> int:
    years = list(years)
    chosen_default = int_from_url(name, years, default, lang)
    chosen = st.selectbox(label(text_key, lang), years, index=years.index(chosen_default), key=name)
    remember(name, chosen, default)
    return int(chosen)
