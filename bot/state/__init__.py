"""The state store behind BOT_STATE_URL: pending confirmations, audit log, watches, fleet snapshot.

    store = await open_store(settings.bot_state_url)
    try:
        result = await store.claim_confirmation(confirmation_id, user_id)
    finally:
        await store.close()

Callers use `StateStore` and `open_store()` only. Supported URLs: `sqlite:///relative/path.db`,
`sqlite:////absolute/path.db` and `sqlite:///:memory:` (one process, for tests). Another backend
(say, a shared store for several replicas) is a `StateStore` subclass plus an entry in `_OPENERS`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.state.base import StateStore, StateStoreError
from bot.state.records import (
    AuditEntry,
    AuditOutcome,
    ClaimOutcome,
    ClaimResult,
    Confirmation,
    ConfirmationState,
    SnapshotEntry,
    Watch,
    new_id,
)
from bot.state.sqlite import DEFAULT_AUDIT_MAX_ROWS, open_sqlite_store
from bot.state.sqlite_schema import SCHEMA_VERSION

_Opener = Callable[..., Awaitable[StateStore]]
_SQLITE_FORMS = "sqlite:///relative/path.db or sqlite:////absolute/path.db"


async def _open_sqlite(rest: str, **options: Any) -> StateStore:
    # sqlite:///x.db → "/x.db" → "x.db"; sqlite:////x.db → "//x.db" → "/x.db". An empty host is
    # required, as in SQLAlchemy's form: sqlite://x.db would name a host.
    if not rest.startswith("/") or rest == "/":
        raise ValueError(f"state store URL must look like {_SQLITE_FORMS}")
    return await open_sqlite_store(rest[1:], **options)


# scheme → (opener taking what follows "scheme://", the URL forms it accepts)
_OPENERS: dict[str, tuple[_Opener, str]] = {"sqlite": (_open_sqlite, _SQLITE_FORMS)}


async def open_store(
    url: str,
    *,
    clock: Callable[[], float] = time.time,
    audit_max_rows: int | None = DEFAULT_AUDIT_MAX_ROWS,
) -> StateStore:
    """Open the store a BOT_STATE_URL names.

    `clock` gives "now" to calls that don't pass it; the audit log keeps at most `audit_max_rows`
    entries (None: no cap). ValueError for a URL this code can't use (naming only its scheme,
    since a URL may hold a password); StateStoreError when the store itself can't be opened.
    """
    scheme, sep, rest = url.partition("://")
    supported = "; ".join(forms for _, forms in _OPENERS.values())
    if not sep or scheme.lower() not in _OPENERS:
        named = f"scheme {scheme.lower()!r}" if sep else "no scheme"
        raise ValueError(f"unsupported state store URL ({named}); supported: {supported}")
    opener, _ = _OPENERS[scheme.lower()]
    return await opener(rest, clock=clock, audit_max_rows=audit_max_rows)


__all__ = [
    "SCHEMA_VERSION",
    "AuditEntry",
    "AuditOutcome",
    "ClaimOutcome",
    "ClaimResult",
    "Confirmation",
    "ConfirmationState",
    "SnapshotEntry",
    "StateStore",
    "StateStoreError",
    "Watch",
    "new_id",
    "open_store",
]
