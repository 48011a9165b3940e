"""The `vpsbot` command line: parse arguments, build Settings, hand over. No logic here."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import Settings, SettingsError, StartupError, load_settings
from bot.logs import configure_logging, settings_secrets


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
    sim.add_argument(
        "--seed", type=int, default=12, metavar="N", help="start with N seeded servers (default 12)"
    )
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
    run.add_argument("--seed", type=int, default=25, metavar="N", help=argparse.SUPPRESS)

    commands.add_parser(
        "check", help="validate settings, call VPS.org, report; non-zero exit on any problem"
    )

    console = commands.add_parser(
        "console",
        help="try the bot in the terminal: a local Slack-like console over the real app",
        description="The real app with Slack played locally: type /vps commands, press buttons "
        "by number, fill forms field by field. Runs the built-in simulator unless VPS_API_URL or "
        "VPS_API_TOKEN is set. Type :help inside for the rest.",
    )
    console.add_argument(
        "-c",
        dest="lines",
        action="append",
        metavar="LINE",
        help='run LINE as if typed (a /vps command, a button number, ":click 1"...), then '
        "wait for follow-ups and exit; repeatable. Without -c, lines come from stdin",
    )
    console.add_argument(
        "--seed", type=int, default=12, metavar="N", help="simulated servers (default 12)"
    )
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
        return _simulator(args)
    if args.command == "run":
        return _run(settings, args)
    if args.command == "console":
        return _console(settings, args)
    if args.command == "check":
        from bot.check import run_check

        return asyncio.run(run_check(settings, print))
    raise AssertionError(f"unhandled command {args.command}")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runner import run_bot
    from bot.vps.simulator import Simulator

    simulator = Simulator(seed=args.seed) if args.simulator else None
    return asyncio.run(run_bot(settings, simulator=simulator))


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import ConsoleOptions, run_console

    return asyncio.run(run_console(settings, ConsoleOptions(lines=args.lines, seed=args.seed)))


def _simulator(args: argparse.Namespace) -> int:
    from bot.vps.simulator import Simulator, serve_forever

    if args.seed < 0 or args.page_size < 1 or args.latency < 0:
        print(
            "vpsbot: --seed and --latency must be 0 or more, --page-size 1 or more",
            file=sys.stderr,
        )
        return 2
    sim = Simulator(
        token=args.token, seed=args.seed, page_size=args.page_size, latency=args.latency
    )
    print(
        f"VPS.org simulator: {args.seed} servers on http://{args.host}:{args.port}/api/v1 "
        f"(token: {args.token}). Ctrl-C stops it.",
        flush=True,
    )
    asyncio.run(serve_forever(sim, args.host, args.port))
    return 0
