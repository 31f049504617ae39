"""The privileges of the dashboard's own role on PostgreSQL: exactly the statements the app runs on each table.

The owner's role builds, migrates and restores (and holds every privilege); the role the app servers connect
as reads every table and writes only what the pages and the CLI's everyday commands write. The history and
audit tables, the import batches, the migration ledger and ``meta`` are never rewritten by it: who imported a
batch (``imported_by``, from which undo decides who may undo it) and what the history says stay as written.
Undo marks a batch undone, so ``import_batch`` grants UPDATE on ``undone_by`` and ``undone_at`` only; an account's
role, password, state and unit change, so ``app_user`` grants UPDATE on those columns only.

``python3 -m indicators.storage.pg.grants ROLE`` prints the script (deploy/run.sh runs it as the owner after
each build, so that a table a migration adds gets its privileges too). A new table must be named here: the
script refuses a schema with a table it does not know.
"""

from __future__ import annotations

import sys

from psycopg import sql

READ = ("SELECT",)
APPEND = ("SELECT", "INSERT")
CURRENT = ("SELECT", "INSERT", "UPDATE", "DELETE")      # current state, each change logged in a history table
# table → (table privileges, columns the app may UPDATE where it may not update the whole row)
APP_PRIVILEGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # the schema's bookkeeping and the reference data: written by the owner's build and migrations only
    "meta": (READ, ()), "schema_migration": (READ, ()),
    "region": (READ, ()), "province": (READ, ()), "province_alias": (READ, ()), "indicator_family": (READ, ()),
    "indicator": (READ, ()), "indicator_method_change": (READ, ()), "task": (READ, ()), "unit_group": (READ, ()),
    "national_value": (READ, ()),
    # append-only: the batches (undone by two columns), the histories, the audit and the change log
    "import_batch": (APPEND, ("undone_by", "undone_at")),
    "actual_history": (APPEND, ()), "target_history": (APPEND, ()), "lock_history": (APPEND, ()),
    "task_progress_history": (APPEND, ()), "unit_score_history": (APPEND, ()), "unit_history": (APPEND, ()),
    "audit_event": (APPEND, ()), "data_change": (APPEND, ()),
    # accounts: added, and their role, password, state and unit changed; never removed or renamed
    "app_user": (APPEND, ("role", "password_hash", "disabled", "unit_province_code", "unit_province_valid_from",
                          "unit_code")),
    # what imports, undos and locks change, each change written to a history table above
    "actual": (CURRENT, ()), "target": (CURRENT, ()), "task_progress": (CURRENT, ()), "unit": (CURRENT, ()),
    "unit_score": (CURRENT, ()), "period_lock": (("SELECT", "INSERT", "DELETE"), ()),
    "plan": (("SELECT", "INSERT", "DELETE"), ()), "unit_successor": (("SELECT", "INSERT", "DELETE"), ()),
    "unit_index_criterion": (("SELECT", "INSERT", "DELETE"), ()), "unit_alias": (("SELECT", "DELETE"), ()),
}


def grant_script(role: str, schema: str = "public") -> str:
    """The SQL (one transaction, for psql as the tables' owner) that leaves ``role`` with exactly
    :data:`APP_PRIVILEGES` on ``schema``'s tables, USAGE and SELECT on its sequences (``nextval``, pg_dump;
    not ``setval``) and no other privilege there. It stops, changing nothing, at a table it does not name."""
    who, where = sql.Identifier(role), sql.Identifier(schema)
    known = sql.SQL(", ").join(sql.Literal(name) for name in APP_PRIVILEGES)
    out = [sql.SQL("BEGIN"),
           sql.SQL("DO $$ DECLARE unknown text; BEGIN SELECT string_agg(tablename, ', ') INTO unknown FROM pg_tables"
                   " WHERE schemaname = {} AND tablename NOT IN ({}); IF unknown IS NOT NULL THEN RAISE EXCEPTION"
                   " 'tables without privileges for the app role in indicators/storage/pg/grants.py: %', unknown;"
                   " END IF; END $$").format(sql.Literal(schema), known),
           sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(where, who),   # with their columns
           sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(where, who),
           sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, who)]
    for table, (privileges, columns) in APP_PRIVILEGES.items():
        name = sql.Identifier(schema, table)
        out.append(sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(", ").join(map(sql.SQL, privileges)), name, who))
        if columns:
            out.append(sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), name, who))
    out += [sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(where, who), sql.SQL("COMMIT")]
    return ";\n".join(statement.as_string(None) for statement in out) + ";\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m indicators.storage.pg.grants ROLE  (prints the grants' SQL for psql)")
    sys.stdout.write(grant_script(sys.argv[1]))
