"""`vpsbot console`: a local, Slack-like console over the real app.

app.py        wiring: emulator + the real bot (+ the simulator), the run, the exit code
startup.py    the policy (real or demo), settings pointed at the emulator, the banner
workspace.py  people and channels made on the fly (`:as bob`, `:in #ops`)
script.py     the input loop: /commands, `:` commands, plain words; failed lines
clicks.py     button numbers, `:click` by number or text, menus' options
waits.py      how long to wait for the bot before the next line, `:wait`, the end of a script
plans.py      the plans under way, which those waits wait for;  help.py  :help
forms.py      modals, field by field
screen.py     which messages to print, what a typed number clicks, which ones say "failed"
render.py     Block Kit → lines;  mrkdwn.py  mrkdwn, mentions, emoji, colour
terminal.py   output above the prompt; lines from -c or a pipe
keyboard.py   a person's lines (readline) read by the main thread: Ctrl-C, Ctrl-D
"""

from bot.console.app import ConsoleOptions, console_main, run_console

__all__ = ["ConsoleOptions", "console_main", "run_console"]
