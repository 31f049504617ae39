"""The import engine in parts: reading files (:mod:`.reader`), the columns each layout knows
(:mod:`.aliases`), the checks of each layout (:mod:`.actual_rows`, :mod:`.targets`), the comparison with
what is stored (:mod:`.compare`), commit and undo (:mod:`.engine` dispatching to :mod:`.actuals` and
:mod:`.targets`), period locks (:mod:`.locks`). The audit trail is read from the store (``store.history()``,
``store.target_history()``, ``store.batches()``, ``store.locks()``)."""

from .base import CommitResult, ConflictError, Context, ImportRefused, Preview, file_digest
from .engine import LAYOUTS, commit, preview, refused, undo
from .locks import lock_period, unlock_period

__all__ = ["LAYOUTS", "CommitResult", "ConflictError", "Context", "ImportRefused", "Preview", "commit", "file_digest",
           "lock_period", "preview", "refused", "undo", "unlock_period"]
