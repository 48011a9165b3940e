"""A plan's messages: posted once, edited at most every 2 s each, the summary waiting its turn;
what they show (counts, the last failure escaped, the buttons)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.plans.progress import Progress, shown
from bot.slack import ids
from bot.slack.blocks import Message
from bot.slack.blocks.plan_progress import build_plan_progress, build_plan_summary
from bot.state import StateStore, open_store
from bot.state.plans import Plan, PlanServer

T0 = 1_800_000_000.0


class Slack:
    """SlackWeb as the progress uses it: what was posted and edited, when."""

    def __init__(self, now: list[float]) -> None:
        self.now, self.calls = now, list[tuple[str, str, float]]()

    async def post_message(self, channel: str, message: Message, *, what: str) -> str:
        self.calls.append(("post", channel, self.now[0]))
        return f"ts-{channel}"

    async def update_message(self, channel: str, ts: str, message: Message, *, what: str) -> bool:
        self.calls.append(("update", channel, self.now[0]))
        return True


class Ops:
    channel = "C0OPSLOG1"

    def __init__(self, slack: Slack) -> None:
        self.slack = slack

    async def post(self, message: Message, *, channel: str | None = None) -> str:
        return await self.slack.post_message(channel or self.channel, message, what="")

    async def update(self, ts: str, message: Message, *, channel: str | None = None) -> bool:
        return await self.slack.update_message(channel or self.channel, ts, message, what="")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    await opened.close()


def plan(**changes: Any) -> Plan:
    values: dict[str, Any] = {
        "id": "p1", "user_id": "U0ALICE01", "channel_id": "C0OPS0001", "operation": "reboot",
        "request": {"operation": "reboot"}, "options": {}, "state": "running",
        "created_at": T0, "updated_at": T0,
    }  # fmt: skip
    return Plan(**values | changes)


SERVERS = [
    PlanServer("p1", 0, 0, 100, "web-01", state="done", settled_at=T0),
    PlanServer(
        "p1", 1, 0, 101, "<!here> *web-02*", state="failed", detail="API <b>", settled_at=T0
    ),
    PlanServer("p1", 2, 1, 102, "web-03", state="running"),
    PlanServer("p1", 3, 2, 103, "web-04"),
]


async def test_each_message_is_edited_at_most_every_2_seconds(store: StateStore) -> None:
    now = [0.0]
    slept: list[float] = []
    slack = Slack(now)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    progress = Progress(store, slack, Ops(slack), monotonic=lambda: now[0], sleep=sleep)  # type: ignore[arg-type]
    await store.add_plan(plan(), SERVERS)
    await progress.show(plan(), SERVERS)  # posted in both channels
    placed = await store.get_plan("p1")
    assert placed is not None
    assert (placed.progress_ts, placed.ops_ts) == ("ts-C0OPS0001", "ts-C0OPSLOG1")
    later = [*SERVERS[:3], PlanServer("p1", 3, 2, 103, "web-04", state="running")]
    for step in (0.5, 1.0, 1.6, 2.1, 3.0):
        now[0] = step
        await progress.show(placed, later if step < 3 else SERVERS)  # news each time
    assert [(kind, at) for kind, _, at in slack.calls] == [
        ("post", 0.0),
        ("post", 0.0),
        ("update", 2.1),
        ("update", 2.1),
    ]
    now[0] = 3.0
    await progress.show(placed, SERVERS, final=True)  # the summary waits its turn
    assert sum(slept) == pytest.approx(1.1)  # the two edits wait together
    assert [kind for kind, _, _ in slack.calls[4:]] == ["update", "update"]


def test_the_progress_counts_and_escapes_the_last_failure() -> None:
    message = build_plan_progress(shown(plan(), SERVERS))
    text = str(message.to_dict())
    assert "1 done · 1 running · 1 failed · 0 skipped · 1 waiting" in text
    assert "batch 2 of 3" in text
    assert "<!here>" not in text
    assert "API &lt;b&gt;" in text
    buttons = [e["action_id"] for b in message.to_dict()["blocks"] for e in b.get("elements", [])
               if "action_id" in e]  # fmt: skip
    assert buttons == [ids.PLAN_PAUSE, ids.PLAN_ABORT]
    paused = build_plan_progress(shown(plan(state="paused", reason="a freeze began"), SERVERS))
    assert "a freeze began" in str(paused.to_dict())
    assert ids.PLAN_RESUME in str(paused.to_dict())


def test_the_summary_names_the_failed_and_offers_a_retry() -> None:
    ended = build_plan_summary(shown(plan(state="finished", reason="more than 0 failed"), SERVERS))
    text = str(ended.to_dict())
    assert "stopped" in text
    assert "1 done · 1 failed · 0 skipped · 1 not started" in text
    assert ids.PLAN_RETRY in text
    assert "<!here>" not in text
