"""How long the console waits for the bot before it takes the next line, or ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.console.plans import PlansUnderWay
from bot.console.screen import Screen
from bot.words import counted

__all__ = ["Waits"]


class Waits:
    """Waits on the screen's changes and the bot's work; Ctrl-C (`interrupt`) cuts one short."""

    def __init__(
        self,
        screen: Screen,
        *,
        busy: Callable[[], int],
        working: Callable[[], int],
        note: Callable[[str], None],
        quiet: float,
        plans: PlansUnderWay | None = None,
        settle_within: float = 30.0,
    ) -> None:
        self.screen, self.busy, self.working, self.note = screen, busy, working, note
        self.plans = plans
        """The plans under way: waited for as the servers followed are."""
        self.quiet, self.settle_within = quiet, settle_within
        self._interrupted = False

    def interrupt(self) -> None:
        """Ctrl-C while the console waits for the bot: stop waiting, show the prompt."""
        self._interrupted = True

    def forget_interrupt(self) -> None:
        """A new line is asked for: a Ctrl-C from before it is spent."""
        self._interrupted = False

    async def settle(self, before: int) -> None:
        """Wait until the bot has answered (a change after `before`, no request still being
        worked on, no plan confirmed without its message) and nothing changed for `quiet`:
        the next line acts on that answer, however slow the API is (bounded by
        `settle_within`)."""
        clock = self.screen.clock
        deadline = clock() + self.settle_within
        while clock() < deadline:
            if self._interrupted:
                self._interrupted = False
                return
            answered = self.screen.changes > before and not self.working()
            if answered and self.plans is not None and await self.plans.unshown():
                answered = False  # a plan confirmed: its message is part of the answer
            if answered and clock() - self.screen.last_change >= self.quiet:
                return
            await asyncio.sleep(0.02)

    async def wait(self, within: float) -> bool:
        """`:wait`: `finish`, saying so when there is something to wait for."""
        followed, plans = await self._pending()
        if followed or plans:
            self.note(f"Waiting for the bot to settle, at most {within:g}s (Ctrl-C stops it).")
        return await self.finish(within)

    async def finish(self, within: float) -> bool:
        """Wait until no server is being followed, no plan is under way and nothing changed
        for a moment."""
        clock = self.screen.clock
        deadline = clock() + within
        followed, plans = await self._pending()
        while clock() < deadline:
            if self._interrupted:
                self._interrupted = False
                self.note("Not waiting any longer (Ctrl-C).")
                return True
            followed, plans = await self._pending()
            if not followed and not plans and clock() - self.screen.last_change >= self.quiet:
                return True
            await asyncio.sleep(0.05)
        still = counted(followed, "server") + (f" and {counted(plans, 'plan')}" if plans else "")
        self.note(f"Still following {still} after {within:g}s; not waiting longer.")
        return False

    async def _pending(self) -> tuple[int, int]:
        """Servers being followed (or requests worked on), and plans under way."""
        return self.busy(), await self.plans.count() if self.plans is not None else 0
