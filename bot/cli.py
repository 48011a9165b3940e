"""The `vpsbot` command line: parse arguments, build Settings, hand over. No logic here.

Each command imports what it needs when it runs: `--help` (and a mistyped argument) loads
nothing but argparse, and `run` loads neither the simulator (without --simulator) nor the console.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from bot import __version__, cli_help, collecting_later
from bot.words import counted

if TYPE_CHECKING:
    from bot.config import Settings
    from vpssim.simulator import Simulator

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


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help says what it does, the settings it reads and its exit codes."""
    summary, description, epilog = cli_help.COMMANDS[name]
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vpsbot",
        description=cli_help.MAIN,
        epilog=cli_help.MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vpsbot {__version__}")
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, metavar="COMMAND"
    )

    run = _command(commands, "run")
    run.add_argument(
        "--simulator",
        action="store_true",
        help="use the built-in VPS.org simulator instead of the real API (a demo)",
    )
    _add_servers(run, "with --simulator: N simulated servers")

    _command(commands, "check")

    console = _command(commands, "console")
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

    sim = _command(commands, "simulator")
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

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vpsbot` console script."""
    args = _parser().parse_args(argv)
    with collecting_later():
        from bot.config import SettingsError, StartupError, load_settings
        from bot.logs import configure_logging, settings_secrets

    try:
        settings = load_settings()
    except SettingsError as exc:
        if args.command == "check":  # a bad setting is a FAIL line of the report
            from bot.check import report_bad_settings

            return report_bad_settings(exc.problems, print)
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
    if args.servers is not None and not args.simulator:
        print("vpsbot: --servers sizes the simulated fleet: it needs --simulator", file=sys.stderr)
        return 2
    with collecting_later():
        from bot.runner import run_bot

        simulator = _simulated_fleet(settings, args) if args.simulator else None
    return asyncio.run(run_bot(settings, simulator=simulator))


def _simulated_fleet(settings: Settings, args: argparse.Namespace, **options: Any) -> Simulator:
    """`--servers` simulated servers, wearing the catalog `/vps create` offers (a bot with the
    same BOT_CATALOG_FILE offers it too)."""
    from bot.catalog import catalog_data
    from bot.runner import load_catalog_for
    from vpssim.simulator import Simulator

    catalog = catalog_data(load_catalog_for(settings))
    return Simulator(seed=_servers(args), catalog=catalog, **options)


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import ConsoleOptions, console_main

    options = ConsoleOptions(lines=args.lines, servers=_servers(args), keep_going=args.keep_going)
    return console_main(settings, options)


def _simulator(settings: Settings, args: argparse.Namespace) -> int:
    if args.page_size < 1 or args.latency < 0:
        print("vpsbot: --latency must be 0 or more, --page-size 1 or more", file=sys.stderr)
        return 2
    options = {"token": args.token, "page_size": args.page_size, "latency": args.latency}
    asyncio.run(_serve_simulator(_simulated_fleet(settings, args, **options), args))
    return 0


async def _serve_simulator(sim: Simulator, args: argparse.Namespace) -> None:
    """Serve until SIGTERM or Ctrl-C; a port that is taken is one line (StartupError), as in
    `run`."""
    from bot.config import listening
    from vpssim.simulator import start_simulator

    stop = asyncio.Event()  # set up before listening: a SIGTERM once the port is open stops it
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):  # no signal handlers on Windows' loop: Ctrl-C, 130
            loop.add_signal_handler(sig, stop.set)
    with listening("--host/--port", args.host, args.port):
        running = await start_simulator(sim, args.host, args.port)
    print(
        f"VPS.org simulator: {counted(_servers(args), 'server')} on {running.url} "
        f"(token: {args.token}). Ctrl-C stops it.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await running.close()
