"""The audit log: newest first, by server id or name, kept by age; repeated denials collapse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import sqlalchemy as sa

from bot.state.core import StoreCore
from bot.state.records import AuditEntry, AuditOutcome
from bot.state.tables import audit as a

COLLAPSE_SECONDS = 3600.0
"""A denial joins the same member's newest identical denial recorded within this long."""
PRUNE_BATCH = 5000
_DENIED = AuditOutcome.DENIED.value


class AuditStore(StoreCore):
    """Record, list and prune audit entries."""

    async def record_audit(self, entry: AuditEntry) -> None:
        """Append to the audit log.

        A DENIED entry collapses into the newest DENIED entry of the same user, action and
        server (id and name) recorded within the last hour: its `count` grows and its time,
        channel, detail and request id become the newest one's. A storm of denials is one line,
        and pushes out nobody's history (the log is kept by age only).
        """
        async with self._write() as conn:
            if entry.outcome is AuditOutcome.DENIED:
                # Two replicas recording the same member's denial at once make one entry.
                await self._backend.serialize(conn, f"audit-denied:{entry.user_id}")
                collapsed = (
                    await conn.execute(
                        sa.update(a)
                        .where(a.c.id == _newest_denial(entry))
                        .values(
                            count=a.c.count + entry.count,
                            time=sa.case((a.c.time < entry.time, entry.time), else_=a.c.time),
                            channel_id=entry.channel_id,
                            detail=entry.detail,
                            request_id=entry.request_id,
                        )
                        .returning(a.c.id)
                    )
                ).first()
                if collapsed is not None:
                    return
            await conn.execute(a.insert().values(_row(entry)))

    async def record_audits(self, entries: Sequence[AuditEntry]) -> None:
        """Append several entries in one transaction (a plan's servers; never denials, which
        collapse one by one in `record_audit`)."""
        if any(entry.outcome is AuditOutcome.DENIED for entry in entries):
            raise ValueError("denials are recorded one by one")
        if entries:
            async with self._write() as conn:
                await conn.execute(a.insert(), [_row(entry) for entry in entries])

    async def list_audit(
        self,
        server: int | str | None = None,
        limit: int = 20,
        *,
        before: tuple[float, int] | None = None,
    ) -> list[AuditEntry]:
        """The latest `limit` entries, newest first: all of them, or one server's by id (an int)
        or by name (a str, any case); with `before` (an entry's time and id), only those older
        than that entry (a page further back).
        """
        if limit < 1:
            return []
        query = sa.select(a).order_by(a.c.time.desc(), a.c.id.desc()).limit(limit)
        if before is not None:
            at, entry_id = before
            query = query.where(sa.or_(a.c.time < at, sa.and_(a.c.time == at, a.c.id < entry_id)))
        if isinstance(server, int):
            query = query.where(a.c.server_id == server)
        elif server is not None:
            query = query.where(sa.func.lower(a.c.server_name) == sa.func.lower(server))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_entry(row) for row in rows]

    async def prune_audit(self, keep_days: float, *, now: float | None = None) -> int:
        """Delete entries older than `keep_days` (BOT_AUDIT_RETENTION_DAYS); returns how many.

        There is no cap on the number of entries: a flood must not be able to erase history.
        Deleted in batches, each its own short transaction: a first prune of a large log holds
        no lock for long and stays within the store's command timeout.
        """
        cutoff = self._now(now) - keep_days * 86400.0
        o = a.alias("old")  # not correlated to the DELETE around it
        old = sa.select(o.c.id).where(o.c.time < cutoff).order_by(o.c.time).limit(PRUNE_BATCH)
        total = 0
        while True:
            async with self._write() as conn:
                result = await conn.execute(sa.delete(a).where(a.c.id.in_(old)))
            deleted = int(result.rowcount)
            total += deleted
            if deleted < PRUNE_BATCH:
                return total


def _newest_denial(entry: AuditEntry) -> sa.ScalarSelect[Any]:
    # An alias: the same table unaliased would be correlated to the UPDATE around it.
    d = a.alias("denial")
    return (
        sa.select(d.c.id)
        .where(
            d.c.outcome == _DENIED,
            d.c.user_id == entry.user_id,
            d.c.action == entry.action,
            d.c.server_id.is_not_distinct_from(entry.server_id),
            d.c.server_name.is_not_distinct_from(entry.server_name),
            d.c.time > entry.time - COLLAPSE_SECONDS,
        )
        .order_by(d.c.time.desc(), d.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _row(entry: AuditEntry) -> dict[str, Any]:
    row = {f.name: getattr(entry, f.name) for f in fields(entry) if f.name != "id"}
    return row | {"outcome": entry.outcome.value}


def _entry(row: sa.Row[Any]) -> AuditEntry:
    values = {f.name: row._mapping[f.name] for f in fields(AuditEntry)}  # row.count: a method
    return AuditEntry(**values | {"outcome": AuditOutcome(row.outcome)})
