"""`vpsbot console`: a local, Slack-like console over the real app.

app.py        wiring: emulator + the real bot (+ the simulator), the banner, the run
workspace.py  people and channels made on the fly (`:as bob`, `:in #ops`)
script.py     the input loop: /commands, button numbers, `:` commands
forms.py      modals, field by field
screen.py     which messages to print, and what a typed number clicks
render.py     Block Kit → lines;  mrkdwn.py  mrkdwn, mentions, emoji, colour
terminal.py   output above the prompt; lines from -c, a pipe or readline
"""

from bot.console.app import ConsoleOptions, console_main, run_console

__all__ = ["ConsoleOptions", "console_main", "run_console"]
