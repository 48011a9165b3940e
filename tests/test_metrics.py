"""Metrics: fixed label sets, one registry per bot, Slack errors observed, gauges kept fresh."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import __version__
from bot.config import SettingsError, load_settings
from bot.metrics import Metrics, MetricsRefresher
from bot.slack.web import SlackErrorObserver
from bot.state import StateStoreError
from slackemu import SlackEmulator


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    text = metrics.render()[0].decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, tuple(sorted(labels.items()))))


def test_counters_count_with_fixed_labels_and_others_become_other() -> None:
    metrics = Metrics()
    metrics.command("list", "ok")
    metrics.command("list", "ok")
    metrics.command("<@U0ADMIN01>", "ok")  # a label never comes from outside text
    metrics.action("reboot", "executed")
    metrics.action("reboot", "web-server-01")
    metrics.vps_request("post", "/servers/{server_id}/reboot/", "2xx", 0.2)
    metrics.vps_request("GET", "/servers/12345/", "2xx", 0.1)
    metrics.slack_error("chat.postMessage", "ratelimited")
    metrics.slack_error("chat.postMessage", "some_new_error")
    assert value(metrics, "vpsbot_commands_total", command="list", outcome="ok") == 2
    assert value(metrics, "vpsbot_commands_total", command="other", outcome="ok") == 1
    assert value(metrics, "vpsbot_actions_total", action="reboot", outcome="other") == 1
    endpoint = "/servers/{id}/reboot/"
    assert (
        value(
            metrics,
            "vpsbot_vps_api_requests_total",
            method="POST",
            endpoint=endpoint,
            outcome="2xx",
        )
        == 1
    )
    assert (
        value(
            metrics,
            "vpsbot_vps_api_request_duration_seconds_count",
            method="POST",
            endpoint=endpoint,
        )
        == 1
    )
    assert (
        value(
            metrics, "vpsbot_vps_api_requests_total", method="GET", endpoint="other", outcome="2xx"
        )
        == 1
    )
    assert value(metrics, "vpsbot_slack_api_errors_total", method="chat.postMessage", error="other")
    assert value(metrics, "vpsbot_build_info", version=__version__) == 1


def test_two_bots_in_one_process_keep_their_own_counts() -> None:
    first, second = Metrics(), Metrics()
    first.ack(0.01)
    assert value(first, "vpsbot_ack_duration_seconds_count") == 1
    assert value(second, "vpsbot_ack_duration_seconds_count") == 0


def test_gauges_read_local_state_at_scrape_time() -> None:
    metrics = Metrics()
    following = [2]
    metrics.track_watches(lambda: following[0])
    metrics.track_monitor(lambda: None)
    assert value(metrics, "vpsbot_watches_active") == 2
    assert value(metrics, "vpsbot_monitor_last_success_timestamp_seconds") == 0
    following[0] = 0
    metrics.track_monitor(lambda: 1_800_000_000.0)
    assert value(metrics, "vpsbot_watches_active") == 0
    assert value(metrics, "vpsbot_monitor_last_success_timestamp_seconds") == 1_800_000_000
    assert value(metrics, "vpsbot_socket_connected") is None  # HTTP mode: no such gauge
    metrics.socket_connected(True)
    assert value(metrics, "vpsbot_socket_connected") == 1


@dataclass
class Counts:
    confirmations: int
    approvals: int


class PendingStore:
    """The store's count_pending(), as the refresher sees it."""

    def __init__(self, *, hang: bool = False, fail: bool = False) -> None:
        self.hang, self.fail = hang, fail

    async def count_pending(self, now: float | None = None) -> Counts:
        if self.hang:
            await asyncio.sleep(3600)
        if self.fail:
            raise StateStoreError("database is locked")
        return Counts(confirmations=3, approvals=1)


async def test_the_refresher_copies_pending_counts_and_survives_a_stuck_store() -> None:
    metrics = Metrics()
    await MetricsRefresher(metrics, store=PendingStore()).refresh()
    assert value(metrics, "vpsbot_confirmations_pending") == 3
    assert value(metrics, "vpsbot_approvals_pending") == 1
    connected = [False]

    async def socket() -> bool:
        return connected[0]

    stuck = MetricsRefresher(metrics, store=PendingStore(hang=True), socket_connected=socket)
    stuck.timeout = 0.05
    async with asyncio.timeout(30):
        await stuck.refresh()
    assert value(metrics, "vpsbot_confirmations_pending") == 3  # the last known value stays
    assert value(metrics, "vpsbot_socket_connected") == 0
    await MetricsRefresher(metrics, store=PendingStore(fail=True)).refresh()
    # A store without count_pending yet: nothing to refresh, nothing fails.
    await MetricsRefresher(metrics, store=object()).refresh()


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    emu = SlackEmulator(signing_secret="s", bot_token="xoxb-metrics-test")
    await emu.start()
    emu.add_channel("C0OPS0001", "ops")
    try:
        yield emu
    finally:
        await emu.close()


async def test_slack_errors_are_counted_rate_limits_included(emulator: SlackEmulator) -> None:
    metrics = Metrics()
    client = AsyncWebClient(
        token="xoxb-metrics-test",
        base_url=emulator.api_url,
        retry_handlers=[
            SlackErrorObserver(metrics),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )
    emulator.inject_rate_limit("chat.postMessage", times=1, retry_after=0)
    await client.chat_postMessage(channel="C0OPS0001", text="hello")  # retried, then fine
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C0NOWHERE", text="hello")
    labels = {"method": "chat.postMessage"}
    assert value(metrics, "vpsbot_slack_api_errors_total", **labels, error="ratelimited") == 1
    assert value(metrics, "vpsbot_slack_api_errors_total", **labels, error="channel_not_found") == 1


def test_the_metrics_port_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("BOT_METRICS_PORT", raising=False)
    assert load_settings().bot_metrics_port == 9464
    monkeypatch.setenv("BOT_METRICS_PORT", "0")
    assert load_settings().bot_metrics_port == 0  # off
    monkeypatch.setenv("BOT_METRICS_PORT", "70000")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert [p.split(":")[0] for p in caught.value.problems] == ["BOT_METRICS_PORT"]


def test_the_readme_lists_every_metric() -> None:
    metrics = Metrics()
    metrics.socket_connected(True)  # registered in Socket Mode only
    registered = {
        family.name.removesuffix("_total") if family.type == "counter" else family.name
        for family in text_string_to_metric_families(metrics.render()[0].decode())
        if not family.name.endswith("_created")  # the client's own creation timestamps
    }
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    documented = set(re.findall(r"^\| `(vpsbot_[a-z_]+)` \|", readme, flags=re.M))
    documented = {name.removesuffix("_total") for name in documented}
    assert registered == documented
