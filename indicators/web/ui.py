"""Streamlit helpers shared by the pages: the cached data, the URL state, the language switch,
the province picker and the download buttons. Pages lay out widgets; the work is in views.py."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Callable, Collection, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.domain.plain import md
from indicators.domain.scorecard import deadline_words
from indicators.domain.suggest import closest, province_names
from indicators.i18n import LANGUAGES, N_, format_date, format_value, in_language, label
from indicators.i18n import column as text_column
from indicators.reference.loader import DATA_DIR
from indicators.services.auth import sign_in_to_read
from indicators.services.charts import STATUS_COLOURS
from indicators.services.exporting import on_screen, to_csv
from indicators.services.views import Dataset, key_text, parse_key_text, province_label
from indicators.storage import DatabaseUnusable
from indicators.web.areas import area_texts
from indicators.web.cache import get_store as get_store
from indicators.web.cache import kept, sorted_keys, start_rerun
from indicators.web.memory import keep, remembered
from indicators.web.signin import BOUND as BOUND
from indicators.web.signin import USER as USER
from indicators.web.signin import admin_in_this_browser, current_user, sign_in_form
from indicators.web.signin import token_digest as token_digest
from indicators.web.signin import user_box as user_box
from indicators.web.style import chart_height, page_style
from indicators.web.urls import day_in, int_in, one_of, remember, suggest_options, url_value

# The pages, in menu order: file, title label, icon, URL path (None: the default page, "/"). The URL path is the
# file's stem: a link opened first after the server starts is served by Streamlit's file-based router, which
# knows pages by file name (another path would show "Page not found" over the page).
# Icons are Streamlit's bundled Material Symbols (a web font shipped with Streamlit): emoji would show as empty
# boxes where no colour-emoji font is installed (Debian's default).
PAGES = [("pages/overview.py", N_("page_overview"), ":material/dashboard:", None),
         ("pages/profile.py", N_("page_profile"), ":material/show_chart:", "profile"),
         ("pages/compare.py", N_("page_compare"), ":material/compare_arrows:", "compare"),
         ("pages/rankings.py", N_("page_rankings"), ":material/leaderboard:", "rankings"),
         ("pages/plans.py", N_("page_plans"), ":material/checklist:", "plans"),
         ("pages/units.py", N_("page_units"), ":material/account_tree:", "units"),
         ("pages/reports.py", N_("page_reports"), ":material/summarize:", "reports"),
         ("pages/data.py", N_("page_data"), ":material/database:", "data"),
         ("pages/imports.py", N_("page_import"), ":material/upload_file:", "imports")]
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
    chosen = page_style(current).radio(label("language", current), LANGUAGES, index=LANGUAGES.index(current),
                                       format_func=lambda code: label("language_name", code),
                                       horizontal=True, key="lang")
    remember("lang", chosen, "vi")
    try:
        start_rerun()  # the data version every cache of this rerun is keyed on
    except DatabaseUnusable as unusable:  # once per rerun, never a traceback
        # The store's message names the database (a file's path; a server's hosts, port and database, never its
        # user or password) and the cause: only an administrator signed in in this browser, as last read, sees
        # it; every other visitor reads only that the database is unavailable.
        if admin_in_this_browser():
            st.error(md(unusable.in_language(chosen)))
        else:
            st.error(label("database_unavailable", chosen))
        st.stop()
    if sign_in_to_read() and current_user() is None:  # the account re-read from the database, as every rerun
        st.info(label("needs_sign_in_to_read", chosen))
        sign_in_form(chosen)
        st.stop()
    return chosen


def data_table(frame: pd.DataFrame, *, file_name: str | None = None, lang: str = "vi", key: str | None = None,
               screen: pd.DataFrame | None = None, **options: Any) -> None:
    """``st.dataframe`` of ``frame``, its text exactly as stored (control characters as visible marks; ``screen``:
    ``on_screen(frame)`` already made, as :func:`kept` keeps it); with ``file_name``, the app's own CSV download of
    it below (formula cells escaped, see :func:`download`). The table's built-in CSV download and copy are off
    (``client.disableDataExport`` in .streamlit/config.toml): they would write the cells unescaped."""
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    st.dataframe(on_screen(frame) if screen is None else screen, **options)
    if file_name:
        download(frame, file_name, lang, key=key or f"download_{file_name}")


def province_options(ds: Dataset, include_country: bool = False) -> list[str]:
    """Key texts of every province: the 34 current ones first, then the 63 (and Hà Tây), each in
    Vietnamese alphabetical order."""
    return ([COUNTRY] if include_country else []) + sorted_keys()


def province_picker(ds: Dataset, lang: str, *, name: str = "province", default: str = "42@2025",
                    include_country: bool = False, key: str | None = None) -> str:
    options = province_options(ds, include_country)

    def shown(k: str) -> str:
        return label("whole_country", lang) if k == COUNTRY else province_label(ds, parse_key_text(ds, k), lang)

    # the URL's province (a misspelt one dropped, the closest suggested), else the one chosen last in this visit
    # or by this browser (memory.py), else the default
    linked = url_value(name, one_of(options), lang, suggest=lambda text: _provinces_near(ds, text, options, shown))
    current = linked or (remembered(options) if name == "province" else None) or default
    chosen = st.selectbox(label("province", lang) if not include_country else label("scope", lang), options,
                          index=options.index(current), key=key or name, format_func=shown,
                          placeholder=label("choose", lang))
    remember(name, chosen, default)
    if name == "province" and (linked is not None or chosen != current):    # a choice: a link's or the reader's
        keep(chosen)
    return chosen


def _provinces_near(ds: Dataset, text: str, options: Sequence[str], shown: Callable[[str], str]) -> list[str]:
    """The provinces among ``options`` whose names, aliases or URL keys are closest to ``text``, as the picker
    shows them (both eras of a name kept across the 2025 merger)."""
    pairs = province_names(ds.provinces, ds.aliases)
    pairs += [(key_text(era), era) for _, era in pairs]
    near = [key_text(era) for era in closest(text, pairs, limit=6)]
    return list(dict.fromkeys(shown(k) for k in near if k in options))[:3]


def download(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, lang: str, key: str) -> None:
    """A CSV download of ``frame``: UTF-8 with BOM (Excel opens it right), formula cells escaped. The file is
    written when the button is clicked, not on every rerun (a page's series can be thousands of rows); ``frame``
    may be the function that reads it, then read only then too (the trail of changes is millions of rows at
    national scale)."""
    st.download_button(label("download_csv", lang),
                       lambda: to_csv(frame() if callable(frame) else frame, bom=True).encode("utf-8"),
                       file_name=file_name, mime="text/csv", key=key, on_click="ignore")


def targets_table(judged: pd.DataFrame, lang: str, file_name: str, key: str, kept_as: tuple | None = None) -> None:
    """The judged targets as one colour-coded table (status, province, indicator, reform area, requirement, deadline,
    latest figure, plan, a link to its chart, the plan's sentence) with its CSV download. ``kept_as``: the page's
    choices that decide ``judged``; the table is then built once per data version and choices (:func:`kept`)."""
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        table = _targets_rows(judged, lang)
        return on_screen(status_tags(table, lang)), table

    screen, table = build() if kept_as is None else kept(("targets_table", lang, *kept_as), build)
    data_table(table, screen=screen, column_config={
        **status_column(lang),
        label("col_chart", lang): st.column_config.LinkColumn(display_text=label("open_chart", lang))})
    download(table, file_name, lang, key=key)


def _targets_rows(judged: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows of :func:`targets_table`, as downloaded."""
    links = [f"./profile?province={key_text((c, d.date()))}&indicator={i}" + ("" if lang == "vi" else f"&lang={lang}")
             for c, d, i in zip(judged.province_code, judged.province_valid_from, judged.indicator_code)]
    table = pd.DataFrame({
        "ID": judged.target_id,
        label("col_status", lang): [label(s, lang) for s in judged.status],
        label("province", lang): judged.province_name,
        label("indicator", lang): in_language(judged, "indicator_name", lang),
        label("col_reform_area", lang): area_texts(judged, lang),
        label("col_requirement", lang): in_language(judged, "requirement", lang),
        label("col_deadline", lang): [deadline_words(r, lang) for r in judged.to_dict("records")],
        label("col_actual", lang): [format_value(v, u, lang) for v, u in zip(judged.actual, judged.unit)],
        label("col_period_judged", lang): _judged_period(judged, lang),
        label("col_plan", lang): judged.plan_number,
        label("col_chart", lang): links,
        label("col_quote", lang): judged.source_quote,
    })
    return table


def _judged_period(judged: pd.DataFrame, lang: str) -> list[str]:
    """The period judged, and whose figure it was when a successor province or a replacing indicator reported
    it ("2025 · số liệu của Tây Ninh (từ 01/07/2025)")."""
    def column(base: str) -> pd.Series:
        name = text_column(base, lang)
        return judged[name] if name in judged else pd.Series([None] * len(judged), index=judged.index)

    texts = []
    for period, province, indicator in zip(judged.period, column("judged_on"), column("judged_indicator")):
        text = period if isinstance(period, str) else "—"
        if isinstance(province, str):
            text += " · " + label("judged_on", lang, name=province)
        if isinstance(indicator, str):
            text += " · " + label("judged_indicator", lang, name=indicator)
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


def chart(figure: go.Figure | Callable[[], go.Figure], key: str, kept_as: tuple | None = None) -> None:
    """A Plotly chart across the page. ``figure`` may be the function that builds it; with ``kept_as`` (the page's
    choices that decide it) it is then built once per data version and choices (:func:`kept`; Streamlit copies a
    figure to send it and never changes it)."""
    if callable(figure):
        figure = figure() if kept_as is None else kept(("chart", key, *kept_as), figure)
    st.plotly_chart(figure, config=PLOTLY_CONFIG, key=key, width="stretch", height=chart_height(figure))


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


# the tabs' titles, label(f"tab_{code}") for the codes the pages pass to lazy_tabs (marked for extraction)
TAB_KEYS = (N_("tab_trend"), N_("tab_papi"), N_("tab_targets"), N_("tab_multiples"), N_("tab_ranks"), N_("tab_gaps"),
            N_("tab_bars"), N_("tab_map"), N_("tab_table"), N_("tab_unit"), N_("tab_departments"),
            N_("tab_communes"), N_("tab_upload"), N_("tab_batches"), N_("tab_templates"), N_("tab_locks"),
            N_("tab_users"), N_("tab_backup"))


def lazy_tabs(lang: str, codes: Sequence[str], name: str = "tab") -> tuple[str, Any]:
    """Tabs of which only the chosen one is computed and drawn (``st.tabs`` with ``on_change="rerun"``),
    kept in the URL by its code (``?tab=ranks``) so a link opens the same tab in either language.
    Returns the chosen code and its container."""
    codes = list(codes)
    labels = [label(f"tab_{code}", lang) for code in codes]
    current = url_value(name, one_of(codes), lang, suggest=suggest_options(codes, dict(zip(codes, labels)).get)) \
        or codes[0]
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
                          format_func=lambda y: _year_shown(y, y in marked, lang), placeholder=label("choose", lang))
    remember(name, chosen, default)
    return int(chosen)


def _year_shown(year: int, without_figures: bool, lang: str) -> str:
    return f"{year} (" + label("year_no_figures", lang) + ")" if without_figures else str(year)
