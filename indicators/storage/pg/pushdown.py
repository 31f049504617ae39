"""What the PostgreSQL backend hands to PostgreSQL itself rather than to the extension's scan, for the store and
for a transaction alike (``postgres_query`` and ``postgres_execute`` run on the transaction's own connection, so
they see what it wrote): the backend's :meth:`~.backend.PgBackend.rows_of` and
:meth:`~.backend.PgBackend.execute`, and the :class:`PgPushdown` of an import's keys and the targets' series.

The extension's scan of an attached table reads the whole table in ctid ranges whatever the filter
(duckdb-postgres#369), so a read or a join that would touch a few rows of ``actual`` reads millions. Here each
such statement is a finished query for PostgreSQL's planner, whose indexes serve it; the values in it are
quoted by psycopg's SQL composition, never pasted in. A frame (an import's keys, the pairs of the targets'
series) travels as arrays, dictionary-encoded, that PostgreSQL unnests (:func:`unnest`).
"""

from __future__ import annotations

import re

import pandas as pd
from psycopg import sql

from ..backend import Cursor, Pushdown

CATALOG = "pg"
_KEY = {"province_code": "text", "province_valid_from": "date", "unit_code": "text", "indicator_code": "text",
        "period": "text"}
_ON_KEY = sql.SQL(" AND ").join(sql.SQL("a.{c} = {t}.{c}").format(c=sql.Identifier(column), t=sql.Identifier("i"))
                                for column in _KEY)


def on_postgresql() -> str:
    """A FROM clause: the rows of the query (its one parameter) as PostgreSQL's planner finds them."""
    return f"(SELECT * FROM postgres_query('{CATALOG}', ?))"


def remote_rows(query: str, params: list) -> tuple[str, list]:
    """The rows of ``query`` chosen by PostgreSQL itself, so that its indexes serve them rather than the
    extension's scan (docs/benchmarks.md)."""
    return on_postgresql(), [_composed(query, params).as_string(None)]


def run_remote(cur: Cursor, statement: sql.Composable) -> None:
    """A finished statement run by PostgreSQL itself (``postgres_execute``), in ``cur``'s transaction."""
    cur.execute(f"CALL postgres_execute('{CATALOG}', ?)", [statement.as_string(None)])


def execute_remote(cur: Cursor, statement: str, params: list) -> None:
    """``statement`` run by PostgreSQL in the transaction, each ``?`` its value quoted by psycopg: a write
    joined in DuckDB would read whole tables through the extension."""
    run_remote(cur, _composed(statement, params))


class PgPushdown(Pushdown):
    """An import's keys and the targets' series joined by PostgreSQL on its indexes."""

    def series_source(self, wanted: pd.DataFrame) -> tuple[str, list]:
        """For each wanted (province era, indicator) pair, its province figures found by PostgreSQL through the
        ``actual_indicator`` index (the extension would read the whole table to join it in DuckDB;
        docs/benchmarks.md). ``OFFSET 0`` keeps the lateral join a loop over the pairs, which the planner cannot
        count inside ``unnest``."""
        query = sql.SQL("SELECT a.* FROM {} CROSS JOIN LATERAL (SELECT * FROM actual a WHERE a.unit_code = ''"
                        " AND a.province_code = i.province_code AND a.province_valid_from = i.province_valid_from"
                        " AND a.indicator_code = i.indicator_code OFFSET 0) a").format(
            unnest(wanted, {"province_code": "text", "province_valid_from": "date", "indicator_code": "text"}))
        return on_postgresql(), [query.as_string(None)]

    def stored_actuals(self, cur: Cursor, keys: pd.DataFrame) -> pd.DataFrame:
        """The import's comparison, joined by PostgreSQL on the primary key (the extension would read all of
        ``actual`` to join it in DuckDB: at reference scale most of a 100,000-row preview)."""
        # one probe of the primary key per incoming row, in the file's order (LIMIT 1 keeps the planner from
        # flattening the lateral join into a merge join on a misjudged row count; sorting the keys first, in
        # PostgreSQL or here, cost more than the locality it bought: docs/benchmarks.md)
        query = sql.SQL("SELECT i.position - 1 AS position, a.value AS old_value, a.source AS old_source,"
                        " a.note AS old_note, a.batch_id AS old_batch_id FROM {}"
                        " CROSS JOIN LATERAL (SELECT * FROM actual a WHERE {} LIMIT 1) a").format(
            unnest(keys, _KEY, numbered="position"), _ON_KEY)
        found = cur.execute(f"SELECT * FROM {on_postgresql()}", [query.as_string(None)]).df()
        return found.assign(position=keys["position"].to_numpy()[found["position"].to_numpy(dtype="int64")])

    def replace_actuals(self, cur: Cursor, batch_id: int, rows: pd.DataFrame) -> None:
        """The stored figures of ``rows`` replaced by theirs, by PostgreSQL in the transaction (an UPDATE joined
        in DuckDB would read all of ``actual`` through the extension). The planner cannot know that each
        incoming row meets one stored row, so it is told to probe the primary key for each rather than sort
        both sides for a merge join (about twice as fast: docs/benchmarks.md). The settings are the
        transaction's and are reset after the statement."""
        update = sql.SQL("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
                         " UPDATE actual a SET value = i.value, source = i.source, note = i.note, batch_id = {}"
                         " FROM {} WHERE {}; RESET enable_hashjoin; RESET enable_mergejoin").format(
            sql.Literal(int(batch_id)),
            unnest(rows, {**_KEY, "value": "double precision", "source": "text", "note": "text"}), _ON_KEY)
        run_remote(cur, update)


def _composed(query: str, params: list) -> sql.Composed:
    """``query`` with each ``?`` replaced by its value, quoted by psycopg's SQL composition (the queries are the
    backend's own: no braces, no ``?`` but the parameters)."""
    return sql.SQL(query.replace("?", "{}")).format(*map(sql.Literal, params))


def unnest(frame: pd.DataFrame, columns: dict[str, str], numbered: str | None = None) -> sql.Composed:
    """``frame``'s columns as the FROM item ``i`` (and, with ``numbered``, a column of that name counting the rows
    from 1). Each column travels dictionary-encoded: an array of its distinct values and an array of each row's
    number in it, unnested side by side and looked up by PostgreSQL. An import's keys repeat a few provinces,
    indicators and periods, so PostgreSQL parses a quarter of the text it would parse for the values
    themselves (the extension has every query parsed twice). The distinct values are PostgreSQL's array text
    (each double-quoted, its backslashes and quotes escaped), one string literal quoted by psycopg."""
    codes, lookups = [], []
    for column, kind in columns.items():
        number, distinct = pd.factorize(frame[column], use_na_sentinel=True)   # -1, a missing value: NULL
        codes.append(sql.SQL("{}::int[]").format(sql.Literal("{" + ",".join((number + 1).astype(str).tolist()) + "}")))
        lookups.append(sql.SQL("({}::{}[])[{}] AS {}").format(
            sql.Literal(_array_text(pd.Series(distinct, dtype=object), kind)), sql.SQL(kind),
            sql.Identifier(f"n_{column}"), sql.Identifier(column)))
    names = [sql.Identifier(f"n_{column}") for column in columns] + ([sql.Identifier(numbered)] if numbered else [])
    return sql.SQL("(SELECT {}{} FROM unnest({}){} AS n ({})) i").format(
        sql.SQL(", ").join(lookups), sql.SQL(", {}").format(sql.Identifier(numbered)) if numbered else sql.SQL(""),
        sql.SQL(", ").join(codes), sql.SQL(" WITH ORDINALITY" if numbered else ""), sql.SQL(", ").join(names))


def _array_text(distinct: pd.Series, kind: str) -> str:
    if kind == "date":
        text = pd.to_datetime(distinct).dt.strftime("%Y-%m-%d")
    elif kind == "double precision":
        text = distinct.astype(float).map(repr)
    else:
        text = distinct.astype(str)
    quoted = '"' + text.str.replace("\\", "\\\\", regex=False).str.replace('"', '\\"', regex=False) + '"'
    return "{" + ",".join(quoted.tolist()) + "}"


def sequence_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"not a sequence name: {name}")
    return name
