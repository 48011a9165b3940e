"""The terminal's pieces: colour detection, output above a prompt, lines from a pipe."""

from __future__ import annotations

import io

import pytest

from bot.config import Settings
from bot.console.terminal import ScriptLines, StreamLines, Terminal, visible, wants_colour


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_needs_a_terminal_and_no_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wants_colour(FakeTTY(), allowed=Settings(_env_file=None).colour_allowed)  # type: ignore[call-arg]
    assert not wants_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(FakeTTY(), allowed=Settings(_env_file=None).colour_allowed)  # type: ignore[call-arg]


def test_output_goes_above_the_prompt_while_someone_types() -> None:
    out = FakeTTY()
    terminal = Terminal(out, colour=True, interactive=True)
    prompt = terminal.prompt_text("you", "1") + " \u203a "
    assert visible(prompt) == "\x1b[1myou\x1b[0m \u203a "
    terminal.prompt = prompt
    terminal.write("a message")
    assert out.getvalue() == "\r\x1b[2Ka message\n\x1b[1myou\x1b[0m \u203a "


def test_a_closed_pipe_stops_the_output_quietly() -> None:
    out = io.StringIO()
    terminal = Terminal(out, colour=False, interactive=False)
    out.close()
    terminal.write("nobody reads this")
    assert terminal.closed


async def test_lines_come_from_scripts_and_pipes() -> None:
    script = ScriptLines(["/vps list", ":quit"])
    assert [await script.read(">"), await script.read(">"), await script.read(">")] == [
        "/vps list",
        ":quit",
        None,
    ]
    pipe = StreamLines(io.StringIO("one\r\ntwo\n"))
    assert [await pipe.read(">"), await pipe.read(">"), await pipe.read(">")] == [
        "one",
        "two",
        None,
    ]
