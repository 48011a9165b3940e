"""The state store interface: what every backend behind BOT_STATE_URL offers.

Callers depend on `StateStore` and `open_store()` only, so a shared backend for several replicas
(Postgres, Redis, …) is one more class and one more line in the factory. Every method that looks at
the time takes `now` (UNIX seconds); None means the store's clock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from bot.state.records import AuditEntry, ClaimResult, Confirmation, SnapshotEntry, Watch


class StateStoreError(Exception):
    """The store can't be opened or used; the message says which file and why, in plain words."""


class StateStore(ABC):
    """Pending confirmations, the audit log, lifecycle watches and the fleet snapshot."""

    async def __aenter__(self) -> StateStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def close(self) -> None:
        """Release the store; safe to call twice. Any later call raises StateStoreError."""

    # -- confirmations ------------------------------------------------------------------------

    @abstractmethod
    async def create_confirmation(
        self,
        *,
        user_id: str,
        channel_id: str,
        channel_name: str,
        action: str,
        server_id: int | None,
        server_name: str,
        params: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        ttl_seconds: float,
        now: float | None = None,
    ) -> Confirmation:
        """Store a pending confirmation with an unguessable id, valid for `ttl_seconds`.

        `params` must be JSON-able (TypeError otherwise); `ttl_seconds` must be positive.
        """

    @abstractmethod
    async def get_confirmation(self, confirmation_id: str) -> Confirmation | None:
        """The confirmation as stored (its state is not re-checked against the clock)."""

    @abstractmethod
    async def claim_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Use the confirmation: exactly one caller, across tasks and processes, gets `claimed`.

        The others get `already_used`, `expired` (which also marks it expired), `wrong_user`
        (left untouched) or `not_found`.
        """

    @abstractmethod
    async def cancel_confirmation(
        self, confirmation_id: str, user_id: str, now: float | None = None
    ) -> ClaimResult:
        """Like `claim_confirmation`, but the winner gets `cancelled`."""

    @abstractmethod
    async def purge_expired(self, now: float | None = None, *, keep_seconds: float = 3600.0) -> int:
        """Housekeeping: mark overdue confirmations expired, delete those past their deadline
        by more than `keep_seconds` (later clicks then get `not_found`) and stale expected
        changes. Returns the number of confirmations deleted.
        """

    # -- audit log ----------------------------------------------------------------------------

    @abstractmethod
    async def record_audit(self, entry: AuditEntry) -> None:
        """Append to the audit log (which keeps at most the store's `audit_max_rows` entries)."""

    @abstractmethod
    async def list_audit(
        self, server: int | str | None = None, limit: int = 20
    ) -> list[AuditEntry]:
        """The latest `limit` entries, newest first: all of them, or one server's by id (an int)
        or by name (a str, any case).
        """

    @abstractmethod
    async def prune_audit(
        self, keep_days: float, *, max_rows: int | None = None, now: float | None = None
    ) -> int:
        """Delete entries older than `keep_days`, and all but the newest `max_rows`; returns the
        number deleted.
        """

    # -- lifecycle watches --------------------------------------------------------------------

    @abstractmethod
    async def add_watch(self, watch: Watch) -> None:
        """Start following a server. ValueError if a watch with that id exists."""

    @abstractmethod
    async def update_watch(self, watch: Watch) -> bool:
        """Store new fields for an unfinished watch (make them with dataclasses.replace).

        False if there is no unfinished watch with that id.
        """

    @abstractmethod
    async def get_watch(self, watch_id: str) -> Watch | None:
        """The unfinished watch with this id; None when unknown or finished."""

    @abstractmethod
    async def list_watches(self) -> list[Watch]:
        """The unfinished watches, oldest first (what to resume after a restart)."""

    @abstractmethod
    async def finish_watch(self, watch_id: str, now: float | None = None) -> bool:
        """Mark a watch finished; False if it was unknown or finished already."""

    # -- fleet snapshot -----------------------------------------------------------------------

    @abstractmethod
    async def save_snapshot(
        self, servers: Mapping[int, SnapshotEntry], now: float | None = None
    ) -> None:
        """Replace the saved fleet snapshot with `servers` (server id → name and status)."""

    @abstractmethod
    async def load_snapshot(self) -> dict[int, SnapshotEntry] | None:
        """The last saved snapshot; None if none was ever saved (an empty fleet is `{}`)."""

    @abstractmethod
    async def note_expected_change(self, server_id: int, status: str, until: float) -> None:
        """Remember that the bot itself will bring `server_id` to `status` before `until`."""

    @abstractmethod
    async def consume_expected_change(
        self, server_id: int, status: str, now: float | None = None
    ) -> bool:
        """True (once) if that change was noted and is not stale, so the monitor stays quiet."""
