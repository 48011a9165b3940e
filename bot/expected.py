"""Changes the bot makes and reports itself, noted for the fleet monitor so that it does not
announce them a second time as changes made outside the bot."""

from __future__ import annotations

from bot.state import StateStore

EXPECTED_CHANGE_TTL = 6 * 3600.0
"""How long the fleet monitor keeps quiet about a change the bot reported itself."""


async def expect_change(store: StateStore, server_id: int, status: str, until: float) -> None:
    """Keep the monitor quiet about a change the bot reports itself — only where its snapshot
    would otherwise show one, so no leftover expectation hides a later outside change."""
    snapshot = await store.load_snapshot()
    if snapshot is None:  # the monitor is off or has not polled yet: nothing to announce twice
        return
    known = snapshot.get(server_id)
    if status == "deleted" and known is None:
        return
    if known is not None and known.status == status:
        return
    await store.note_expected_change(server_id, status, until)
