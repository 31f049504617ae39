"""Users, roles and sign-in, kept in the dashboard's own database.

Four roles, each including the one before: ``viewer`` (reads; no sign-in is needed to read unless
``KPI_SIGN_IN_TO_READ=1``), ``reporter`` (enters the task progress and self-assessment of its own unit only),
``analyst`` (imports figures and targets, undoes their own batches), ``admin``
(locks and unlocks periods, manages users, undoes any batch, makes and restores backups, rebuilds).
Passwords are stored as bcrypt hashes (cost 12). The role is not trusted from the caller: :func:`require` reads
it again from the store inside the transaction that writes, so a user disabled or demoted a moment ago cannot
write. A user may change their own password and nothing else of their account: role, unit and enabled state
are changed by an admin only (:func:`set_user`).

Sign-in throttle (after OWASP's Authentication Cheat Sheet: slow online guessing down without letting a stranger
lock the owner out). Every attempt is a row of ``audit_event`` (action ``sign_in``), in the database that every
session, process, replica and the CLI share, so a restart resets nothing. An attempt is counted against a
*client*: the channel with the client's address (``web 203.0.113.7``; an IPv6 address by its /64 network;
``web`` when the server does not know it, ``cli`` for the command line).

- Per account and client: after FREE_FAILURES failures in a row from that client, each further attempt from it
  must wait FIRST_WAIT seconds after its last failure, doubling with each failure up to MAX_WAIT.
- Per account, for clients that have not signed in to it in the last FAMILIAR_DAYS: after ACCOUNT_FREE_FAILURES
  failures from all clients together, each further attempt waits likewise, up to ACCOUNT_MAX_WAIT. Guessing from
  many addresses is slowed to one checked guess per ACCOUNT_MAX_WAIT (12 an hour); the owner, on a client they
  signed in from before, is not held back by it, and from a new one waits at most ACCOUNT_MAX_WAIT.
- An attempt that must wait is refused without its password being checked (recorded as ``throttled``).
- The count and the reservation are one step: :meth:`Store.sign_in_transaction` (a lock of the process on DuckDB,
  whose file one process writes; PostgreSQL's advisory lock of the account on PostgreSQL, which every replica
  waits for) reads the counts and appends a ``checking`` row before bcrypt runs; its result follows as an ``ok``
  or ``failed`` row (the audit is only ever appended to). What is counted are the ``checking`` rows, so an
  attempt counts as failed from the moment it is reserved: however many guesses arrive at once, at most the free
  ones are checked, and an attempt whose process died during the check stays counted.
- A success resets its client's count and, from any client, the account's. ``python -m indicators users unlock
  NAME`` (admins) resets them all and is recorded (outcome ``unlocked``). Failures recorded before this throttle
  (``failed`` rows without a ``checking`` row) are not counted.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta

import bcrypt

from indicators.errors import Bilingual
from indicators.i18n import N_, bilingual, label
from indicators.storage import BackupFailed, Session, Store
from indicators.storage import now as _now

# a reporter enters the progress and self-assessment of its own unit only (checked by the layout that writes)
ROLES = ("viewer", "reporter", "analyst", "admin")
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# A real hash of a random password: sign-in of an unknown name costs as much as a wrong password.
@functools.cache
def _dummy_hash() -> bytes:
    """Made on the first sign-in of an unknown name, not at import: it costs as much as a sign-in, which every
    command's and server's start would pay (docs/benchmarks.md)."""
    return bcrypt.hashpw(b"not-a-user-password", bcrypt.gensalt(12))


class PermissionDenied(Bilingual, PermissionError):
    """The user may not do this; the message says which role it needs."""


class UserError(Bilingual, ValueError):
    """A user name, role or password that cannot be taken."""


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str
    unit: tuple[str, date, str] | None = None   # a reporter's unit: (province code, its valid_from, unit code)

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def sign_in_to_read() -> bool:
    """Whether reading needs a signed-in user (``KPI_SIGN_IN_TO_READ=1``); off by default."""
    return os.environ.get("KPI_SIGN_IN_TO_READ", "0").lower() in ("1", "true", "yes")


def hash_password(password: str) -> str:
    _check_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(12)).decode("ascii")


# The sign-in throttle (see the module's docstring)
FREE_FAILURES = 5
FIRST_WAIT = 30
MAX_WAIT = 15 * 60
ACCOUNT_FREE_FAILURES = 20
ACCOUNT_MAX_WAIT = 5 * 60
FAMILIAR_DAYS = 90


class SignInRefused(Bilingual, PermissionError):
    """A sign-in that failed: wrong name or password (one message for both), or too many failures."""

    def __init__(self, vi: str, en: str, wait: int = 0):
        super().__init__(vi, en)
        self.wait = wait


def record(store: Store | Session, name: str, action: str, outcome: str, channel: str,
           detail: str | None = None) -> None:
    """One row of the audit of sign-ins and of the commands that replace data (build, backup, restore): in the
    caller's transaction when given a session, else on its own (a failed attempt stays recorded)."""
    if isinstance(store, Session):
        store.record_event(_now(), name[:64], action, outcome, channel, detail)
        return
    with store.session() as session:
        session.record_event(_now(), name[:64], action, outcome, channel, detail)


def client_key(channel: str, address: str | None = None) -> str:
    """What an attempt is counted against: the channel, with the client's address when it is a valid one (an
    IPv6 address by its /64 network, which one subscriber usually holds whole)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return channel
    if ip.version == 6:
        if ip.ipv4_mapped is None:
            return f"{channel} {ipaddress.ip_network((ip, 64), strict=False)}"
        ip = ip.ipv4_mapped
    return f"{channel} {ip}"


def wait_before_sign_in(store: Store | Session, name: str, channel: str = "web", address: str | None = None) -> int:
    """Seconds ``name`` must still wait before its next sign-in attempt from this client is checked (0: now)."""
    return _wait(store, name.strip().lower()[:64], client_key(channel, address))


def _wait(reads: Store | Session, name: str, client: str) -> int:
    failures, last = reads.failures_since_success(name, channel=client)
    wait = _left(failures - FREE_FAILURES, last, MAX_WAIT)
    if not wait and not reads.signed_in_from(name, client, _now() - timedelta(days=FAMILIAR_DAYS)):
        failures, last = reads.failures_since_success(name)
        wait = _left(failures - ACCOUNT_FREE_FAILURES, last, ACCOUNT_MAX_WAIT)
    return wait


def _left(beyond: int, last, longest: int) -> int:
    """Seconds still to wait after the failure at ``last``, ``beyond`` failures past the free ones."""
    if beyond < 0 or last is None:
        return 0
    wait = min(FIRST_WAIT * 2 ** min(beyond, 20), longest)
    return max(0, int(wait - (_now() - last).total_seconds() + 0.999))


def authenticate(store: Store, name: str, password: str, channel: str = "web", address: str | None = None) -> User:
    """The user when ``password`` is theirs and they are not disabled; :class:`SignInRefused` otherwise.
    ``address`` is the client's (the web's); every attempt is recorded in ``audit_event``, and the throttle
    (see the module's docstring) reserves it before the password is checked."""
    name = name.strip().lower()[:64]
    client = client_key(channel, address)
    with store.sign_in_transaction(name) as tx:
        wait = _wait(tx, name, client)
        tx.record_event(_now(), name, "sign_in", "throttled" if wait else "checking", client, None)
        row = None if wait else tx.account(name)
    if wait:
        raise SignInRefused(*bilingual("auth_throttled", wait=wait), wait)
    stored = row["password_hash"].encode("ascii") if row else _dummy_hash()
    try:
        ok = bcrypt.checkpw(password.encode("utf-8")[:72], stored)
    except ValueError:
        ok = False
    if not row or not ok or row["disabled"]:
        record(store, name, "sign_in", "failed", client,
               "unknown user" if not row else ("disabled" if ok else "wrong password"))
        raise SignInRefused(*bilingual("auth_wrong_password"))
    record(store, name, "sign_in", "ok", client)
    return _user(row)


def unlock_sign_in(store: Store, acting: User | None, name: str, channel: str) -> None:
    """Clear ``name``'s sign-in throttle, for every client and the account (admins); recorded in the audit as the
    outcome ``unlocked`` of the account's sign-ins, with the admin's name."""
    name = name.strip().lower()
    with store.transaction() as tx:
        admin = require(tx, acting, "admin")
        if tx.account(name) is None:
            raise UserError(*bilingual("auth_no_such_user", name=name))
        tx.record_event(_now(), name, "sign_in", "unlocked", channel, f"by {admin.name}")


def _user(row: dict) -> User:
    unit = ((row["unit_province_code"], row["unit_province_valid_from"], row["unit_code"])
            if row.get("unit_code") else None)
    return User(row["name"], row["display_name"], row["role"], unit)


def current(store: Store | Session, user: User) -> User | None:
    """``user`` as the database holds the account now: None when it was disabled or removed."""
    row = store.account(user.name)
    return None if row is None or row["disabled"] else _user(row)


def audit(store: Store, limit: int = 1000):
    """The latest sign-ins and data-replacing commands, newest first (a DataFrame)."""
    return store.audit_events(limit)


# A role as the refusals of require() name it, in each language
_ROLE_NAMES = {"viewer": N_("auth_role_viewer"), "reporter": N_("auth_role_reporter"),
               "analyst": N_("auth_role_analyst"), "admin": N_("auth_role_admin")}


def _with_roles(key: str, name: str = "", **roles: str) -> tuple[str, str]:
    """``key`` in Vietnamese and English, each role of ``roles`` named in that language."""
    vi, en = ({k: label(_ROLE_NAMES[r], lang) for k, r in roles.items()} for lang in ("vi", "en"))
    return label(key, "vi", name=name, **vi), label(key, "en", name=name, **en)


def require(store: Store | Session, user: User | None, role: str) -> User:
    """The user as stored now, if they hold ``role``; :class:`PermissionDenied` otherwise."""
    if user is None:
        raise PermissionDenied(*_with_roles(N_("auth_sign_in_as"), role=role))
    now = current(store, user)
    if now is None:
        raise PermissionDenied(*bilingual("auth_account_inactive", name=user.name))
    if not now.can(role):
        raise PermissionDenied(*_with_roles(N_("auth_role_too_low"), user.name, held=now.role, role=role))
    return now


def add_user(store: Store, acting: User | None, name: str, password: str, role: str,
             display_name: str | None = None, unit: tuple[str, date, str] | None = None) -> User:
    """Create a user. Only an admin may, except for the very first admin of an empty user table
    (``python -m indicators users add NAME --role admin`` on the server)."""
    name = name.strip().lower()
    if not _NAME.match(name):
        raise UserError(*bilingual("auth_user_name"))
    _check_role(role)
    password_hash = hash_password(password)
    with store.transaction() as tx:
        if tx.user_count() == 0 and acting is None:
            if role != "admin":
                raise UserError(*bilingual("auth_first_user_admin"))
            created_by = "(first admin)"
        else:
            created_by = require(tx, acting, "admin").name
        if tx.account(name) is not None:
            raise UserError(*bilingual("auth_user_exists", name=name))
        tx.insert_user(name, display_name or name, role, password_hash, created_by, _now())
        _set_unit(tx, name, role, unit)
    return User(name, display_name or name, role, unit)


def _set_unit(tx: Session, name: str, role: str, unit: tuple[str, date, str] | None) -> None:
    """A reporter belongs to one unit, which must exist; other roles act for the whole province or more."""
    if role == "reporter" and unit is None:
        raise UserError(*bilingual("auth_reporter_needs_unit"))
    if unit is not None:
        if role != "reporter":
            raise UserError(*bilingual("auth_unit_only_reporter"))
        known = tx.units((unit[0], unit[1]))
        if not (known.code == unit[2]).any():
            raise UserError(*bilingual("auth_no_such_unit", unit=unit[2], province=unit[0]))
    tx.set_user_unit(name, unit)


def set_user(store: Store, acting: User, name: str, *, role: str | None = None,
             password: str | None = None, disabled: bool | None = None,
             unit: tuple[str, date, str] | None = None) -> None:
    """Change a user's role, password, unit or disabled flag: admins. Anyone else may change their own password
    and nothing else (a reporter moving itself to another unit would write that unit's data)."""
    name = name.strip().lower()
    password_hash = hash_password(password) if password is not None else None
    with store.transaction() as tx:
        own_password_only = (acting is not None and name == acting.name and password is not None
                             and role is None and disabled is None and unit is None)
        require(tx, acting, "viewer" if own_password_only else "admin")
        if tx.account(name) is None:
            raise UserError(*bilingual("auth_no_such_user", name=name))
        if role is not None:
            _check_role(role)
        tx.update_user(name, role=role, password_hash=password_hash, disabled=disabled)
        if role is not None or unit is not None:
            row = tx.account(name)
            kept = _user(row).unit
            _set_unit(tx, name, row["role"], (unit or kept) if row["role"] == "reporter" else None)
        if tx.active_admins() == 0:
            raise UserError(*bilingual("auth_last_admin"))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(*bilingual("auth_role_one_of", roles=", ".join(ROLES)))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(*bilingual("auth_password_short", least=MIN_PASSWORD))
    if len(password.encode("utf-8")) > 72:
        raise UserError(*bilingual("auth_password_long"))


def has_users(store: Store) -> bool:
    return store.user_count() > 0


def list_users(store: Store):
    """Every account (no password hashes), as a DataFrame."""
    return store.users()


def backup_database(store: Store, user: User | None, target, channel: str):
    """A backup made by ``user`` (an admin, checked in the database), recorded in the audit."""
    acting = require(store, user, "admin")
    try:
        path = store.backup(target)
    except BackupFailed as failed:
        record(store, acting.name, "backup", "failed", channel, failed.en[:300])
        raise
    record(store, acting.name, "backup", "ok", channel, path.name)
    return path
