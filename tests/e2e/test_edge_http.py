"""The events URL over real HTTP: unsigned bodies of any shape get 401, signed malformed ones 400,
never a 500 or a traceback; a captured request sent again is not acted on twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from slackemu import Signing
from tests.e2e.harness import ALICE, OPS, SECRET, Harness, dump

FORM = "application/x-www-form-urlencoded"
BODIES: dict[str, tuple[bytes, str]] = {
    "payload-not-json": (b"payload={not", FORM),
    "payload-list": (b"payload=[1]", FORM),
    "payload-null": (b"payload=null", FORM),
    "payload-string": (b'payload="block_actions"', FORM),
    "payload-no-user": (b'payload={"type":"block_actions","actions":[]}', FORM),
    "payload-actions-not-a-list": (
        b'payload={"type":"block_actions","user":{"id":"U0ALICE01"},"actions":"x"}',
        FORM,
    ),
    "payload-user-a-number": (b'payload={"type":"view_submission","user":5}', FORM),
    "view-without-type": (  # Bolt reads view["type"] of every submission
        b'payload={"type":"view_submission","user":{"id":"U0ALICE01"},'
        b'"view":{"id":"V1","callback_id":"vps_create_modal","state":{"values":{}}}}',
        FORM,
    ),
    "view-type-a-number": (
        b'payload={"type":"view_closed","user":{"id":"U0ALICE01"},'
        b'"view":{"id":"V1","callback_id":"vps_create_modal","type":5}}',
        FORM,
    ),
    "json-body": (b'{"type":"block_actions","user":{"id":"U0ALICE01"}}', "application/json"),
    "json-list": (b"[1]", "application/json"),
    "json-null": (b"null", "application/json"),
    "json-broken": (b'{"type":', "application/json"),
    "not-utf8": (b"payload=\xff\xfe{}", FORM),
    "percent-not-utf8": (b"command=%2Fvps&text=%ff&user_id=U1&channel_id=C1", FORM),
    "empty": (b"", FORM),
    "command-without-user": (
        b"command=%2Fvps&text=reboot+web-server-01&channel_id=C0OPS0001",
        FORM,
    ),
    "neither": (b"hello=world", FORM),
    "not-a-form": (b"a&b&c", FORM),
}
HUGE = b"payload=" + b"x" * (1024 * 1024 + 1)
Poster = Callable[[bytes, dict[str, str]], Awaitable[httpx.Response]]


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


@pytest.fixture
async def http(harness: Harness) -> AsyncIterator[Poster]:
    """POST raw bodies to the bot's events URL (one client per test: building one costs more
    than the requests it sends)."""
    assert harness.emu.app_url is not None
    url = harness.emu.app_url
    async with httpx.AsyncClient() as client:

        async def post(body: bytes, headers: dict[str, str]) -> httpx.Response:
            return await client.post(url, content=body, headers=headers)

        yield post


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Refusals log one warning each; nothing logs an error or a traceback."""
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]


@pytest.fixture(autouse=True)
def _log_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot")


UNSIGNED = {
    "no-headers": lambda body: {},
    "bad-secret": lambda body: sign(body, secret="not-the-secret"),
    "stale": lambda body: sign(body, timestamp=int(time.time()) - 310),
    "future": lambda body: sign(body, timestamp=int(time.time()) + 310),
    "garbage-headers": lambda body: {
        "X-Slack-Request-Timestamp": "12ab",
        "X-Slack-Signature": "v0=zz",
    },
}


@pytest.mark.parametrize("how", list(UNSIGNED))
async def test_unsigned_bodies_of_any_shape_get_401_and_do_nothing(
    harness: Harness, http: Poster, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    before, said = len(harness.sim.requests), len(harness.emu.calls())
    for shape, (body, content_type) in [*BODIES.items(), ("huge", (HUGE, FORM))]:
        headers = {"Content-Type": content_type, **UNSIGNED[how](body)}
        response = await http(body, headers)
        # The headers are judged before the body is read; a body too large to read is refused
        # as such (413) when only reading it could tell whether its signature is right.
        expected = 413 if shape == "huge" and how == "bad-secret" else 401
        assert response.status_code == expected, f"{shape}: {response.text}"
        assert SECRET not in response.text
    assert len(harness.sim.requests) == before
    assert len(harness.emu.calls()) == said  # the bot said nothing to anyone
    assert_quiet(caplog)


async def test_signed_but_malformed_bodies_get_400(
    harness: Harness, http: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    said = len(harness.emu.calls())
    for shape, (body, content_type) in BODIES.items():
        caplog.clear()
        response = await http(body, {"Content-Type": content_type, **sign(body)})
        assert response.status_code == 400, f"{shape}: {response.text}"
        assert response.json() == {"error": "malformed request"}
        assert any("refused a request" in r.getMessage() for r in caplog.records), shape
        assert_quiet(caplog)
    assert len(harness.emu.calls()) == said


async def test_a_signed_huge_body_is_refused_without_being_read(
    http: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    response = await http(HUGE, {"Content-Type": FORM, **sign(HUGE)})
    assert response.status_code == 413
    assert_quiet(caplog)


async def test_a_signature_header_with_odd_characters_gets_401(harness: Harness) -> None:
    body = b"command=%2Fvps&text=whoami&user_id=U0ALICE01&channel_id=C0OPS0001"
    headers = sign(body)
    # Latin-1 is what HTTP headers may carry; a naive compare_digest on str raises on it.
    headers["X-Slack-Signature"] = "v0=" + "é" * 64
    async with httpx.AsyncClient() as client:
        assert harness.emu.app_url is not None
        response = await client.post(
            harness.emu.app_url,
            content=body,
            headers={k: v.encode("latin-1") for k, v in headers.items()},  # type: ignore[misc]
        )
    assert response.status_code == 401


async def test_a_command_mentioning_payload_is_answered(harness: Harness) -> None:
    # Bolt alone parses any form body containing the word "payload" as an interaction, finds
    # no payload field, and drops the command (404, "dispatch_failed" in Slack).
    message = await harness.answer("/vps help payload")
    assert "Unknown command" in message.text
    assert "payload" in message.text


async def test_a_captured_reboot_sent_again_reboots_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    message = await harness.answer("/vps reboot web-server-01")
    assert "reboot" in dump(message).lower()
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    captured = harness.emu.last_sent
    assert captured is not None
    replayed = await harness.emu.replay(captured)
    # 200 and an empty body: a genuine Slack retry shows no error, and nothing is done.
    assert (replayed.status, replayed.body) == (200, None)
    assert harness.bot is not None
    await harness.bot.services.drain()  # whatever the replay started has finished by now
    assert len(harness.api_calls("POST", "/reboot/")) == 1
    repeats = [r for r in caplog.records if "repeated request" in r.getMessage()]
    assert len(repeats) == 1


async def test_replays_of_a_click_are_not_acted_on(harness: Harness) -> None:
    prompt = await harness.answer("/vps stop web-server-01")
    before = harness.seen()
    await harness.emu.click(prompt, text="Stop web-server-01")
    captured = harness.emu.last_sent
    assert captured is not None
    await harness.new_message(before, user=ALICE, channel=OPS, where=lambda m: "stop" in m.text)
    for _ in range(3):
        again = await harness.emu.replay(captured)
        assert again.status == 200
    assert harness.bot is not None
    await harness.bot.services.drain()
    assert len(harness.api_calls("POST", "/stop/")) == 1


async def test_a_stale_replay_is_refused(harness: Harness) -> None:
    ack = await harness.emu.slash_command(
        "/vps whoami", user=ALICE, channel=OPS, signing=Signing(timestamp=int(time.time()) - 400)
    )
    assert ack.status == 401


async def test_the_events_url_still_answers_slack_checks(http: Poster) -> None:
    body = b"ssl_check=1&token=emulated-verification-token"
    response = await http(body, {"Content-Type": FORM, **sign(body)})
    assert response.status_code == 200
    challenge = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"}).encode()
    response = await http(challenge, {"Content-Type": "application/json", **sign(challenge)})
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc"}


def some_value(rng: random.Random, depth: int = 0) -> object:
    """Any JSON value, nested a little."""
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return rng.choice([None, 0, -1, 2**70, 1.5, True])
    if kind == 1:
        return rng.choice(["", "U0ALICE01", "x", "block_actions", "{}", "http://x"])
    if kind == 2:
        return []
    if kind == 3:
        return {}
    if kind == 4:
        return "🙂\n\u202e"
    if kind in (5, 6):
        keys = ["id", "type", "value", "action_id", "callback_id", "user", "channel", "event"]
        return {rng.choice(keys): some_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    return [some_value(rng, depth + 1) for _ in range(rng.randrange(3))]


def mutated(rng: random.Random, payload: dict[str, object]) -> dict[str, object]:
    """`payload` with one value somewhere inside replaced (or one key removed)."""
    copy = json.loads(json.dumps(payload))
    spots: list[tuple[object, object]] = []

    def walk(node: object) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)  # type: ignore[attr-defined]
        for key, child in list(items):
            spots.append((node, key))
            if isinstance(child, dict | list):
                walk(child)

    walk(copy)
    parent, key = rng.choice(spots)
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = some_value(rng)  # type: ignore[index]
    return copy


async def test_signed_bodies_near_real_ones_never_get_a_500_or_a_traceback(
    harness: Harness, http: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    """What a sender holding the signing secret could send: real clicks, slightly wrong."""
    card = await harness.answer("/vps show web-server-01")
    await harness.emu.click(card, index=0)
    assert harness.emu.last_sent is not None
    real = json.loads(parse_qs(harness.emu.last_sent.body)["payload"][0])
    rng = random.Random(8)
    statuses: set[int] = set()
    for _ in range(200):
        payload = mutated(rng, real)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = await http(body, {"Content-Type": FORM, **sign(body)})
        statuses.add(response.status_code)
        assert response.status_code < 500, payload
    assert harness.bot is not None
    await harness.bot.services.drain()
    assert statuses >= {200, 400}  # some were acted on, some refused
    assert_quiet(caplog)


async def test_signed_form_submissions_near_real_ones_never_get_a_500(
    harness: Harness, http: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    """A real create-form submission, slightly wrong (two fields bad, so no change of one value
    makes it a valid request): a 400 or an answer, never a 500 (a view without its `type` was)."""
    await harness.command("/vps create")
    modal = await harness.emu.wait_for(lambda: harness.emu.modal(ALICE), what="the create form")
    values = {"create_name": "bad name!", "create_plan": "1", "create_os": "5"}
    await harness.emu.submit_view(
        modal, {**values, "create_location": "us-west", "create_hostname": "not a host!"}
    )
    assert harness.emu.last_sent is not None
    real = json.loads(parse_qs(harness.emu.last_sent.body)["payload"][0])
    assert real["type"] == "view_submission"
    before = len(harness.sim.requests)
    rng = random.Random(16)
    statuses: set[int] = set()
    for _ in range(150):
        payload = mutated(rng, real)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = await http(body, {"Content-Type": FORM, **sign(body)})
        statuses.add(response.status_code)
        assert response.status_code < 500, payload
    assert harness.bot is not None
    await harness.bot.services.drain()
    assert statuses >= {200, 400}
    assert [r for r in harness.sim.requests[before:] if r.method != "GET"] == []
    assert_quiet(caplog)
