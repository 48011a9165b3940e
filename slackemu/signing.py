"""Request signing exactly as Slack does it (v0 HMAC-SHA256 over ``v0:{timestamp}:{body}``)."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Signing:
    """Overrides for one request: a wrong secret or an old timestamp signs it badly or stale."""

    secret: str | None = None
    timestamp: int | None = None


def signature(secret: str, timestamp: int, body: str) -> str:
    """The ``X-Slack-Signature`` value for this body."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str, override: Signing | None = None) -> dict[str, str]:
    """The headers Slack sends with a request to the app's URL.

    The timestamp is the real wall clock, not the emulator's clock: aging triggers or response
    URLs in a test must not make signatures stale by accident (``Signing(timestamp=...)`` does).
    """
    override = override or Signing()
    timestamp = override.timestamp if override.timestamp is not None else int(time.time())
    key = override.secret if override.secret is not None else secret
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(key, timestamp, body),
    }
