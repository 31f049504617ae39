"""The PostgreSQL backend (several app replicas on one shared store): its
:class:`~indicators.storage.pg.backend.PgBackend` (DuckDB's postgres extension, with what must run in PostgreSQL
itself pushed down), its schema and in-place migrations, dumps and restores, the app role's grants, and what a
URL may show of itself."""
