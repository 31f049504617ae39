"""What the command line's sub-command modules take from :mod:`indicators.cli.main`: opening the database to read
or to write, the throttled and recorded sign-in, the password prompt, the ``--user`` option and the language of
the command's texts."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable

from indicators.i18n import label
from indicators.services.auth import User
from indicators.storage import Store

# who a command is recorded as in the audit trail while the database has no users (a value of the trail, not a
# text: it is stored as it is, and shown in the reader's language by actor())
NO_USERS = "(no users yet)"


@dataclass(frozen=True)
class Helpers:
    store: Callable[[argparse.Namespace], Store]        # read-only, for the reading commands
    writer: Callable[[argparse.Namespace], Store]       # read-write, saying what to do when the server holds it
    signed_in: Callable[..., User]
    password: Callable[..., str]
    user_option: Callable[..., None]
    opened: Callable[..., Any]                          # opener(path), closed when the command ends
    lang: str                                           # the language of the command's texts ($KPI_LANG)


def actor(who: str, lang: str) -> str:
    """A recorded actor as a message names it: a user's name, or "(no users yet)" in ``lang``."""
    return label("cli_no_users_yet", lang) if who == NO_USERS else who
