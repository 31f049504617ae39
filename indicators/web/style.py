"""The dashboard's look on a phone, a laptop and a projector, and the presentation view for meetings
(``?present=1``: larger type, no sidebar, one chart a screen). The CSS is constant text injected once per run by
:func:`page_style`, with two catalogue texts (the file uploader's, escaped as CSS strings); no text of the data or
of a reader ever enters it."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from indicators.i18n import LANGUAGES, label
from indicators.services.charts import FONT_SIZE
from indicators.web.urls import one_of, url_value

PRESENT = "present"     # the URL parameter of the presentation view, kept in the URL like ?lang=
PRESENT_FONT = 20       # px: the charts' base type in the presentation view (charts.FONT_SIZE otherwise)
STRIP = 200             # px: a chart at most this tall (the Overview's status strip) keeps its height when presenting
SCREEN = 900            # px: a chart taller than this (34 or 63 provinces' bars) keeps its own height, enlarged

# Every view. Card groups are containers keyed "cards_…" (Streamlit gives each the class st-key-<key>): below
# 640 px Streamlit stacks columns one per row; these wrap two to a row instead. A wide markdown table scrolls
# inside its own box (st.dataframe already does), so that the page itself never scrolls sideways. The frame that
# writes the remembered province's cookie (memory.py) takes no room.
BASE_CSS = """
@media (max-width: 640px) {
  [class*="st-key-cards_"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.5rem; }
  [class*="st-key-cards_"] [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 1rem) !important; min-width: calc(50% - 1rem) !important; max-width: calc(50% - 0.5rem);
  }
}
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
[data-testid="stMarkdownContainer"] { overflow-wrap: anywhere; }
[data-testid="stDataFrame"] { max-width: 100%; overflow-x: auto; }
.st-key-kpi_memory { position: absolute; width: 1px; height: 1px; overflow: hidden; }
"""

# The presentation view: no sidebar nor its toggle, type a quarter larger (Streamlit's sizes are in rem), the
# whole width, and each chart at least 85 % of the screen's height (the chart is drawn to fill it: chart_height).
PRESENT_CSS = """
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"],
[data-testid="stSidebarCollapsedControl"] { display: none !important; }
html { font-size: 20px !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 4rem 3rem 2rem !important; }
.stPlotlyChart { min-height: 85vh; }
"""


def css_string(text: str) -> str:
    """A catalogue text as a CSS string: letters, digits and spaces as they are, every other character as its CSS
    escape (``\\2c ``), so that no quote, backslash or ``<`` of a translation can end the string or the style."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def uploader_css(lang: str) -> str:
    """Streamlit's file uploader writes its button ("Upload") and its limit line ("10MB per file • CSV, XLSX") in
    English, with no option to change them (1.67): both are replaced by the chosen language's words (the label
    above each uploader names the file types)."""
    limit = label("upload_limit", lang, mb=st.get_option("server.maxUploadSize"))
    choose = label("upload_choose", lang)      # outside the f-string below, where extraction would not see it
    return f"""
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
  content: {css_string(choose)}; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: {css_string(limit)}; font-size: 0.875rem; }}
"""


def presenting() -> bool:
    """Whether this page is in the presentation view (``?present=1``)."""
    return url_value(PRESENT, one_of(["1"])) == "1"


def page_style(lang: str) -> Any:
    """The page's CSS, and where the language switch goes: the sidebar, under it the button into the presentation
    view; in the presentation view the top of the page, beside the button out of it (the sidebar is hidden)."""
    present = presenting()
    # the switch's own state is this rerun's language already when a click on it started the rerun; ``lang``, the
    # URL's, follows one rerun later
    lang = st.session_state.get("lang") if st.session_state.get("lang") in LANGUAGES else lang
    st.html(f"<style>{BASE_CSS}{uploader_css(lang)}{PRESENT_CSS if present else ''}</style>")
    if present:
        switch, leave = st.columns([3, 1], vertical_alignment="center")
        leave.button(label("present_leave", lang), key="present_leave", on_click=_leave,
                     icon=":material/close_fullscreen:")
        return switch
    switch = st.sidebar.container()
    st.sidebar.button(label("present_enter", lang), key="present_enter", on_click=_enter,
                      icon=":material/slideshow:", help=label("present_help", lang))
    return switch


def chart_height(figure: go.Figure) -> str | int:
    """The height ``st.plotly_chart`` draws ``figure`` at: its own ("content"); in the presentation view its type
    enlarged, and "stretch" (the 85 %-of-the-screen box of PRESENT_CSS), unless it is a strip (kept as it is) or
    taller than a screen already (kept, enlarged like its type)."""
    if not presenting():
        return "content"
    own = figure.layout.height or 450
    figure.update_layout(font={"size": PRESENT_FONT})
    if own <= STRIP:
        return "content"
    if own > SCREEN:
        figure.update_layout(height=int(own * PRESENT_FONT / FONT_SIZE))
        return "content"
    return "stretch"


def _enter() -> None:
    st.query_params[PRESENT] = "1"


def _leave() -> None:
    if PRESENT in st.query_params:
        del st.query_params[PRESENT]
