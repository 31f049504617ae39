"""What people may read of a PostgreSQL URL and of the driver's messages about it.

A URL (``postgresql://user:password@host:port/db?password=…``) is described by where it points — hosts, ports,
database — never by its user or its password, wherever they are written (the user information, ``?user=``,
``?password=``). libpq reads the URL itself (psycopg's ``conninfo_to_dict`` is libpq's own parser); the
description is made from libpq's reading only when the URL standard (urllib) reads the same user information:
a raw ``@``, ``/``, ``?`` or ``#`` in a password makes the two disagree, and libpq would then take part of the
password for the host, the port or the database, so such a URL is not described at all.

The driver's own messages (DuckDB's postgres extension, libpq, pg_dump) may repeat the URL, its user or its
password, and name the server (``connection to server at "host", port N failed``): :func:`scrub` takes those
out, and keeps the reason (``Connection refused``, ``password authentication failed``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

SCHEMES = ("postgresql://", "postgres://")
UNREADABLE = "PostgreSQL (the URL is not shown: percent-encode any @ / ? # in its password)"
# the keywords of a connection string whose values are secrets or name the account
_SECRET_KEYS = ("password", "user", "sslpassword")
_URL = re.compile(r"""["']?postgres(?:ql)?://[^\s"']*["']?""")
_DSN_SECRET = re.compile(r"""\b(password|user|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)""")
_SERVER = re.compile(r"""connection to server (?:at|on socket) "[^"]*"(?: \([^)]*\))?(?:, port \d+)? failed""")
_NAMED = re.compile(r"""\b(user|role|host name|host|server) "[^"]*\"""")


def readable(url: str) -> dict[str, str] | None:
    """libpq's reading of ``url`` (its keywords and values), or None when it cannot read it or reads the user
    information otherwise than the URL standard does (a raw special character in the password)."""
    try:
        params = conninfo_to_dict(url)
        split = urlsplit(url)
    except (psycopg.Error, ValueError):
        return None
    rest = url.split("://", 1)[1]
    libpq_userinfo = re.match(r"[^@/]*@", rest)            # libpq: up to the first '@' met before any '/'
    standard = split.netloc.rpartition("@")[0] + "@" if "@" in split.netloc else None
    if (libpq_userinfo.group(0) if libpq_userinfo else None) != standard or "@" in split.path or "#" in url:
        return None
    return params


def describe(url: str) -> str:
    """``url`` as messages name it: ``postgresql://host:port/database`` (several hosts joined by commas), with
    neither user nor password nor any other parameter."""
    params = readable(url)
    if params is None:
        return UNREADABLE
    hosts = params.get("host", "").split(",") if params.get("host") else []
    ports = params.get("port", "").split(",") if params.get("port") else []
    if len(ports) == 1:
        ports = ports * max(1, len(hosts))
    where = []
    for i, host in enumerate(hosts or [""]):
        host = f"[{host}]" if ":" in host else host
        port = ports[i] if i < len(ports) else ""
        where.append(host + (f":{port}" if port else ""))
    return f"postgresql://{','.join(where)}/{params.get('dbname', '')}"


def secrets(url: str) -> list[str]:
    """Every text of ``url`` that could be a user name or (part of) a password, as written and as decoded,
    longest first: the user information as libpq reads it (up to the first ``@``), as the URL standard reads
    it, and up to the last ``@`` before the query and in the whole URL (a raw ``@ / ? #`` in a password), each
    whole and split at its first ``:``; and the query's ``user``, ``password`` and ``sslpassword``."""
    found: set[str] = set()
    try:
        found.update(v for k, v in conninfo_to_dict(url).items() if k in _SECRET_KEYS)
    except psycopg.Error:
        pass
    rest = url.split("://", 1)[1] if "://" in url else url
    libpq = re.match(r"[^@/]*@", rest)
    try:
        standard = urlsplit(url).netloc
    except ValueError:
        standard = ""
    for userinfo in (libpq.group(0)[:-1] if libpq else "", standard.rpartition("@")[0],
                     rest.split("?", 1)[0].rpartition("@")[0], rest.rpartition("@")[0]):
        found.update({userinfo, *userinfo.split(":", 1)})
    query = url.split("?", 1)[1] if "?" in url else ""
    found.update(value for key, value in parse_qsl(query, keep_blank_values=True) if key in _SECRET_KEYS)
    found.update(re.findall(r"(?:^|[?&])(?:password|user|sslpassword)=([^&#]*)", query))
    found |= {unquote(text) for text in found}
    return sorted((text for text in found if text), key=len, reverse=True)


def scrub(text: str, url: str | None = None) -> str:
    """``text`` (a driver's message) without any URL, connection string secret, server address or account name,
    and without anything of ``url`` that could be a user name or password."""
    text = _URL.sub("<url>", text)
    text = _DSN_SECRET.sub(r"\1=***", text)
    text = _SERVER.sub("connection to the server failed", text)
    text = _NAMED.sub(r'\1 "***"', text)
    for secret in secrets(url) if url else []:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
        else:       # a short one only where it stands alone: a user "u" leaves "could not" whole
            text = re.sub(rf"(?<![\w.-]){re.escape(secret)}(?![\w.-])", "***", text)
    return text
