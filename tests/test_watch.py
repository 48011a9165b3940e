"""A watch whose state store goes away mid-run: one log line, the lease left to lapse."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest

from bot.state import StateStoreUnavailable, Watch, open_store
from bot.watch import Watcher
from tests.e2e.harness import eventually

T0 = 1_800_000_000.0
GONE = "the database postgresql://***@db/vpsbot cannot be reached (ConnectionRefusedError); nothing was done, try again"  # noqa: E501


async def test_a_watch_that_cannot_renew_its_lease_logs_one_line_and_lets_it_lapse(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = [T0]
    async with await open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
        watcher = Watcher(
            vps=cast(Any, None),  # never reached: the lease is renewed before each poll
            store=store,
            notifier=cast(Any, None),
            slack=cast(Any, None),
            interval=0.01,
            clock=lambda: now[0],
            owner="replica-a:1:aaaa",
        )
        watch = Watch(
            id="w1", server_id=12345, server_name="web-01", action="reboot",
            requested_by="U1", channel_id="C1", started_at=T0, deadline=T0 + 900,
            owner=watcher.owner, lease_until=T0 + watcher.lease,
        )  # fmt: skip
        renewals = 0

        async def store_gone(*_: object, **__: object) -> bool:
            nonlocal renewals
            renewals += 1
            raise StateStoreUnavailable(GONE)

        await store.add_watch(watch)
        renew = store.renew_watch
        store.renew_watch = store_gone  # type: ignore[method-assign]
        await watcher.attach(watch)

        async def stopped() -> bool:
            return watcher.active == 0

        await eventually(stopped, "the watch to stop following", within=10)
        assert renewals == 1  # it stops trying: the lease lapses
        store.renew_watch = renew  # type: ignore[method-assign]

        lines = [r for r in caplog.records if r.name == "bot.watch"]
        assert [r.getMessage() for r in lines] == [
            f"stopped following watch w1, its lease lapses: {GONE}"
        ]
        assert lines[0].levelno == logging.WARNING
        assert lines[0].exc_info is None  # an expected outage: no traceback
        # Still held until the lease runs out; then whoever claims it (this replica too).
        assert await store.claim_watches("replica-b:2:bbbb", lease=30, now=T0 + 1) == []
        later = T0 + watcher.lease + 1
        taken = await store.claim_watches("replica-b:2:bbbb", lease=30, now=later)
        assert [w.id for w in taken] == ["w1"]
        await watcher.close()
