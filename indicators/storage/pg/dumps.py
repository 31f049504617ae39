"""PostgreSQL's backups: its own pg_dump and pg_restore (Debian's postgresql-client), their messages scrubbed
of the URL, the account and the server's address."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from indicators.i18n import bilingual

from ..backend import backup_paths
from ..errors import BackupFailed, storage_failure
from .redaction import readable, scrub


def tool(*args: str) -> subprocess.CompletedProcess:
    """Run one of PostgreSQL's client programs; its password comes from the environment (PGPASSWORD), never
    from a command line, and its messages are returned without any URL."""
    try:
        return subprocess.run(list(args), capture_output=True, text=True, env=os.environ.copy(), timeout=3600)
    except FileNotFoundError:
        raise BackupFailed(*bilingual("sto_client_missing", program=args[0])) from None


def client_reason(done: subprocess.CompletedProcess, url: str | None = None) -> str:
    """The last line a client program wrote, scrubbed of the URL, the account and the server's address."""
    last = (done.stderr or "").strip().splitlines()[-1:]
    return scrub(last[0], url)[:300] if last else f"exit {done.returncode}"


def dump(url: str, target: Path) -> Path:
    """A consistent copy of the whole database (one snapshot: ``pg_dump --format=custom``) in a new file, written
    under a temporary name and renamed when complete; the running servers may go on meanwhile."""
    target, partial = backup_paths(target)
    done = tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
                 "--dbname", url)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        if "No space left" in (done.stderr or ""):
            raise BackupFailed(*storage_failure(OSError(28, "No space left on device"), *bilingual("sto_what_backup")))
        raise BackupFailed(*bilingual("sto_dump_failed", reason=client_reason(done, url)))
    os.replace(partial, target)
    return target


def server_url(url: str, database: str) -> str:
    """The URL of another database on the same server."""
    head, _, rest = url.partition("://")
    where, _, query = rest.partition("?")
    host = where.split("/", 1)[0]
    return f"{head}://{host}/{database}" + (f"?{query}" if query else "")


def database_name(url: str) -> str:
    """The database's name as libpq reads the URL, in the names of its dumps and scratch copies."""
    return re.sub(r"[^\w-]", "_", (readable(url) or {}).get("dbname") or "postgres")


def load_dump(backup: Path, url: str) -> None:
    """Replace every table of the database at ``url`` by the dump's (the schema is dropped and restored)."""
    done = tool("psql", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", url, "-c",
                 "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    if done.returncode != 0:
        raise BackupFailed(*bilingual("sto_schema_drop_failed", reason=client_reason(done, url)))
    done = tool("pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                 "--dbname", url, str(backup))
    if done.returncode != 0:
        raise BackupFailed(*bilingual("sto_restore_failed", reason=client_reason(done, url)))
