"""What the storage seam raises, whatever the backend: every backend maps its own errors to these."""

from __future__ import annotations

from ..errors import Bilingual
from ..i18n import bilingual, label


class ConflictError(Bilingual, RuntimeError):
    """The database changed under a preview, another writer wrote the same rows, or a later batch holds rows an
    undo would take back."""


class StorageFailed(Bilingual, RuntimeError):
    """A write that the disk refused (full, read-only, failing): nothing of it was kept."""


class DatabaseUnusable(Bilingual, RuntimeError):
    """The database file cannot be opened or read (damaged, not a database, disk full); the message says what
    to do."""


class BackupFailed(Bilingual, RuntimeError):
    """A backup or a restore that could not be made; the message says why and what to do."""


DISK_FULL_SQLSTATE = "53100"   # PostgreSQL's disk_full


def is_disk_full(exc: BaseException) -> bool:
    """Whether the error is a full disk: the operating system's ENOSPC (as DuckDB words it: "No space left on
    device", also inside its fatal checkpoint error), or PostgreSQL's disk_full (SQLSTATE 53100), which psycopg
    carries as ``sqlstate`` and DuckDB's postgres extension passes on as the server's text ("could not extend
    file …: No space left on device")."""
    text = str(exc)
    return ("No space left" in text or "ENOSPC" in text or getattr(exc, "errno", None) == 28
            or getattr(exc, "sqlstate", None) == DISK_FULL_SQLSTATE or "disk_full" in text
            or f"SQLSTATE {DISK_FULL_SQLSTATE}" in text or f"SQLSTATE: {DISK_FULL_SQLSTATE}" in text)


def storage_failure(exc: BaseException, what_vi: str, what_en: str) -> tuple[str, str]:
    """Vietnamese and English messages for a failure of the disk or of the database file while doing ``what``
    (a fragment of the catalogue in each language: ``*bilingual("sto_what_backup")``)."""
    if is_disk_full(exc):
        return label("sto_failed_disk_full", "vi", what=what_vi), label("sto_failed_disk_full", "en", what=what_en)
    error, detail = type(exc).__name__, str(exc)[:200]
    return (label("sto_failed", "vi", what=what_vi, error=error, detail=detail),
            label("sto_failed", "en", what=what_en, error=error, detail=detail))


def fatal_failure(exc: BaseException) -> tuple[str, str]:
    """The messages for a write that left the database engine in a fatal state (the store reopened it): a full
    disk is named as such; anything else says that nothing was written and the database was reopened."""
    if is_disk_full(exc):
        return storage_failure(exc, *bilingual("sto_what_writing"))
    return bilingual("sto_fatal_write", error=type(exc).__name__)


def write_conflict(exc: BaseException) -> ConflictError:
    """The refusal of a transaction that another writer's transaction collided with."""
    return ConflictError(*bilingual("sto_write_conflict", detail=exc))
