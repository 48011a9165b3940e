"""Benchmark: a rolling reboot of 1,000 servers, batch:50, API 20 ms per request, 1 s a reboot.

The bot (`vpsbot run`, a process of its own) drives a plan stored as the front stores it once
confirmed (state `running`, in the bot's state file). Measured: the wall time from the plan's
store to its end against the ideal (20 batches of 1 s, plus one polling interval), the API
requests per server (calls and listings), the bot's RSS, and the progress edits per message in
any 2 s.

    .venv/bin/python bench/plan_rolling.py [--servers 1000] [--batch 50] [--interval 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from harness import CHANNEL, OTHER, Slack, start_sim, start_vpsbot

from bot.operations.change import Member, Request
from bot.plans import PlanOptions
from bot.state import StateStore, open_store
from bot.state.plans import Plan, PlanServer

FIRST_ID = 12345


async def _ended(store: StateStore, started: float, limit: float = 600.0) -> float:
    """Seconds from `started` until the plan is finished (read from the state file)."""
    for _ in range(int(limit / 0.02)):
        found = await store.get_plan("bench")
        if found is not None and found.state == "finished":
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise TimeoutError(f"the plan did not end within {limit:g} s")


def _edits_per_2s(times: list[float]) -> int:
    """The most edits of one message within any 2 s."""
    return max((sum(1 for t in times if start <= t < start + 2.0) for start in times), default=0)


async def run(
    *, servers: int = 1000, batch: int = 50, interval: float = 0.05, bot_src: str | None = None
) -> dict[str, str]:
    """The benchmark's rows."""
    state = Path(tempfile.mkdtemp(prefix="vpsbot-plan-")) / "state.db"
    extra = ("--reboot-seconds", "1", "--all-active")
    async with AsyncExitStack() as stack:
        slack = await stack.enter_async_context(Slack())
        sim = await start_sim(stack, servers=servers, latency=0.02, extra=extra)
        settings = {
            "BOT_STATE_URL": f"sqlite:///{state}",
            "BOT_WATCH_INTERVAL_SECONDS": str(interval),
            "BOT_OPS_CHANNEL": CHANNEL,
        }
        app = await start_vpsbot(stack, slack, sim, bot_src=bot_src, settings=settings)
        store = await open_store(f"sqlite:///{state}")
        stack.push_async_callback(store.close)
        options = PlanOptions(batch=batch, max_fail=0)
        request = Request(operation="reboot", member=Member(user_id=OTHER, channel_id=CHANNEL))
        now = time.time()
        plan = Plan(
            id="bench", user_id=OTHER, channel_id=CHANNEL, operation="reboot",
            request=request.model_dump(mode="json"), options=options.dump(), state="running",
            created_at=now, updated_at=now, progress_channel=CHANNEL,
        )  # fmt: skip
        rows = [
            PlanServer("bench", i, i // batch, FIRST_ID + i, f"server-{i}") for i in range(servers)
        ]
        mark = await sim.mark()
        started = time.monotonic()
        await store.add_plan(plan, rows)
        took = await _ended(store, started)
        await slack.emulator.wait_for(  # its summary, as people see it (its edit waits its turn)
            lambda: any("ended:" in m.text for m in slack.emulator.messages(CHANNEL)), 60
        )
        log = await sim.log(mark)
        rss, peak = app.memory_mb()
        done = sum(s.state == "done" for s in await store.plan_servers("bench"))
        edits: dict[str, list[float]] = {}
        for call in slack.emulator.calls("chat.update"):
            edits.setdefault(str(call.params["ts"]), []).append(call.at)
    batches = -(-servers // batch)
    ideal = batches * 1.0 + interval
    most = max((_edits_per_2s(times) for times in edits.values()), default=0)
    return {
        "plan_wall": f"{took:.1f} s vs ideal {ideal:.1f} s: ratio {took / ideal:.2f} "
        f"(target ≤ 1.3); {done}/{servers} done",
        "plan_api": f"{len(log) / servers:.2f} API requests per server (target ≤ 3)",
        "plan_rss": f"{rss:.0f} MB (peak {peak:.0f} MB; target ≤ 200 MB)",
        "plan_edits": f"{most} chat.update per message in any 2 s (target ≤ 1)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--bot-src", default=None)
    options = parser.parse_args()
    rows = asyncio.run(
        run(
            servers=options.servers,
            batch=options.batch,
            interval=options.interval,
            bot_src=options.bot_src,
        )
    )
    for key, value in rows.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
