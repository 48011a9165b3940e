"""Fixtures: a Slack emulator, the simulator and the real bot, in a temp dir per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.state import open_store
from tests.e2e.harness import Harness, running


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
    async with running(tmp_path, migrated_state) as h:
        yield h


@pytest.fixture
async def socket_harness(tmp_path: Path, migrated_state: Path) -> AsyncIterator[Harness]:
    """The bot in Socket Mode, its socket connected."""
    async with running(tmp_path, migrated_state, socket=True) as h:
        yield h
