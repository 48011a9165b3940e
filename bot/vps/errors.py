"""Everything that can go wrong when talking to VPS.org, as one exception tree.

Every message is written for the person who reads it in Slack or a terminal: what happened and
what to do next. No message, repr or attribute ever holds the API token.

    VPSError
    ├── VPSTransportError            no HTTP response at all
    │   ├── VPSConnectError          the request was never sent (refused, DNS, TLS): safe to retry
    │   ├── VPSBusy                  never sent: every connection was in use: try again shortly
    │   └── VPSTimeout               sent, no answer in time: a write may or may not have happened
    └── VPSAPIError                  an HTTP response that is not a success
        ├── VPSBadRequest      400   `field_errors` maps a field to its messages
        ├── VPSUnauthorized    401   the token is missing or wrong
        ├── VPSPaymentRequired 402   not enough credits
        ├── VPSNotFound        404   the server does not exist
        ├── VPSRateLimited     429   `retry_after` seconds, when the API said
        ├── VPSServerError     5xx   the API (or a proxy in front of it) is unavailable
        └── VPSBadResponse           a status or body the client cannot make sense of
            └── VPSTooLarge          an answer or a listing beyond the client's caps
"""

from __future__ import annotations


class VPSError(Exception):
    """Base of every error raised by the VPS.org client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class VPSTransportError(VPSError):
    """No HTTP response was received."""


class VPSConnectError(VPSTransportError):
    """The connection failed before the request was sent."""


class VPSBusy(VPSTransportError):
    """Every connection the client may use was busy for too long; the request was never sent."""


class VPSTimeout(VPSTransportError):
    """The request was sent (or partly sent) and no complete answer came in time."""


class VPSAPIError(VPSError):
    """VPS.org answered with a status that is not a success."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str | None = None,
        body: object = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.body = body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.message!r})"


class VPSBadRequest(VPSAPIError):
    """400: the API refused the parameters; `field_errors` says which and why."""

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """DRF's `{"field": ["message", …]}` errors of the body."""
        return field_errors(self.body)


class VPSUnauthorized(VPSAPIError):
    """401: the API token is missing or invalid."""


class VPSPaymentRequired(VPSAPIError):
    """402: the account has insufficient credits."""


class VPSNotFound(VPSAPIError):
    """404: the server does not exist."""


class VPSRateLimited(VPSAPIError):
    """429: too many requests; `retry_after` is the wait the API asked for, if it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        detail: str | None = None,
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, detail=detail, body=body)
        self.retry_after = retry_after


class VPSServerError(VPSAPIError):
    """5xx: VPS.org, or a proxy in front of it, is unavailable."""


class VPSBadResponse(VPSAPIError):
    """A status or body the client does not understand (e.g. HTML where JSON was due)."""


class VPSTooLarge(VPSBadResponse):
    """An answer, or a whole server listing, larger than the client's caps (servers, bytes)."""


def field_errors(body: object) -> dict[str, list[str]]:
    """DRF's `{"field": ["message", …]}` errors from a 400 body."""
    if not isinstance(body, dict):
        return {}
    fields: dict[str, list[str]] = {}
    for key, value in body.items():
        if key == "detail":
            continue
        if isinstance(value, list):
            fields[str(key)] = [str(v) for v in value]
        elif isinstance(value, str):
            fields[str(key)] = [value]
    return fields
