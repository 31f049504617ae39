"""Users, roles and sign-in, kept in the dashboard's own database.

Three roles, each including the one before: ``viewer`` (reads; no sign-in is needed to read unless
``KPI_SIGN_IN_TO_READ=1``), ``analyst`` (imports figures and targets, undoes their own batches), ``admin``
(locks and unlocks periods, manages users, undoes any batch, makes and restores backups, rebuilds).
Passwords are stored as bcrypt hashes (cost 12). The role is not trusted from the caller: :func:`require` reads it again from the ``app_user``
table inside the transaction that writes, so a user disabled or demoted a moment ago cannot write.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import bcrypt
import duckdb

from .errors import Bilingual

ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# A real hash of a random password: sign-in of an unknown name costs as much as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-user-password", bcrypt.gensalt(12))


class PermissionDenied(Bilingual, PermissionError):
    """The user may not do this; the message says which role it needs."""


class UserError(Bilingual, ValueError):
    """A user name, role or password that cannot be taken."""


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def sign_in_to_read() -> bool:
    """Whether reading needs a signed-in user (``KPI_SIGN_IN_TO_READ=1``); off by default."""
    return os.environ.get("KPI_SIGN_IN_TO_READ", "0").lower() in ("1", "true", "yes")


def hash_password(password: str) -> str:
    _check_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(12)).decode("ascii")


# Sign-in throttling, per account and kept in the database (every session, process and the CLI share it, and a
# restart does not reset it): after FREE_FAILURES failures in a row, each further attempt must wait
# FIRST_WAIT seconds after the last failure, doubling with each failure up to MAX_WAIT. An attempt made too
# early is refused without the password being checked (and is recorded as "throttled").
FREE_FAILURES = 5
FIRST_WAIT = 30
MAX_WAIT = 15 * 60


class SignInRefused(Bilingual, PermissionError):
    """A sign-in that failed: wrong name or password (one message for both), or too many failures."""

    def __init__(self, vi: str, en: str, wait: int = 0):
        super().__init__(vi, en)
        self.wait = wait


def record(cur: duckdb.DuckDBPyConnection, name: str, action: str, outcome: str, channel: str,
           detail: str | None = None) -> None:
    """One row of the audit of sign-ins and of the commands that replace data (build, backup, restore)."""
    cur.execute("INSERT INTO audit_event (happened_at, name, action, outcome, channel, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)", [_now(), name[:64], action, outcome, channel, detail])


def wait_before_sign_in(cur: duckdb.DuckDBPyConnection, name: str) -> int:
    """Seconds ``name`` must still wait before the next sign-in attempt is checked (0: it may try now)."""
    row = cur.execute("""
        SELECT count(*), max(happened_at) FROM audit_event
        WHERE action = 'sign_in' AND name = ? AND outcome = 'failed'
          AND id > coalesce((SELECT max(id) FROM audit_event WHERE action = 'sign_in' AND name = ?
                             AND outcome = 'ok'), -1)""", [name, name]).fetchone()
    failures, last = int(row[0]), row[1]
    if failures < FREE_FAILURES or last is None:
        return 0
    wait = min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES), MAX_WAIT)
    left = wait - (_now() - last).total_seconds()
    return max(0, int(left + 0.999))


def authenticate(cur: duckdb.DuckDBPyConnection, name: str, password: str, channel: str = "web") -> User:
    """The user when ``password`` is theirs and they are not disabled; :class:`SignInRefused` otherwise.
    Every attempt is recorded in ``audit_event``; see FREE_FAILURES for the throttle."""
    name = name.strip().lower()[:64]
    wait = wait_before_sign_in(cur, name)
    if wait:
        record(cur, name, "sign_in", "throttled", channel)
        raise SignInRefused(f"sai quá nhiều lần: thử lại sau {wait} giây",
                            f"too many failures: try again in {wait} s", wait)
    row = cur.execute("SELECT name, display_name, role, password_hash, disabled FROM app_user WHERE name = ?",
                      [name]).fetchone()
    stored = row[3].encode("ascii") if row else _DUMMY_HASH
    try:
        ok = bcrypt.checkpw(password.encode("utf-8")[:72], stored)
    except ValueError:
        ok = False
    if not row or not ok or row[4]:
        record(cur, name, "sign_in", "failed", channel,
               "unknown user" if not row else ("disabled" if ok else "wrong password"))
        raise SignInRefused("sai tên đăng nhập hoặc mật khẩu", "wrong user name or password")
    record(cur, name, "sign_in", "ok", channel)
    return User(row[0], row[1], row[2])


def current(cur: duckdb.DuckDBPyConnection, user: User) -> User | None:
    """``user`` as the database holds the account now: None when it was disabled or removed."""
    row = cur.execute("SELECT name, display_name, role, disabled FROM app_user WHERE name = ?", [user.name]).fetchone()
    return None if row is None or row[3] else User(row[0], row[1], row[2])


def audit(cur: duckdb.DuckDBPyConnection, limit: int = 1000):
    """The latest sign-ins and data-replacing commands, newest first (a DataFrame)."""
    return cur.execute("SELECT happened_at, name, action, outcome, channel, detail FROM audit_event"
                       " ORDER BY id DESC LIMIT ?", [limit]).df()


def require(cur: duckdb.DuckDBPyConnection, user: User | None, role: str) -> User:
    """The user as stored now, if they hold ``role``; :class:`PermissionDenied` otherwise."""
    names = {"viewer": ("người xem", "viewer"), "analyst": ("chuyên viên", "analyst"), "admin": ("quản trị", "admin")}
    if user is None:
        raise PermissionDenied(f"cần đăng nhập với vai trò {names[role][0]}", f"sign in as an {names[role][1]} first")
    row = cur.execute("SELECT name, display_name, role, disabled FROM app_user WHERE name = ?", [user.name]).fetchone()
    if row is None or row[3]:
        raise PermissionDenied(f"tài khoản '{user.name}' không còn hiệu lực", f"the account '{user.name}' is not active")
    current = User(row[0], row[1], row[2])
    if not current.can(role):
        raise PermissionDenied(f"'{user.name}' là {names[current.role][0]}, việc này cần vai trò {names[role][0]}",
                               f"'{user.name}' is a {current.role}; this needs the {role} role")
    return current


def add_user(cur: duckdb.DuckDBPyConnection, acting: User | None, name: str, password: str, role: str,
             display_name: str | None = None) -> User:
    """Create a user. Only an admin may, except for the very first admin of an empty user table
    (``python -m indicators users add NAME --role admin`` on the server)."""
    name = name.strip().lower()
    if not _NAME.match(name):
        raise UserError("tên đăng nhập: 2–32 ký tự a-z, 0-9, '.', '_', '-'",
                        "user name: 2–32 characters a-z, 0-9, '.', '_', '-'")
    if role not in ROLES:
        raise UserError(f"vai trò phải là một trong {', '.join(ROLES)}", f"role must be one of {', '.join(ROLES)}")
    password_hash = hash_password(password)
    cur.execute("BEGIN TRANSACTION")
    try:
        users = cur.execute("SELECT count(*) FROM app_user").fetchone()[0]
        if users == 0 and acting is None:
            if role != "admin":
                raise UserError("người dùng đầu tiên phải là quản trị", "the first user must be an admin")
            created_by = "(first admin)"
        else:
            created_by = require(cur, acting, "admin").name
        if cur.execute("SELECT 1 FROM app_user WHERE name = ?", [name]).fetchone():
            raise UserError(f"đã có người dùng '{name}'", f"there is already a user '{name}'")
        cur.execute("INSERT INTO app_user VALUES (?, ?, ?, ?, ?, ?, false)",
                    [name, display_name or name, role, password_hash, created_by, _now()])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return User(name, display_name or name, role)


def set_user(cur: duckdb.DuckDBPyConnection, acting: User, name: str, *, role: str | None = None,
             password: str | None = None, disabled: bool | None = None) -> None:
    """Change a user's role, password or disabled flag (admins; anyone may change their own password)."""
    password_hash = hash_password(password) if password is not None else None
    cur.execute("BEGIN TRANSACTION")
    try:
        own_password_only = name == acting.name and role is None and disabled is None
        require(cur, acting, "viewer" if own_password_only else "admin")
        if cur.execute("SELECT 1 FROM app_user WHERE name = ?", [name]).fetchone() is None:
            raise UserError(f"không có người dùng '{name}'", f"there is no user '{name}'")
        if role is not None:
            if role not in ROLES:
                raise UserError(f"vai trò phải là một trong {', '.join(ROLES)}", f"role must be one of {', '.join(ROLES)}")
            cur.execute("UPDATE app_user SET role = ? WHERE name = ?", [role, name])
        if password_hash is not None:
            cur.execute("UPDATE app_user SET password_hash = ? WHERE name = ?", [password_hash, name])
        if disabled is not None:
            cur.execute("UPDATE app_user SET disabled = ? WHERE name = ?", [disabled, name])
        admins = cur.execute("SELECT count(*) FROM app_user WHERE role = 'admin' AND NOT disabled").fetchone()[0]
        if admins == 0:
            raise UserError("phải còn ít nhất một quản trị", "at least one active admin must remain")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự", f"a password needs at least {MIN_PASSWORD} characters")
    if len(password.encode("utf-8")) > 72:
        raise UserError("mật khẩu dài quá 72 byte (giới hạn của bcrypt)", "a password may have at most 72 bytes (bcrypt's limit)")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def has_users(cur: duckdb.DuckDBPyConnection) -> bool:
    return cur.execute("SELECT count(*) FROM app_user").fetchone()[0] > 0


def list_users(cur: duckdb.DuckDBPyConnection):
    """Every account (no password hashes), as a DataFrame."""
    return cur.execute("SELECT name, display_name, role, disabled, created_by, created_at FROM app_user ORDER BY name"
                       ).df()
