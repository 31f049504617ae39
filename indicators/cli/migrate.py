"""``python -m indicators migrate --from data/kpi.duckdb --to postgresql://…`` (and back): the whole database
moved between the backends, history and users included, checked row by row."""

from __future__ import annotations

import argparse
import sys

from indicators.cli.helpers import NO_USERS, actor
from indicators.i18n import label
from indicators.services.auth import has_users
from indicators.storage import copy_database, database_ref, describe, open_store


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, signed_in, lang: str = "en") -> None:
    migrate = sub.add_parser("migrate", parents=[common], help=label("cli_help_migrate", lang))
    migrate.add_argument("--from", dest="source", type=database_ref, required=True,
                         help=label("cli_help_migrate_from", lang))
    migrate.add_argument("--to", dest="target", type=database_ref, required=True,
                         help=label("cli_help_migrate_to", lang))
    migrate.add_argument("--user", help=label("cli_help_migrate_user", lang))
    migrate.set_defaults(run=lambda args: run(args, signed_in, lang))


def run(args: argparse.Namespace, signed_in, lang: str = "en") -> int:
    source = open_store(args.source)       # the sign-in is recorded in the source's audit trail (and copied)
    try:
        who = signed_in(source, args.user, "admin").name if has_users(source) else NO_USERS
    finally:
        source.close()
    counts = copy_database(args.source, args.target)
    print(label("cli_copied", lang, source=describe(args.source), target=describe(args.target), who=actor(who, lang),
                actuals=counts["actual"], batches=counts["import_batch"], users=counts["app_user"]), file=sys.stderr)
    return 0
