"""The answers to plain words: the command they became, Do it / Cancel, candidates, examples.

The command holds words someone typed (a name, a glob): it is shown in a code span, which
nothing can break out of; buttons carry it as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.slack import ids
from bot.slack.blocks.core import (
    Message,
    button,
    code_of,
    context,
    fallback,
    refusal,
    section,
)

__all__ = [
    "EXAMPLES",
    "build_candidates",
    "build_not_understood",
    "build_not_yours",
    "build_read_as",
    "build_refused",
    "build_taken",
    "build_to_do",
]

EXAMPLES = (
    "reboot web-server-01",
    "which servers are stopped?",
    "riavvia i server web in us-west, due alla volta",
)
"""Phrasings shown when the words were not understood (they read as commands, in both
languages)."""

_LIMIT = 500


def _read_as(command: str) -> str:
    return f":speech_balloon: I read this as {code_of(command, _LIMIT)}"


def build_read_as(command: str) -> Message:
    """A read: the command it became (its answer follows, as if typed)."""
    return Message(text=fallback(f"I read this as {command}"), blocks=[section(_read_as(command))])


def build_to_do(command: str, value: str) -> Message:
    """A write: the command, and nothing done until the person who asked clicks Do it."""
    blocks: list[Block] = [
        section(_read_as(command) + "."),
        context(
            "Nothing is done until the person who asked clicks *Do it*; then the command goes "
            "the usual way (your permissions, its confirmation or approval)."
        ),
        ActionsBlock(
            elements=[
                button("Do it", action_id=ids.WORDS_DO_IT, value=value, style="primary"),
                button("Cancel", action_id=ids.WORDS_CANCEL, value=value),
            ]
        ),
    ]
    return Message(text=fallback(f"I read this as {command}: Do it?"), blocks=blocks)


def build_candidates(choices: Sequence[tuple[str, str]]) -> Message:
    """Several readings (or names): each command a button (its value), none of them run."""
    buttons = [
        button(command, action_id=f"{ids.WORDS_CANDIDATE}_{n}", value=value, emoji=False)
        for n, (command, value) in enumerate(choices[:3])
    ]
    blocks: list[Block] = [
        section(":thinking_face: I am not sure which you mean. Did you mean one of these?"),
        ActionsBlock(elements=buttons),
        context("A click shows what that command would do; nothing is changed yet."),
    ]
    return Message(text="Did you mean one of these?", blocks=blocks)


def build_not_understood(command_word: str, *, why: str = "") -> Message:
    """Words that are no command: say so, with phrasings that are."""
    lead = {
        "which-server": "I could not tell which server you mean.",
        "rename-needs-two": "To rename, name the server and its new name.",
        "several-readings": "Those words say two different things.",
        "negated": "I do not read exceptions or what not to do; name what to do.",
        "when": "I read a time only as “in 10 minutes” or “at 22:00”.",
    }.get(why, "I did not understand that as a request for the servers.")
    examples = "\n".join(f"• {code_of(e)}" for e in EXAMPLES)
    help_line = f"Or type {code_of(command_word + ' help')} for every command."
    blocks: list[Block] = [
        section(f":grey_question: {lead} Try, for example:\n{examples}"),
        context(help_line),
    ]
    blocks[0].block_id = ids.FAILED_BLOCK  # nothing was done (a console script stops here)
    return Message(text=fallback(lead), blocks=blocks)


def build_refused(command_word: str) -> Message:
    """A delete that names no one server: not a command the bot makes from words."""
    usage = code_of(f"{command_word} delete <server>")
    text = f"That is not a command I make: a delete always names one server ({usage})."
    return refusal(text, icon=":no_entry:")


def build_taken(command: str, outcome: str) -> Message:
    """The answer once its button was clicked: what came of it (buttons gone)."""
    return Message(
        text=fallback(f"{command}: {outcome}"),
        blocks=[section(f"{_read_as(command)} — {outcome}")],
    )


def build_not_yours(command: str) -> Message:
    """Someone else's click on an answer: refused, with the command to type themselves."""
    text = (
        "Only the person who asked can choose here. "
        f"You can type it yourself: {code_of(command, _LIMIT)}"
    )
    return refusal(text, icon=":lock:")
