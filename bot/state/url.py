"""BOT_STATE_URL's forms, checked without loading SQLAlchemy (Settings checks it at load, long
before the store is opened); `backend.parse_state_url` turns a checked URL into an engine's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bot.redact import redact_url

SQLITE_FORMS = "sqlite:///relative/path.db or sqlite:////absolute/path.db"
POSTGRES_FORM = "postgresql://user:password@host:5432/dbname"
MEMORY = ":memory:"
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")

Kind = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class StateUrl:
    """A BOT_STATE_URL of a supported form: its kind, what follows `://`, and how to show it."""

    kind: Kind
    rest: str
    shown: str  # the file path, or the URL without its password: safe to print
    memory: bool = False


def check_state_url(url: str) -> StateUrl:
    """The form a BOT_STATE_URL has; ValueError (never echoing the URL) if it has none."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "sqlite" and sep:
        # sqlite:///x.db → "/x.db" → "x.db"; sqlite:////x.db → "//x.db" → "/x.db". The host part
        # must be empty, as in SQLAlchemy's form: sqlite://x.db would name a host.
        if not rest.startswith("/") or rest == "/":
            raise ValueError(f"state store URL must look like {SQLITE_FORMS}")
        path = rest[1:]
        if path == MEMORY:
            return StateUrl("sqlite", path, MEMORY, memory=True)
        absolute = str(Path(path).absolute())
        return StateUrl("sqlite", absolute, absolute)
    if scheme in POSTGRES_SCHEMES and sep:
        if not _host_and_database(rest):
            raise ValueError(
                f"state store URL must look like {POSTGRES_FORM} (with a host and a database)"
            )
        return StateUrl("postgresql", rest, redact_url(url))
    named = f"scheme {scheme!r}" if sep else "no scheme"
    raise ValueError(
        f"unsupported state store URL ({named}); supported: {SQLITE_FORMS}; {POSTGRES_FORM}"
    )


def _host_and_database(rest: str) -> bool:
    try:
        parts = urlsplit("postgresql://" + rest)
        parts.port  # noqa: B018 - a port that is not a number raises ValueError
    except ValueError:
        return False
    return bool(parts.hostname) and parts.path.strip("/") != ""
