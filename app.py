"""Router of the dashboard: ``streamlit run app.py``. Pages live in pages/ (listed in indicators.web.ui.PAGES);
titles follow ?lang=."""

import streamlit as st

from indicators.web.ui import navigation

st.set_page_config(page_title="CCHC – mục tiêu và kết quả", page_icon=":material/dashboard:", layout="wide")
navigation("en" if st.query_params.get("lang") == "en" else "vi").run()
