"""The reference data: the reviewed files of ``data/`` (the indicator catalogue, provinces, plans with their
targets and tasks, units) loaded and checked (``loader``), the shipped actual files (``actual_files``), and the
source adapters that write those files from public data (``sources``). It reads files
and hands frames to the services above; it never opens the database."""
