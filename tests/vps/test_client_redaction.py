"""Credentials written into VPS_API_URL never show: not in errors, reprs or logs (issue 8, #7)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from bot.vps import RetryPolicy, VPSClient, VPSError
from vpssim.simulator import RunningSimulator, Simulator, start_simulator

TOKEN = "sim-token-for-tests"
PASSWORD = "s3cr3t-pw"
Call = Callable[[VPSClient], Awaitable[object]]


@pytest.fixture
async def running() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(Simulator(token=TOKEN, seed=250))
    yield running
    await running.close()


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://proxyuser:{PASSWORD}@")


async def no_wait(_: float) -> None:
    return None


def client_for(url: str, **options: object) -> VPSClient:
    policy = RetryPolicy(attempts=2)
    return VPSClient(with_credentials(url), TOKEN, retry=policy, sleep=no_wait, **options)  # type: ignore[arg-type]


async def provoke(client: VPSClient, call: Call) -> VPSError:
    with pytest.raises(VPSError) as caught:
        await call(client)
    return caught.value


FAULTS: list[tuple[str, Callable[[Simulator], None], Call]] = [
    ("5xx", lambda sim: sim.inject_failure(502, times=5), lambda c: c.get_server(12345)),
    ("429", lambda sim: sim.inject_failure(429, retry_after=99), lambda c: c.get_server(12345)),
    ("401", lambda sim: sim.inject_failure(401), lambda c: c.stop_server(12345)),
    ("404 list", lambda sim: sim.inject_failure(404), lambda c: c.list_servers()),
    ("404", lambda sim: None, lambda c: c.get_server(1)),
    ("400", lambda sim: None, lambda c: c.start_server(12345)),
    (
        "html",
        lambda sim: sim.inject_failure(200, body="<html/>", content_type="text/html"),
        lambda c: c.get_server(12345),
    ),
    ("dropped write", lambda sim: sim.inject_disconnect(times=5), lambda c: c.reboot_server(12345)),
    ("dropped read", lambda sim: sim.inject_disconnect(times=5), lambda c: c.get_server(12345)),
    ("timeout", lambda sim: setattr(sim, "latency", 2.0), lambda c: c.get_server(12345)),
    ("endless", lambda sim: setattr(sim, "endless_pages", True), lambda c: c.list_servers()),
]


@pytest.mark.parametrize(("kind", "fault", "call"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_no_error_kind_shows_the_password(
    running: RunningSimulator,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    fault: Callable[[Simulator], None],
    call: Call,
) -> None:
    caplog.set_level(logging.DEBUG)
    fault(running.simulator)
    async with client_for(running.url, timeout=0.3) as client:
        error = await provoke(client, call)
        shown = [str(error), repr(error), repr(client), caplog.text]
    assert all(PASSWORD not in text for text in shown), kind
    assert "proxyuser" not in str(error)


async def test_connection_failures_and_busy_pools_do_not_show_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for("http://127.0.0.1:9/api/v1") as client:
        refused = await provoke(client, lambda c: c.list_servers())

    def busy(_: httpx.Request) -> httpx.Response:
        raise httpx.PoolTimeout("no connection")

    async with client_for(
        "http://127.0.0.1:9/api/v1", transport=httpx.MockTransport(busy)
    ) as client:
        crowded = await provoke(client, lambda c: c.stop_server(1))
        shown = [str(refused), str(crowded), repr(client), caplog.text]
    assert "could not connect to the VPS.org API at http://***@127.0.0.1:9/api/v1" in str(refused)
    assert all(PASSWORD not in text for text in shown)
