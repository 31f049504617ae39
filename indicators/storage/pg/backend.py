"""The PostgreSQL backend: the shared store's SQL run by DuckDB against PostgreSQL.

DuckDB's postgres extension (the signed binary of the PyPI wheel ``duckdb-extension-postgres-scanner``, loaded
from its path: nothing is downloaded at run time) attaches the PostgreSQL database, and every read and write of
:mod:`indicators.storage.sql` runs on it unchanged: the tables, rows and transactions are PostgreSQL's, the
query engine is DuckDB's. What PostgreSQL does differently is here:

- the schema is PostgreSQL's own DDL made from the migrations (:mod:`.schema`), and an older database is
  migrated in place;
- a new id comes from PostgreSQL's sequence before the row is written (the extension has no RETURNING);
- the statements that would read a big table through the extension run in PostgreSQL itself (:mod:`.pushdown`);
- PostgreSQL's refusals (a duplicate key, a serialisation failure, a lost connection) become the seam's errors.

The URL (``postgresql://user@host/db``) should name no password: libpq reads it from ``PGPASSWORD`` or
``~/.pgpass``. Messages name the database by :func:`redacted` (hosts, ports and database, no user or password),
and the driver's reasons reach them only through :func:`~.redaction.scrub`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import duckdb
from psycopg import sql

from indicators.i18n import bilingual
from indicators.paths import is_database_url

from ..backend import Backend, Cursor, rollback, sql_string
from ..errors import ConflictError, DatabaseUnusable, StorageFailed, is_disk_full, storage_failure
from ..sql import migrations
from ..sql.identity import set_identity
from ..sql.store import SqlStore
from . import schema
from .dumps import dump
from .pushdown import CATALOG, PgPushdown, execute_remote, remote_rows, sequence_name
from .redaction import describe, readable, scrub

# The planner settings of the backend's own connections (libpq's ``options``): no JIT compilation, which costs a
# query of the dashboard time and saves nothing at this size, and random reads priced for SSDs (1.1, not the
# default 4, which made PostgreSQL scan the whole table rather than use the index for the targets' series).
# Their figures are in docs/benchmarks.md.
PG_OPTIONS = "-c jit=off -c random_page_cost=1.1"


def extension_path() -> Path:
    """The postgres extension's binary, as the PyPI wheel installs it (matching DuckDB's version)."""
    import duckdb_extension_postgres_scanner as wheel  # noqa: PLC0415 - only a PostgreSQL store needs it

    found = sorted(Path(wheel.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not found:
        raise DatabaseUnusable(*bilingual("sto_pg_extension_missing", version=duckdb.__version__))
    return found[0]


def is_url(text: str | Path | None) -> bool:
    return is_database_url(text)


def redacted(url: str) -> str:
    """The database as messages and logs name it: ``postgresql://host:port/database``, no user, no password."""
    return describe(url)


class PgBackend(Backend):
    """A PostgreSQL database, attached to an in-memory DuckDB through the postgres extension."""

    name = "postgresql"
    # One probe of the actual_indicator index per (indicator, province era) pair, LIMIT 1 keeping it a probe:
    # faster than grouping every index entry (figures: docs/benchmarks.md)
    coverage = ("SELECT i.code AS indicator_code, p.code AS province_code, p.valid_from AS province_valid_from"
                " FROM indicator i CROSS JOIN province p CROSS JOIN LATERAL (SELECT 1 FROM actual a"
                " WHERE a.indicator_code = i.code AND a.unit_code = '' AND a.province_code = p.code"
                " AND a.province_valid_from = p.valid_from LIMIT 1) x")
    pushdown = PgPushdown()

    def __init__(self, url: str, read_only: bool = False):
        self.ref = self.url = url            # what reopens it (messages name it by redacted(url))
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    def exists(self) -> bool:
        return True      # the server says otherwise when connecting

    def describe(self) -> str:
        return redacted(self.url)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                     "autoload_known_extensions": False})
            try:
                con.execute(f"LOAD {sql_string(str(extension_path()))}")
                options = "TYPE postgres, READ_ONLY" if self.read_only else "TYPE postgres"
                con.execute(f"ATTACH {sql_string(_with_options(self.url))} AS {CATALOG} ({options})")
                con.execute(f"USE {CATALOG}")      # the connection's own statements (tests look inside through it)
            except duckdb.Error as exc:
                con.close()
                why = _reason(exc, self.url) if readable(self.url) is not None else "the URL cannot be read"
                where = redacted(self.url)
                raise DatabaseUnusable(*bilingual("sto_pg_cannot_connect", url=where, why=why)) from None
            self._connection = con
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor on the attached database. A server that cannot be reached (stopped, restarting) is a
        DatabaseUnusable that says so without the URL; the extension reconnects by itself once it is back, so the
        page's next rerun reads again. Any other error of the driver is raised as its own kind, its text scrubbed
        of the URL, the account and the server's address."""
        cur = self.connection.cursor()
        try:
            cur.execute(f"USE {CATALOG}")
            yield cur
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.IOException) and _unreachable(exc):
                raise DatabaseUnusable(*bilingual("sto_pg_unreachable", why=_reason(exc, self.url))) from None
            clean = scrub(str(exc), self.url)
            if clean != str(exc):
                raise type(exc)(clean) from None
            raise
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One PostgreSQL transaction: its refusals (a key another writer took, a serialisation failure) are a
        ConflictError, a full disk or a lost server a StorageFailed; everything else is raised as it is, after the
        rollback."""
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                rollback(cur)
                raise _refused(exc, self.url) from None
            except BaseException:
                rollback(cur)
                raise

    @contextmanager
    def sign_in_transaction(self, name: str) -> Iterator[Cursor]:
        """A transaction holding PostgreSQL's advisory lock of ``name``'s sign-ins, which every replica's
        sign-in of ``name`` waits for. The extension begins its transactions REPEATABLE READ, whose snapshot
        would be taken before the lock is granted and miss what the previous holder committed; this one is
        READ COMMITTED (set by its first statement), so each read after the lock sees it."""
        with self.transaction() as cur:
            cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED"])
            self.execute(cur, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [f"kpi sign-in {name}"])
            yield cur

    # --- the dialect: what reads or writes many rows runs in PostgreSQL ------------------------------------------

    def next_id(self, cur: Cursor, sequence: str) -> int:
        """New ids from PostgreSQL's own sequences (DuckDB sees no sequence in an attached database)."""
        return int(cur.execute(f"SELECT * FROM postgres_query('{CATALOG}', ?)",
                               [f"SELECT nextval('{sequence_name(sequence)}')"]).fetchone()[0])

    def advance_sequence(self, cur: Cursor, sequence: str, past: int) -> None:
        statement = sql.SQL("SELECT setval({}, {}, false)").format(sql.Literal(sequence_name(sequence)),
                                                                    sql.Literal(int(past) + 1))
        cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [statement.as_string(None)])

    def rows_of(self, query: str, params: list) -> tuple[str, list]:
        return remote_rows(query, params)

    def execute(self, cur: Cursor, statement: str, params: list) -> None:
        execute_remote(cur, statement, params)

    # --- schema and backups -------------------------------------------------------------------------------------

    def migrate(self, store: SqlStore) -> list[str]:
        """A new PostgreSQL database gets the latest schema at once, recorded as every migration applied; an
        older one takes the pending migrations in place, and the indexes it lacks."""
        with self.cursor() as cur:
            if migrations.has_table(cur, "schema_migration"):
                todo = migrations.pending(cur)
                if any(m.portable is None for m in todo):
                    raise DatabaseUnusable(*bilingual("sto_pg_old_schema", migrations=[m.name for m in todo]))
                return schema.migrate_in_place(cur, todo) + schema.add_indexes(cur)
            schema.create(cur)
        with store.transaction() as session:
            done = migrations.record_all(session)
            set_identity(session)
        return done

    def backup(self, target: Path | str) -> Path:
        return dump(self.url, Path(target))


class PostgresStore(SqlStore):
    """The store on a PostgreSQL server: the shared store composed with a :class:`PgBackend` (nothing more)."""

    def __init__(self, url: str, read_only: bool = False):
        super().__init__(PgBackend(url, read_only=read_only))

    @property
    def url(self) -> str:
        """The server's URL (what reopens it; messages name it by :func:`redacted`)."""
        return self.db.ref


def _refused(exc: duckdb.Error, url: str) -> Exception:
    """The seam's error for a write PostgreSQL refused."""
    text = str(exc)
    if "duplicate key" in text or "could not serialize" in text or "deadlock" in text \
            or isinstance(exc, (duckdb.TransactionException, duckdb.ConstraintException)):
        return ConflictError(*bilingual("sto_pg_write_conflict"))
    if is_disk_full(exc):  # SQLSTATE 53100: "could not extend file …: No space left on device"
        return StorageFailed(*storage_failure(exc, *bilingual("sto_what_writing")))
    if _unreachable(exc):
        return StorageFailed(*bilingual("sto_pg_connection_lost"))
    return StorageFailed(*bilingual("sto_pg_write_refused", why=_reason(exc, url)))


def _with_options(url: str) -> str:
    """The URL with the backend's planner settings, unless it names its own ``options``."""
    if "options=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "options=" + quote(PG_OPTIONS)


def _unreachable(exc: BaseException) -> bool:
    text = str(exc)
    return any(words in text for words in ("Unable to connect", "connection to server", "server closed the connection",
                                            "terminating connection", "Connection refused", "no connection"))


def _reason(exc: BaseException, url: str | None = None) -> str:
    """The driver's reason, without the URL, the account or the server's address it may name."""
    text = scrub(str(exc), url)
    server = re.search(r"\b(?:ERROR|FATAL):\s+(.*)", text, re.S)    # PostgreSQL's own words, not the statement
    if server:
        text = server.group(1)
    elif text.startswith(("IO Error", "IOException")):
        text = text.split(": ", 1)[-1]
    return re.sub(r"\s+", " ", text).strip()[:200]
