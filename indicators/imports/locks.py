"""Period locks: an admin closes a province's period once its report is approved; imports and undos into it
(and into every period inside it) are refused until it is unlocked."""

from __future__ import annotations

from datetime import date

from indicators.domain.periods import parse_period
from indicators.i18n import bilingual
from indicators.services.auth import User, require

from ..storage import Store
from ..storage import now as _now
from .base import ImportRefused


def lock_period(store: Store, user: User | None, key: tuple[str, date], period_text: str,
                note: str | None = None) -> None:
    """Close a province's period (and every period inside it) to imports and undos; admins only."""
    _change_lock(store, user, key, period_text, note, lock=True)


def unlock_period(store: Store, user: User | None, key: tuple[str, date], period_text: str,
                  note: str | None = None) -> None:
    _change_lock(store, user, key, period_text, note, lock=False)


def _change_lock(store: Store, user: User | None, key: tuple[str, date], period_text: str, note: str | None, *,
                 lock: bool) -> None:
    period = parse_period(period_text)
    now = _now()
    with store.transaction() as tx:
        acting = require(tx, user, "admin")
        if tx.is_locked(key, period.text) == lock:
            raise ImportRefused(*(bilingual("imp_already_locked", period=period.text) if lock
                                  else bilingual("imp_not_locked", period=period.text)))
        tx.set_lock(key, period.text, period.start, period.end, acting.name, now, note, lock=lock)
