"""Slack's request signature (v0): checked on the raw bytes, before anything is parsed."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_SECONDS = 300
"""Slack's replay window: a timestamp further than this from now is refused."""

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Unsigned(Exception):
    """The request is not signed by Slack (missing, malformed, stale or wrong signature)."""


@dataclass(frozen=True)
class Stamp:
    """A request's signature headers, well-formed and inside the window (not yet checked)."""

    timestamp: str
    signature: str


def read_stamp(headers: Mapping[str, str], now: float) -> Stamp:
    """The signature headers, or Unsigned: checked before the body is even read."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise Unsigned("no signature headers")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        raise Unsigned("malformed signature headers")
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        raise Unsigned("timestamp outside the 5-minute window")
    return Stamp(timestamp, signature)


def check_signature(secret: bytes, stamp: Stamp, body: bytes) -> None:
    """Unsigned unless `stamp.signature` is the HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + stamp.timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), stamp.signature.encode()):
        raise Unsigned("bad signature")
