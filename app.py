"""Router of the dashboard: ``streamlit run app.py``. Pages live in pages/."""

import streamlit as st

st.set_page_config(page_title="CCHC – mục tiêu và kết quả", page_icon="📊", layout="wide")

navigation = st.navigation([
    st.Page("pages/home.py", title="Dữ liệu hiện có / Database", icon="🗂️", default=True),
])
navigation.run()
