"""`vpsbot console`: the real app (the same `start_bot` as `vpsbot run`), Slack's side played by
the emulator over signed HTTP on 127.0.0.1, VPS.org by the built-in simulator (or the real API
when VPS_API_URL / VPS_API_TOKEN are set), and a person at the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, replace
from typing import TextIO

from bot.catalog import catalog_data
from bot.config import Settings, StartupError
from bot.console.keyboard import Keyboard, TypedLines
from bot.console.mrkdwn import BOLD, DIM, RED
from bot.console.plans import PlansUnderWay
from bot.console.screen import Screen
from bot.console.script import Interpreter
from bot.console.startup import (
    DEMO_DURATIONS,
    HERE,
    OPS_LOG,
    YOU,
    banner,
    console_policy,
    emulated_settings,
    policy_people,
    policy_text,
)
from bot.console.terminal import (
    LineSource,
    ScriptLines,
    StreamLines,
    Terminal,
    TerminalLogHandler,
    is_terminal,
    keep_terminal_settings,
    visible,
    wants_colour,
)
from bot.console.waits import Waits
from bot.console.workspace import ConsoleWorkspace
from bot.redact import redact_url
from bot.runner import load_catalog_for, start_bot
from bot.words import counted
from slackemu import SlackEmulator
from vpssim.simulator import Durations, Simulator

__all__ = ["DEMO_DURATIONS", "ConsoleOptions", "console_main", "run_console"]


@dataclass(frozen=True)
class ConsoleOptions:
    """How this console runs; the defaults are the demo (tests make it faster)."""

    lines: Sequence[str] | None = None  # -c lines; None reads stdin (a person, or a pipe)
    servers: int = 12  # the simulated fleet: the same as `run --simulator` (bot.cli.DEMO_SERVERS)
    durations: Durations = DEMO_DURATIONS
    watch_interval: float = 1.0  # with the simulator, unless BOT_WATCH_INTERVAL_SECONDS is set
    quiet: float = 0.3  # how long nothing changes before the console takes the next line
    finish_within: float = 30.0  # at the end of the input, the longest wait for follow-ups, plans
    keep_going: bool = False  # a script goes on after a line that failed (still exit code 1)
    stdin: TextIO | None = None
    stdout: TextIO | None = None
    colour: bool | None = None  # None: on a terminal, unless NO_COLOR is set
    keyboard: Keyboard | None = None  # served by the main thread: console_main() does it


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
        # Ctrl-C's SIGINT must reach the main thread, blocked in input(): the kernel may hand a
        # signal to any thread that does not block it, and this one's threads inherit the mask.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
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
            # The console brings its own ops channel, so a policy with approve: loads here too.
            with_ops = settings.model_copy(update={"bot_ops_channel": ops.id})
            policy, policy_note = console_policy(with_ops, me.id, real_api=real_api)
            workspace.meet(policy_people(policy))
            await emu.start()
            stack.push_async_callback(emu.close)
            changes, state_note = emulated_settings(
                settings, emu, ops.id, stack, options.watch_interval, real_api=real_api
            )
            sim = None
            if not real_api:  # its fleet wears the catalog `/vps create` offers
                sim = Simulator(
                    seed=options.servers,
                    durations=options.durations,
                    catalog=catalog_data(load_catalog_for(settings)),
                )
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

            source: LineSource = StreamLines(stdin)  # a pipe; else -c lines, or a person
            if options.lines is not None:
                source = ScriptLines(options.lines)
            elif options.keyboard is not None and interactive:
                source = TypedLines(options.keyboard)
            interpreter = Interpreter(
                emu,
                workspace,
                screen,
                terminal,
                source,
                command=settings.bot_command,
                who=me.id,
                where=here.id,
                waits=Waits(
                    screen,
                    busy=lambda: bot.watcher.active + working(),
                    working=working,
                    note=lambda text: terminal.write(terminal.style.paint(text, DIM)),
                    quiet=options.quiet,
                    plans=PlansUnderWay(services.store, emu),
                ),
                stop_on_failure=not interactive and not options.keep_going,
                policy_text=policy_text(with_ops, policy, me.id),
            )
            if isinstance(source, TypedLines):  # Ctrl-C while the bot answers stops the wait
                loop = asyncio.get_running_loop()

                def interrupt() -> None:
                    with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to stop
                        loop.call_soon_threadsafe(interpreter.waits.interrupt)

                source.keyboard.connect(terminal, interrupt)
            api = redact_url(settings.vps_api_url) if real_api else None
            banner(terminal, api, policy_note, state_note, command=settings.bot_command, who=me.id)
            if interactive:  # a useful screen at once
                first = f"{settings.bot_command} list"
                terminal.write(visible(interpreter.prompt()) + first)
                await interpreter.handle(first)
            await interpreter.run()
            if interactive:
                return 0
            await interpreter.waits.finish(options.finish_within)
            if interpreter.failures:
                _say_what_failed(terminal, interpreter, stopped=not options.keep_going)
                return 1
    return 0


def _say_what_failed(terminal: Terminal, interpreter: Interpreter, *, stopped: bool) -> None:
    """The script's last line: which line failed, and whether the rest was skipped."""
    what = interpreter.failed_line or "a line"
    failures = counted(interpreter.failures, "failure")
    rest = "; the lines after it were not run" if stopped else f" ({failures} in all)"
    terminal.write(terminal.style.paint(f"✗ Failed: {what}{rest}. Exit code 1.", BOLD, RED))
