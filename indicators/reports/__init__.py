"""The periodic report and the one-page brief: their content (``content``, computed once from the views),
their phrases, the charts drawn by one shared headless Chromium (``charts``, ``render_pool``), the Word file
(``word``), the PDF brief (``brief``), and the admission and cache of the files made (``files``)."""
