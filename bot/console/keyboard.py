"""The person at the keyboard: lines typed with readline's editing and history, read by the
main thread so that Ctrl-C and Ctrl-D behave as they do in a shell."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

from bot.commands.usage import DEFAULT_SLASH_COMMAND, commands
from bot.console.terminal import Terminal, handed_over

__all__ = ["Keyboard", "TypedLines"]

_NUDGES, _NUDGE_AFTER = 10, 0.05  # a pending Ctrl-C is acted on within about 50 ms
_COMPLETIONS = (
    ":help",
    ":as ",
    ":in ",
    ":click ",
    ":submit ",
    ":cancel",
    ":wait",
    ":home",
    ":quit",
)


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
        with _ctrl_c_reaches_input(self._sigint) if main else contextlib.nullcontext():
            while (asked := self._asked.get()) is not None:
                prompt, deliver = asked
                deliver(self._read(prompt))

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


@contextlib.contextmanager
def _ctrl_c_reaches_input(handler: Callable[[int, object], None]) -> Iterator[None]:
    """SIGINT runs `handler` in this (the main) thread, promptly even inside input().

    Python's readline runs signal handlers only when a signal interrupts its wait for a key; one
    that lands while it is handling a keystroke would wait for the next key. So a watcher thread
    sees every signal (set_wakeup_fd) and, while the SIGINT handler has not run, wakes this
    thread with a SIGUSR1 that does nothing itself but lets the pending handler run.
    """
    if not hasattr(signal, "pthread_kill") or not hasattr(signal, "SIGUSR1"):
        saved = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, saved)
        return
    calls = [0]

    def counted(signum: int, frame: object) -> None:
        calls[0] += 1
        handler(signum, frame)

    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    saved_int = signal.signal(signal.SIGINT, counted)
    saved_usr1 = signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    saved_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    main = threading.get_ident()
    threading.Thread(
        target=_watch, args=(read_end, main, calls), name="console-ctrl-c", daemon=True
    ).start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(saved_fd)
        signal.signal(signal.SIGUSR1, saved_usr1)
        signal.signal(signal.SIGINT, saved_int)
        os.close(write_end)  # the watcher reads the end of the pipe, and stops


def _watch(read_end: int, main: int, calls: list[int]) -> None:
    """Nudge the main thread until the SIGINT handler has run for each SIGINT seen."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGUSR1})
    try:
        while data := _read_some(read_end):
            if signal.SIGINT not in data:
                continue
            seen = calls[0]
            for _ in range(_NUDGES):
                time.sleep(_NUDGE_AFTER)
                if calls[0] != seen:
                    break
                with contextlib.suppress(OSError):  # the main thread has ended
                    signal.pthread_kill(main, signal.SIGUSR1)
    finally:
        os.close(read_end)


def _read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 64)
    except OSError:
        return b""


class TypedLines:
    """A person at the terminal, through the keyboard (readline's editing and history)."""

    echo = False

    def __init__(self, keyboard: Keyboard) -> None:
        self.keyboard = keyboard

    async def read(self, prompt: str) -> str | None:
        """The next line the person types; None on Ctrl-D."""
        return await handed_over(lambda deliver: self.keyboard.ask(prompt, deliver))


def _complete(text: str, state: int) -> str | None:
    """Tab completion of console commands, the slash command and its words."""
    words = (*_COMPLETIONS, f"{DEFAULT_SLASH_COMMAND} ", *(f"{w} " for w in commands()))
    matches = [c for c in words if c.startswith(text)]
    return matches[state] if state < len(matches) else None
