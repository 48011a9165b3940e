"""The client's fault handling and wire format, against httpx.MockTransport (no network)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from bot.vps import (
    RetryPolicy,
    ServerCreate,
    ServerUpdate,
    VPSBadRequest,
    VPSBadResponse,
    VPSClient,
    VPSConnectError,
    VPSNotFound,
    VPSPaymentRequired,
    VPSRateLimited,
    VPSServerError,
    VPSTimeout,
    VPSUnauthorized,
)

TOKEN = "tok-SECRET-123"
BASE = "https://admin.vps.org/api/v1"
SERVER = {
    "id": 12345,
    "name": "web-server-01",
    "hostname": "web01.example.com",
    "status": "active",
    "ip_address": None,
    "location": "us-west",
    "plan": {"id": 1, "name": "Standard VPS", "vcpus": 2, "memory": 4096, "storage": 80},
    "os": {"id": 5, "name": "Ubuntu 22.04 LTS"},
    "created_at": "2025-01-10T14:30:00Z",
    "updated_at": "2025-01-15T10:20:00Z",
    "a_field_from_the_future": {"x": 1},
}
ACTION = {"status": "success", "message": "ok", "server": {"id": 12345, "name": "w", "status": "x"}}
HTML_502 = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"

Handler = Callable[[httpx.Request], httpx.Response]


class Wire:
    """A scripted VPS.org: answers requests in order and records them."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, retry: RetryPolicy | None = None) -> VPSClient:
        return VPSClient(
            BASE,
            TOKEN,
            retry=retry or RetryPolicy(attempts=4, backoff_base=0.5, backoff_cap=8),
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleep,
        )

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, str(r.url)) for r in self.requests]


def ok(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def server(server_id: int, **changes: object) -> dict[str, object]:
    return {**SERVER, "id": server_id, "name": f"server-{server_id}", **changes}


def page(results: list[dict[str, object]], next_url: str | None = None) -> httpx.Response:
    return ok({"count": 3, "next": next_url, "previous": None, "results": results})


# -- wire format: the exact method, path, headers and body of each endpoint ------------------


@pytest.mark.parametrize(
    ("call", "method", "path", "body", "answer"),
    [
        (lambda c: c.get_server(12345), "GET", "/servers/12345/", None, ok(SERVER)),
        (
            lambda c: c.create_server(
                ServerCreate(name="web-server-02", plan_id=1, os_id=5, location="us-west")
            ),
            "POST",
            "/servers/",
            {"name": "web-server-02", "plan_id": 1, "os_id": 5, "location": "us-west"},
            ok(SERVER, 201),
        ),
        (
            lambda c: c.replace_server(7, name="a", hostname="a.example.com", backups_enabled=True),
            "PUT",
            "/servers/7/",
            {"name": "a", "hostname": "a.example.com", "backups_enabled": True},
            ok(SERVER),
        ),
        (
            lambda c: c.update_server(7, ServerUpdate(backups_enabled=False)),
            "PATCH",
            "/servers/7/",
            {"backups_enabled": False},
            ok(SERVER),
        ),
        (lambda c: c.delete_server(7), "DELETE", "/servers/7/", None, httpx.Response(204)),
        (lambda c: c.start_server(7), "POST", "/servers/7/start/", None, ok(ACTION)),
        (lambda c: c.stop_server(7), "POST", "/servers/7/stop/", None, ok(ACTION)),
        (lambda c: c.reboot_server(7), "POST", "/servers/7/reboot/", None, ok(ACTION)),
    ],
)
async def test_each_endpoint_sends_the_documented_request(
    call: Callable[[VPSClient], object],
    method: str,
    path: str,
    body: object,
    answer: httpx.Response,
) -> None:
    wire = Wire(answer)
    async with wire.client() as client:
        await call(client)  # type: ignore[misc]
    [request] = wire.requests
    assert request.method == method
    assert str(request.url) == BASE + path
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert (json.loads(request.content) if request.content else None) == body


async def test_list_follows_next_and_passes_filters() -> None:
    second = f"{BASE}/servers/?page=2&status=active"
    wire = Wire(page([server(1), server(2)], second), page([server(3)]))
    async with wire.client() as client:
        servers = await client.list_servers(status="active", location="us-west")
    assert [s.id for s in servers] == [1, 2, 3]
    assert wire.calls == [
        ("GET", f"{BASE}/servers/?status=active&location=us-west"),
        ("GET", second),
    ]


async def test_list_refuses_to_send_the_token_to_another_host() -> None:
    wire = Wire(page([SERVER], "https://evil.example.net/steal/?page=2"))
    async with wire.client() as client:
        with pytest.raises(VPSBadResponse, match="another host"):
            await client.list_servers()
    assert len(wire.requests) == 1


async def test_models_tolerate_null_ips_and_unknown_fields() -> None:
    wire = Wire(ok(SERVER))
    async with wire.client() as client:
        server = await client.get_server(12345)
    assert server.ip_address is None
    assert server.plan is not None
    assert server.plan.memory == 4096


# -- errors: every documented status maps to an error a person can act on ---------------------


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (ok({"detail": "Invalid token."}, 401), VPSUnauthorized, "check VPS_API_TOKEN"),
        (ok({"detail": "Insufficient credits."}, 402), VPSPaymentRequired, "insufficient credits"),
        (ok({"detail": "Not found."}, 404), VPSNotFound, "server 42 not found"),
        (ok({"detail": "Server is already running."}, 400), VPSBadRequest, "already running"),
        (httpx.Response(502, text=HTML_502), VPSServerError, r"unavailable \(502\) — try again"),
        (httpx.Response(200, text=HTML_502), VPSBadResponse, "not JSON"),
        (ok({"unexpected": True}), VPSBadResponse, "does not understand"),
    ],
)
async def test_error_statuses_become_actionable_errors(
    answer: httpx.Response, error: type[Exception], message: str
) -> None:
    wire = Wire(answer)
    async with wire.client() as client:
        with pytest.raises(error, match=message):
            await client.start_server(42)
    assert len(wire.requests) == 1


async def test_field_errors_are_kept_and_named() -> None:
    wire = Wire(ok({"name": ["Only letters, digits and hyphens."], "plan_id": ["Unknown."]}, 400))
    async with wire.client() as client:
        with pytest.raises(VPSBadRequest) as caught:
            await client.create_server(ServerCreate(name="x", plan_id=9, os_id=5, location="x"))
    assert caught.value.field_errors == {
        "name": ["Only letters, digits and hyphens."],
        "plan_id": ["Unknown."],
    }
    assert "name: Only letters" in str(caught.value)


# -- retries ---------------------------------------------------------------------------------


async def test_get_is_retried_after_5xx_and_timeouts_then_succeeds() -> None:
    wire = Wire(
        httpx.Response(503, text=HTML_502),
        httpx.ReadTimeout("slow"),
        httpx.Response(500),
        ok(SERVER),
    )
    async with wire.client() as client:
        server = await client.get_server(12345)
    assert server.name == "web-server-01"
    assert len(wire.requests) == 4
    assert len(wire.sleeps) == 3
    assert all(0 <= s <= 8 for s in wire.sleeps)


async def test_backoff_is_capped() -> None:
    wire = Wire(httpx.Response(500))
    policy = RetryPolicy(attempts=8, backoff_base=1, backoff_cap=2)
    async with wire.client(policy) as client:
        with pytest.raises(VPSServerError):
            await client.get_server(1)
    assert len(wire.requests) == 8
    assert max(wire.sleeps) <= 2


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured_for_any_method(status: int) -> None:
    wire = Wire(httpx.Response(status, headers={"Retry-After": "3"}, json={}), ok(ACTION))
    async with wire.client() as client:
        result = await client.stop_server(12345)
    assert result.status == "success"
    assert wire.sleeps == [3.0]
    assert len(wire.requests) == 2


async def test_a_retry_after_longer_than_the_cap_is_raised_at_once() -> None:
    wire = Wire(httpx.Response(429, headers={"Retry-After": "120"}, json={}))
    async with wire.client() as client:
        with pytest.raises(VPSRateLimited, match="try again in 120s") as caught:
            await client.list_servers()
    assert caught.value.retry_after == 120
    assert wire.sleeps == []


async def test_rate_limit_that_persists_is_reported() -> None:
    wire = Wire(httpx.Response(429, json={"detail": "Throttled."}))
    async with wire.client(RetryPolicy(attempts=3)) as client:
        with pytest.raises(VPSRateLimited):
            await client.get_server(1)
    assert len(wire.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("peer closed"), httpx.Response(502)],
)
@pytest.mark.parametrize("call", ["create", "stop", "delete"])
async def test_writes_that_may_have_arrived_are_never_resent(
    failure: httpx.Response | Exception, call: str
) -> None:
    wire = Wire(failure, ok(SERVER, 201))
    spec = ServerCreate(name="web-server-02", plan_id=1, os_id=5, location="us-west")
    async with wire.client() as client:
        action = {
            "create": lambda: client.create_server(spec),
            "stop": lambda: client.stop_server(1),
            "delete": lambda: client.delete_server(1),
        }[call]
        with pytest.raises((VPSTimeout, VPSServerError)) as caught:
            await action()
    assert len(wire.requests) == 1
    if isinstance(caught.value, VPSTimeout):
        assert "may or may not have been made" in str(caught.value)


async def test_writes_are_retried_when_the_connection_failed_before_sending() -> None:
    wire = Wire(httpx.ConnectError("refused"), httpx.ConnectTimeout("no route"), ok(SERVER, 201))
    spec = ServerCreate(name="web-server-02", plan_id=1, os_id=5, location="us-west")
    async with wire.client() as client:
        server = await client.create_server(spec)
    assert server.id == 12345
    assert len(wire.requests) == 3


async def test_connection_refused_on_a_real_socket() -> None:
    # Port 9 (discard) on loopback is closed here; nothing listens on it.
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    async with VPSClient(
        "http://127.0.0.1:9/api/v1", TOKEN, retry=RetryPolicy(attempts=2), sleep=sleep
    ) as client:
        with pytest.raises(VPSConnectError, match=r"could not connect.*check VPS_API_URL"):
            await client.list_servers()
    assert len(sleeps) == 1


# -- the token never leaks -------------------------------------------------------------------


async def test_token_never_appears_in_logs_errors_or_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wire = Wire(httpx.Response(503), httpx.ReadTimeout("x"), ok({"detail": "Invalid."}, 401))
    client = wire.client()
    with pytest.raises(VPSUnauthorized) as caught:
        await client.get_server(1)
    seen = [caplog.text, str(caught.value), repr(caught.value), repr(client)]
    seen.append(repr(client._wire._reads.auth))
    await client.aclose()
    assert caplog.records, "the retries should have been logged"
    for text in seen:
        assert TOKEN not in text


# -- the on_request hook (metrics) -----------------------------------------------------------


async def test_every_attempt_is_reported_with_its_endpoint_template_and_outcome() -> None:
    wire = Wire(
        httpx.Response(503, text=HTML_502),
        httpx.ReadTimeout("slow"),
        ok(SERVER),
        httpx.ConnectError("refused"),
        ok(ACTION),
        ok({"detail": "Not found."}, 404),
        page([server(1)]),
    )
    seen: list[tuple[str, str, str]] = []
    client = VPSClient(
        BASE,
        TOKEN,
        transport=httpx.MockTransport(wire.handle),
        sleep=wire.sleep,
        on_request=lambda method, endpoint, outcome, seconds: seen.append(
            (method, endpoint, outcome)
        ),
    )
    async with client:
        await client.get_server(12345)
        await client.stop_server(7)
        with pytest.raises(VPSNotFound):
            await client.delete_server(7)
        await client.list_servers()
    assert seen == [
        ("GET", "/servers/{id}/", "5xx"),
        ("GET", "/servers/{id}/", "timeout"),
        ("GET", "/servers/{id}/", "2xx"),
        ("POST", "/servers/{id}/stop/", "connect_error"),
        ("POST", "/servers/{id}/stop/", "2xx"),
        ("DELETE", "/servers/{id}/", "4xx"),
        ("GET", "/servers/", "2xx"),
    ]


async def test_a_failing_hook_does_not_fail_the_request(caplog: pytest.LogCaptureFixture) -> None:
    def broken(method: str, endpoint: str, outcome: str, seconds: float) -> None:
        raise RuntimeError("metrics are down")

    wire = Wire(ok(SERVER))
    async with VPSClient(
        BASE, TOKEN, transport=httpx.MockTransport(wire.handle), on_request=broken
    ) as client:
        assert (await client.get_server(12345)).id == 12345
    assert "on_request hook failed" in caplog.text
