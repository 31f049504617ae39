"""The province a reader chose, remembered: in the URL (urls.remember, so a link reproduces the view), for the rest
of the visit (the session's state, so the next page opens on it) and in the browser (a cookie, so tomorrow's
visit opens on it too). A province in the URL always wins; a remembered one is used only where it is one of the
page's choices. Nothing but a province key chosen from the page's own list is ever written into the cookie.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import unquote

import streamlit as st

COOKIE = "kpi_province"
KEPT = "_kpi_province"          # the session's state: the province chosen last on any page
YEAR = 365 * 24 * 3600          # how long the browser keeps it, in seconds


def remembered(options: Sequence[str]) -> str | None:
    """The province chosen last in this visit, else the one this browser chose last, if it is among ``options``."""
    for value in (st.session_state.get(KEPT), _cookie()):
        if isinstance(value, str) and value in options:
            return value
    return None


def keep(chosen: str) -> None:
    """Remember ``chosen`` (one of the page's own options) for the visit and in the browser."""
    st.session_state[KEPT] = chosen
    if _cookie() != chosen and st.session_state.get("_kpi_province_written") != chosen:
        st.session_state["_kpi_province_written"] = chosen
        value = json.dumps(chosen).replace("<", "\\u003c")   # a quoted script string that cannot end the script
        # an HTML string in st.iframe runs in a same-origin frame (as components.html did, which Streamlit retired):
        # the script writes the page's cookie; it holds nothing but the quoted key
        st.container(key="kpi_memory").iframe(f"<script>document.cookie = '{COOKIE}=' + encodeURIComponent({value}) + "
                                              f"'; path=/; max-age={YEAR}; SameSite=Lax';</script>", height=1)


def _cookie() -> str | None:
    """The browser's remembered province, as it was written (percent-encoded by the script above)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):     # outside a browser's session (AppTest, bare mode): no cookies
        return None
    return unquote(value) if isinstance(value, str) else None
