"""Housekeeping of the state store: expired confirmations and old audit entries go away, plan
previews nobody answered expire."""

from __future__ import annotations

import logging

from bot.periodic import Every
from bot.state import StateStore

logger = logging.getLogger(__name__)

EVERY = 3600.0


class Housekeeper:
    """Once at start, then every hour: purge expired confirmations, prune the audit log."""

    def __init__(self, store: StateStore, *, audit_days: float, preview_ttl: float = 300.0) -> None:
        self._store, self._audit_days, self._preview_ttl = store, audit_days, preview_ttl

    def job(self) -> Every:
        """Sweep now and every hour."""
        return Every(EVERY, self.sweep, name="housekeeping of the state store")

    async def sweep(self) -> None:
        """One round of housekeeping."""
        purged = await self._store.purge_expired()
        pruned = await self._store.prune_audit(self._audit_days)
        previews = await self._store.expire_previews(ttl=self._preview_ttl)
        if purged or pruned or previews:
            logger.info(
                "housekeeping: %d old confirmations, %d audit entries, %d plan previews",
                purged,
                pruned,
                previews,
            )
