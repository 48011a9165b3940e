"""Stores on real SQLite files in tmp_path, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.state import StateStore, open_store

T0 = 1_700_000_000.0


class FakeClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"  # tmp_path is absolute: this is the sqlite://// form


@pytest.fixture
async def store(url: str, clock: FakeClock) -> AsyncIterator[StateStore]:
    async with await open_store(url, clock=clock) as opened:
        yield opened
