"""The `vpsbot` command line: parse arguments, build Settings, hand over. No logic here."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import Settings, SettingsError, StartupError, load_settings
from bot.logs import configure_logging, settings_secrets
from bot.words import counted

if TYPE_CHECKING:
    from bot.vps.simulator import Simulator

DEMO_SERVERS = 12
"""The simulated fleet's size: `simulator`, `run --simulator` and `console` start the same one."""


class _DeprecatedSeed(argparse.Action):
    """`--seed N`, the old name of `--servers N` (it never was a random seed): a notice, then N."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(
            f"vpsbot: {option_string} is deprecated; it is the fleet size: use --servers N",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def _fleet_size(text: str) -> int:
    try:
        size = int(text)
    except ValueError:
        size = -1
    if size < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of servers (0 or more)")
    return size


def _add_servers(parser: argparse.ArgumentParser, what: str) -> None:
    """`--servers N`, and `--seed N` as its deprecated alias (hidden from --help)."""
    parser.add_argument(
        "--servers",
        type=_fleet_size,
        metavar="N",
        help=f"{what} (default {DEMO_SERVERS})",
    )
    parser.add_argument(
        "--seed", dest="servers", type=_fleet_size, action=_DeprecatedSeed, help=argparse.SUPPRESS
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vpsbot", description="Slack chat-ops for VPS.org servers."
    )
    parser.add_argument("--version", action="version", version=f"vpsbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = commands.add_parser("simulator", help="serve the built-in VPS.org API simulator")
    sim.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=8080, help="listen port (default 8080)")
    sim.add_argument(
        "--token",
        default="simulator-token",
        help="the bearer token it accepts (default %(default)s)",
    )
    _add_servers(sim, "start with N simulated servers")
    sim.add_argument("--page-size", type=int, default=100, help="servers per list page")
    sim.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="S",
        help="answer every request S seconds late",
    )

    run = commands.add_parser("run", help="connect to Slack (Socket Mode or HTTP) and serve")
    run.add_argument(
        "--simulator",
        action="store_true",
        help="use the built-in VPS.org simulator instead of the real API (a demo)",
    )
    _add_servers(run, "with --simulator: N simulated servers")

    commands.add_parser(
        "check", help="validate settings, call VPS.org, report; non-zero exit on any problem"
    )

    console = commands.add_parser(
        "console",
        help="try the bot in the terminal: a local Slack-like console over the real app",
        description="The real app with Slack played locally: type /vps commands, press buttons "
        "by number, fill forms field by field. Runs the built-in simulator unless VPS_API_URL or "
        "VPS_API_TOKEN is set; then it needs your policy file. Ctrl-C clears the line, Ctrl-D "
        "leaves; type :help inside for the rest.",
    )
    console.add_argument(
        "-c",
        dest="lines",
        action="append",
        metavar="LINE",
        help='run LINE as if typed (a /vps command, a button number, ":click 1"...), then '
        "wait for follow-ups and exit; repeatable. Without -c, lines come from stdin. A script "
        "stops at the first line that fails (a refusal, an error, a mistake): exit code 1",
    )
    console.add_argument(
        "--keep-going",
        action="store_true",
        help="in a script, run the lines after one that failed too (the exit code is still 1)",
    )
    _add_servers(console, "simulated servers, when there is no VPS_API_URL / VPS_API_TOKEN")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vpsbot` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"vpsbot: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, hide=settings_secrets(settings))
    try:
        return _dispatch(settings, args)
    except StartupError as exc:
        for line in str(exc).splitlines():
            print(f"vpsbot: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "simulator":
        return _simulator(settings, args)
    if args.command == "run":
        return _run(settings, args)
    if args.command == "console":
        return _console(settings, args)
    if args.command == "check":
        from bot.check import run_check

        return asyncio.run(run_check(settings, print))
    raise AssertionError(f"unhandled command {args.command}")


def _servers(args: argparse.Namespace) -> int:
    return DEMO_SERVERS if args.servers is None else int(args.servers)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import load_catalog_for, run_bot
    from bot.vps.simulator import Simulator

    if args.servers is not None and not args.simulator:
        print("vpsbot: --servers sizes the simulated fleet: it needs --simulator", file=sys.stderr)
        return 2
    simulator = None
    if args.simulator:  # its fleet wears the catalog `/vps create` offers
        simulator = Simulator(seed=_servers(args), catalog=load_catalog_for(settings))
    return asyncio.run(run_bot(settings, simulator=simulator))


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import ConsoleOptions, console_main

    options = ConsoleOptions(lines=args.lines, servers=_servers(args), keep_going=args.keep_going)
    return console_main(settings, options)


def _simulator(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import load_catalog_for
    from bot.vps.simulator import Simulator

    if args.page_size < 1 or args.latency < 0:
        print("vpsbot: --latency must be 0 or more, --page-size 1 or more", file=sys.stderr)
        return 2
    sim = Simulator(
        token=args.token,
        seed=_servers(args),
        page_size=args.page_size,
        latency=args.latency,
        catalog=load_catalog_for(settings),  # a bot with the same BOT_CATALOG_FILE offers it
    )
    asyncio.run(_serve_simulator(sim, args))
    return 0


async def _serve_simulator(sim: Simulator, args: argparse.Namespace) -> None:
    """Serve until Ctrl-C; a port that is taken is one line (StartupError), as in `run`."""
    from bot.vps.simulator import start_simulator

    try:
        running = await start_simulator(sim, args.host, args.port)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise StartupError(
            f"--host/--port: cannot listen on {args.host}:{args.port} ({why})"
        ) from None
    print(
        f"VPS.org simulator: {counted(_servers(args), 'server')} on {running.url} "
        f"(token: {args.token}). Ctrl-C stops it.",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await running.close()
