"""The fleet monitor's snapshot, and the changes the bot itself is expected to make."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.records import SnapshotEntry
from bot.state.tables import expected_changes as ex
from bot.state.tables import meta
from bot.state.tables import snapshot as sn

_SNAPSHOT_KEY = "snapshot_taken_at"
_SNAPSHOT_BATCH = 2000


class FleetStore(StoreCore):
    """Save and load the snapshot; note and consume expected changes."""

    async def save_snapshot(
        self, servers: Mapping[int, SnapshotEntry], now: float | None = None
    ) -> None:
        """Replace the saved fleet snapshot with `servers` (server id → name and status).

        Rows go in batches: a fleet of 100,000 never becomes one list of parameters in memory.
        """
        at = self._now(now)
        marker = self._backend.insert(meta).values(key=_SNAPSHOT_KEY, value=repr(at))
        marker = marker.on_conflict_do_update(
            index_elements=["key"], set_={"value": marker.excluded.value}
        )
        entries = iter(servers.items())
        async with self._write() as conn:
            await self._backend.serialize(conn, "snapshot")  # two savers never interleave
            await conn.execute(sa.delete(sn))
            while batch := [
                {"server_id": int(sid), "name": e.name, "status": e.status}
                for sid, e in itertools.islice(entries, _SNAPSHOT_BATCH)
            ]:
                await conn.execute(sn.insert(), batch)
            await conn.execute(marker)

    async def load_snapshot(self) -> dict[int, SnapshotEntry] | None:
        """The last saved snapshot; None if none was ever saved (an empty fleet is `{}`)."""
        # One statement, so the marker and the rows come from the same save.
        query = (
            sa.select(meta.c.key, sn.c.server_id, sn.c.name, sn.c.status)
            .select_from(meta.outerjoin(sn, sa.true()))
            .where(meta.c.key == _SNAPSHOT_KEY)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        if not rows:
            return None
        return {
            r.server_id: SnapshotEntry(r.name, r.status) for r in rows if r.server_id is not None
        }

    async def note_expected_change(self, server_id: int, status: str, until: float) -> None:
        """Remember that the bot itself will bring `server_id` to `status` before `until`."""
        insert = self._backend.insert(ex).values(server_id=server_id, status=status, until=until)
        insert = insert.on_conflict_do_update(
            index_elements=["server_id", "status"], set_={"until": insert.excluded.until}
        )
        async with self._write() as conn:
            await conn.execute(insert)

    async def consume_expected_change(
        self, server_id: int, status: str, now: float | None = None
    ) -> bool:
        """True (once, across replicas) if that change was noted and is not stale, so the
        monitor stays quiet."""
        at = self._now(now)
        async with self._write() as conn:
            consumed = await conn.execute(
                sa.delete(ex)
                .where(ex.c.server_id == server_id, ex.c.status == status, ex.c.until > at)
                .returning(ex.c.server_id)
            )
            return consumed.first() is not None
