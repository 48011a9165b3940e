"""What a waiting workflow step reads from the shared store (`bot.flow.step_news`), on a real
SQLite file: the change it waits for may have run on another replica."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from bot.flow.step_news import Ran, news
from bot.flow.steps import StepCall, Waiting
from bot.state import StateStore, open_store
from bot.state.records import AuditEntry, AuditOutcome
from bot.vps import Server
from tests.state.conftest import T0, FakeClock

if TYPE_CHECKING:
    from bot.flow.directory import ServerDirectory

ALICE = "U0ALICE01"
OPS = "C0OPS0001"
WEB = 12345


class Directory:
    """The server as the API shows it now."""

    def __init__(self, status: str) -> None:
        self.status = status

    async def get(self, server_id: int) -> Server:
        return Server(id=server_id, name="web-01", status=self.status)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StateStore]:
    async with await open_store(f"sqlite:///{tmp_path / 'state.db'}", clock=FakeClock()) as s:
        yield s


async def step(store: StateStore, operation: str) -> tuple[Waiting, str]:
    """A step for Alice, started at T0, that prompted her for `operation` on web-01."""
    call = StepCall(f"{operation}_server", "Fx1", "xwfp-1", ALICE, OPS, "web-01")
    waiting = Waiting(call, operation, T0, server_id=WEB, patience=600, before="active")
    prompt = await store.create_confirmation(
        user_id=ALICE, channel_id=OPS, channel_name="ops", action=operation, server_id=WEB,
        server_name="web-01", ttl_seconds=300, now=T0,
    )  # fmt: skip
    return waiting, prompt.id


async def audited(
    store: StateStore, at: float, action: str, outcome: AuditOutcome, detail: str = ""
) -> None:
    await store.record_audit(
        AuditEntry(
            time=at,
            user_id=ALICE,
            channel_id=OPS,
            action=action,
            server_id=WEB,
            server_name="web-01",
            outcome=outcome,
            detail=detail,
        )
    )


async def read(
    store: StateStore, waiting: Waiting, prompt: str, at: float, status: str = "active"
) -> Ran | str | None:
    """What the step reads at `at`, the server showing `status`."""
    return await news(store, cast("ServerDirectory", Directory(status)), waiting, prompt, at)


async def test_nothing_is_decided_before_the_click(store: StateStore) -> None:
    waiting, prompt = await step(store, "reboot")
    await audited(store, T0 + 1, "reboot", AuditOutcome.ASKED)
    assert await read(store, waiting, prompt, T0 + 5) is None


async def test_a_cancel_anywhere_says_cancelled(store: StateStore) -> None:
    waiting, prompt = await step(store, "reboot")
    assert (await store.cancel_confirmation(prompt, ALICE, now=T0 + 2)).ok
    told = await read(store, waiting, prompt, T0 + 5)
    assert isinstance(told, str)
    assert told.startswith("Cancelled")


async def test_a_confirmed_reboot_is_done_once_its_own_entry_is_written(store: StateStore) -> None:
    waiting, prompt = await step(store, "reboot")
    await audited(store, T0 - 30, "reboot", AuditOutcome.EXECUTED)  # someone's, before the step
    assert (await store.claim_confirmation(prompt, ALICE, now=T0 + 2)).ok
    # A reboot leaves the server as it was ("active"): only its entry tells.
    assert await read(store, waiting, prompt, T0 + 3) is None
    await audited(store, T0 + 3, "reboot", AuditOutcome.EXECUTED)
    assert await read(store, waiting, prompt, T0 + 4) == Ran(WEB)


async def test_a_failure_at_the_api_gives_its_reason_made_inert(store: StateStore) -> None:
    waiting, prompt = await step(store, "reboot")
    assert (await store.claim_confirmation(prompt, ALICE, now=T0 + 2)).ok
    await audited(store, T0 + 3, "reboot", AuditOutcome.FAILED, detail="locked <!channel>")
    told = await read(store, waiting, prompt, T0 + 4)
    assert isinstance(told, Ran)
    assert told.failed is not None
    assert "web-01" in told.failed
    assert "locked" in told.failed
    assert "<!channel>" not in told.failed


async def test_a_stop_is_done_when_the_server_is_stopped(store: StateStore) -> None:
    waiting, prompt = await step(store, "stop")
    assert (await store.claim_confirmation(prompt, ALICE, now=T0 + 2)).ok
    assert await read(store, waiting, prompt, T0 + 3) is None
    assert await read(store, waiting, prompt, T0 + 4, "stopped") == Ran(WEB)
