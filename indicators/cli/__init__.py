"""The command line (``python3 -m indicators``): building, importing, undoing, locking, backups and
restores (``main``), users (``users``), reports (``reports``), units and tasks (``units``), and migrating a
DuckDB file to PostgreSQL (``migrate``)."""
