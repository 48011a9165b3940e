"""The state store behind BOT_STATE_URL: confirmations, approvals, audit log, watches, fleet
snapshot, and what replicas share (replay guard, write limits, leases).

    store = await open_store(settings.bot_state_url)
    try:
        result = await store.claim_confirmation(confirmation_id, user_id)
    finally:
        await store.close()

Callers use `StateStore` and `open_store()` only. One implementation on SQLAlchemy Core serves
`sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, `sqlite:///:memory:` (tests) and
`postgresql://user:password@host:5432/dbname` (also `postgres://`); `backend.py` holds what
differs between them, `migrations/` the schema's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.state.errors import StateStoreError, StateStoreUnavailable
from bot.state.records import (
    Approval,
    ApprovalOutcome,
    ApprovalResult,
    ApprovalState,
    AuditEntry,
    AuditOutcome,
    ClaimOutcome,
    ClaimResult,
    Confirmation,
    ConfirmationState,
    Opening,
    OpenOutcome,
    PendingCounts,
    SnapshotEntry,
    Watch,
    new_id,
    new_replica_id,
)

if TYPE_CHECKING:
    from bot.state.migrate import SCHEMA_VERSION
    from bot.state.store import StateStore, open_store, store_for
else:

    def __getattr__(name: str) -> object:
        """The store itself (and SQLAlchemy with it) loads on first use, not with the records:
        `vpsbot run` answers its probes before it needs the store."""
        if name == "SCHEMA_VERSION":
            from bot.state import migrate

            return migrate.SCHEMA_VERSION
        if name in ("StateStore", "open_store", "store_for"):
            from bot.state import store

            return getattr(store, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "Approval",
    "ApprovalOutcome",
    "ApprovalResult",
    "ApprovalState",
    "AuditEntry",
    "AuditOutcome",
    "ClaimOutcome",
    "ClaimResult",
    "Confirmation",
    "ConfirmationState",
    "OpenOutcome",
    "Opening",
    "PendingCounts",
    "SnapshotEntry",
    "StateStore",
    "StateStoreError",
    "StateStoreUnavailable",
    "Watch",
    "new_id",
    "new_replica_id",
    "open_store",
    "store_for",
]
