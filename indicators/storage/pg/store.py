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

The URL (``postgresql://user@host/db``) should name no password: libpq reads it from ``PGPASSWORD`` or
``~/.pgpass``. Messages name the database by :func:`redacted` (hosts, ports and database, no user or password),
and the driver's reasons reach them only through :func:`~.redaction.scrub`.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import duckdb

from ..duck import migrations
from ..duck.store import DuckDBStore, Session, _rollback, backup_paths
from ..errors import BackupFailed, ConflictError, DatabaseUnusable, StorageFailed, is_disk_full, storage_failure
from .reads import CATALOG, PgReads
from .redaction import describe, readable, scrub

# PostgreSQL's own indexes beyond the keys (DuckDB prunes row groups on its zone maps instead): one indicator's
# figures for the whole country (the first read of every chart), the series the targets are judged on and the
# coverage of each indicator and province era, probed in the index.
PG_INDEXES = {"actual_indicator": "CREATE INDEX actual_indicator ON actual"
                                  " (indicator_code, unit_code, province_code, province_valid_from)",
              # a batch's history rows, which an undo joins with the stored rows: a block-range index, as the
              # history is appended batch after batch (cheaper to write than a B-tree, and an undo no longer
              # scans the history: docs/benchmarks.md)
              "actual_history_batch": "CREATE INDEX actual_history_batch ON actual_history USING brin (batch_id)"}
# The planner settings of the backend's own connections (libpq's ``options``): no JIT compilation, which costs a
# query of the dashboard time and saves nothing at this size, and random reads priced for SSDs (1.1, not the
# default 4, which made PostgreSQL scan the whole table rather than use the index for the targets' series).
# Their figures are in docs/benchmarks.md.
PG_OPTIONS = "-c jit=off -c random_page_cost=1.1"
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
    """The database as messages and logs name it: ``postgresql://host:port/database``, no user, no password."""
    return describe(url)


class PgSession(PgReads, Session):
    """A transaction's reads and writes on PostgreSQL."""


class PostgresStore(PgReads, DuckDBStore):
    """The database on a PostgreSQL server, read and written through DuckDB's postgres extension."""

    backend = "postgresql"

    def __init__(self, url: str, read_only: bool = False):
        self.url = self.path = url            # what reopens it (messages name it by redacted(url))
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    def exists(self) -> bool:
        return True      # the server says otherwise when connecting

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                     "autoload_known_extensions": False})
            try:
                con.execute(f"LOAD '{extension_path()}'")
                options = "TYPE postgres, READ_ONLY" if self.read_only else "TYPE postgres"
                con.execute(f"ATTACH {_literal(_with_options(self.url))} AS {CATALOG} ({options})")
                con.execute(f"USE {CATALOG}")      # the connection's own statements (tests look inside through it)
            except duckdb.Error as exc:
                con.close()
                why = _reason(exc, self.url) if readable(self.url) is not None else "the URL cannot be read"
                raise DatabaseUnusable(f"không kết nối được PostgreSQL {redacted(self.url)} ({why})",
                                       f"cannot connect to PostgreSQL at {redacted(self.url)} ({why})") from None
            self._connection = con
        return self._connection

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
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
                raise DatabaseUnusable(
                    f"không kết nối được PostgreSQL ({_reason(exc, self.url)}); trang sẽ thử lại ở lần tải sau, không "
                    "có gì bị ghi dở", f"PostgreSQL cannot be reached ({_reason(exc, self.url)}); the page tries again "
                    "at its next rerun, and nothing was left half-written") from None
            clean = scrub(str(exc), self.url)
            if clean != str(exc):
                raise type(exc)(clean) from None
            raise
        finally:
            cur.close()

    @contextmanager
    def transaction(self):
        """One PostgreSQL transaction: its refusals (a key another writer took, a serialisation failure) are a
        ConflictError, a full disk or a lost server a StorageFailed; everything else is raised as it is, after the
        rollback."""
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
                if is_disk_full(exc):  # SQLSTATE 53100: "could not extend file …: No space left on device"
                    raise StorageFailed(*storage_failure(exc, "ghi", "writing")) from None
                if _unreachable(exc):
                    raise StorageFailed("mất kết nối PostgreSQL; không có gì được ghi",
                                        "the connection to PostgreSQL was lost; nothing was written") from None
                why = _reason(exc, self.url)
                raise StorageFailed(f"PostgreSQL từ chối thao tác ghi ({why}); không có gì được ghi",
                                    f"PostgreSQL refused the write ({why}); nothing was written") from None
            except BaseException:
                _rollback(cur)
                raise

    @contextmanager
    def session(self) -> Iterator[PgSession]:
        with self._cursor() as cur:
            yield PgSession(cur)

    @contextmanager
    def sign_in_transaction(self, name: str) -> Iterator[PgSession]:
        """A transaction holding PostgreSQL's advisory lock of ``name``'s sign-ins, which every replica's
        sign-in of ``name`` waits for. The extension begins its transactions REPEATABLE READ, whose snapshot
        would be taken before the lock is granted and miss what the previous holder committed; this one is
        READ COMMITTED (set by its first statement), so each read after the lock sees it."""
        with self.transaction() as session:
            session._run(f"CALL postgres_execute('{CATALOG}', ?)", ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED"])
            session._execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [f"kpi sign-in {name}"])
            yield session

    def backup(self, target: Path | str) -> Path:
        return dump(self.url, Path(target))

    def refill(self, *args, **kwargs):
        """:meth:`DuckDBStore.refill`, its report naming the database by :func:`redacted` (the CLI prints it)."""
        report = super().refill(*args, **kwargs)
        report.path = redacted(self.url)
        return report

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
                if any(m.portable is None for m in todo):
                    raise DatabaseUnusable("cơ sở dữ liệu PostgreSQL thuộc lược đồ cũ",
                                           f"the PostgreSQL database lacks migrations {[m.name for m in todo]}")
                done = self._migrate_in_place(cur, todo)
                return done + self._add_indexes(cur)
            script = "BEGIN;\n" + ";\n".join(schema_ddl()) + ";\nCOMMIT;"
            cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [script])
            cur.execute("CALL pg_clear_cache()")
        with self.transaction() as session:
            for m in migrations.MIGRATIONS:
                session._run("INSERT INTO schema_migration VALUES (?, now()::TIMESTAMP)", [m.name])
            session._run("INSERT INTO meta VALUES ('database_id', CAST(uuid() AS VARCHAR))")
        return [m.name for m in migrations.MIGRATIONS]


    def _migrate_in_place(self, cur: duckdb.DuckDBPyConnection, todo: list) -> list[str]:
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

    def _add_indexes(self, cur: duckdb.DuckDBPyConnection) -> list[str]:
        """PostgreSQL's own indexes a database made before them lacks (the owner builds: the app role cannot)."""
        have = {name for (name,) in cur.execute(f"SELECT * FROM postgres_query('{CATALOG}', ?)", [
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"]).fetchall()}
        missing = [name for name in PG_INDEXES if name not in have]
        for name in missing:
            cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [PG_INDEXES[name]])
        return [f"index {name}" for name in missing]


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
        return [*out, *PG_INDEXES.values()]
    finally:
        scratch.close()


def _with_options(url: str) -> str:
    """The URL with the backend's planner settings, unless it names its own ``options``."""
    if "options=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "options=" + quote(PG_OPTIONS)


def _default(text: str) -> str:
    return {"CAST('f' AS BOOLEAN)": "false", "CAST('t' AS BOOLEAN)": "true"}.get(text, text)


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                            [CATALOG, name]).fetchone()[0])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


# --- backups: PostgreSQL's own pg_dump and pg_restore (Debian's postgresql-client) -----------------------------

def _tool(*args: str) -> subprocess.CompletedProcess:
    """Run one of PostgreSQL's client programs; its password comes from the environment (PGPASSWORD), never
    from a command line, and its messages are returned without any URL."""
    try:
        return subprocess.run(list(args), capture_output=True, text=True, env=os.environ.copy(), timeout=3600)
    except FileNotFoundError:
        raise BackupFailed(f"thiếu chương trình {args[0]} (gói postgresql-client)",
                           f"{args[0]} is not installed (Debian's postgresql-client)") from None


def _failed(done: subprocess.CompletedProcess, vi: str, en: str, url: str | None = None) -> BackupFailed:
    """The last line a client program wrote, scrubbed of the URL, the account and the server's address."""
    last = (done.stderr or "").strip().splitlines()[-1:]
    reason = scrub(last[0], url)[:300] if last else f"exit {done.returncode}"
    return BackupFailed(f"{vi}: {reason}", f"{en}: {reason}")


def dump(url: str, target: Path) -> Path:
    """A consistent copy of the whole database (one snapshot: ``pg_dump --format=custom``) in a new file, written
    under a temporary name and renamed when complete; the running servers may go on meanwhile."""
    target, partial = backup_paths(target)
    done = _tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
                 "--dbname", url)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        if "No space left" in (done.stderr or ""):
            raise BackupFailed(*storage_failure(OSError(28, "No space left on device"), "sao lưu", "the backup"))
        raise _failed(done, "sao lưu không thành công", "the backup failed", url)
    os.replace(partial, target)
    return target


def _server(url: str, database: str) -> str:
    """The URL of another database on the same server."""
    head, _, rest = url.partition("://")
    where, _, query = rest.partition("?")
    host = where.split("/", 1)[0]
    return f"{head}://{host}/{database}" + (f"?{query}" if query else "")


def _database(url: str) -> str:
    """The database's name as libpq reads the URL, in the names of its dumps and scratch copies."""
    return re.sub(r"[^\w-]", "_", (readable(url) or {}).get("dbname") or "postgres")


def load_dump(backup: Path, url: str) -> None:
    """Replace every table of the database at ``url`` by the dump's (the schema is dropped and restored)."""
    done = _tool("psql", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", url, "-c",
                 "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    if done.returncode != 0:
        raise _failed(done, "không xoá được lược đồ cũ", "the old schema could not be dropped", url)
    done = _tool("pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                 "--dbname", url, str(backup))
    if done.returncode != 0:
        raise _failed(done, "khôi phục không thành công", "the restore failed", url)


def check_dump(backup: Path, url: str) -> dict[str, int]:
    """Restore the dump into a scratch database of the same server and check it as a backup file is checked:
    built, every reference intact, its history replaying to its actuals. The scratch database is dropped."""
    if not Path(backup).is_file():
        raise ValueError(f"{backup} is not a database of this dashboard: no such file")
    scratch = f"{_database(url)}_check_{uuid.uuid4().hex[:8]}"
    done = _tool("createdb", "--maintenance-db", _server(url, "postgres"), scratch)
    if done.returncode != 0:
        raise ValueError(f"{backup} cannot be checked: no scratch database ({_failed(done, '', '', url).args[1]})")
    try:
        probe = _tool("pg_restore", "--list", str(backup))
        if probe.returncode != 0:
            raise ValueError(f"{backup} is not a database of this dashboard: not a PostgreSQL dump")
        try:
            load_dump(Path(backup), _server(url, scratch))
        except BackupFailed as exc:
            raise ValueError(f"{backup} is not a database of this dashboard: {exc.args[1]}") from None
        return check_database(_server(url, scratch), str(backup))
    finally:
        _tool("dropdb", "--force", "--maintenance-db", _server(url, "postgres"), scratch)


def check_database(url: str, name: str | None = None) -> dict[str, int]:
    """The checks of a backup, on a PostgreSQL database: built, every reference intact, its history replaying
    to its actuals; its table counts."""
    name = name or redacted(url)
    store = PostgresStore(url, read_only=True)
    try:
        if not store.is_built():
            raise ValueError(f"{name} is not a database of this dashboard (schema {migrations.LATEST})")
        problems, differences = store.integrity_problems(), store.replay_differences()
        if problems or differences:
            raise ValueError(f"{name} is damaged: {problems or ''} {differences} actuals differ from their history")
        return store.table_counts()
    finally:
        store.close()


def restore_dump(backup: Path, url: str, folder: Path) -> Path:
    """Replace the database at ``url`` by the checked dump; the current one is dumped first into ``folder``
    (``<database>.before-restore-<time>.dump``). The app servers must be stopped. The restored database is a new
    one (a new identity), so that nothing cached for the backup's own versions is reused."""
    check_dump(backup, url)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    kept = dump(url, Path(folder) / f"{_database(url)}.before-restore-{stamp}.dump")
    load_dump(Path(backup), url)
    restored = PostgresStore(url)
    try:
        with restored.transaction() as session:
            session._run("UPDATE meta SET value = CAST(uuid() AS VARCHAR) WHERE key = 'database_id'")
            session.changed("restore", Path(backup).name)
    finally:
        restored.close()
    return kept
