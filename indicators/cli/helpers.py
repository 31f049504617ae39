"""What the command line's sub-command modules take from :mod:`indicators.cli.main`: opening the database to read
or to write, the throttled and recorded sign-in, the password prompt and the ``--user`` option."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable

from indicators.services.auth import User
from indicators.storage import Store


@dataclass(frozen=True)
class Helpers:
    store: Callable[[argparse.Namespace], Store]        # read-only, for the reading commands
    writer: Callable[[argparse.Namespace], Store]       # read-write, saying what to do when the server holds it
    signed_in: Callable[..., User]
    password: Callable[..., str]
    user_option: Callable[..., None]
    opened: Callable[..., Any]                          # opener(path), closed when the command ends
