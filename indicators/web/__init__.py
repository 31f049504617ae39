"""The Streamlit helpers the pages share: the menu and widgets remembered in the URL (``ui``), the task-progress
parts (``task_ui``), and the caches keyed on the data version and the server's one connection (``cache``)."""
