"""What the person sees: every message they could see in Slack, printed as it is posted or
edited, and which message a typed number refers to."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from bot.console.mrkdwn import BLUE, BOLD, DIM, YELLOW, Style
from bot.console.render import Control, render_message
from bot.console.terminal import Terminal
from bot.console.workspace import ConsoleWorkspace
from bot.slack import ids
from slackemu import Change, Message

__all__ = ["Screen"]

logger = logging.getLogger(__name__)

_MAX_KEPT = 200
_FAILURE_BLOCKS = {ids.DENIED_BLOCK, ids.FAILED_BLOCK}


class Screen:
    """Prints changes for the person at the keyboard; remembers each message's numbered controls."""

    def __init__(
        self,
        terminal: Terminal,
        workspace: ConsoleWorkspace,
        *,
        who: Callable[[], str],
        ops_channel: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.terminal, self.workspace = terminal, workspace
        self.who, self.ops_channel, self.clock = who, ops_channel, clock
        self.shown: list[Message] = []  # in the order they were last printed, newest last
        self.controls: dict[int, list[Control]] = {}
        self.changes = 0
        self.last_change = clock()
        self.failures: list[str] = []
        """Messages shown that say a request was refused or failed (one entry per message)."""
        self._failed: set[tuple[str, str]] = set()
        self._missed: dict[str, list[Message]] = {}
        """Messages only someone else could see when they came (by that person): shown to them
        when the console becomes them again (`:as`), as Slack would have kept them."""

    def on_change(self, change: Change) -> None:
        """The emulator's callback: show what the person would notice."""
        try:
            self._on_change(change)
        except Exception:  # the emulator must still answer the app, whatever we failed to show
            logger.exception("could not show a %s", change.kind)

    def _on_change(self, change: Change) -> None:
        message, view = change.message, change.view
        if view is not None and view.user == self.who():
            self._touch()
        if message is None or message.via in ("slash_command", "person"):
            return  # the console already shows the line the person typed
        if change.kind == "message.deleted":
            if message in self.shown:
                self._touch()
                self.shown.remove(message)
                self.terminal.write(self.terminal.style.paint("  (a message was deleted)", DIM))
            return
        if message.visible_to(self.who()):
            self._touch()
            self.show(message, updated=change.kind == "message.edited")
        elif message.ephemeral_to is not None:
            missed = self._missed.setdefault(message.ephemeral_to, [])
            if message in missed:
                missed.remove(message)
            missed.append(message)
            del missed[:-_MAX_KEPT]

    def catch_up(self) -> int:
        """Show what came for the person the console now is while it was someone else; how
        many messages that was."""
        missed = [m for m in self._missed.pop(self.who(), []) if not m.deleted]
        for message in missed:
            self.show(message, updated=message.edited)
        return len(missed)

    def _touch(self) -> None:
        self.changes += 1
        self.last_change = self.clock()

    def show(self, message: Message, *, updated: bool = False) -> None:
        """Print a message with its header; its controls become the ones numbers refer to."""
        style = self.terminal.style
        shown = render_message(
            message.text, message.blocks, message.attachments, style, self.workspace
        )
        if message in self.shown:
            self.shown.remove(message)
        self.shown.append(message)
        del self.shown[:-_MAX_KEPT]
        self.controls[id(message)] = shown.controls
        if _says_failure(message) and (message.channel, message.ts) not in self._failed:
            self._failed.add((message.channel, message.ts))
            self.failures.append(self.describe(message))
        lines = [self.header(message, updated=updated)]
        lines += [f"  {line}" for line in shown.lines]
        self.terminal.write("\n" + "\n".join(lines))

    def place_name(self, channel_id: str) -> str:
        """`#general`, or `direct message` for the person's conversation with the bot."""
        if self.workspace.is_direct(channel_id):
            return "direct message"
        return "#" + (self.workspace.channel_name(channel_id) or channel_id)

    def header(self, message: Message, *, updated: bool) -> str:
        """`vpsbot · #general · only you (updated)  12:00:01`."""
        style = self.terminal.style
        poster = self.workspace.user_name(message.user) or message.user
        if message.user == "USLACKBOT":
            poster = "Slackbot"
        place = self.place_name(message.channel)
        parts = [style.paint(poster, BOLD), style.paint(place, BLUE)]
        if message.channel == self.ops_channel:
            parts.append("ops notification")
        if message.thread_ts:
            parts.append("↳ thread reply")
        if message.is_ephemeral:
            parts.append(style.paint("only you can see this", YELLOW))
        head = " · ".join(parts)
        if updated:
            head += " " + style.paint("(updated)", YELLOW)
        when = message.history[-1].at if updated and message.history else message.ts
        return f"{head}  {style.paint(_clock_time(when), DIM)}"

    def target(self) -> tuple[Message, list[Control]] | None:
        """The newest shown message that still has controls: the one a typed number clicks."""
        return next(((m, controls) for m, controls in self._clickable() if controls), None)

    def find(self, text: str) -> tuple[Message, Control] | None:
        """The newest control labelled `text`: exactly, then ignoring symbols, then its start."""
        wanted = text.strip().casefold()
        tests: list[Callable[[str], bool]] = [
            lambda label: label.casefold() == wanted,
            lambda label: _words(label) == _words(wanted),
            lambda label: _words(label).startswith(_words(wanted)),
        ]
        if not _words(wanted):  # only symbols: nothing to compare but the exact label
            del tests[1:]
        for test in tests:
            for message, controls in self._clickable():
                for control in controls:
                    if test(control.label):
                        return message, control
        return None

    def _clickable(self) -> Iterator[tuple[Message, list[Control]]]:
        """The shown messages the person still sees, newest first, with their controls."""
        for message in reversed(self.shown):
            if not message.deleted and message.visible_to(self.who()):
                yield message, self.controls.get(id(message), [])

    def describe(self, message: Message) -> str:
        """A short name for a message: its first line of text."""
        first = render_message(message.text, [], [], Style(colour=False), self.workspace)
        line = first.lines[0] if first.lines else "a message"
        return line if len(line) <= 60 else line[:59] + "…"


def _says_failure(message: Message) -> bool:
    """A refusal or a failure, as the bot marks them (first block's id), or Slackbot's note that
    the app failed to answer a command."""
    if message.via == "slackbot":
        return True
    first = message.blocks[0] if message.blocks else None
    return isinstance(first, dict) and first.get("block_id") in _FAILURE_BLOCKS


def _words(text: str) -> str:
    """Text without emoji and symbols, in one case: "← Previous" → "previous"."""
    return " ".join(re.sub(r"[^\w\s-]", " ", text).casefold().split())


def _clock_time(ts: str | float) -> str:
    try:
        return datetime.fromtimestamp(float(ts)).strftime("%H:%M:%S")
    except (ValueError, OverflowError, OSError):
        return ""
