"""Checking a PostgreSQL dump or database as a backup is checked, and restoring a dump in place of a database."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BackupFailed
from ..sql import migrations
from ..sql.identity import new_database
from .backend import PostgresStore, redacted
from .dumps import client_reason, database_name, dump, load_dump, server_url, tool


def check_dump(backup: Path, url: str) -> dict[str, int]:
    """Restore the dump into a scratch database of the same server and check it as a backup file is checked:
    built, every reference intact, its history replaying to its actuals. The scratch database is dropped."""
    if not Path(backup).is_file():
        raise ValueError(f"{backup} is not a database of this dashboard: no such file")
    scratch = f"{database_name(url)}_check_{uuid.uuid4().hex[:8]}"
    done = tool("createdb", "--maintenance-db", server_url(url, "postgres"), scratch)
    if done.returncode != 0:
        raise ValueError(f"{backup} cannot be checked: no scratch database ({client_reason(done, url)})")
    try:
        probe = tool("pg_restore", "--list", str(backup))
        if probe.returncode != 0:
            raise ValueError(f"{backup} is not a database of this dashboard: not a PostgreSQL dump")
        try:
            load_dump(Path(backup), server_url(url, scratch))
        except BackupFailed as exc:
            raise ValueError(f"{backup} is not a database of this dashboard: {exc.en}") from None
        return check_database(server_url(url, scratch), str(backup))
    finally:
        tool("dropdb", "--force", "--maintenance-db", server_url(url, "postgres"), scratch)


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
    kept = dump(url, Path(folder) / f"{database_name(url)}.before-restore-{stamp}.dump")
    load_dump(Path(backup), url)
    restored = PostgresStore(url)
    try:
        with restored.transaction() as session:
            new_database(session, "restore", Path(backup).name)
    finally:
        restored.close()
    return kept
