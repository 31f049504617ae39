"""What the storage seam raises, whatever the backend: every backend maps its own errors to these."""

from __future__ import annotations

from ..errors import Bilingual


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


def storage_failure(exc: BaseException, what_vi: str, what_en: str) -> tuple[str, str]:
    """Vietnamese and English messages for a failure of the disk or of the database file while doing ``what``."""
    text = str(exc)
    if "No space left" in text or "ENOSPC" in text or getattr(exc, "errno", None) == 28:
        return (f"{what_vi} không thành công: ổ đĩa đã đầy. Giải phóng dung lượng rồi thử lại; không có gì bị ghi dở.",
                f"{what_en} failed: the disk is full. Free some space and try again; nothing was left half-written.")
    return (f"{what_vi} không thành công ({type(exc).__name__}): {text[:200]}",
            f"{what_en} failed ({type(exc).__name__}): {text[:200]}")


def write_conflict(exc: BaseException) -> ConflictError:
    """The refusal of a transaction that another writer's transaction collided with."""
    return ConflictError("một lần nhập khác vừa ghi vào cùng các dòng này: hãy xem trước rồi thử lại",
                         f"another import wrote the same rows at the same time: preview and try again ({exc})")
