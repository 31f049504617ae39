"""The storage seam: what the import engine, sign-in, the views and the CLI may ask of a database, one small
interface per aggregate.

Each aggregate (reference, actuals, targets and plans, tasks and progress, units, the units' index, users and
the audit, locks, batches, health) has a ``…Reads`` interface (what a store and a session read) and, where it is
written, a ``…Writes`` one (only a session, inside :meth:`Store.transaction`). :class:`Store` is every read plus
the :class:`Lifecycle`; :class:`Session` is every read and every write. :meth:`Store.transaction` is the one
transaction helper: it commits at the end of its block, rolls back on any error and turns the backend's write
conflicts into :class:`~indicators.storage.errors.ConflictError` and a refusing disk into
:class:`~indicators.storage.errors.StorageFailed`. Nothing above the seam sees SQL, a cursor or the backend's
own exceptions. Frames go in and out as pandas DataFrames with the column names given here.

Both backends are one implementation of these interfaces (:mod:`indicators.storage.sql`) over a
:class:`~indicators.storage.backend.Backend`; a new backend implements that small interface only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

# A target's row as the store keeps it, in this order (the target import writes and compares these columns).
TARGET_COLUMNS = ["id", "plan_id", "province_code", "province_valid_from", "indicator_code", "comparator",
                  "target_value", "target_high", "baseline_period", "baseline_value", "start_period",
                  "deadline_period", "recurring", "source_quote", "note"]

UnitKey = tuple[str, date, str]     # (province code, province valid_from, unit code)


@dataclass(frozen=True)
class NewBatch:
    """The row of a new import batch: its source, the channel it came by (``source_kind``: upload, cli, web, form,
    reference), the file's name and SHA-256, who and when, how many rows, a note, the batch's kind and the sheet;
    the rows added, changed, unchanged and refused (None: not counted) and the status (imported, or refused: an
    attempt recorded that wrote nothing)."""

    source: str
    source_kind: str
    file_name: str | None
    file_sha256: str | None
    imported_by: str
    imported_at: datetime
    row_count: int
    note: str | None
    kind: str = "actuals"
    sheet: str | None = None
    rows_added: int | None = None
    rows_changed: int | None = None
    rows_unchanged: int | None = None
    rows_refused: int | None = None
    status: str = "imported"


class ReferenceReads(ABC):
    """The registry of provinces (with validity) and the indicator catalogue."""

    @abstractmethod
    def provinces(self) -> pd.DataFrame: ...
    @abstractmethod
    def province_aliases(self) -> pd.DataFrame: ...
    @abstractmethod
    def indicators(self) -> pd.DataFrame: ...
    @abstractmethod
    def method_changes(self) -> pd.DataFrame: ...


class ActualReads(ABC):
    """Actuals: never the whole table at once (4.7 million rows at ten times the country's volume)."""

    @abstractmethod
    def actuals(self, province_code: str | None = None, province_valid_from: date | None = None,
                indicator_code: str | None = None, period: str | None = None,
                unit_code: str | None = "") -> pd.DataFrame:
        """Actuals with their province's name and source, filtered by any of the arguments: the province's own
        figures by default (``unit_code=''``), one unit's, or (``unit_code=None``) the province's and its units'."""
    @abstractmethod
    def indicator_actuals(self, indicator_code: str) -> pd.DataFrame:
        """One indicator's actuals, every province and period, with ``province_key`` (``42|2004-01-01``)."""
    @abstractmethod
    def actual_series(self, series: pd.DataFrame) -> pd.DataFrame:
        """The actuals of every (province_code, province_valid_from, indicator_code) row of ``series``."""
    @abstractmethod
    def actual_coverage(self) -> pd.DataFrame:
        """Each (indicator, province era) that has province figures, with ``province_key``."""
    @abstractmethod
    def national_values(self, indicator_code: str | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def stored_actuals(self, keys: pd.DataFrame) -> pd.DataFrame:
        """For each row of ``keys`` (position + the four key columns) that is stored: position, old_value,
        old_source, old_note, old_batch_id."""
    @abstractmethod
    def history(self, batch_id: int | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def replay_differences(self) -> int:
        """How many actuals differ between the table and a replay of their history (0: the trail is whole)."""


class ActualWrites(ABC):
    @abstractmethod
    def write_actuals(self, batch_id: int, rows: pd.DataFrame, who: str, when: datetime) -> None: ...
    @abstractmethod
    def later_actual_batches(self, batch_id: int) -> list[int]: ...
    @abstractmethod
    def units_of_batch(self, batch_id: int) -> list[UnitKey]: ...
    @abstractmethod
    def missing_old_batches(self, batch_id: int) -> list[int]: ...
    @abstractmethod
    def locked_period_of_batch(self, batch_id: int) -> str | None: ...
    @abstractmethod
    def undo_actuals(self, batch_id: int, who: str, when: datetime) -> int: ...


class TargetReads(ABC):
    """Plans and their targets, as the pages show them and as the target import compares them."""

    @abstractmethod
    def plans(self) -> pd.DataFrame: ...
    @abstractmethod
    def targets(self, province_keys: Sequence[tuple[str, date]] | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def target_history(self, batch_id: int | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def plan_index(self) -> dict[str, dict[str, Any]]: ...
    @abstractmethod
    def target_keys(self) -> pd.DataFrame: ...
    @abstractmethod
    def target_row(self, target_id: str) -> dict[str, Any] | None: ...
    @abstractmethod
    def plan_exists(self, plan_id: str) -> bool: ...
    @abstractmethod
    def imported_plans(self) -> pd.DataFrame: ...
    @abstractmethod
    def plan_target_count(self, plan_id: str) -> int: ...


class TargetWrites(ABC):
    @abstractmethod
    def insert_plan(self, plan: dict[str, Any], batch_id: int) -> None: ...
    @abstractmethod
    def insert_target(self, values: dict[str, Any], batch_id: int) -> None: ...
    @abstractmethod
    def update_target(self, target_id: str, values: dict[str, Any], batch_id: int) -> None: ...
    @abstractmethod
    def delete_target(self, target_id: str) -> None: ...
    @abstractmethod
    def delete_imported_plan(self, plan_id: str) -> None: ...
    @abstractmethod
    def log_target(self, batch_id: int, action: str, target_id: str, old_row: str | None, new_row: str | None,
                   who: str, when: datetime) -> None: ...
    @abstractmethod
    def target_entries(self, batch_id: int) -> list[tuple[str, str, str | None]]: ...
    @abstractmethod
    def later_target_batches(self, batch_id: int) -> list[int]: ...


class TaskReads(ABC):
    """The plans' tasks and the progress of each occurrence."""

    @abstractmethod
    def tasks(self) -> pd.DataFrame: ...
    @abstractmethod
    def task_progress(self) -> pd.DataFrame: ...
    @abstractmethod
    def progress_history(self, batch_id: int | None = None) -> pd.DataFrame: ...


class TaskWrites(ABC):
    @abstractmethod
    def write_progress(self, key: tuple[str, str, str], row: dict[str, Any], old: dict[str, Any] | None,
                       batch_id: int, old_json: str | None, new_json: str, who: str, when: datetime) -> None: ...
    @abstractmethod
    def progress_entries(self, batch_id: int) -> list[tuple]: ...
    @abstractmethod
    def later_progress_batches(self, batch_id: int) -> list[int]: ...
    @abstractmethod
    def restore_progress(self, batch_id: int, key: tuple[str, str, str], old: dict[str, Any] | None,
                         who: str, when: datetime) -> None: ...


class UnitReads(ABC):
    """Units below the province, their successors and groups."""

    @abstractmethod
    def units(self, province_key: tuple[str, date] | None = None, kinds: tuple[str, ...] | None = None
              ) -> pd.DataFrame:
        """Units (of one province record, of some kinds), with their successors as ``successor_codes``."""
    @abstractmethod
    def unit_validity(self) -> pd.DataFrame: ...
    @abstractmethod
    def unit_groups(self) -> pd.DataFrame: ...
    @abstractmethod
    def unit_names(self) -> dict[UnitKey, str]:
        """(province code, province valid_from, unit code) → name of every department and other body."""
    @abstractmethod
    def unit_history(self, batch_id: int | None = None) -> pd.DataFrame:
        """Every unit an analyst added, changed or retired (of one batch), old and new row."""


class UnitIndexReads(ABC):
    """The province's own index of its units: criteria per year and scope, and each unit's points."""

    @abstractmethod
    def index_units(self) -> pd.DataFrame: ...
    @abstractmethod
    def index_criteria(self, province_key: tuple[str, date] | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def unit_scores(self, province_key: tuple[str, date] | None = None) -> pd.DataFrame: ...
    @abstractmethod
    def stored_scores(self, keys: pd.DataFrame) -> pd.DataFrame: ...
    @abstractmethod
    def score_history(self, batch_id: int | None = None) -> pd.DataFrame: ...


class UnitWrites(ABC):
    @abstractmethod
    def unit_row(self, key: UnitKey) -> dict[str, Any] | None: ...
    @abstractmethod
    def put_unit(self, key: UnitKey, row: dict[str, Any], batch_id: int | None, *, exists: bool) -> None: ...
    @abstractmethod
    def delete_unit(self, key: UnitKey) -> None: ...
    @abstractmethod
    def log_unit(self, batch_id: int, action: str, key: UnitKey, old_row: str | None,
                 new_row: str | None, who: str, when: datetime) -> None: ...
    @abstractmethod
    def unit_entries(self, batch_id: int) -> list[tuple]: ...
    @abstractmethod
    def later_unit_batches(self, batch_id: int) -> list[int]: ...


class UnitIndexWrites(ABC):
    @abstractmethod
    def write_criteria(self, rows: pd.DataFrame, batch_id: int) -> None: ...
    @abstractmethod
    def write_scores(self, rows: pd.DataFrame, batch_id: int, who: str, when: datetime) -> None: ...
    @abstractmethod
    def later_score_batches(self, batch_id: int) -> list[int]: ...
    @abstractmethod
    def undo_scores(self, batch_id: int, who: str, when: datetime) -> int: ...


class AccountReads(ABC):
    """Accounts and the audit of sign-ins and account changes."""

    @abstractmethod
    def account(self, name: str) -> dict[str, Any] | None:
        """name, display_name, role, password_hash, disabled — or None."""
    @abstractmethod
    def user_count(self) -> int: ...
    @abstractmethod
    def active_admins(self) -> int: ...
    @abstractmethod
    def users(self) -> pd.DataFrame:
        """Every account, without password hashes."""
    @abstractmethod
    def failures_since_success(self, name: str, action: str = "sign_in", channel: str | None = None
                               ) -> tuple[int, Any]:
        """Attempts of ``name`` whose password was checked (or is being checked) since its last success or
        unlock, and when the last one began; with ``channel``, only that channel's, since its last success."""
    @abstractmethod
    def signed_in_from(self, name: str, channel: str, since: datetime) -> bool:
        """Whether ``name`` signed in successfully from ``channel`` at ``since`` or later."""
    @abstractmethod
    def audit_events(self, limit: int = 1000) -> pd.DataFrame: ...


class AccountWrites(ABC):
    @abstractmethod
    def record_event(self, when: datetime, name: str, action: str, outcome: str, channel: str,
                     detail: str | None) -> None:
        """Append a row to the audit (which is never rewritten)."""
    @abstractmethod
    def insert_user(self, name: str, display_name: str, role: str, password_hash: str, created_by: str,
                    when: datetime) -> None: ...
    @abstractmethod
    def update_user(self, name: str, *, role: str | None = None, password_hash: str | None = None,
                    disabled: bool | None = None) -> None: ...
    @abstractmethod
    def set_user_unit(self, name: str, unit: UnitKey | None) -> None: ...


class LockReads(ABC):
    """Periods locked against imports."""

    @abstractmethod
    def locks(self) -> pd.DataFrame: ...
    @abstractmethod
    def lock_history(self) -> pd.DataFrame: ...
    @abstractmethod
    def is_locked(self, key: tuple[str, date], period: str) -> bool: ...
    @abstractmethod
    def locked_rows(self, frame: pd.DataFrame) -> list[tuple]:
        """(row, period, locked period, locked_by, locked_at) of each row inside a locked period."""


class LockWrites(ABC):
    @abstractmethod
    def set_lock(self, key: tuple[str, date], period: str, start: date, end: date, who: str, when: datetime,
                 note: str | None, *, lock: bool) -> None: ...


class BatchReads(ABC):
    """Import batches: every write of the pages' data belongs to one."""

    @abstractmethod
    def batches(self) -> pd.DataFrame: ...
    @abstractmethod
    def batch(self, batch_id: int) -> dict[str, Any] | None: ...


class BatchWrites(ABC):
    @abstractmethod
    def insert_batch(self, batch: NewBatch) -> int:
        """A new batch (its id from the one place ids are made, :mod:`indicators.storage.sql.identity`)."""
    @abstractmethod
    def mark_undone(self, batch_id: int, who: str, when: datetime) -> None: ...
    @abstractmethod
    def changed(self, kind: str, detail: str | None = None) -> None:
        """Log a change the pages show (the writes that need it call it themselves)."""


class HealthReads(ABC):
    """The data version and the checks of a database or a backup."""

    @abstractmethod
    def data_version(self) -> tuple:
        """(database identity, …) that changes with every committed write the pages show (import, undo, lock,
        build), whichever process or replica made it: what the pages' caches are keyed on. Two stores with the
        same data version hold the same data (a copy of a file is the same database; a restore makes a new one)."""
    @abstractmethod
    def table_counts(self) -> dict[str, int]: ...
    @abstractmethod
    def integrity_problems(self) -> list[str]:
        """Rows that point at something missing."""


class Reads(ReferenceReads, ActualReads, TargetReads, TaskReads, UnitReads, UnitIndexReads, AccountReads,
            LockReads, BatchReads, HealthReads, ABC):
    """What both a store and a session can read: every aggregate's reads."""


class Session(Reads, ActualWrites, TargetWrites, TaskWrites, UnitWrites, UnitIndexWrites, AccountWrites,
              LockWrites, BatchWrites, ABC):
    """The writes, only inside :meth:`Store.transaction` (or :meth:`Store.session` for the audit's records)."""


class Lifecycle(ABC):
    """A database's transactions, build, checks and backup."""

    path: Path | str
    backend: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Session]: ...
    @abstractmethod
    def session(self) -> AbstractContextManager[Session]: ...
    @abstractmethod
    def sign_in_transaction(self, name: str) -> AbstractContextManager[Session]:
        """A transaction that no other sign-in transaction of ``name`` overlaps, whatever thread, process or
        replica runs it: the throttle reads its counts and reserves the attempt as one step."""
    @abstractmethod
    def close(self) -> None: ...
    @abstractmethod
    def is_built(self) -> bool: ...
    @abstractmethod
    def applied_migrations(self) -> list[str]: ...
    @abstractmethod
    def refill(self, reference: Any, actual_files: list[Any]) -> Any: ...
    @abstractmethod
    def backup(self, target: Path | str) -> Path: ...


class Store(Reads, Lifecycle, ABC):
    """A database: every read, the one transaction helper, and the lifecycle."""


AGGREGATES = (ReferenceReads, ActualReads, ActualWrites, TargetReads, TargetWrites, TaskReads, TaskWrites,
              UnitReads, UnitWrites, UnitIndexReads, UnitIndexWrites, AccountReads, AccountWrites, LockReads,
              LockWrites, BatchReads, BatchWrites, HealthReads, Lifecycle)
