"""What every layout of the import engine shares: the preview it fills, the result of a commit, the refusals,
and the :class:`Layout` each kind of file implements (:mod:`.actuals`, :mod:`.targets`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, ClassVar, Protocol

import pandas as pd

from indicators.domain.registry import Registry
from indicators.domain.text import fold_ascii
from indicators.i18n import label
from indicators.services.auth import User

from ..errors import Bilingual
from ..storage import ConflictError, Session, Store
from .table import LIMITS, Limits, Problem, Table

__all__ = ["CommitResult", "ConflictError", "Context", "ImportRefused", "Layout", "MAX_PROBLEMS", "Preview",
           "file_digest", "find_plan", "plan_key", "refuse_if_changed_later"]

MAX_PROBLEMS = 1000  # problems kept (and shown) per file; the total is counted


class ImportRefused(Bilingual, ValueError):
    """A commit or an undo that cannot go ahead."""


@dataclass
class Preview:
    """What importing a file would do; nothing is written until :func:`commit`."""

    file_name: str
    sha256: str
    kind: str = "actuals"             # or "targets"
    layout: str | None = None         # "long", "wide" or "targets"
    sheet: str | None = None
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    diff: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per valid row, with its status
    default_source: str | None = None
    payload: Any = None               # what a layout keeps for its commit (the new plans of targets)
    version: tuple | None = None      # the database's data_version when the preview was made

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def rows(self, status: str) -> pd.DataFrame:
        return self.diff[self.diff.status == status] if len(self.diff) else self.diff

    @property
    def counts(self) -> dict[str, int]:
        counts = self.diff.status.value_counts().to_dict() if len(self.diff) else {}
        return {"insert": int(counts.get("insert", 0)), "change": int(counts.get("change", 0)),
                "unchanged": int(counts.get("unchanged", 0)), "rejected": self.problem_count}

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass(frozen=True)
class CommitResult:
    batch_id: int | None  # None: nothing to write (every row unchanged)
    inserted: int
    replaced: int
    unchanged: int


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def refuse_if_changed_later(later: list[int], what_vi: str, what_en: str) -> None:
    """An undo refused because later batches changed the same rows (every layout's undo asks this first)."""
    if later:
        ids = ", ".join(str(b) for b in later)
        raise ConflictError(label("imp_changed_later", "vi", batches=ids, what=what_vi),
                            label("imp_changed_later", "en", batches=ids, what=what_en))


def plan_key(number: str) -> str:
    """A plan's number as the target and progress sheets match it (``239/KH-UBND`` = ``239 kh-ubnd``)."""
    return re.sub(r"[^a-z0-9]+", "", fold_ascii(str(number)).lower())


def find_plan(plans: dict[str, Any], by_number: dict[str, str], text: str) -> str | None:
    """The id of the plan a cell names, by its id or its number."""
    return text if text in plans else by_number.get(plan_key(text))



@dataclass(frozen=True)
class Context:
    """Everything an import is checked against and every choice made for it, in one object handed from the page
    or the CLI through :func:`indicators.imports.engine.preview` to the layout: the province registry, the
    indicator catalogue, who imports (a layout refuses at once what their role, as stored now, may not write),
    today's date (None: the day of the preview), the sheet of a workbook, the indicator of a wide sheet, the
    year of a Ministry's table (:mod:`.ministry`), the source given for the whole file, the limits, and whether
    the file is parsed in a process of its own (the dashboard server, where other sessions run)."""

    registry: Registry
    indicators: pd.DataFrame
    user: User | None = None
    today: date | None = None
    sheet: str | None = None
    indicator: str | None = None
    year: int | None = None
    source: str | None = None
    limits: Limits = LIMITS
    apart: bool = False

    @classmethod
    def of(cls, store: Store, **choices: Any) -> Context:
        """The context of an import into ``store``: its province registry and indicator catalogue, with the
        choices given (``user``, ``today``, ``sheet``…)."""
        return cls(Registry(store.provinces(), store.province_aliases()), store.indicators(), **choices)

    def dated(self) -> Context:
        """This context with today's date filled in when none was given."""
        return self if self.today is not None else replace(self, today=date.today())


class Layout(Protocol):
    """One kind of file the engine imports. :func:`indicators.imports.engine.preview` asks each layout in
    :data:`~indicators.imports.engine.LAYOUTS` whether it recognises the header; a commit is written by
    :func:`indicators.imports.writing.commit_batch` with what the layout that made the preview says (it is a
    :class:`~indicators.imports.writing.Writer` too), and an undo goes to the layout that made the batch."""

    kind: ClassVar[str]  # "actuals", "targets": the preview's and the batch's kind

    def recognises(self, keys: list[str]) -> bool:
        """Whether the header (cells folded by ``reader.header_key``) is this layout's."""

    def header_problems(self, header: list[str], row: int) -> list[Problem]:
        """Refusals of the header alone, checked before the rest of the file is read."""

    def check(self, store: Store, context: Context, table: Table, result: Preview) -> None:
        """Check every row and compare with what is stored: problems and ``result.diff`` (with a status per row)."""

    def undo(self, tx: Session, batch_id: int, acting: User, now: datetime) -> int:
        """Take back what the batch wrote, inside the caller's transaction; the rows restored."""
