"""The command line's accounts: ``users list | add | set | unlock | audit``. A user may change their own password
(``users set SELF --password --user SELF``); everything else, including another user's password and anyone's
role, unit or access, needs an admin (checked in the database by :mod:`indicators.services.auth`)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from indicators.cli.helpers import Helpers
from indicators.i18n import label
from indicators.services.auth import ROLES, add_user, audit, has_users, set_user, unlock_sign_in
from indicators.services.exporting import to_csv


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, cli: Helpers) -> None:
    lang = cli.lang
    users = sub.add_parser("users", parents=[common], help=label("cli_help_users", lang))
    users_sub = users.add_subparsers(required=True, metavar="ACTION")
    listing = users_sub.add_parser("list", parents=[common])
    listing.set_defaults(run=lambda args: _list(args, cli))
    adding = users_sub.add_parser("add", parents=[common], help=label("cli_help_users_add", lang))
    adding.add_argument("name")
    adding.add_argument("--role", choices=list(ROLES), required=True)
    adding.add_argument("--display-name")
    adding.add_argument("--unit", help=label("cli_help_unit_option_example", lang))
    cli.user_option(adding, required=False)
    adding.set_defaults(run=lambda args: _add(args, cli))
    auditing = users_sub.add_parser("audit", parents=[common], help=label("cli_help_users_audit", lang))
    cli.user_option(auditing)
    auditing.set_defaults(run=lambda args: _audit(args, cli))
    setting = users_sub.add_parser("set", parents=[common], help=label("cli_help_users_set", lang))
    setting.add_argument("name")
    setting.add_argument("--role", choices=list(ROLES))
    setting.add_argument("--unit", help=label("cli_help_unit_option", lang))
    setting.add_argument("--password", action="store_true", help=label("cli_help_new_password", lang))
    setting.add_argument("--disable", action="store_true")
    setting.add_argument("--enable", action="store_true")
    cli.user_option(setting)
    setting.set_defaults(run=lambda args: _set(args, cli))
    unlock = users_sub.add_parser("unlock", parents=[common], help=label("cli_help_users_unlock", lang))
    unlock.add_argument("name")
    cli.user_option(unlock)
    unlock.set_defaults(run=lambda args: _unlock(args, cli))


def _list(args: argparse.Namespace, cli: Helpers) -> int:
    sys.stdout.write(to_csv(cli.store(args).users()))
    return 0


def _add(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    acting = cli.signed_in(store, args.user, "admin") if has_users(store) else None
    password = cli.password(label("cli_password_new_user", cli.lang, name=args.name), "KPI_NEW_PASSWORD", twice=True)
    user = add_user(store, acting, args.name, password, args.role, args.display_name,
                    unit_option(args.unit, cli.lang))
    print(label("cli_user_added", cli.lang, name=user.name, role=user.role), file=sys.stderr)
    return 0


def _set(args: argparse.Namespace, cli: Helpers) -> int:
    if args.disable and args.enable:
        raise ValueError(label("cli_disable_enable", cli.lang))
    unit = unit_option(args.unit, cli.lang)
    store = cli.writer(args)
    acting = cli.signed_in(store, args.user)
    password = cli.password(label("cli_password_new", cli.lang, name=args.name), "KPI_NEW_PASSWORD", twice=True) \
        if args.password else None
    disabled = True if args.disable else (False if args.enable else None)
    set_user(store, acting, args.name, role=args.role, password=password, disabled=disabled, unit=unit)
    print(label("cli_user_updated", cli.lang, name=args.name), file=sys.stderr)
    return 0


def _unlock(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    acting = cli.signed_in(store, args.user, "admin")
    unlock_sign_in(store, acting, args.name, channel="cli")
    print(label("cli_user_unlocked", cli.lang, name=args.name.strip().lower()), file=sys.stderr)
    return 0


def _audit(args: argparse.Namespace, cli: Helpers) -> int:
    store = cli.writer(args)
    cli.signed_in(store, args.user, "admin")
    sys.stdout.write(to_csv(audit(store, 100_000)))
    return 0


def unit_option(text: str | None, lang: str = "en") -> tuple[str, date, str] | None:
    """``42@2004-01-01:42-SNV`` → ("42", 2004-01-01, "42-SNV")."""
    if not text:
        return None
    record, _, code = text.partition(":")
    province, _, since = record.partition("@")
    try:
        return province, date.fromisoformat(since), code
    except ValueError:
        raise ValueError(label("cli_unit_option_form", lang)) from None
