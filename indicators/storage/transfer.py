"""Moving a whole database between the backends: a DuckDB file to PostgreSQL and back, every table (history,
users, the audit trail, locks included), in one transaction of the target, checked row by row.

One DuckDB connection holds both sides (the target store's own connection, with the source attached read-only),
so the copy is ``INSERT INTO t SELECT * FROM source.t`` per table and the check is ``EXCEPT ALL`` both ways.
The target must be new (an empty PostgreSQL database, or no file yet). Its sequences go on after the copied ids.
The copy is a new database: it gets a new identity, and its change log says where it came from.
"""

from __future__ import annotations

from pathlib import Path

from .backend import sql_string
from .duck.backend import DuckDBStore
from .pg import backend as pg
from .sql import migrations
from .sql.identity import new_database
from .sql.reference import ALL_TABLES
from .sql.store import SqlStore

SOURCE = "kpi_source"
# The order a table is copied in: an indicator's figures together, as imports (one indicator a file) leave them
# and as the first read of a chart reads them (faster together on PostgreSQL: docs/benchmarks.md).
ORDER = {"actual": " ORDER BY indicator_code, unit_code, province_code, province_valid_from, period"}


def sequence_columns() -> dict[str, list[tuple[str, str]]]:
    """Each sequence of the schema → the (table, column) pairs whose default takes from it."""
    with migrations.scratch_schema() as con:
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, default in con.execute(
                "SELECT table_name, column_name, column_default FROM duckdb_columns()"
                " WHERE database_name = 'memory' AND column_default LIKE 'nextval(%'").fetchall():
            out.setdefault(default.split("'")[1], []).append((table, column))
        return out


def copy_database(source: Path | str, target: Path | str) -> dict[str, int]:
    """Copy every table of ``source`` into the new database ``target``; returns the target's table counts."""
    if pg.is_url(str(source)) == pg.is_url(str(target)):
        raise ValueError("migrate copies a DuckDB file to PostgreSQL or PostgreSQL to a DuckDB file")
    reader: SqlStore = (pg.PostgresStore(str(source), read_only=True) if pg.is_url(str(source))
                        else DuckDBStore(Path(source), read_only=True))
    try:
        if not reader.is_built():
            raise ValueError(f"{pg.redacted(str(source))} is not a built database of this dashboard: build it first")
    finally:
        reader.close()
    if pg.is_url(str(target)):
        writer: SqlStore = pg.PostgresStore(str(target))
        attach = f"ATTACH {sql_string(str(source))} AS {SOURCE} (READ_ONLY)"
    else:
        if Path(target).exists():
            raise ValueError(f"{target} exists already: migrate writes a new file only")
        writer = DuckDBStore(Path(target))
        attach = (f"LOAD {sql_string(str(pg.extension_path()))}; "
                  f"ATTACH {sql_string(str(source))} AS {SOURCE} (TYPE postgres, READ_ONLY)")
    try:
        with writer._cursor() as cur:
            if _has_rows(cur):
                raise ValueError(f"{pg.redacted(str(target))} is not empty: migrate writes into a new database only")
        writer.migrate()
        writer.connection.execute(attach)
        try:
            _copy(writer)
            _check(writer)
        finally:
            writer.connection.execute(f"DETACH {SOURCE}")
        return writer.table_counts()
    finally:
        writer.close()


def _has_rows(cur) -> bool:
    tables = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                        "current_database()").fetchall()}
    return any(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ALL_TABLES if t in tables)


def _copy(writer: SqlStore) -> None:
    with writer.transaction() as session:
        for table in ALL_TABLES:
            if table == "meta":
                session._run(f"DELETE FROM meta WHERE key IN (SELECT key FROM {SOURCE}.meta)")
            session._run(f"INSERT INTO {table} SELECT * FROM {SOURCE}.{table}{ORDER.get(table, '')}")
    for sequence, columns in sequence_columns().items():
        top = max(int(writer._value(f"SELECT coalesce(max({c}), 0) FROM {t}")) for t, c in columns)
        with writer._cursor() as cur:
            writer.db.advance_sequence(cur, sequence, top)
    with writer.transaction() as session:      # a new database from now on, which says where it came from
        new_database(session, "migrate", "copied from another backend")


def _check(writer: SqlStore) -> None:
    """Every table holds the source's rows, no more, no fewer (meta's identity aside)."""
    differ = []
    for table in ALL_TABLES:
        where = " WHERE key <> 'database_id'" if table == "meta" else ""
        missing = writer._value(f"SELECT count(*) FROM (SELECT * FROM {SOURCE}.{table}{where}"
                                f" EXCEPT ALL SELECT * FROM {table}{where})")
        extra = writer._value(f"SELECT count(*) FROM (SELECT * FROM {table}{where}"
                              f" EXCEPT ALL SELECT * FROM {SOURCE}.{table}{where})")
        if missing or (extra and table not in ("data_change", "meta")):
            differ.append(f"{table}: {missing} missing, {extra} extra")
    if differ:
        raise ValueError("the copy differs from its source: " + "; ".join(differ))
