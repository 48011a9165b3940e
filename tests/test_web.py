"""The HTTP edge's parts: stalled connections, the replay guard, readiness, body shapes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.state import StateStoreError, StateStoreUnavailable, open_store
from bot.web import Readiness, ReplayGuard, SlackEvents, http_health, make_web_app, start_web
from bot.web.burst import AckFirst
from bot.web.payload import Malformed, parse_body
from bot.web.signing import Stamp, Unsigned, check_signature, read_stamp

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"


class SharedMemory:
    """The interface the state store offers for the replay guard, held in memory: what several
    replicas sharing one store see (the store's own tests cover its SQL)."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.keys: dict[str, float] = {}
        self.delay, self.fail = delay, fail

    async def remember_request(
        self, key: str, *, expires_at: float, now: float | None = None
    ) -> bool:
        await asyncio.sleep(self.delay)
        if self.fail:
            raise StateStoreError("database is locked")
        if key in self.keys:
            return False
        self.keys[key] = expires_at
        return True


def stamp(n: int = 0) -> Stamp:
    return Stamp(str(int(time.time())), "v0=" + f"{n:064x}")


async def test_a_replica_sees_what_another_replica_acted_on() -> None:
    store = SharedMemory()
    first, second = ReplayGuard(store), ReplayGuard(store)
    request = stamp(1)  # one request, delivered three times
    assert await first.first_time(request)
    assert not await second.first_time(request)
    assert not await first.first_time(request)
    assert await second.first_time(stamp(2))


async def test_a_store_too_slow_to_vouch_for_a_request_stops_the_write() -> None:
    """Fail closed: a write another replica may already have made is not made again on a
    guess; the caller is told nothing was done (and may send it again)."""
    store = SharedMemory(delay=3600)  # answers long after any caller would have given up
    guard = ReplayGuard(store, timeout=0.05)
    request = stamp(1)  # one request, sent twice (a stamp made later may fall in another second)
    with pytest.raises(StateStoreUnavailable, match="nothing was done"):
        # The guard gives up on its own; 60 s only keeps a broken guard from hanging the suite.
        await asyncio.wait_for(guard.first_time(request), timeout=60)
    assert not store.keys  # it gave up before the store ever answered
    assert not await guard.first_time(request)  # and this replica remembers it meanwhile


async def test_a_failing_store_stops_the_write_too() -> None:
    guard = ReplayGuard(SharedMemory(fail=True))
    with pytest.raises(StateStoreError):
        await guard.first_time(stamp(1))


async def test_keys_are_forgotten_once_their_signature_expired() -> None:
    now = [time.time()]
    guard = ReplayGuard(None, clock=lambda: now[0])
    assert await guard.first_time(stamp(1))
    now[0] += 600  # far past the window: the same signature would be refused as stale anyway
    assert await guard.first_time(stamp(2))
    assert len(guard._local) == 1


def test_signature_checks() -> None:
    now = time.time()
    body = b"command=%2Fvps"
    ts = str(int(now))
    good = (
        "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    )
    check_signature(
        SECRET.encode(),
        read_stamp({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": good}, now),
        body,
    )
    with pytest.raises(Unsigned, match="bad signature"):
        check_signature(SECRET.encode(), Stamp(ts, good), body + b"x")
    for headers in (
        {},
        {"X-Slack-Request-Timestamp": ts},
        {"X-Slack-Request-Timestamp": "١٢٣", "X-Slack-Signature": good},  # Arabic-Indic digits
        {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": good.upper()},
        {"X-Slack-Request-Timestamp": str(int(now) - 301), "X-Slack-Signature": good},
    ):
        with pytest.raises(Unsigned):
            read_stamp(headers, now)


def form(payload: dict[str, object]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_every_shape_slack_sends_passes() -> None:
    command = b"team_id=T1&channel_id=C1&user_id=U1&command=%2Fvps&text=payload&trigger_id=x"
    assert parse_body(command, FORM)["text"] == "payload"
    action = {"action_id": "a", "block_id": "b", "value": "v"}
    click = {"type": "block_actions", "user": {"id": "U1"}, "team": None, "actions": [action]}
    assert parse_body(form(click), FORM)["type"] == "block_actions"
    view = {"id": "V1", "type": "modal", "callback_id": "c", "private_metadata": ""}
    view["state"] = {"values": {}}
    submit = {"type": "view_submission", "user": {"id": "U1"}, "view": view}
    assert parse_body(form(submit), FORM)["view"]["id"] == "V1"
    assert parse_body(b"ssl_check=1&token=t", FORM) == {"ssl_check": "1", "token": "t"}


@pytest.mark.parametrize(
    "body",
    [
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[]}',
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":1}]}',
        b'payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","state":[]}}',
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a"}],"team":5}',
        b'payload={"type":"shortcut","user":{"id":"U1"}}',
        b'payload={"type":"something_new","user":{"id":"U1"}}',
        b"command=vps&user_id=U1&channel_id=C1",
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a"}],'
        b'"message":{"user":5}}',
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a"}],'
        b'"event":null}',
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a"}],'
        b'"channel":"C1"}',
        b'payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a"}],'
        b'"response_url":"block_actions"}',
        b'payload={"type":"view_closed","user":{"id":"U1"},"view":{"id":"V1"}}',
        b'payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"c"}}',
        b'payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","type":"modal",'
        b'"callback_id":"c","state":{"values":{"create_name":{"create_name_input":5}}}}}',
        b'payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","type":"modal",'
        b'"callback_id":"c","state":{"values":{"b":{"a":{"type":"static_select",'
        b'"selected_option":{"value":1}}}}}}}',
        b'payload={"type":"interactive_message","user":{"id":"U1"},"callback_id":null}',
        b"command=%2Fvps&user_id=U1&channel_id=C1&response_url=file%3A%2F%2F%2Fetc%2Fpasswd",
    ],
)
def test_shapes_bolt_would_choke_on_are_malformed(body: bytes) -> None:
    with pytest.raises(Malformed):
        parse_body(body, FORM)


@pytest.mark.parametrize(
    "envelope",
    [
        {"type": "event_callback", "event": {"type": "app_mention"}, "user": 5},
        {"type": "event_callback", "event": {"type": "app_mention", "user": ["U1"]}},
        {"type": "event_callback", "event": {"type": "x"}, "authorizations": [{"team": 1}]},
        {"type": "event_callback", "event": {"user": "U1"}},
        {"type": "url_verification"},
    ],
)
def test_event_envelopes_bolt_would_choke_on_are_malformed(envelope: dict[str, object]) -> None:
    with pytest.raises(Malformed):
        parse_body(json.dumps(envelope).encode(), "application/json")


@asynccontextmanager
async def serving_edge(allowed: float) -> AsyncIterator[str]:
    """A real Bolt app behind the edge, headers and bodies allowed `allowed` seconds; yields
    its base URL."""
    bolt = AsyncApp(
        token="xoxb-not-used",
        signing_secret=SECRET,
        logger=logging.getLogger("bot.bolt"),
    )
    events = SlackEvents(bolt, SECRET, ReplayGuard(), body_timeout=allowed)
    runner, port = await start_web(
        make_web_app(events, http_health), "127.0.0.1", 0, header_timeout=allowed
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def edge() -> AsyncIterator[str]:
    """The edge with short timeouts."""
    async with serving_edge(0.5) as url:
        yield url


@asynccontextmanager
async def stalled(edge: str, count: int) -> AsyncIterator[list[asyncio.StreamReader]]:
    """`count` clients that sent half a request's headers and nothing more (closed after)."""
    host, port = edge.split(":")
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for _ in range(count):
            streams.append(await asyncio.open_connection(host, int(port)))
            streams[-1][1].write(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slack-Sig")
        yield [reader for reader, _ in streams]
    finally:
        for _, writer in streams:
            writer.close()
        await asyncio.gather(*(w.wait_closed() for _, w in streams), return_exceptions=True)


async def test_stalled_connections_do_not_starve_the_server() -> None:
    # Headers may take a minute here: the 300 are all still open while /healthz is asked.
    async with serving_edge(60.0) as edge, stalled(edge, 300) as readers:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{edge}/healthz", timeout=30)
        assert response.status_code == 200
        assert not any(reader.at_eof() for reader in readers)


async def test_stalled_connections_are_closed(edge: str) -> None:
    async with stalled(edge, 300) as readers, asyncio.timeout(30):  # closed by the server
        leftovers = await asyncio.gather(*(reader.read() for reader in readers))
    assert all(data == b"" for data in leftovers)


async def test_a_connection_that_sends_nothing_is_closed(edge: str) -> None:
    host, port = edge.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    async with asyncio.timeout(30):
        assert await reader.read() == b""
    writer.close()


async def test_a_body_slower_than_allowed_gets_408(edge: str) -> None:
    host, port = edge.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    now = str(int(time.time()))
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"X-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: v0={'0' * 64}\r\n\r\n".encode()
        + b"command=%2F"
    )
    async with asyncio.timeout(30):
        answer = await reader.readuntil(b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 408")
    async with asyncio.timeout(30):  # and the connection is not kept
        await reader.read()
    writer.close()


async def test_readiness_turns_503_with_a_closed_store_and_names_it(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'state.db'}")
    readiness = Readiness(store)
    ok, body = await readiness()
    assert (ok, body["checks"]) == (False, {"startup": "starting", "state_store": "ok"})
    readiness.state = "ready"
    assert (await readiness())[0]
    await store.close()
    ok, body = await readiness()
    assert not ok
    assert body["checks"] == {"startup": "ok", "state_store": "unavailable"}
    readiness.state = "stopping"
    assert (await readiness())[1]["checks"]["startup"] == "stopping"  # type: ignore[index]


class HangingPing:
    """A store whose ping never answers (a network partition to the database)."""

    def __init__(self) -> None:
        self.calls = 0

    async def ping(self) -> None:
        self.calls += 1
        await asyncio.sleep(3600)


async def test_readiness_answers_within_its_timeout_and_never_piles_up_pings() -> None:
    store = HangingPing()
    readiness = Readiness(store, timeout=0.05)  # type: ignore[arg-type]
    readiness.state = "ready"
    for _ in range(3):
        ok, body = await readiness()
        assert not ok
        assert body["checks"] == {"startup": "ok", "state_store": "no answer within 0.05s"}
    assert store.calls == 1
    await readiness.close()


async def test_the_probes_are_json(edge: str) -> None:
    async with httpx.AsyncClient() as client:
        health = await client.get(f"http://{edge}/healthz")
        ready = await client.get(f"http://{edge}/readyz")
        metrics = await client.get(f"http://{edge}/metrics")
    assert health.json() == {"status": "ok", "mode": "http"}
    assert ready.status_code == 200
    assert metrics.status_code == 404  # never on the Slack-facing port


def test_make_web_app_without_events_serves_only_probes() -> None:
    app = make_web_app(None, http_health)
    paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    assert paths == {"/healthz", "/readyz"}
    assert isinstance(app, web.Application)


async def test_work_after_an_ack_waits_for_the_requests_still_being_acked() -> None:
    burst = AckFirst(gap=0.02, max_wait=60.0)
    first, second = burst.arrived(), burst.arrived()  # others of the burst, not answered yet
    turn = asyncio.create_task(burst.turn())
    await asyncio.sleep(0.1)
    first.answered()
    first.answered()  # said twice, counted once: the second is still unanswered
    await asyncio.sleep(0.1)
    assert not turn.done(), "work ran while a request of the burst was still unanswered"
    second.answered()
    await asyncio.wait_for(turn, timeout=30)


async def test_a_lone_request_waits_for_nothing_and_a_long_burst_only_max_wait() -> None:
    lone = AckFirst(gap=0.02, max_wait=60.0)
    own = lone.arrived()  # acked, its answer not out yet: it does not count against itself
    await asyncio.wait_for(lone.turn(own), timeout=30)  # well under max_wait

    endless = AckFirst(gap=0.02, max_wait=0.2)
    endless.arrived()  # never answered
    started = time.monotonic()
    await asyncio.wait_for(endless.turn(), timeout=30)
    assert time.monotonic() - started >= 0.2
