"""A plan from what people type to its end — typed, previewed, confirmed, driven batch by batch,
finished — over HTTP and over Socket Mode; asked for in plain words; and paused, resumed and
aborted with clicks that reach a replica other than the one driving it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.slack import ids
from bot.state.plans import PlanServer
from slackemu import Message
from tests.e2e.harness import (
    ALICE,
    OPS,
    Harness,
    dump,
    eventually,
    running,
)
from tests.e2e.plans import WORKERS, called
from tests.e2e.replicas import Cluster
from tests.e2e.test_plan_replicas import PATIENCE, RUNNING, until

REBOOT = 10.0
"""Simulator seconds that see a reboot through (it takes 8)."""


@pytest.fixture(params=["http", "socket"])
async def typed(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_state: Path
) -> AsyncIterator[Harness]:
    """The bot over HTTP or Socket Mode, driving plans in short rounds."""
    socket = request.param == "socket"
    async with running(
        tmp_path, migrated_state, socket=socket, bot_watch_interval_seconds=0.02
    ) as h:
        yield h


async def servers_of_the_plan(h: Harness) -> list[PlanServer]:
    assert h.bot is not None
    [plan] = await h.bot.services.store.list_plans()
    return await h.bot.services.store.plan_servers(plan.id)


async def steps_are(h: Harness, wanted: dict[str, str], what: str) -> None:
    async def there() -> bool:
        now = {s.server_name: s.state for s in await servers_of_the_plan(h)}
        return all(now.get(name) == state for name, state in wanted.items())

    await eventually(there, what)


def plan_message(h: Harness, saying: str) -> Message | None:
    found = [m for m in h.emu.messages(OPS) if "asked by" in dump(m)]
    return found[0] if found and saying in dump(found[0]) else None


async def test_a_typed_plan_is_previewed_confirmed_and_driven_to_its_end(typed: Harness) -> None:
    h = typed
    preview = await h.answer("/vps reboot worker-01 worker-02 worker-03 batch:2")
    assert preview.ephemeral_to == ALICE
    assert [b.action_id for b in preview.buttons()] == [ids.PLAN_CONFIRM, ids.PLAN_CANCEL]
    assert called(h) == []  # nothing before the click

    await h.emu.click(preview, action_id=ids.PLAN_CONFIRM)
    await steps_are(h, {"worker-01": "running", "worker-02": "running"}, "the first batch")
    assert called(h) == [WORKERS["worker-01"], WORKERS["worker-02"]]  # not the third yet
    h.clock.now += REBOOT
    await steps_are(h, {"worker-03": "running"}, "the second batch, after the first settled")
    h.clock.now += REBOOT
    summary = await h.emu.wait_for(lambda: plan_message(h, "finished"), what="the summary")
    assert "3 done · 0 failed · 0 skipped · 0 not started" in dump(summary)
    assert called(h) == [WORKERS[n] for n in ("worker-01", "worker-02", "worker-03")]


async def test_a_plan_asked_for_in_plain_words_shows_its_preview_and_waits(
    typed: Harness,
) -> None:
    h = typed
    mention, ack = await h.emu.mention(
        "riavvia i server worker due alla volta", user=ALICE, channel=OPS
    )
    assert ack.ok
    answer = await h.emu.wait_for(
        lambda: next((m for m in h.emu.messages(OPS, thread_ts=mention.ts) if m.buttons()), None),
        what="the command the words became",
    )
    assert "/vps reboot worker-* batch:2" in dump(answer)
    await h.emu.click(answer, text="Do it", user=ALICE)
    preview = await h.emu.wait_for(
        lambda: next(
            (
                m
                for m in h.emu.messages(OPS, visible_to=ALICE)
                if any(b.action_id == ids.PLAN_CONFIRM for b in m.buttons())
            ),
            None,
        ),
        what="the plan's preview",
    )
    assert "worker-01" in dump(preview)
    assert called(h) == []  # the preview is all: the plan waits for its own click


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    running = Cluster(tmp_path, f"sqlite:///{tmp_path / 'state.db'}", "http")
    try:
        await running.start()
        yield running
    finally:
        await running.close()


async def test_pause_resume_and_abort_reach_the_plan_from_another_replica(
    cluster: Cluster,
) -> None:
    preview = await cluster.answer("/vps reboot worker-01 worker-02 worker-03 worker-04")
    await cluster.emu.click(preview, action_id=ids.PLAN_CONFIRM)
    await until(cluster, RUNNING, [("worker-01",)], "the first server under way")
    [(holder,)] = await cluster.sql("SELECT owner FROM plans")
    driving = cluster.replicas[cluster.index_of(str(holder))].url
    message = await cluster.emu.wait_for(
        lambda: next((m for m in cluster.emu.messages(OPS) if "asked by" in dump(m)), None),
        PATIENCE,
        what="the plan's message",
    )
    # Every click below reaches a replica that is not driving the plan.
    cluster.emu.app_urls.remove(driving)
    await cluster.emu.click(message, action_id=ids.PLAN_PAUSE, user=ALICE)
    await until(cluster, "SELECT state FROM plans", [("paused",)], "the pause")
    cluster.clock.now += REBOOT
    await until(cluster, RUNNING, [], "the server under way to finish")
    await cluster.emu.wait_for(lambda: "paused" in dump(message) or None, PATIENCE, what="shown")
    assert len(cluster.api_calls("POST", "/reboot/")) == 1  # paused: nothing new starts

    await cluster.emu.click(message, action_id=ids.PLAN_RESUME, user=ALICE)
    await until(cluster, RUNNING, [("worker-02",)], "the next server after Resume")
    await cluster.emu.click(message, action_id=ids.PLAN_ABORT, user=ALICE)
    await until(cluster, "SELECT state FROM plans", [("aborted",)], "the abort")
    cluster.clock.now += REBOOT
    await until(cluster, RUNNING, [], "the server under way to finish after Abort")
    assert len(cluster.api_calls("POST", "/reboot/")) == 2  # worker-03 and -04 never started
    cluster.emu.app_urls.append(driving)
