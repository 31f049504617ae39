"""Router of the dashboard: ``streamlit run app.py``. Pages live in pages/; titles follow ?lang=."""

import streamlit as st

from indicators.i18n import label

st.set_page_config(page_title="CCHC – mục tiêu và kết quả", page_icon="📊", layout="wide")
lang = "en" if st.query_params.get("lang") == "en" else "vi"

navigation = st.navigation([
    st.Page("pages/overview.py", title=label("page_overview", lang), icon="📊", default=True),
    st.Page("pages/profile.py", title=label("page_profile", lang), icon="📈", url_path="profile"),
    st.Page("pages/compare.py", title=label("page_compare", lang), icon="⚖️", url_path="compare"),
    st.Page("pages/rankings.py", title=label("page_rankings", lang), icon="🏆", url_path="rankings"),
    st.Page("pages/plans.py", title=label("page_plans", lang), icon="📋", url_path="plans"),
    st.Page("pages/home.py", title=label("page_data", lang), icon="🗂️", url_path="data"),
])
navigation.run()
