"""Fixtures: a Slack emulator, the simulator and the real bot, in a temp dir per test."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.state import open_store
from slackemu import SlackEmulator
from tests.e2e.harness import (
    ACK_WAIT,
    BOT_TOKEN,
    POLICY,
    SECRET,
    Clock,
    Harness,
    add_people,
    fresh_simulator,
)


@pytest.fixture(scope="session")
def migrated_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty state file at the latest schema, made once: each test starts from a copy
    (migrating a new file costs some 50 ms of CPU; the store's own tests do it every time)."""
    path = tmp_path_factory.mktemp("template") / "state.db"

    async def make() -> None:
        store = await open_store(f"sqlite:///{path}")
        await store.close()

    asyncio.run(make())
    return path


@pytest.fixture
async def harness(tmp_path: Path, migrated_state: Path) -> AsyncIterator[Harness]:
    (tmp_path / "policy.yml").write_text(POLICY)
    shutil.copyfile(migrated_state, tmp_path / "state.db")
    clock = Clock()
    emu = SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN, ack_timeout=ACK_WAIT)
    await emu.start()
    add_people(emu)
    h = Harness(emu=emu, sim=fresh_simulator(clock), tmp=tmp_path, clock=clock)
    try:
        await h.start()
        yield h
    finally:
        await h.stop()
        await emu.close()
