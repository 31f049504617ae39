"""``python -m indicators migrate --from data/kpi.duckdb --to postgresql://…`` (and back): the whole database
moved between the backends, history and users included, checked row by row."""

from __future__ import annotations

import argparse
import sys

from indicators.services.auth import has_users
from indicators.storage import copy_database, database_ref, describe, open_store


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, signed_in) -> None:
    migrate = sub.add_parser("migrate", parents=[common],
                             help="copy the whole database between a DuckDB file and PostgreSQL (admins)")
    migrate.add_argument("--from", dest="source", type=database_ref, required=True,
                         help="the database to copy: a DuckDB file or postgresql://user@host/db")
    migrate.add_argument("--to", dest="target", type=database_ref, required=True,
                         help="the new database: an empty PostgreSQL database, or a DuckDB file that does not exist")
    migrate.add_argument("--user", help="an admin of the source database (when it has users)")
    migrate.set_defaults(run=lambda args: run(args, signed_in))


def run(args: argparse.Namespace, signed_in) -> int:
    source = open_store(args.source)       # the sign-in is recorded in the source's audit trail (and copied)
    try:
        who = signed_in(source, args.user, "admin").name if has_users(source) else "(no users yet)"
    finally:
        source.close()
    counts = copy_database(args.source, args.target)
    print(f"copied {describe(args.source)} to {describe(args.target)} by {who}: every table checked row by row "
          f"({counts['actual']} actuals, {counts['import_batch']} batches, {counts['app_user']} users)",
          file=sys.stderr)
    return 0
