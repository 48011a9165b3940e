"""Run the console in-process, fast: short transitions and waits, output captured as text."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import ConsoleOptions, run_console
from vpssim.simulator import Durations

Console = Callable[..., Awaitable[str]]

FAST = Durations(provisioning=0.3, starting=0.2, stopping=0.2, rebooting=0.2)


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Console:
    """`await console("/vps list", ":click 1")` runs those lines and returns what was printed."""
    import os

    for name in list(os.environ):
        if name.startswith(("SLACK_", "VPS_", "BOT_")) or name in ("LOG_LEVEL", "NO_COLOR"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # where `run` would look for policy.yml and .env

    async def run(
        *lines: str,
        colour: bool = False,
        expect: int = 0,
        keep_going: bool = False,
        servers: int = 12,
        **settings: object,
    ) -> str:
        """`expect` is the exit code: 1 when a line fails (a script stops there, unless
        `keep_going`); `servers`: the simulated fleet's size."""
        out = io.StringIO()
        options = ConsoleOptions(
            lines=lines,
            servers=servers,
            durations=FAST,
            watch_interval=0.1,
            quiet=0.1,
            finish_within=30.0,
            stdout=out,
            colour=colour,
            keep_going=keep_going,
        )
        code = await run_console(Settings(_env_file=None, **settings), options)  # type: ignore[call-arg]
        assert code == expect, out.getvalue()
        return out.getvalue()

    return run
