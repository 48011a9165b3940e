"""The person at the keyboard: lines typed with readline's editing and history, read by the
main thread so that Ctrl-C and Ctrl-D behave as they do in a shell."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import signal
import sys
import threading
from collections.abc import Callable

from bot.commands import COMMANDS, DEFAULT_SLASH_COMMAND
from bot.console.terminal import Terminal

__all__ = ["Keyboard", "TypedLines"]

_COMPLETIONS = (":help", ":as ", ":in ", ":click ", ":submit ", ":cancel", ":wait", ":quit")


class Keyboard:
    """The person at the keyboard, read with `input()` in the thread that calls `serve()`.

    Served by the main thread (`vpsbot console` does so) it behaves as a shell: Ctrl-C drops the
    line being typed and asks again, and outside a prompt (the bot still answering) it calls
    `on_interrupt` instead of stopping the program; Ctrl-D at an empty prompt ends the input.
    """

    def __init__(self) -> None:
        self.terminal = Terminal(sys.stdout, colour=False, interactive=True)
        self.on_interrupt: Callable[[], None] = lambda: None
        self._asked: queue.SimpleQueue[tuple[str, Callable[[str | None], None]] | None] = (
            queue.SimpleQueue()
        )
        self._typing = False
        with contextlib.suppress(ImportError):
            import readline

            readline.set_history_length(1000)
            readline.set_completer(_complete)
            readline.set_completer_delims(" ")
            binding = (
                "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
            )
            readline.parse_and_bind(binding)

    def connect(self, terminal: Terminal, on_interrupt: Callable[[], None]) -> None:
        """Where prompts and ^C are shown, and what Ctrl-C outside a prompt does."""
        self.terminal, self.on_interrupt = terminal, on_interrupt

    def ask(self, prompt: str, deliver: Callable[[str | None], None]) -> None:
        """Ask for a line (from any thread); `deliver` gets it, or None once the input ended."""
        self._asked.put((prompt, deliver))

    def close(self) -> None:
        """Make `serve()` return (from any thread)."""
        self._asked.put(None)

    def serve(self) -> None:
        """Answer `ask()` until `close()`; Ctrl-C handled as a shell does in the main thread."""
        main = threading.current_thread() is threading.main_thread()
        saved = signal.signal(signal.SIGINT, self._sigint) if main else None
        try:
            while (asked := self._asked.get()) is not None:
                prompt, deliver = asked
                deliver(self._read(prompt))
        finally:
            if saved is not None:
                signal.signal(signal.SIGINT, saved)

    def _sigint(self, signum: int, frame: object) -> None:
        if self._typing:
            raise KeyboardInterrupt  # input() drops the line; _read asks again
        self.on_interrupt()

    def _read(self, prompt: str) -> str | None:
        terminal = self.terminal
        while True:
            terminal.prompt = prompt
            try:
                self._typing = True
                return input(prompt)
            except KeyboardInterrupt:
                terminal.prompt = None
                terminal.write("^C")  # as shells show it; then the same prompt, empty
            except (EOFError, OSError, ValueError):
                terminal.prompt = None
                terminal.write()  # Ctrl-D leaves the cursor after the prompt
                return None
            finally:
                self._typing = False
                terminal.prompt = None


class TypedLines:
    """A person at the terminal, through the keyboard (readline's editing and history)."""

    echo = False

    def __init__(self, keyboard: Keyboard) -> None:
        self._keyboard = keyboard

    async def read(self, prompt: str) -> str | None:
        """The next line the person types; None on Ctrl-D."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while the person typed
                loop.call_soon_threadsafe(_settle, future, line)

        self._keyboard.ask(prompt, deliver)
        return await future


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def _complete(text: str, state: int) -> str | None:
    """Tab completion of console commands, the slash command and its words."""
    words = (*_COMPLETIONS, f"{DEFAULT_SLASH_COMMAND} ", *(f"{w} " for w in COMMANDS))
    matches = [c for c in words if c.startswith(text)]
    return matches[state] if state < len(matches) else None
