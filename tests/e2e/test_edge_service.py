"""The bot as a service: /metrics after real commands, /readyz following the state store, logs
that tie a request's lines together and never hold a secret."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
import logging
import os
import re
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot import __version__
from bot.config import StartupError
from bot.logs import configure_logging
from bot.state import StateStoreUnavailable
from slackemu.responses import PATH as RESPONSE_PATH
from tests.e2e.harness import (
    ALICE,
    BOT_TOKEN,
    SECRET,
    Harness,
    dump,
    eventually,
    running,
)
from tests.e2e.test_crash import free_port
from tests.state.postgres import PostgresServer, Proxy, postgres_server

__all__ = ["postgres_server"]


async def scrape(harness: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert harness.bot is not None
    assert harness.bot.metrics_port is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{harness.bot.metrics_port}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


async def get(harness: Harness, path: str) -> httpx.Response:
    assert harness.bot is not None
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{harness.bot.port}{path}", timeout=5)


async def restart_with_metrics(harness: Harness) -> None:
    await harness.stop()
    harness.overrides["bot_metrics_port"] = free_port()
    await harness.start()


async def test_metrics_move_after_real_commands(harness: Harness) -> None:
    await restart_with_metrics(harness)
    before = await scrape(harness)
    assert before[("vpsbot_build_info", (("version", __version__),))] == 1
    acks = before[("vpsbot_ack_duration_seconds_count", ())]
    harness.emu.inject_rate_limit("chat.postMessage", times=1, retry_after=0)
    await harness.answer("/vps list")
    await harness.answer("/vps reboot web-server-01")  # its ops-channel post meets the 429
    await harness.emu.wait_for(lambda: harness.ops_log(), what="the ops channel's reboot note")
    after = await scrape(harness)
    assert after[("vpsbot_ack_duration_seconds_count", ())] == acks + 2
    assert after[("vpsbot_ack_duration_seconds_bucket", (("le", "2.5"),))] >= acks + 2
    key = (("error", "ratelimited"), ("method", "chat.postMessage"))
    assert after[("vpsbot_slack_api_errors_total", key)] == 1
    assert after[("vpsbot_watches_active", ())] >= 0
    reboot = (("endpoint", "/servers/{id}/reboot/"), ("method", "POST"), ("outcome", "2xx"))
    assert after[("vpsbot_vps_api_requests_total", reboot)] == 1  # the client's on_request hook
    listed = (("command", "list"), ("outcome", "ok"))
    assert (
        after[("vpsbot_commands_total", listed)]
        == before.get(("vpsbot_commands_total", listed), 0) + 1
    )
    executed = (("action", "reboot"), ("outcome", "executed"))
    await harness.emu.wait_for(
        lambda: harness.api_calls("POST", "/reboot/"), what="the reboot at the API"
    )
    after = await scrape(harness)
    assert after[("vpsbot_actions_total", executed)] == 1
    assert ("vpsbot_socket_connected", ()) not in after  # HTTP mode
    assert (await get(harness, "/metrics")).status_code == 404  # not on the Slack-facing port


async def test_a_taken_metrics_port_is_a_one_line_startup_error(harness: Harness) -> None:
    await harness.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        harness.overrides["bot_metrics_port"] = port
        with pytest.raises(StartupError) as caught:
            await harness.start()
    in_use = os.strerror(errno.EADDRINUSE)  # the reason in plain words, not asyncio's wording
    assert str(caught.value) == f"BOT_METRICS_PORT: cannot listen on 127.0.0.1:{port} ({in_use})"
    harness.overrides["bot_metrics_port"] = 0
    await harness.start()  # and nothing was left half-running: the bot starts again


async def test_a_slack_that_cannot_be_reached_is_named_without_its_credentials(
    harness: Harness,
) -> None:
    await harness.stop()
    harness.overrides["slack_api_url"] = f"http://ops:hunter2hunter2@127.0.0.1:{free_port()}/api/"
    with pytest.raises(StartupError) as caught:
        await harness.start()
    message = str(caught.value)
    assert message.startswith("SLACK_API_URL: cannot reach Slack at http://")
    assert "127.0.0.1" in message
    assert "hunter2" not in message


@pytest.fixture
async def socket_harness(tmp_path: Path, migrated_state: Path) -> AsyncIterator[Harness]:
    """Socket Mode with metrics, not waited for: the test watches it connect."""
    metrics = free_port()
    async with running(
        tmp_path, migrated_state, socket=True, connected=False, bot_metrics_port=metrics
    ) as h:
        yield h


async def test_socket_mode_reports_its_connection_and_readiness(socket_harness: Harness) -> None:
    h = socket_harness
    await h.emu.wait_for_socket()
    await h.answer("/vps whoami")

    async def connected() -> bool:
        return (await scrape(h)).get(("vpsbot_socket_connected", ())) == 1

    await eventually(connected, "the socket gauge to read 1")
    ready = await get(h, "/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"startup": "ok", "state_store": "ok", "slack": "ok"}
    assert (await scrape(h))[("vpsbot_ack_duration_seconds_count", ())] >= 1
    await h.emu.close()  # Slack goes away
    ready = await get(h, "/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["slack"] == "disconnected"


async def test_readyz_follows_the_state_store(harness: Harness) -> None:
    ready = await get(harness, "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "mode": "http",
        "checks": {"startup": "ok", "state_store": "ok"},
    }
    assert harness.bot is not None
    store = harness.bot.services.store
    # Another process takes the state file's write lock and keeps it; the bot's next write
    # waits for it, and the store answers nothing else meanwhile.
    path = harness.tmp / "state.db"
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # From a thread, as another process would: the bot's event loop keeps running meanwhile.
    await asyncio.to_thread(locker.execute, "BEGIN IMMEDIATE")
    stuck = asyncio.create_task(store.save_snapshot({}))
    try:

        async def not_ready() -> bool:
            response = await get(harness, "/readyz")
            return response.status_code == 503

        await eventually(not_ready, "/readyz to turn 503", within=20)
        body = (await get(harness, "/readyz")).json()
        assert body["status"] == "not ready"
        # Still waiting, or given up (a write waits 2 s at most for the file's lock).
        assert body["checks"]["state_store"] in ("no answer within 1s", "unavailable")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    with contextlib.suppress(StateStoreUnavailable):
        await stuck

    async def ready_again() -> bool:
        return (await get(harness, "/readyz")).status_code == 200

    await eventually(ready_again, "/readyz to be 200 again", within=20)
    assert (await get(harness, "/healthz")).status_code == 200  # alive all along


async def test_a_postgresql_that_goes_away_stops_writes_and_readiness_until_it_returns(
    harness: Harness, postgres_server: PostgresServer
) -> None:
    database = postgres_server.create()
    target = sa.make_url(database)
    relay = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await relay.start()
    try:
        await harness.stop()
        harness.overrides["bot_state_url"] = relay.route(database)
        await harness.start()
        assert (await get(harness, "/readyz")).status_code == 200

        await relay.cut()  # the database host dies

        async def not_ready() -> bool:
            return (await get(harness, "/readyz")).status_code == 503

        await eventually(not_ready, "/readyz to turn 503", within=20)
        refused = await harness.answer("/vps reboot web-server-01")
        assert "state store is unavailable, so nothing was done" in dump(refused)
        assert harness.api_calls("POST", "/reboot/") == []  # never acted without its record
        assert (await get(harness, "/healthz")).status_code == 200  # alive all along

        await relay.start()  # back, on the same address: the bot recovers by itself

        async def ready() -> bool:
            return (await get(harness, "/readyz")).status_code == 200

        await eventually(ready, "/readyz to be 200 again", within=30)
        done = await harness.answer("/vps reboot web-server-01")
        assert "is rebooting" in dump(done)
        assert len(harness.api_calls("POST", "/reboot/")) == 1
    finally:
        await harness.stop()
        with contextlib.suppress(AssertionError):
            await relay.cut()
        postgres_server.drop(database)


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    """The bot's log as `vpsbot run` writes it (JSON, DEBUG), captured; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("bot").level
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream=stream)  # nothing hidden: nothing may leak
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("bot").setLevel(saved[2])


async def test_debug_logs_tie_each_request_together_and_hold_no_secret(
    harness: Harness, captured_log: io.StringIO
) -> None:
    await harness.answer("/vps list")
    prompt = await harness.answer("/vps stop web-server-01")
    before = harness.seen()
    await harness.emu.click(prompt, text="Stop web-server-01")
    await harness.new_message(before, user=ALICE, where=lambda m: "stop" in m.text)
    await harness.answer("/vps reboot web-server-02")
    assert harness.bot is not None
    await harness.bot.services.drain()
    text = captured_log.getvalue()
    # A response_url is a capability too: whoever holds one can post where it was typed.
    for secret in (BOT_TOKEN, SECRET, harness.sim.token, RESPONSE_PATH):
        assert secret not in text, f"{secret!r} is in the log"
    entries = [json.loads(line) for line in text.splitlines()]
    assert entries, "DEBUG logging wrote nothing"
    ours = [e for e in entries if e["request_id"]]
    assert ours, "no log line carries a request id"
    assert {e["user"] for e in ours} == {ALICE}
    assert len({e["request_id"] for e in ours}) >= 3  # one per request, not one for all


FORGED = "maintenance\n2030-01-01 00:00:00,000 CRITICAL bot.flow: all servers deleted"


@pytest.fixture
def text_log() -> Iterator[io.StringIO]:
    """The bot's log in the text format, captured; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("bot").level
    stream = io.StringIO()
    configure_logging("INFO", "text", stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("bot").setLevel(saved[2])


async def test_an_api_error_text_cannot_forge_a_log_line(
    harness: Harness, text_log: io.StringIO
) -> None:
    await harness.stop()
    harness.overrides["bot_monitor_interval_seconds"] = 0.05
    harness.sim.inject_failure(
        400, method="GET", path_suffix="/servers/", times=1000, body={"detail": FORGED}
    )
    await harness.start()
    await harness.emu.wait_for(lambda: "fleet monitor" in text_log.getvalue(), what="a log line")
    await harness.stop()
    lines = text_log.getvalue().splitlines()
    record = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ +\S+")
    forged = [line for line in lines if "CRITICAL" in line]
    assert forged, "the API's text did not reach the log at all"
    for line in lines:
        assert record.match(line) or line.startswith("    "), f"a line of its own: {line!r}"
    assert not any(line.startswith("2030-01-01") for line in lines)
