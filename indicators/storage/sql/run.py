"""How the shared store runs a statement: on a cursor of its own (the store) or on the transaction's (a
session), through its backend. Every value is passed as a parameter; frames are bound by name, never pasted
into SQL."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import pandas as pd

from ..backend import Backend, Cursor

Params = Sequence[Any] | dict[str, Any]


class Executor:
    """What the aggregates' reads and writes need: the backend and a cursor to run on."""

    db: Backend

    @contextmanager
    def _cursor(self) -> Iterator[Cursor]:  # pragma: no cover - the store and the session each have their own
        raise NotImplementedError
        yield

    def _df(self, sql: str, params: Params = ()) -> pd.DataFrame:
        with self._cursor() as cur:
            return cur.execute(sql, params).df()

    def _one(self, sql: str, params: Params = ()) -> tuple | None:
        with self._cursor() as cur:
            return cur.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Params = ()) -> list[tuple]:
        with self._cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def _value(self, sql: str, params: Params = ()) -> Any:
        row = self._one(sql, params)
        return row[0] if row else None

    def _run(self, sql: str, params: Params = ()) -> None:
        with self._cursor() as cur:
            cur.execute(sql, params)

    def _next_id(self, sequence: str) -> int:
        """The next value of one of the schema's sequences (a new batch's id, taken before its row is written)."""
        with self._cursor() as cur:
            return self.db.next_id(cur, sequence)

    def _rows_of(self, query: str, params: list) -> tuple[str, list]:
        """A FROM clause for the rows of ``query`` (plain SQL that DuckDB and PostgreSQL read alike): DuckDB runs
        it on its file; on PostgreSQL, PostgreSQL's planner runs it, where the indexes are."""
        return self.db.rows_of(query, params)

    def _execute(self, statement: str, params: list) -> None:
        """Run ``statement`` (plain SQL that DuckDB and PostgreSQL read alike) where the rows are, in the same
        transaction."""
        with self._cursor() as cur:
            self.db.execute(cur, statement, params)

    @contextmanager
    def _bound(self, name: str, frame: Any) -> Iterator[Cursor]:
        """A cursor on which ``frame`` (pandas or Arrow) can be read as the table ``name``."""
        with self._cursor() as cur, self.db.frame(cur, name, frame):
            yield cur


def arrow(frame: pd.DataFrame):
    """``frame`` as an Arrow table, which DuckDB scans without converting Python objects one by one."""
    import pyarrow as pa  # noqa: PLC0415 - a dependency of Streamlit

    return pa.Table.from_pandas(frame, preserve_index=False)


def record_params(province_key: Any) -> list[Any]:
    """The parameters of ``(? IS NULL OR (province_code = ? AND province_valid_from = ?))``: one province
    record, or every one."""
    return [None, None, None] if province_key is None else [province_key[0], *province_key]


def log_change(run: Executor, kind: str, detail: str | None = None) -> None:
    """One entry of the change log (what the data version counts), in ``run``'s transaction."""
    run._run("INSERT INTO data_change (happened_at, kind, detail) VALUES (now()::TIMESTAMP, ?, ?)", [kind, detail])


@dataclass(frozen=True)
class RowTrail:
    """The append-only history of a table written row by row under a key (task progress, units): each insert,
    replace and undo with the old and new row as JSON, who and when. The statements are made once here from the
    two tables' names and the key's columns; the table and column names are the code's own, never a user's."""

    history: str
    table: str
    key: tuple[str, ...]

    def log(self, run: Executor, batch_id: int, action: str, key: tuple, old_row: str | None, new_row: str | None,
            who: str, when: Any) -> None:
        columns = ", ".join(("batch_id", "action", *self.key, "old_row", "new_row", "changed_by", "changed_at"))
        run._run(f"INSERT INTO {self.history} ({columns}) VALUES ({', '.join('?' * (len(self.key) + 6))})",
                 [batch_id, action, *key, old_row, new_row, who, when])

    def entries(self, run: Executor, batch_id: int) -> list[tuple]:
        """(action, *key, old row) of what ``batch_id`` wrote, newest first."""
        return run._all(f"SELECT action, {', '.join(self.key)}, old_row FROM {self.history}"
                        " WHERE batch_id = ? AND action IN ('insert', 'replace') ORDER BY id DESC", [batch_id])

    def later_batches(self, run: Executor, batch_id: int) -> list[int]:
        """The batches that changed, after ``batch_id``, a row ``batch_id`` wrote (its undo must wait for theirs)."""
        joined = " AND ".join(f"t.{c} = h.{c}" for c in self.key)
        return [r[0] for r in run._all(
            f"SELECT DISTINCT t.batch_id FROM {self.history} h JOIN {self.table} t ON {joined}"
            " WHERE h.batch_id = ? AND h.action IN ('insert', 'replace') AND t.batch_id <> ?", [batch_id, batch_id])]
