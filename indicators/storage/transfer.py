"""Moving a whole database between the backends: a DuckDB file to PostgreSQL and back, every table (history,
users, the audit trail, locks included), in one transaction of the target, checked row by row.

One DuckDB connection holds both sides (the target store's own connection, with the source attached read-only),
so the copy is ``INSERT INTO t SELECT * FROM source.t`` per table and the check is ``EXCEPT ALL`` both ways.
The target must be new (an empty PostgreSQL database, or no file yet). Its sequences go on after the copied ids.
The copy is a new database: it gets a new identity, and its change log says where it came from.
"""

from __future__ import annotations

from pathlib import Path

from .duck import migrations
from .duck.reads import ALL_TABLES
from .duck.store import DuckDBStore
from .pg import store as pg
from .pg.reads import sequence_name

SOURCE = "kpi_source"
# The order a table is copied in: an indicator's figures together, as imports (one indicator a file) leave them
# and as the first read of a chart reads them (faster together on PostgreSQL: docs/benchmarks.md).
ORDER = {"actual": " ORDER BY indicator_code, unit_code, province_code, province_valid_from, period"}


def sequence_columns() -> dict[str, list[tuple[str, str]]]:
    """Each sequence of the schema → the (table, column) pairs whose default takes from it."""
    scratch = DuckDBStore(":memory:")
    try:
        migrations.migrate(scratch)
        out: dict[str, list[tuple[str, str]]] = {}
        for table, column, default in scratch.connection.execute(
                "SELECT table_name, column_name, column_default FROM duckdb_columns()"
                " WHERE database_name = 'memory' AND column_default LIKE 'nextval(%'").fetchall():
            out.setdefault(default.split("'")[1], []).append((table, column))
        return out
    finally:
        scratch.close()


def copy_database(source: Path | str, target: Path | str) -> dict[str, int]:
    """Copy every table of ``source`` into the new database ``target``; returns the target's table counts."""
    if pg.is_url(str(source)) == pg.is_url(str(target)):
        raise ValueError("migrate copies a DuckDB file to PostgreSQL or PostgreSQL to a DuckDB file")
    reader = (pg.PostgresStore(str(source), read_only=True) if pg.is_url(str(source))
              else DuckDBStore(Path(source), read_only=True))
    try:
        if not reader.is_built():
            raise ValueError(f"{pg.redacted(str(source))} is not a built database of this dashboard: build it first")
    finally:
        reader.close()
    if pg.is_url(str(target)):
        writer = pg.PostgresStore(str(target))
        attach = f"ATTACH {pg._literal(str(source))} AS {SOURCE} (READ_ONLY)"
    else:
        if Path(target).exists():
            raise ValueError(f"{target} exists already: migrate writes a new file only")
        writer = DuckDBStore(Path(target))
        attach = (f"LOAD '{pg.extension_path()}'; "
                  f"ATTACH {pg._literal(str(source))} AS {SOURCE} (TYPE postgres, READ_ONLY)")
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


def _copy(writer: DuckDBStore) -> None:
    with writer.transaction() as session:
        for table in ALL_TABLES:
            if table == "meta":
                session._run(f"DELETE FROM meta WHERE key IN (SELECT key FROM {SOURCE}.meta)")
            session._run(f"INSERT INTO {table} SELECT * FROM {SOURCE}.{table}{ORDER.get(table, '')}")
    for sequence, columns in sequence_columns().items():
        top = max(int(writer._value(f"SELECT coalesce(max({c}), 0) FROM {t}")) for t, c in columns)
        if isinstance(writer, pg.PostgresStore):
            with writer._cursor() as cur:
                cur.execute(f"CALL postgres_execute('{pg.CATALOG}', ?)",
                            [f"SELECT setval('{sequence_name(sequence)}', {top + 1}, false)"])
        else:      # DuckDB cannot set a sequence: take its values up to the copied ids
            current = int(writer._value(f"SELECT nextval('{sequence}')"))
            if top >= current:
                writer._value(f"SELECT max(nextval('{sequence}')) FROM range(?)", [top - current + 1])
    with writer.transaction() as session:      # a new database from now on, which says where it came from
        session._run("UPDATE meta SET value = CAST(uuid() AS VARCHAR) WHERE key = 'database_id'")
        session.changed("migrate", "copied from another backend")


def _check(writer: DuckDBStore) -> None:
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
