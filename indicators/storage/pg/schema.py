"""PostgreSQL's schema: its own DDL made from the migrations' result (one source of truth: the migrations
applied to an empty in-memory DuckDB, whose catalog is read and written out as the same tables, keys, defaults
and sequences), its own indexes beyond the keys, and the migrations of a database made by an older version,
run in place by PostgreSQL itself."""

from __future__ import annotations

import re

from ..backend import Cursor
from ..sql import migrations
from .pushdown import CATALOG

# PostgreSQL's own indexes beyond the keys (DuckDB prunes row groups on its zone maps instead): one indicator's
# figures for the whole country (the first read of every chart), the series the targets are judged on and the
# coverage of each indicator and province era, probed in the index.
PG_INDEXES = {"actual_indicator": "CREATE INDEX actual_indicator ON actual"
                                  " (indicator_code, unit_code, province_code, province_valid_from)",
              # a batch's history rows, which an undo joins with the stored rows: a block-range index, as the
              # history is appended batch after batch (cheaper to write than a B-tree, and an undo no longer
              # scans the history: docs/benchmarks.md)
              "actual_history_batch": "CREATE INDEX actual_history_batch ON actual_history USING brin (batch_id)"}
TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "BIGINT": "BIGINT", "INTEGER": "INTEGER",
         "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"}


def schema_ddl() -> list[str]:
    """PostgreSQL statements for the schema the migrations make: sequences, tables, keys, defaults, indexes."""
    with migrations.scratch_schema() as con:
        out = [f"CREATE SEQUENCE {name} START {int(start)}" for name, start in
               con.execute("SELECT sequence_name, start_value FROM duckdb_sequences() ORDER BY 1").fetchall()]
        keys = dict(con.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints()"
                                " WHERE constraint_type = 'PRIMARY KEY'").fetchall())
        tables: dict[str, list[str]] = {}
        for table, column, kind, nullable, default in con.execute(
                "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns()"
                " WHERE database_name = 'memory' ORDER BY table_name, column_index").fetchall():
            text = f"{column} {TYPES[kind]}"
            if default is not None:
                text += f" DEFAULT {_default(default)}"
            if not nullable:
                text += " NOT NULL"
            tables.setdefault(table, []).append(text)
    for table, columns in tables.items():
        if table in keys:
            columns = [*columns, f"PRIMARY KEY ({', '.join(keys[table])})"]
        out.append(f"CREATE TABLE {table} ({', '.join(columns)})")
    return [*out, *PG_INDEXES.values()]


def _default(text: str) -> str:
    return {"CAST('f' AS BOOLEAN)": "false", "CAST('t' AS BOOLEAN)": "true"}.get(text, text)


def create(cur: Cursor) -> None:
    """The latest schema made at once in a new database, in one transaction."""
    script = "BEGIN;\n" + ";\n".join(schema_ddl()) + ";\nCOMMIT;"
    cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [script])
    cur.execute("CALL pg_clear_cache()")


def migrate_in_place(cur: Cursor, todo: list[migrations.Migration]) -> list[str]:
    """Each pending migration run by PostgreSQL itself, in order, each in one transaction with its record: one
    that fails leaves the database as the previous one left it."""
    for migration in todo:
        if not re.fullmatch(r"\d{4}_[a-z_]+", migration.name):   # a name of this code's, never data
            raise ValueError(f"unexpected migration name {migration.name!r}")
        script = (f"BEGIN;\n{migration.portable.strip().rstrip(';')};\n"
                  f"INSERT INTO schema_migration VALUES ('{migration.name}', now()::TIMESTAMP);\nCOMMIT;")
        cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [script])
        cur.execute("CALL pg_clear_cache()")
    return [m.name for m in todo]


def add_indexes(cur: Cursor) -> list[str]:
    """PostgreSQL's own indexes a database made before them lacks (the owner builds: the app role cannot)."""
    have = {name for (name,) in cur.execute(f"SELECT * FROM postgres_query('{CATALOG}', ?)", [
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"]).fetchall()}
    missing = [name for name in PG_INDEXES if name not in have]
    for name in missing:
        cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [PG_INDEXES[name]])
    return [f"index {name}" for name in missing]
