"""Fixtures: a Slack emulator, the simulator and the real bot, in a temp dir per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import SlackEmulator
from tests.e2e.harness import (
    BOT_TOKEN,
    POLICY,
    SECRET,
    Clock,
    Harness,
    add_people,
    fresh_simulator,
)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    (tmp_path / "policy.yml").write_text(POLICY)
    clock = Clock()
    emu = SlackEmulator(signing_secret=SECRET, bot_token=BOT_TOKEN)
    await emu.start()
    add_people(emu)
    h = Harness(emu=emu, sim=fresh_simulator(clock), tmp=tmp_path, clock=clock)
    try:
        await h.start()
        yield h
    finally:
        await h.stop()
        await emu.close()
