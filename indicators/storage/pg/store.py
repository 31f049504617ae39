"""The PostgreSQL backend: the same SQL as the embedded one, run by DuckDB against PostgreSQL.

DuckDB's postgres extension (the signed binary of the PyPI wheel ``duckdb-extension-postgres-scanner``, loaded
from its path: nothing is downloaded at run time) attaches the PostgreSQL database, and every read and write of
:mod:`indicators.storage.duck` runs on it unchanged: the tables, rows and transactions are PostgreSQL's, the
query engine is DuckDB's. What PostgreSQL does differently is here:

- the schema is PostgreSQL's own DDL, made from the DuckDB migrations' result (one source of truth): the
  migrations are applied to an empty in-memory DuckDB, its catalog is read, and the same tables, keys, defaults
  and sequences are created in PostgreSQL in one transaction;
- a new batch's id comes from PostgreSQL's sequence before the row is written (the extension has no RETURNING);
- PostgreSQL's refusals (a duplicate key, a serialisation failure, a lost connection) become the seam's errors.

The URL (``postgresql://user@host/db``) names no password: libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``,
and the URL is shown with any password removed.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from ..duck import migrations
from ..duck.store import DuckDBStore, Session, _rollback
from ..errors import ConflictError, DatabaseUnusable, StorageFailed

CATALOG = "pg"
TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION", "BIGINT": "BIGINT", "INTEGER": "INTEGER",
         "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"}


def extension_path() -> Path:
    """The postgres extension's binary, as the PyPI wheel installs it (matching DuckDB's version)."""
    import duckdb_extension_postgres_scanner as wheel  # noqa: PLC0415 - only a PostgreSQL store needs it

    found = sorted(Path(wheel.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not found:
        raise DatabaseUnusable("không tìm thấy phần mở rộng postgres của DuckDB",
                               f"DuckDB's postgres extension for {duckdb.__version__} is not installed")
    return found[0]


def is_url(text: str | Path | None) -> bool:
    return isinstance(text, str) and text.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


class _Sequences:
    """New ids from PostgreSQL's own sequences (DuckDB sees no sequence in an attached database)."""

    def _next_id(self, sequence: str) -> int:
        return int(self._value(f"SELECT * FROM postgres_query('{CATALOG}', ?)",
                               [f"SELECT nextval('{_identifier(sequence)}')"]))


class PgSession(_Sequences, Session):
    """A transaction's reads and writes on PostgreSQL."""


class PostgresStore(_Sequences, DuckDBStore):
    """The database on a PostgreSQL server, read and written through DuckDB's postgres extension."""

    backend = "postgresql"

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        self.path = Path(redacted(url))       # what messages name; never the password
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                     "autoload_known_extensions": False})
            try:
                con.execute(f"LOAD '{extension_path()}'")
                options = "TYPE postgres, READ_ONLY" if self.read_only else "TYPE postgres"
                con.execute(f"ATTACH {_literal(self.url)} AS {CATALOG} ({options})")
            except duckdb.Error as exc:
                con.close()
                raise DatabaseUnusable(
                    f"không kết nối được PostgreSQL {redacted(self.url)} ({_reason(exc)})",
                    f"cannot connect to PostgreSQL at {redacted(self.url)} ({_reason(exc)})") from None
            self._connection = con
        return self._connection

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.connection.cursor()
        try:
            cur.execute(f"USE {CATALOG}")
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self):
        """One PostgreSQL transaction: its refusals (a key another writer took, a serialisation failure) are a
        ConflictError, a lost server a StorageFailed; everything else is raised as it is, after the rollback."""
        with self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield PgSession(cur)
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(cur)
                text = str(exc)
                if "duplicate key" in text or "could not serialize" in text or "deadlock" in text \
                        or isinstance(exc, (duckdb.TransactionException, duckdb.ConstraintException)):
                    raise ConflictError(
                        "một người khác vừa ghi cùng các dòng này; không có gì được ghi: hãy xem trước lại",
                        "someone else wrote the same rows meanwhile; nothing was written: preview again") from None
                if "connection" in text.lower() or "server closed" in text:
                    raise StorageFailed("mất kết nối PostgreSQL; không có gì được ghi",
                                        "the connection to PostgreSQL was lost; nothing was written") from None
                raise
            except BaseException:
                _rollback(cur)
                raise

    @contextmanager
    def session(self) -> Iterator[PgSession]:
        with self._cursor() as cur:
            yield PgSession(cur)

    # --- schema ------------------------------------------------------------------------------------------

    def is_built(self) -> bool:
        with self._cursor() as cur:
            if not _has_table(cur, "schema_migration") or migrations.pending(cur):
                return False
            return self._value("SELECT value FROM meta WHERE key = 'schema_version'") == migrations.LATEST

    def migrate(self) -> list[str]:
        """A new PostgreSQL database gets the latest schema at once, recorded as every migration applied."""
        with self._cursor() as cur:
            if _has_table(cur, "schema_migration"):
                todo = migrations.pending(cur)
                if todo:
                    raise DatabaseUnusable("cơ sở dữ liệu PostgreSQL thuộc lược đồ cũ",
                                           f"the PostgreSQL database lacks migrations {[m.name for m in todo]}")
                return []
            script = "BEGIN;\n" + ";\n".join(schema_ddl()) + ";\nCOMMIT;"
            cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [script])
            cur.execute("CALL pg_clear_cache()")
        with self.transaction() as session:
            for m in migrations.MIGRATIONS:
                session._run("INSERT INTO schema_migration VALUES (?, now()::TIMESTAMP)", [m.name])
            session._run("INSERT INTO meta VALUES ('database_id', CAST(uuid() AS VARCHAR))")
        return [m.name for m in migrations.MIGRATIONS]


def schema_ddl() -> list[str]:
    """PostgreSQL statements for the schema the DuckDB migrations make: sequences, tables, keys, defaults."""
    scratch = DuckDBStore(":memory:")
    try:
        migrations.migrate(scratch)
        con = scratch.connection
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
        return out
    finally:
        scratch.close()


def _default(text: str) -> str:
    return {"CAST('f' AS BOOLEAN)": "false", "CAST('t' AS BOOLEAN)": "true"}.get(text, text)


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                            [CATALOG, name]).fetchone()[0])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"not a sequence name: {name}")
    return name


def _reason(exc: BaseException) -> str:
    """The driver's reason, without the URL it may repeat."""
    return re.sub(r"postgres(ql)?://\S+", "<url>", str(exc).splitlines()[0])[:200]
