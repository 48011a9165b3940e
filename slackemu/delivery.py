"""Delivering a request to the app over HTTP, signed, under Slack's 3-second ack deadline."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from slackemu.model import JsonObject
from slackemu.signing import Signing, signed_headers

ACK_TIMEOUT = 3.0
"""Slack gives up on an ack after three seconds and shows the user ``operation_timeout``."""

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass(frozen=True)
class SentRequest:
    """A request exactly as it went to the app: what an eavesdropper could capture."""

    url: str
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class RawAck:
    """What came back from the app, before Slack interprets it."""

    status: int | None
    body: JsonObject | str | None
    elapsed: float
    error: str | None = None


def parse_body(content_type: str, text: str) -> JsonObject | str | None:
    """An ack body: parsed JSON when it is JSON, else the text (``None`` when empty)."""
    if not text.strip():
        return None
    if content_type.startswith("application/json") or text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return parsed if isinstance(parsed, dict) else text
    return text


def form_body(kind: str, data: JsonObject) -> str:
    """Slack's request body: the fields of a slash command, ``payload=<json>``, or an event's
    JSON itself."""
    if kind == "events_api":
        return json.dumps(data, separators=(",", ":"))
    if kind == "slash_commands":
        return urlencode(data)
    return urlencode({"payload": json.dumps(data, separators=(",", ":"))})


class HttpDelivery:
    """POSTs to the app's request URL like Slack: form-encoded, signed, timed."""

    def __init__(self, signing_secret: str) -> None:
        self.signing_secret = signing_secret
        # Slack's side of a loopback test: plain HTTP, so no CA bundle to load.
        self._client = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, verify=False)  # noqa: S501
        self.last_sent: SentRequest | None = None

    async def deliver(
        self,
        url: str,
        kind: str,
        data: JsonObject,
        signing: Signing | None = None,
        within: float = ACK_TIMEOUT,
    ) -> RawAck:
        """Send one request and judge the answer as Slack would (``within`` = ack deadline)."""
        body = form_body(kind, data)
        headers = signed_headers(self.signing_secret, body, signing)
        headers["Content-Type"] = (
            "application/json" if kind == "events_api" else "application/x-www-form-urlencoded"
        )
        self.last_sent = SentRequest(url, body, dict(headers))
        return await self.send(self.last_sent, within)

    async def send(self, sent: SentRequest, within: float = ACK_TIMEOUT) -> RawAck:
        """POST a request as it is (a replay of a captured one) and judge the answer."""
        url, body, headers = sent.url, sent.body, sent.headers
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=headers, timeout=within)
        except httpx.TimeoutException:
            return RawAck(None, None, time.perf_counter() - started, "operation_timeout")
        except httpx.TransportError:
            return RawAck(None, None, time.perf_counter() - started, "dispatch_failed")
        elapsed = time.perf_counter() - started
        parsed = parse_body(response.headers.get("content-type", ""), response.text)
        if elapsed > within:
            return RawAck(response.status_code, parsed, elapsed, "operation_timeout")
        if response.status_code != 200:
            return RawAck(response.status_code, parsed, elapsed, "dispatch_failed")
        return RawAck(200, parsed, elapsed)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
