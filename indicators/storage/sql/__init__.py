"""The store written once for both backends: every read and write of the seam's aggregates
(:mod:`indicators.storage.base`), the schema's migrations and the refill of the reference tables, in SQL that
DuckDB runs (on its own file, or on PostgreSQL through the postgres extension). A
:class:`~indicators.storage.sql.store.SqlStore` takes its :class:`~indicators.storage.backend.Backend` by
composition; nothing here imports a backend."""
