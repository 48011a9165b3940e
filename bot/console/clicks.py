"""Clicking what the screen shows: a typed number, `:click 2`, `:click 3 2` (a menu's option),
`:click Stop web-server-01` (a button by its text) — then a wait for the app's answer."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Protocol

from bot.console.forms import pick
from bot.console.mrkdwn import DIM
from bot.console.render import Control
from bot.console.screen import Screen
from bot.console.terminal import PROMPT_END, Terminal
from bot.console.waits import Waits
from slackemu import EmulatorUsageError, Message, SlackEmulator

__all__ = ["Clicks", "Person"]

_NUMBER = re.compile(r"[0-9]{1,6}")


class Person(Protocol):
    """Who clicks (the console's interpreter): who they are now, and how lines are said."""

    who: str

    def fail(self, text: str) -> None: ...

    def note(self, text: str, *codes: str) -> None: ...

    def read(self, prompt: str) -> Awaitable[str | None]: ...

    def stopped(self) -> bool: ...


class Clicks:
    """Presses the controls of the messages on the screen for `person`."""

    def __init__(
        self, person: Person, emu: SlackEmulator, screen: Screen, terminal: Terminal, waits: Waits
    ) -> None:
        self.person, self.emu, self.screen = person, emu, screen
        self.terminal, self.waits = terminal, waits

    async def click(self, rest: str) -> None:
        """`:click 2`, `:click 3 2` (a menu's option) or `:click Stop web-server-01`."""
        number, _, option = rest.partition(" ")
        if _NUMBER.fullmatch(number):
            await self.number(int(number), option.strip() or None)
            return
        found = self.screen.find(rest) if rest else None
        if found is None:
            said = f"No button {rest!r} on the screen." if rest else "Click what? :click 1"
            self.person.fail(said)
            return
        await self.press(*found, None)

    async def number(self, number: int, option: str | None = None) -> None:
        """Press control `number` of the latest message that has controls."""
        target = self.screen.target()
        if target is None:
            self.person.fail("No message with buttons yet.")
            return
        message, controls = target
        control = next((c for c in controls if c.number == number), None)
        last = len(controls)
        if control is None:
            self.person.fail(
                f"No button [{number}]: the latest message with buttons has [1] to [{last}]."
            )
            return
        await self.press(message, control, option)

    async def press(self, message: Message, control: Control, option: str | None) -> None:
        """Click a button, or choose an option of a menu, and wait for the app's answer."""
        about, who = self.screen.describe(message), self.person.who
        self.person.note(f"→ [{control.number}] {control.label} — on “{about}”", DIM)
        before = self.screen.changes
        if control.kind == "button" and option is not None:
            self.person.fail(f"[{control.number}] is a button, not a menu: nothing was clicked.")
            return
        try:
            if control.kind == "button":
                ack = await self.emu.click(message, index=control.button_index, user=who)
            else:
                value = await self.choice(control, option)
                if value is None:
                    return
                ack = await self.emu.choose(message, value, action_id=control.action_id, user=who)
        except EmulatorUsageError as exc:
            self.person.fail(f"Slack would not let you: {exc}")
            return
        if ack.error:
            self.person.fail(f"The app did not answer the click ({ack.error}).")
        await self.waits.settle(before)

    async def choice(self, control: Control, typed: str | None) -> str | None:
        """A menu option's value, from `typed` or asked for."""
        while True:
            if typed is None:
                for number, (_, text) in enumerate(control.options, 1):
                    self.terminal.write(f"    {number}) {text}")
                typed = await self.person.read(f"  {control.label}" + PROMPT_END)
                if typed is None or not typed.strip():
                    return None
            try:
                return pick(list(control.options), typed)
            except ValueError as exc:
                self.person.fail(str(exc))
                if self.person.stopped():
                    return None
                typed = None
