"""`vpsbot console`: the real app (the same `start_bot` as `vpsbot run`), Slack's side played by
the emulator over signed HTTP on 127.0.0.1, VPS.org by the built-in simulator (or the real API
when VPS_API_URL / VPS_API_TOKEN are set), and a person at the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sys
import tempfile
import threading
from collections.abc import Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from bot.config import Settings, StartupError
from bot.console.mrkdwn import BOLD, DIM, RED, YELLOW
from bot.console.screen import Screen
from bot.console.script import Interpreter
from bot.console.terminal import (
    Keyboard,
    LineSource,
    ScriptLines,
    StreamLines,
    Terminal,
    TerminalLogHandler,
    TypedLines,
    is_terminal,
    keep_terminal_settings,
    visible,
    wants_colour,
)
from bot.console.workspace import ConsoleWorkspace
from bot.emulator import SlackEmulator
from bot.policy import Policy, parse_policy
from bot.redact import redact_url
from bot.runner import DEMO_BANNER, load_policy_for, start_bot
from bot.vps.simulator import Durations, Simulator

__all__ = ["DEMO_DURATIONS", "ConsoleOptions", "run_console"]

DEMO_DURATIONS = Durations(provisioning=6.0, starting=2.0, stopping=2.0, rebooting=3.0)
"""Transitions fast enough to watch: seconds, not minutes."""
YOU, HERE, OPS_LOG = "you", "#general", "#ops-log"
NO_POLICY_FOR_REAL_API = """\
no {path} here: with VPS_API_URL or VPS_API_TOKEN set the console acts on that real API, so it
uses your policy file, never the demo policy ("you may do everything"). Write {path} (or set
BOT_POLICY_FILE), as in the README's "The policy file", for example:
  rules:
    "*": [{{users: [U0ADMIN01]}}]      # this member ID may do everything
    stop: [{{channels: [C0OPS0001]}}]  # anyone may stop servers in this channel
  confirm: [stop, delete]
then `:as U0ADMIN01` and `:in C0OPS0001` in the console act as that member, in that channel.
To try the bot without a real API, unset VPS_API_URL and VPS_API_TOKEN (the built-in simulator)."""


@dataclass(frozen=True)
class ConsoleOptions:
    """How this console runs; the defaults are the demo (tests make it faster)."""

    lines: Sequence[str] | None = None  # -c lines; None reads stdin (a person, or a pipe)
    servers: int = 12  # the simulated fleet: the same as `run --simulator` (bot.cli.DEMO_SERVERS)
    durations: Durations = DEMO_DURATIONS
    watch_interval: float = 1.0  # with the simulator, unless BOT_WATCH_INTERVAL_SECONDS is set
    quiet: float = 0.3  # how long nothing changes before the console takes the next line
    finish_within: float = 30.0  # at the end of the input, the longest wait for follow-ups
    keep_going: bool = False  # a script goes on after a line that failed (still exit code 1)
    stdin: TextIO | None = None
    stdout: TextIO | None = None
    colour: bool | None = None  # None: on a terminal, unless NO_COLOR is set
    keyboard: Keyboard | None = None  # served by the main thread: console_main() does it


def console_policy(settings: Settings, user_id: str, *, real_api: bool) -> tuple[Policy, str]:
    """The policy file as `run` finds it; without one, the demo policy letting `user_id` do
    everything — with the simulator only: against a real API the console refuses to start."""
    path = settings.bot_policy_file
    if "bot_policy_file" in settings.model_fields_set or path.exists():
        return load_policy_for(settings), f"{path} (as `vpsbot run` would use it)"
    if real_api:
        raise StartupError(NO_POLICY_FOR_REAL_API.format(path=path))
    demo = f'rules:\n  "*":\n    - users: [{user_id}]\nconfirm: [stop, delete]\n'
    note = (
        f"the demo policy: @{YOU} may do everything (a {path} here or BOT_POLICY_FILE replaces it)"
    )
    return parse_policy(demo, "the console's demo policy"), note


def console_main(settings: Settings, options: ConsoleOptions) -> int:
    """`vpsbot console`. With a person at the terminal, this (the main) thread reads the keyboard,
    so that Ctrl-C clears the line as in a shell, and the console runs in a thread of its own."""
    stdin = options.stdin or sys.stdin
    if options.lines is not None or not is_terminal(stdin):
        return asyncio.run(run_console(settings, options))
    keyboard = Keyboard()
    ended: list[int] = []
    failed: list[BaseException] = []

    def console() -> None:
        try:
            ended.append(asyncio.run(run_console(settings, replace(options, keyboard=keyboard))))
        except BaseException as exc:  # handed to the main thread, which reports it
            failed.append(exc)
        finally:
            keyboard.close()

    thread = threading.Thread(target=console, name="vpsbot-console", daemon=True)
    thread.start()
    keyboard.serve()
    thread.join()
    if failed:
        raise failed[0]
    return ended[0]


async def run_console(settings: Settings, options: ConsoleOptions | None = None) -> int:
    """Run the console until its input ends (then wait for follow-ups), the person quits, or a
    script's line fails; 0, or 1 when a script's line failed."""
    options = options or ConsoleOptions()
    stdin, stdout = options.stdin or sys.stdin, options.stdout or sys.stdout
    interactive = options.lines is None and is_terminal(stdin)
    colour = (
        wants_colour(stdout, allowed=settings.colour_allowed)
        if options.colour is None
        else options.colour
    )
    terminal = Terminal(stdout, colour=colour, interactive=interactive and is_terminal(stdout))
    real_api = bool({"vps_api_url", "vps_api_token"} & settings.model_fields_set)
    if real_api and settings.vps_api_token is None:
        raise StartupError(
            "VPS_API_TOKEN: required with VPS_API_URL (unset both for the built-in simulator)"
        )
    if "log_level" not in settings.model_fields_set:
        logging.getLogger("bot").setLevel(logging.WARNING)  # the screen is for the conversation
    with ExitStack() as sync_stack:
        if interactive:
            sync_stack.enter_context(keep_terminal_settings(stdin))
            sync_stack.callback(terminal.end)
            root = logging.getLogger()
            saved = root.handlers[:]
            root.handlers[:] = [TerminalLogHandler(terminal)]
            sync_stack.callback(root.handlers.__setitem__, slice(None), saved)
            if options.keyboard is None:  # not from console_main: Ctrl-C stops the program
                keyboard = Keyboard()
                threading.Thread(target=keyboard.serve, name="console-keys", daemon=True).start()
                sync_stack.callback(keyboard.close)
                options = replace(options, keyboard=keyboard)
        async with AsyncExitStack() as stack:
            emu = SlackEmulator(
                signing_secret=secrets.token_urlsafe(24), bot_token="xoxb-" + secrets.token_hex(16)
            )
            workspace = ConsoleWorkspace(emu)
            me, here = workspace.user(YOU), workspace.channel(HERE)
            ops = workspace.channel(OPS_LOG, channel_id=settings.bot_ops_channel)
            policy, policy_note = console_policy(settings, me.id, real_api=real_api)
            await emu.start()
            stack.push_async_callback(emu.close)
            changes, state_note = _changes(settings, emu, ops.id, stack, options, real_api)
            sim = None if real_api else Simulator(seed=options.servers, durations=options.durations)
            bot = await start_bot(
                settings.model_copy(update=changes),
                simulator=sim,
                announce=lambda _: None,  # the banner says it, without the port noise
                policy=policy,
            )
            stack.push_async_callback(bot.close)
            emu.app_url = f"http://127.0.0.1:{bot.port}/slack/events"

            screen = Screen(terminal, workspace, who=lambda: interpreter.who, ops_channel=ops.id)
            stack.callback(emu.on_change(screen.on_change))
            services = bot.services

            def working() -> int:
                return sum(not t.done() for t in services.inflight)

            interpreter = Interpreter(
                emu,
                workspace,
                screen,
                terminal,
                _source(options, stdin, interactive=interactive),
                command=settings.bot_command,
                who=me.id,
                where=here.id,
                busy=lambda: services.watcher.active + working(),
                working=working,
                quiet=options.quiet,
                stop_on_failure=not interactive and not options.keep_going,
            )
            if interactive:
                _connect_keyboard(options, terminal, interpreter)
            api = redact_url(settings.vps_api_url) if real_api else None
            banner(terminal, api, policy_note, state_note, command=settings.bot_command, who=me.id)
            if interactive:  # a useful screen at once
                first = f"{settings.bot_command} list"
                terminal.write(visible(interpreter.prompt()) + first)
                await interpreter.handle(first)
            await interpreter.run()
            if interactive:
                return 0
            await interpreter.finish(options.finish_within)
            if interpreter.failures:
                _say_what_failed(terminal, interpreter, stopped=not options.keep_going)
                return 1
    return 0


def _say_what_failed(terminal: Terminal, interpreter: Interpreter, *, stopped: bool) -> None:
    """The script's last line: which line failed, and whether the rest was skipped."""
    what = interpreter.failed_line or "a line"
    count = interpreter.failures
    rest = "; the lines after it were not run" if stopped else f" ({count} failures in all)"
    terminal.write(terminal.style.paint(f"✗ Failed: {what}{rest}. Exit code 1.", BOLD, RED))


def _connect_keyboard(
    options: ConsoleOptions, terminal: Terminal, interpreter: Interpreter
) -> None:
    """Prompts and ^C on this terminal; Ctrl-C while the bot answers stops the waiting."""
    loop = asyncio.get_running_loop()

    def interrupt() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to stop
            loop.call_soon_threadsafe(interpreter.interrupt)

    keyboard = options.keyboard
    assert keyboard is not None  # noqa: S101 - run_console made sure of it
    keyboard.connect(terminal, interrupt)


def _source(options: ConsoleOptions, stdin: TextIO, *, interactive: bool) -> LineSource:
    """Lines from -c, else from the person at the terminal, else from the pipe."""
    if options.lines is not None:
        return ScriptLines(options.lines)
    if not interactive:
        return StreamLines(stdin)
    assert options.keyboard is not None  # noqa: S101 - run_console made sure of it
    return TypedLines(options.keyboard)


def _changes(
    settings: Settings,
    emu: SlackEmulator,
    ops_channel: str,
    stack: AsyncExitStack,
    options: ConsoleOptions,
    real_api: bool,
) -> tuple[dict[str, Any], str]:
    """The settings `run` would use, pointed at the emulator; and where the state lives."""
    changes: dict[str, Any] = {
        "slack_bot_token": SecretStr(emu.bot_token),
        "slack_signing_secret": SecretStr(emu.signing_secret),
        "slack_app_token": None,  # signed HTTP to the app, as Slack does in HTTP mode
        "slack_api_url": emu.api_url,
        "bot_ops_channel": ops_channel,
        "host": "127.0.0.1",
        "port": 0,
    }
    state_note = settings.bot_state_url
    if "bot_state_url" not in settings.model_fields_set:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="vpsbot-console-"))
        changes["bot_state_url"] = f"sqlite:///{Path(folder) / 'console.db'}"
        state_note = "a temporary file, deleted when the console exits"
    if not real_api and "bot_watch_interval_seconds" not in settings.model_fields_set:
        changes["bot_watch_interval_seconds"] = options.watch_interval
    return changes, state_note


def banner(
    terminal: Terminal,
    real_api: str | None,
    policy_note: str,
    state_note: str,
    *,
    command: str,
    who: str,
) -> None:
    """Say what this console is talking to, with which rules, as whom and where."""
    paint = terminal.style.paint
    if real_api is None:
        lines = [paint(DEMO_BANNER, BOLD, YELLOW)]
    else:
        lines = [paint(f"vpsbot console on the REAL VPS.org API at {real_api}.", BOLD, RED)]
    lines += [
        f"  policy  {policy_note}",
        f"  state   {state_note}",
        f"  you     @{YOU} ({who}) in {HERE}; notifications go to {OPS_LOG}",
        paint(
            f"Type {command} help or {command} list; a button's number clicks it; "
            ":as bob and :in #ops switch who and where; :help for more.",
            DIM,
        ),
    ]
    terminal.write("\n".join(lines))
