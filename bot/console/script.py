"""The console's input loop: slash commands, button numbers (`bot.console.clicks`), `:`
commands, forms and plain words (a direct message to the bot), each followed by a short wait
for the app's answer so output and prompt come in a sensible order."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.console.clicks import Clicks
from bot.console.forms import FormFiller, Outcome
from bot.console.help import HELP
from bot.console.home import open_home, show_home
from bot.console.mrkdwn import BLUE, BOLD, DIM, GREEN, RED, plain
from bot.console.screen import Screen
from bot.console.terminal import PROMPT_END, LineSource, Terminal, visible
from bot.console.waits import Waits
from bot.console.workspace import ConsoleWorkspace, WorkspaceError
from slackemu import Channel, EmulatorUsageError, SlackEmulator, User, View

__all__ = ["Interpreter"]

# ASCII digits only: str.isdigit() also takes "²", which int() refuses.
_NUMBER = re.compile(r"[0-9]{1,6}")
_SECONDS = re.compile(r"[0-9]{1,4}(\.[0-9]+)?")


class Interpreter:
    """Reads lines and acts on them as the current person in the current channel."""

    def __init__(
        self,
        emu: SlackEmulator,
        workspace: ConsoleWorkspace,
        screen: Screen,
        terminal: Terminal,
        source: LineSource,
        *,
        command: str,
        who: str,
        where: str,
        waits: Waits,
        stop_on_failure: bool = False,
        policy_text: str = "",
    ) -> None:
        self.emu, self.workspace, self.screen = emu, workspace, screen
        self.terminal, self.source, self.command = terminal, source, command
        self.who, self.where = who, where
        self.waits = waits
        self.stop_on_failure = stop_on_failure
        self.policy_text = policy_text
        self.mistakes: list[str] = []
        """What went wrong on the console's side (a line it could not act on)."""
        self.failed_line: str | None = None
        """The first line after which something failed: a mistake, a refusal, an error."""
        self.forms = FormFiller(
            emu, terminal, workspace, self.read, lambda: self.who, fail=self.fail, stop=self.stopped
        )
        self.clicks = Clicks(self, emu, screen, terminal, waits)

    @property
    def failures(self) -> int:
        """Mistakes, and answers from the bot that refused or failed, so far."""
        return len(self.mistakes) + len(self.screen.failures)

    def stopped(self) -> bool:
        """Whether a script should read no further line: one has failed."""
        return self.stop_on_failure and self.failures > 0

    def fail(self, text: str) -> None:
        """A line the console could not act on: said in red, and counted."""
        self.note(text, RED)
        self.mistakes.append(text)

    def prompt(self) -> str:
        """`you #general` and an arrow, coloured for readline."""
        name = self.workspace.user_name(self.who) or self.who
        channel = self.workspace.channel_name(self.where) or self.where
        return (
            self.terminal.prompt_text(name, BOLD, GREEN)
            + " "
            + self.terminal.prompt_text(f"#{channel}", BLUE)
            + PROMPT_END
        )

    async def read(self, prompt: str) -> str | None:
        """The next line; lines that were not typed here are shown after their prompt."""
        self.waits.forget_interrupt()
        line = await self.source.read(prompt)
        if line is not None and self.source.echo:
            self.terminal.write(visible(prompt) + line)
        return line

    async def run(self) -> None:
        """Until the input ends, the person quits, or (a script) a line fails."""
        while not self.terminal.closed and not self.stopped():
            failures = self.failures
            view = self.emu.modal(self.who)
            if view is not None:
                outcome = await self.fill(view)
                self._blame(failures, f"the form “{plain(view.title)}”")
                if outcome in ("quit", "ended"):
                    return
                continue
            line = await self.read(self.prompt())
            if line is None:
                return
            going_on = await self.handle(line)
            self._blame(failures, line.strip())
            if not going_on:
                return

    def _blame(self, failures_before: int, what: str) -> None:
        if self.failed_line is None and self.failures > failures_before:
            self.failed_line = what

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the person asked to leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            await self.slash(text)
        elif _NUMBER.fullmatch(text):
            await self.clicks.number(int(text))
        elif text.startswith(":"):
            word, _, rest = text[1:].partition(" ")
            if word in ("quit", "q", "exit"):
                return False
            await self.colon(word.lower(), rest.strip())
        else:
            await self.say(text)
        return True

    async def colon(self, word: str, rest: str) -> None:
        """The `:` commands."""
        if word == "help":
            self.terminal.write(HELP.replace("/vps", self.command))
        elif word == "policy":
            self.terminal.write(self.policy_text.rstrip() or "(no policy text)")
        elif word == "as":
            self.become(rest)
        elif word == "in":
            self.go(rest)
        elif word == "click":
            await self.clicks.click(rest)
        elif word == "wait":
            within = float(rest) if _SECONDS.fullmatch(rest) else 30.0
            if not await self.waits.wait(within):
                self.mistakes.append(":wait ran out of time")
        elif word == "home":
            await self.home(rest)
        elif word in ("submit", "cancel"):
            self.fail("No form is open.")
        else:
            self.fail(f":{word} is not a console command; :help lists them.")

    async def home(self, rest: str) -> None:
        """`:home` shows the bot's Home tab; `:home 2` clicks its button [2]."""
        if not rest:
            view = await open_home(self.emu, self.who)
            if view is None:
                self.fail("The bot did not publish a Home tab.")
            else:
                show_home(view, self.terminal, self.workspace)
            return
        view = self.emu.home(self.who)
        buttons = view.buttons() if view is not None else []
        if view is None or not _NUMBER.fullmatch(rest) or not 1 <= int(rest) <= len(buttons):
            self.fail(f"No button [{rest}] on your Home tab; :home shows it.")
            return
        before = self.screen.changes
        await self.emu.click(view, index=int(rest) - 1, user=self.who)
        await self.waits.settle(before)

    def become(self, name: str) -> None:
        """`:as bob`."""
        who = self._find(name, self.workspace.user, self.who)
        if who is None:
            return
        self.who = who
        self.note(f"You are @{self.workspace.user_name(who)} ({who}).")
        if self.screen.catch_up():
            self.note("(Above: what came for you meanwhile, only you can see it.)")

    def go(self, name: str) -> None:
        """`:in #ops`."""
        where = self._find(name, self.workspace.channel, self.where)
        if where is not None:
            self.where = where
            self.note(f"You are in #{self.workspace.channel_name(where)} ({where}).")

    def _find(self, name: str, find: Callable[[str], User | Channel], current: str) -> str | None:
        """The id of the member or channel `name` names (`current` when none is named); None
        when there is no such one (said)."""
        try:
            return find(name).id if name else current
        except WorkspaceError as exc:
            self.fail(str(exc))
            return None

    async def slash(self, text: str) -> None:
        """Type a slash command in the current channel."""
        name = text.split(maxsplit=1)[0]
        if name != self.command:
            self.fail(f"{name} is not installed here; the bot's command is {self.command}.")
            return
        before = self.screen.changes
        await self.emu.slash_command(text, user=self.who, channel=self.where)
        await self.waits.settle(before)  # a failed command gets Slackbot's note, as in Slack

    async def say(self, text: str) -> None:
        """Words that are no command nor a number: a direct message to the bot, which reads
        them as a request (`reboot web-server-01`, `quali server sono spenti?`)."""
        before = self.screen.changes
        await self.emu.direct_message(text, user=self.who)
        await self.waits.settle(before)

    async def fill(self, view: View) -> Outcome:
        """Fill in the open modal; then wait for what its submission brings."""
        before = self.screen.changes
        try:
            outcome = await self.forms.fill(view)
        except EmulatorUsageError as exc:
            self.fail(f"The form can't be filled here: {exc}")
            self.emu.world.clear_views(self.who)
            return "cancelled"
        if outcome == "submitted":
            await self.waits.settle(before)
        return outcome

    def note(self, text: str, *codes: str) -> None:
        """A line from the console itself (not from Slack)."""
        self.terminal.write(self.terminal.style.paint(text, *(codes or (DIM,))))
