"""The DuckDB backend of the storage seam (the default: one embedded file)."""
