"""Benchmark: a newcomer's first command, `vpsbot console -c "/vps list"` in an empty folder.

The whole process, as a person waits for it: start, imports, the demo fleet, the listing, exit.
Target: the fleet on screen within 10 s on a 2-core machine (the test checks only that it shows).

    .venv/bin/python bench/console_first.py [--runs 5] [--bot-src DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_command(bot_src: str | None = None) -> float:
    """Seconds from starting `vpsbot console -c "/vps list"` to its exit (fleet shown)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "VPS_", "BOT_")) and k not in ("NO_COLOR", "LOG_LEVEL")
    }
    env["PYTHONPATH"] = bot_src or str(ROOT)
    with tempfile.TemporaryDirectory(prefix="vpsbot-console-") as empty:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "console", "-c", "/vps list"],
            env=env,
            cwd=empty,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0 or "web-server-01" not in done.stdout:
        raise RuntimeError(f"the console did not show the fleet: {done.stderr or done.stdout}")
    return seconds


def run(*, runs: int = 5, bot_src: str | None = None) -> str:
    """One row: the median and the slowest of `runs` first commands."""
    times = [first_command(bot_src) for _ in range(runs)]
    return (
        f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s "
        f"over {runs} runs (target ≤ 10 s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bot-src", type=lambda p: str(Path(p).resolve()), default=None)
    options = parser.parse_args()
    print(run(runs=options.runs, bot_src=options.bot_src))
