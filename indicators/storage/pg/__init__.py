"""The PostgreSQL backend (several app replicas on one shared store): the DuckDB backend's SQL, run against
PostgreSQL through DuckDB's postgres extension."""
