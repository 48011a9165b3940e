"""Every benchmark of issue 10, printed as one table (Markdown), baselines from the same run.

    .venv/bin/python bench/run_all.py                  # the bot of this tree: one column
    .venv/bin/python bench/run_all.py --today main     # and main's bot beside it, for "today"
    .venv/bin/python bench/run_all.py --only fleet,flood

`--today REV` extracts REV with `git archive` into a temporary directory and runs the same
benchmarks with the bot started from there (the simulator, the emulator and the baselines come
from this tree either way). It takes about 10 minutes per column on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import ack_latency
import answer
import fleet
import flood
import limits
import plan_rolling
import startup

ROWS = {
    "fleet_list": "50,000 servers, API pages of 100, 20 ms per request: `/vps list`",
    "fleet_show": "same fleet: `/vps show <name>` (each time)",
    "fleet_monitor": "same fleet: the monitor's listing",
    "fleet_rss": "same fleet: bot RSS",
    "flood300": "one member sends 300 `/vps list` at once (250 servers, API 2 s slow); "
    "another member's `/vps reboot`",
    "flood600": "same, 600 at once",
    "ack40": "ack latency, 40 concurrent commands, API 2 s slow (vs a bare Bolt app)",
    "ack200": "ack latency, 200 concurrent",
    "answer": "command → answer, `/vps list`, 250 servers, 20 ms API (vs bare Bolt + 1 GET)",
    "drip": "`VPS_API_TIMEOUT_SECONDS=2`, API sends its body one byte a second",
    "endless": "API that keeps returning new `next` links: one full listing (`/vps list web`)",
    "plan_wall": "rolling reboot, 1,000 servers, batch:50, 20 ms API, 1 s a reboot: wall time vs "
    "ideal",
    "plan_api": "same plan: API requests per server",
    "plan_rss": "same plan: bot RSS",
    "plan_edits": "same plan: progress edits per message in any 2 s",
    "startup": "start → 200 on `/healthz`, `vpsbot run --simulator` restarting on its state file "
    "(vs a bare Bolt app)",
}
GROUPS = ("fleet", "flood", "ack", "answer", "limits", "plans", "startup")


async def _column(groups: set[str], bot_src: str | None, rounds: int) -> dict[str, str]:
    """Every row of the chosen groups for the bot in `bot_src` (None: this tree)."""
    steps: list[tuple[str, Callable[[], Awaitable[str | dict[str, str]]]]] = []
    if "fleet" in groups:
        steps.append(("fleet", lambda: fleet.run(bot_src=bot_src)))
    if "flood" in groups:
        steps.append(("flood300", lambda: flood.run(commands=300, bot_src=bot_src)))
        steps.append(("flood600", lambda: flood.run(commands=600, bot_src=bot_src)))
    if "ack" in groups:
        steps.append(
            ("ack40", lambda: ack_latency.run(commands=40, rounds=rounds, bot_src=bot_src))
        )
        steps.append(
            ("ack200", lambda: ack_latency.run(commands=200, rounds=rounds, bot_src=bot_src))
        )
    if "answer" in groups:
        steps.append(("answer", lambda: answer.run(bot_src=bot_src)))
    if "limits" in groups:
        steps.append(("limits", lambda: limits.run(bot_src=bot_src)))
    if "plans" in groups:
        steps.append(("plans", lambda: plan_rolling.run(bot_src=bot_src)))
    if "startup" in groups:
        steps.append(("startup", lambda: startup.run(bot_src=bot_src)))
    column: dict[str, str] = {}
    for name, step in steps:
        result = await step()
        column.update(result if isinstance(result, dict) else {name: result})
        for key in result if isinstance(result, dict) else [name]:
            print(f"  [{bot_src or 'this tree'}] {key}: {column[key]}", flush=True)
    return column


def _export(rev: str) -> str:
    """REV's files in a fresh temporary directory (read-only use of the repository)."""
    target = tempfile.mkdtemp(prefix="vpsbot-today-")
    repo = Path(__file__).resolve().parent.parent
    command = ["git", "-C", str(repo), "archive", "--format=tar", rev]
    # git from PATH, as a developer runs it; the revision is the developer's own argument.
    archive = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--today", metavar="REV", help="also run the bot of REV (e.g. main, or a directory)"
    )
    parser.add_argument("--skip-new", action="store_true", help="leave this tree's bot out")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"some of {','.join(GROUPS)}")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per ack-latency case")
    options = parser.parse_args()
    groups = set(options.only.split(","))
    columns: list[tuple[str, dict[str, str]]] = []
    if options.today:
        src = options.today if Path(options.today).is_dir() else _export(options.today)
        src = str(Path(src).resolve())
        columns.append(
            (f"today ({options.today})", asyncio.run(_column(groups, src, options.rounds)))
        )
    if not options.skip_new:
        columns.append(("new (this tree)", asyncio.run(_column(groups, None, options.rounds))))
    print()
    print("| case | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for key, label in ROWS.items():
        if any(key in column for _, column in columns):
            print(f"| {label} | " + " | ".join(c.get(key, "") for _, c in columns) + " |")


if __name__ == "__main__":
    main()
