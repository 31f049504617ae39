"""The DuckDB backend of the storage seam (the default: one embedded file): its
:class:`~indicators.storage.duck.backend.DuckBackend` and what a DuckDB file is outside the store (checks,
restores, its lock)."""
