"""Every store test runs on a real SQLite file and on a fresh PostgreSQL database, with a clock
the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.state import StateStore, open_store
from tests.state.postgres import PostgresServer, postgres_server

__all__ = ["postgres_server"]

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
def sqlite_url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"  # tmp_path is absolute: this is the sqlite://// form


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh PostgreSQL database at the latest schema, dropped after the test."""
    url = postgres_server.create()
    try:
        yield url
    finally:
        postgres_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    """The store's URL, once per backend."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
async def store(url: str, clock: FakeClock) -> AsyncIterator[StateStore]:
    async with await open_store(url, clock=clock) as opened:
        yield opened
