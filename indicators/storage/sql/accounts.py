"""Accounts and the audit: who may sign in, with which role and unit, and the append-only record of every
sign-in and account change. The throttle's counts are read where the rows are (on PostgreSQL by PostgreSQL
itself, on the transaction's connection: the extension would copy the whole audit out while the sign-in holds
the account's lock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from .. import base
from .run import Executor

_ACCOUNT = ("name", "display_name", "role", "password_hash", "disabled", "unit_province_code",
            "unit_province_valid_from", "unit_code")


class AccountReads(Executor, base.AccountReads):
    def account(self, name: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT {', '.join(_ACCOUNT)} FROM app_user WHERE name = ?", [name])
        return None if row is None else dict(zip(_ACCOUNT, row))

    def user_count(self) -> int:
        return int(self._value("SELECT count(*) FROM app_user"))

    def active_admins(self) -> int:
        return int(self._value("SELECT count(*) FROM app_user WHERE role = 'admin' AND NOT disabled"))

    def users(self) -> pd.DataFrame:
        return self._df("SELECT name, display_name, role, disabled, created_by, created_at, unit_province_code,"
                        " unit_province_valid_from, unit_code FROM app_user ORDER BY name")

    def failures_since_success(self, name: str, action: str = "sign_in", channel: str | None = None
                               ) -> tuple[int, Any]:
        source, params = self._rows_of(*failures_query(name, action, channel))
        row = self._one(f"SELECT * FROM {source} f", params)
        return int(row[0]), row[1]

    def signed_in_from(self, name: str, channel: str, since: datetime) -> bool:
        source, params = self._rows_of(*signed_in_query(name, channel, since))
        return self._one(f"SELECT * FROM {source} f", params) is not None

    def audit_events(self, limit: int = 1000) -> pd.DataFrame:
        return self._df("SELECT happened_at, name, action, outcome, channel, detail FROM audit_event"
                        " ORDER BY id DESC LIMIT ?", [limit])


class AccountWrites(Executor, base.AccountWrites):
    def record_event(self, when: datetime, name: str, action: str, outcome: str, channel: str,
                     detail: str | None) -> None:
        self._run("INSERT INTO audit_event (happened_at, name, action, outcome, channel, detail)"
                  " VALUES (?, ?, ?, ?, ?, ?)", [when, name, action, outcome, channel, detail])

    def insert_user(self, name: str, display_name: str, role: str, password_hash: str, created_by: str,
                    when: datetime) -> None:
        self._run("INSERT INTO app_user (name, display_name, role, password_hash, created_by, created_at, disabled)"
                  " VALUES (?, ?, ?, ?, ?, ?, false)",
                  [name, display_name, role, password_hash, created_by, when])

    def update_user(self, name: str, *, role: str | None = None, password_hash: str | None = None,
                    disabled: bool | None = None) -> None:
        for column, value in (("role", role), ("password_hash", password_hash), ("disabled", disabled)):
            if value is not None:  # the column name comes from this tuple, never from the caller
                self._run(f"UPDATE app_user SET {column} = ? WHERE name = ?", [value, name])

    def set_user_unit(self, name: str, unit: base.UnitKey | None) -> None:
        self._run("UPDATE app_user SET unit_province_code = ?, unit_province_valid_from = ?, unit_code = ?"
                  " WHERE name = ?", [*(unit or (None, None, None)), name])


def failures_query(name: str, action: str, channel: str | None) -> tuple[str, list]:
    """The statement of :meth:`AccountReads.failures_since_success`. Each checked attempt began with a
    ``checking`` row, counted until a success or an unlock comes after it: so is one still being checked, or
    whose process died meanwhile."""
    same, which = ("", []) if channel is None else (" AND channel = ?", [channel])
    return (f"""
        SELECT count(*), max(happened_at) FROM audit_event
        WHERE action = ? AND name = ? AND outcome = 'checking'{same}
          AND id > coalesce((SELECT max(id) FROM audit_event WHERE action = ? AND name = ?
                             AND (outcome = 'unlocked' OR (outcome = 'ok'{same}))), -1)""",
            [action, name, *which, action, name, *which])


def signed_in_query(name: str, channel: str, since: datetime) -> tuple[str, list]:
    return ("SELECT 1 FROM audit_event WHERE action = 'sign_in' AND name = ? AND channel = ? AND outcome = 'ok'"
            " AND happened_at >= ? LIMIT 1", [name, channel, since])
