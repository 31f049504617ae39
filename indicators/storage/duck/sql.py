"""How the DuckDB backend runs a statement: on a cursor of its own (the store) or on the transaction's
(a session). Every value is passed as a parameter; frames are bound by name, never pasted into SQL."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

Params = Sequence[Any] | dict[str, Any]


class Executor:
    """What the read and write mixins need: a cursor to run on."""

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:  # pragma: no cover - each class has its own
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

    def _next_id(self, sequence: str) -> int:
        """The next value of one of the schema's sequences (a new batch's id, taken before its row is written)."""
        return int(self._value("SELECT nextval(?)", [sequence]))

    def _run(self, sql: str, params: Params = ()) -> None:
        with self._cursor() as cur:
            cur.execute(sql, params)

    @contextmanager
    def _bound(self, name: str, frame: Any) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on which ``frame`` (pandas or Arrow) can be read as the table ``name``."""
        with self._cursor() as cur:
            cur.register(name, frame)
            try:
                yield cur
            finally:
                cur.unregister(name)


def arrow(frame: pd.DataFrame):
    """``frame`` as an Arrow table, which DuckDB scans without converting Python objects one by one."""
    import pyarrow as pa  # noqa: PLC0415 - a dependency of Streamlit

    return pa.Table.from_pandas(frame, preserve_index=False)
