"""Modals, field by field: each input asked in turn (selects with numbered options), then
submitted; errors from Slack or the app are shown and only those fields asked again."""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from bot.catalog import matches
from bot.console.help import FORM_HELP
from bot.console.mrkdwn import BOLD, DIM, plain
from bot.console.render import options_of, render_blocks
from bot.console.terminal import PROMPT_END, Terminal
from bot.console.workspace import ConsoleWorkspace
from slackemu import Input, SlackEmulator, View

__all__ = ["FormFiller", "Outcome", "pick"]

Outcome = Literal["submitted", "cancelled", "ended", "quit"]
Reader = Callable[[str], Awaitable[str | None]]

_MULTI = {"checkboxes", "multi_static_select"}
_CHOICE = {"static_select", "radio_buttons", "external_select"} | _MULTI
_OUTCOMES: dict[str, Outcome] = {"cancel": "cancelled", "quit": "quit", "end": "ended"}
_YES, _NO = {"y", "yes", "on", "true"}, {"n", "no", "off", "false", "none"}


class _Command(Exception):
    """A `:word` typed where a field's answer was expected."""

    def __init__(self, word: str, rest: str) -> None:
        super().__init__(word)
        self.word, self.rest = word, rest


class FormFiller:
    """Fills the person's open modal from the lines they type."""

    def __init__(
        self,
        emu: SlackEmulator,
        terminal: Terminal,
        workspace: ConsoleWorkspace,
        read: Reader,
        who: Callable[[], str],
        *,
        fail: Callable[[str], None],
        stop: Callable[[], bool],
    ) -> None:
        self.emu, self.terminal, self.workspace = emu, terminal, workspace
        self.read, self.who = read, who
        self.fail, self.stop = fail, stop  # a refused answer; whether a script ends there
        self._view: View | None = None

    async def fill(self, view: View) -> Outcome:
        """Ask every field, submit; repeat the refused fields until the modal is done with."""
        self._view = view
        self.intro(view)
        values: dict[str, object] = {}
        queue = view.inputs()
        while True:
            try:
                while queue:
                    answer = await self.ask(queue[0])
                    if answer is not None:
                        values[queue[0].block_id] = answer
                    queue.pop(0)
            except _Command as command:
                if command.word in _OUTCOMES:
                    return await self.close(view, _OUTCOMES[command.word])
                try:
                    values.update(self.pairs(view.inputs(), command.rest))
                except ValueError as exc:
                    self.fail("  " + str(exc))
                    if self.stop():
                        return await self.close(view, "ended")
                    continue
            ack = await self.emu.submit_view(view, values, user=self.who())
            if ack.error and not ack.input_errors:
                await self.emu.close_view(view, clear=True, user=self.who())
                self.fail(f"  The app did not take the form ({ack.error}); it was closed.")
                return "cancelled"
            if not ack.input_errors:
                return "submitted"
            fields = {f.block_id: f for f in view.inputs()}
            for block_id, problem in ack.input_errors.items():
                label = fields[block_id].label if block_id in fields else block_id
                self.fail(f"  ! {plain(label)}: {plain(problem)}")
            if self.stop():
                return await self.close(view, "ended")
            queue = [f for f in view.inputs() if f.block_id in ack.input_errors] or view.inputs()

    async def close(self, view: View, outcome: Outcome) -> Outcome:
        """Close the form unsent."""
        await self.emu.close_view(view, clear=True, user=self.who())
        self.terminal.write("  Form closed; nothing was sent.")
        return outcome

    def intro(self, view: View) -> None:
        """The modal's title and the blocks around its inputs."""
        style = self.terminal.style
        shown = render_blocks(view.blocks, style, self.workspace, skip_inputs=True)
        title = style.paint(f"▣ {plain(view.title)}", BOLD)
        submit = plain(view.payload.get("submit", {}).get("text")) or "Submit"
        lines = [f"\n{title}", *(f"  {line}" for line in shown.lines)]
        lines.append(
            style.paint(
                f"  Answer each field; :submit sends it ({submit}), :cancel closes it.", DIM
            )
        )
        self.terminal.write("\n".join(lines))

    async def ask(self, field: Input) -> object:
        """One field's answer, asked until it is acceptable; None keeps what the form has."""
        self.terminal.write(self.describe(field))
        while True:
            line = await self.read(f"  {plain(field.label)}" + PROMPT_END)
            if line is None:
                raise _Command("end", "")
            text = line.strip()
            if text.startswith(":"):
                word, _, rest = text[1:].partition(" ")
                if word == "help":
                    self.terminal.write(FORM_HELP)
                    continue
                if word in ("submit", "cancel", "quit", "q", "exit"):
                    raise _Command("quit" if word in ("q", "exit") else word, rest)
            try:
                return self.parse(field, text)
            except ValueError as exc:
                self.fail("  " + str(exc))
                if self.stop():
                    raise _Command("end", "") from None

    def describe(self, field: Input) -> str:
        """The label, whether it is optional, its hint, its options and its current value."""
        style = self.terminal.style
        label = style.paint(plain(field.label), BOLD)
        extra = [style.paint("optional", DIM)] if field.optional else []
        hint = field.element.get("placeholder", {}).get("text")
        if hint and field.type not in _CHOICE:
            extra.append(style.paint(f"e.g. {plain(hint)}", DIM))
        lines = [f"  {label}" + (f" ({', '.join(extra)})" if extra else "")]
        block_hint = _hint(self._view, field)
        if block_hint:
            lines.append(style.paint(f"    {block_hint}", DIM))
        for number, (_, text) in enumerate(options_of(field.element), 1):
            lines.append(f"    {style.paint(str(number), BOLD)}) {text}")
        current = _initial(field)
        if current:
            lines.append(style.paint(f"    now: {current} (empty line keeps it)", DIM))
        return "\n".join(lines)

    def parse(self, field: Input, text: str) -> object:
        """A typed answer as the emulator takes it; ValueError says what is wrong."""
        if not text:
            if _initial(field):
                return None
            if not field.optional:
                raise ValueError(f"{plain(field.label)} is required.")
            return [] if field.type in _MULTI else ""
        if field.type in _MULTI:
            options = options_of(field.element)
            if text.lower() in _YES and len(options) == 1:
                return [options[0][0]]
            if text.lower() in _NO:
                return []
            return [pick(options, piece) for piece in re.split(r"[,\s]+", text) if piece]
        if field.type in _CHOICE:
            return pick(options_of(field.element), text)
        return text

    def pairs(self, fields: Sequence[Input], text: str) -> dict[str, object]:
        """`name=web-03 plan=1 ...` as values by block id."""
        values: dict[str, object] = {}
        for pair in shlex.split(text):
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(f"{pair!r}: write field=value")
            field = _field_for(key, fields)
            parsed = self.parse(field, value.strip())
            if parsed is not None:
                values[field.block_id] = parsed
        return values


def pick(options: list[tuple[str, str]], typed: str) -> str:
    """An option's value from its number on the screen, else as the command line reads a plan,
    an OS or a location (`bot.catalog.matches`): its value, its text or the start of its text."""
    wanted = typed.strip()
    if re.fullmatch(r"[0-9]{1,6}", wanted) and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1][0]
    # An option's value is one of its names too, unless it is an id (as a location's code is).
    found = matches(wanted, [(v, [t] if v.isdigit() else [t, v]) for v, t in options])
    if len(found) == 1:
        return found[0]
    if found:
        texts = dict(options)
        could = " or ".join(repr(texts[value]) for value in found[:5])
        raise ValueError(f"{typed!r} could be {could}: type more of it, or its number.")
    raise ValueError(f"{typed!r} is not one of the options: type 1 to {len(options)}.")


def _field_for(key: str, fields: Sequence[Input]) -> Input:
    wanted = key.strip().casefold().replace("_", "-")
    for field in fields:
        label = plain(field.label).casefold()
        names = {
            field.block_id.casefold().replace("_", "-"),
            field.block_id.casefold().split("_", 1)[-1].replace("_", "-"),
            label.replace(" ", "-"),
            label.split(" ", 1)[0],
        }
        if wanted in names:
            return field
    known = ", ".join(plain(f.label).split(" ", 1)[0].casefold() for f in fields)
    raise ValueError(f"no field {key!r} in this form (the fields: {known})")


def _initial(field: Input) -> str:
    element = field.element
    if element.get("initial_value"):
        return plain(element["initial_value"])
    chosen = element.get("initial_option")
    picked = [chosen] if isinstance(chosen, dict) else list(element.get("initial_options") or [])
    return ", ".join(plain(o.get("text", {}).get("text")) for o in picked if isinstance(o, dict))


def _hint(view: View | None, field: Input) -> str:
    """The hint under the input block, if it has one."""
    for block in view.blocks if view is not None else []:
        if isinstance(block, dict) and block.get("block_id") == field.block_id:
            hint = block.get("hint")
            return plain(hint.get("text")) if isinstance(hint, dict) else ""
    return ""
