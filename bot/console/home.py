"""`:home`: the bot's App Home tab, as the person the console is sees it, and its buttons."""

from __future__ import annotations

from bot.console.mrkdwn import BOLD, DIM
from bot.console.render import render_blocks
from bot.console.terminal import Terminal
from bot.console.workspace import ConsoleWorkspace
from slackemu import SlackEmulator, View

HOME_WAIT = 10.0
"""Seconds to wait for the bot to publish the tab."""


async def open_home(emu: SlackEmulator, who: str) -> View | None:
    """Open the Home tab (app_home_opened) and wait for the bot to publish it; None if not."""
    before = emu.home(who)
    seen = before.hash if before is not None else None
    ack = await emu.open_home(who)
    if not ack.ok:
        return None

    def published() -> View | None:
        view = emu.home(who)
        return view if view is not None and view.hash != seen else None

    try:
        return await emu.wait_for(published, HOME_WAIT, what="the Home tab")
    except TimeoutError:
        return before


def show_home(view: View, terminal: Terminal, workspace: ConsoleWorkspace) -> None:
    """Print the tab; its buttons are numbered for `:home <n>`."""
    style = terminal.style
    shown = render_blocks(view.blocks, style, workspace)
    lines = [style.paint("Home tab", BOLD) + style.paint("  (:home <n> clicks button [n])", DIM)]
    lines += [f"  {line}" for line in shown.lines]
    terminal.write("\n" + "\n".join(lines))
