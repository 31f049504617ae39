"""What pages and the command line call: the views (the frames behind every card, table and chart, over a
:class:`~indicators.services.views.Dataset`), the indices across the merger, units and tasks, sign-in and roles
(``auth``), the figures' Plotly charts, the exports (``exporting``: CSV and what a table shows on screen) and the
import templates (``templates``)."""
