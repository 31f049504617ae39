"""Streamlit helpers shared by the pages: the cached store and the language switch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .database import Store, default_db_path, open_read_only
from .i18n import LANGUAGES, label


@st.cache_resource
def get_store() -> Store:
    """The read-only store of this server process, built from data/ first if the file is new."""
    return open_read_only(default_db_path())


@st.cache_data(ttl=60)
def cached_table(name: str) -> pd.DataFrame:
    """One of the store's read methods, by name, cached for a minute."""
    return getattr(get_store(), name)()


@st.cache_data(ttl=60)
def cached_counts() -> dict[str, int]:
    return get_store().table_counts()


def language() -> str:
    """The language chosen in the sidebar, kept in the URL (``?lang=en``)."""
    current = st.query_params.get("lang", "vi")
    current = current if current in LANGUAGES else "vi"
    chosen = st.sidebar.radio(label("language", current), LANGUAGES, index=LANGUAGES.index(current),
                              format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
                              horizontal=True, key="lang")
    if chosen != "vi":
        st.query_params["lang"] = chosen
    elif "lang" in st.query_params:
        del st.query_params["lang"]
    return chosen
