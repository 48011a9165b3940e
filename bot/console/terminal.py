"""The terminal: output that keeps the prompt at the bottom, and lines in from -c or a pipe
(a person's lines come through `bot.console.keyboard`).

A blocking read of a pipe runs in a daemon thread, one line at a time, so the event loop (the
bot, the emulator, follow-ups arriving) never waits for input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TextIO

from bot.console.mrkdwn import Style

__all__ = [
    "PROMPT_END",
    "LineSource",
    "ScriptLines",
    "StreamLines",
    "Terminal",
    "is_terminal",
    "keep_terminal_settings",
    "visible",
    "wants_colour",
]

PROMPT_END = " \u203a "
"""What ends every prompt: a single right-pointing angle quotation mark between spaces."""
_READLINE_MARKS = re.compile("[\x01\x02]")


def visible(prompt: str) -> str:
    """A readline prompt as written by anyone else: without readline's width markers."""
    return _READLINE_MARKS.sub("", prompt)


def wants_colour(stream: TextIO, *, allowed: bool = True) -> bool:
    """ANSI colour only on a terminal, and never when NO_COLOR is set (Settings.colour_allowed)."""
    return allowed and is_terminal(stream)


def is_terminal(stream: object) -> bool:
    """Whether the stream is a terminal (False for pipes, files, buffers and closed streams)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


class Terminal:
    """Writes lines; while a person is typing, output goes above their prompt and line."""

    def __init__(self, out: TextIO, *, colour: bool, interactive: bool) -> None:
        self.out = out
        self.style = Style(colour)
        self.interactive = interactive
        self.prompt: str | None = None
        """The prompt shown now, while a line is being typed (interactive only)."""
        self.closed = False

    def write(self, text: str = "") -> None:
        """Print `text` (one or more lines); nothing once the reader has gone (a closed pipe)."""
        if self.closed:
            return
        prompt = self.prompt
        try:
            if prompt is not None and self.interactive:
                self.out.write(f"\r\x1b[2K{text}\n{visible(prompt)}{_line_buffer()}")
            else:
                self.out.write(text + "\n")
            self.out.flush()
        except (BrokenPipeError, ValueError):  # `vpsbot console ... | head`: the reader left
            self.closed = True
            _silence(self.out)

    def end(self) -> None:
        """Leave the cursor on a line of its own if we stop while someone types (Ctrl-C)."""
        if self.prompt is not None and self.interactive:
            self.prompt = None
            self.write()

    def prompt_text(self, text: str, *codes: str) -> str:
        """A prompt for readline: colour codes wrapped so it can tell their width."""
        if not self.style.colour or not codes:
            return text
        return f"\x01\x1b[{';'.join(codes)}m\x02{text}\x01\x1b[0m\x02"


def _silence(stream: TextIO) -> None:
    """Point a dead pipe at /dev/null, so flushing it at exit does not complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _line_buffer() -> str:
    readline = sys.modules.get("readline")
    return str(readline.get_line_buffer()) if readline is not None else ""


class LineSource(Protocol):
    """Where input lines come from; `echo` says whether the console should show them."""

    echo: bool

    async def read(self, prompt: str) -> str | None:
        """The next line without its newline, or None at the end of the input."""
        ...


class ScriptLines:
    """The lines given with -c, in order."""

    echo = True

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = list(lines)

    async def read(self, prompt: str) -> str | None:
        """The next -c line."""
        return self._lines.pop(0) if self._lines else None


class StreamLines:
    """Lines from a pipe or file (stdin when it is not a terminal)."""

    echo = True

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    async def read(self, prompt: str) -> str | None:
        """The next line of the stream, read in a daemon thread (it never keeps the process
        alive)."""

        def work(deliver: Callable[[str | None], None]) -> None:
            try:
                line = self._stream.readline()
            except (EOFError, OSError, ValueError, KeyboardInterrupt):
                line = ""
            deliver(line.rstrip("\r\n") if line else None)

        return await handed_over(
            lambda deliver: threading.Thread(
                target=work, args=(deliver,), name="console-input", daemon=True
            ).start()
        )


async def handed_over(ask: Callable[[Callable[[str | None], None]], None]) -> str | None:
    """The line another thread hands over to the `deliver` that `ask` gets (None: no more)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def settle(line: str | None) -> None:
        if not future.done():
            future.set_result(line)

    def deliver(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while we waited
            loop.call_soon_threadsafe(settle, line)

    ask(deliver)
    return await future


@contextlib.contextmanager
def keep_terminal_settings(stream: TextIO) -> Iterator[None]:
    """Put the terminal back as it was, even if we leave while readline has it in raw mode."""
    saved = None
    try:
        import termios

        fd = stream.fileno()
        saved = termios.tcgetattr(fd) if is_terminal(stream) else None
    except (ImportError, OSError, ValueError):
        pass
    try:
        yield
    finally:
        if saved is not None:
            with contextlib.suppress(OSError, ValueError):
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class TerminalLogHandler(logging.Handler):
    """Log lines through the terminal, so they go above the prompt instead of across it."""

    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.terminal.write(self.format(record))
        except Exception:  # a log line must never break the console
            self.handleError(record)
