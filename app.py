"""Router of the dashboard: ``streamlit run app.py``. Pages live in pages/ (listed in indicators.web.ui.PAGES);
titles follow ?lang=."""

import streamlit as st

from indicators.i18n import label
from indicators.web.ui import navigation
from indicators.web.urls import url_language

lang = url_language()
st.set_page_config(page_title=label("browser_title", lang), page_icon=":material/dashboard:", layout="wide")
navigation(lang).run()
