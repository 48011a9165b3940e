"""VPSClient: one method per VPS.org endpoint; one `_request()` boundary for HTTP and errors.

Retry policy (documented here because callers rely on it):

- GET is retried on connection errors, timeouts, 429 and 5xx.
- Any method is retried when the connection failed before the request was sent (connect error,
  connect or pool timeout) and on 429 / 503, which say the request was not processed.
- A create, update, delete or action whose request may have reached VPS.org (read timeout, broken
  connection, 500/502/504) is never re-sent: the caller gets an error that says to check first.
- Waits are capped exponential backoff with full jitter; a `Retry-After` is honoured up to
  `RetryPolicy.max_retry_after`, beyond which the error is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from bot import __version__
from bot.vps import errors
from bot.vps.models import ActionResult, Server, ServerCreate, ServerPage, ServerUpdate

logger = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET"})
_NOT_PROCESSED_STATUSES = frozenset({429, 503})
_MAX_PAGES = 10_000

Sleep = Callable[[float], Awaitable[None]]
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently a request is retried."""

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**retry))


class _BearerAuth(httpx.Auth):
    """Adds the bearer token to each request; its repr never shows the token."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(token=**********)"


class VPSClient:
    """Async client for the VPS.org servers API (9 endpoints)."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            auth=_BearerAuth(secret),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": f"vpsbot/{__version__}",
            },
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"VPSClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- endpoints -------------------------------------------------------------------------

    async def iter_server_pages(
        self, *, status: str | None = None, location: str | None = None
    ) -> AsyncIterator[ServerPage]:
        """Yield every page of the server list (1), following `next` until it is null."""
        params: dict[str, str] | None = {
            k: v for k, v in (("status", status), ("location", location)) if v
        }
        url: str = "servers/"
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            response = await self._request("GET", url, params=params)
            page = _parse(ServerPage, response)
            yield page
            if not page.next:
                return
            url = self._checked_next(page.next, seen)
            params = None  # `next` carries the query; httpx would replace it with any params
        raise errors.VPSBadResponse(
            f"VPS.org listed more than {_MAX_PAGES} pages; stopped following them", status=200
        )

    async def list_servers(
        self, *, status: str | None = None, location: str | None = None
    ) -> list[Server]:
        """Every server in the account (1), all pages, optionally filtered."""
        servers: list[Server] = []
        async for page in self.iter_server_pages(status=status, location=location):
            servers.extend(page.results)
        return servers

    async def create_server(self, spec: ServerCreate) -> Server:
        """Create a server (2); it starts in `provisioning`."""
        body = spec.model_dump(exclude_none=True)
        return _parse(Server, await self._request("POST", "servers/", json=body))

    async def get_server(self, server_id: int) -> Server:
        """Details of one server (3), with resource usage."""
        return _parse(Server, await self._request("GET", _path(server_id), server_id=server_id))

    async def replace_server(
        self, server_id: int, *, name: str, hostname: str, backups_enabled: bool
    ) -> Server:
        """Set name, hostname and backups all at once (4, PUT)."""
        body = {"name": name, "hostname": hostname, "backups_enabled": backups_enabled}
        response = await self._request("PUT", _path(server_id), json=body, server_id=server_id)
        return _parse(Server, response)

    async def update_server(self, server_id: int, changes: ServerUpdate) -> Server:
        """Change only the given fields (5, PATCH)."""
        response = await self._request(
            "PATCH", _path(server_id), json=changes.body(), server_id=server_id
        )
        return _parse(Server, response)

    async def delete_server(self, server_id: int) -> None:
        """Delete a server permanently (6)."""
        await self._request("DELETE", _path(server_id), server_id=server_id)

    async def start_server(self, server_id: int) -> ActionResult:
        """Power on a stopped server (7)."""
        return await self._action(server_id, "start")

    async def stop_server(self, server_id: int) -> ActionResult:
        """Gracefully shut down a running server (8)."""
        return await self._action(server_id, "stop")

    async def reboot_server(self, server_id: int) -> ActionResult:
        """Gracefully reboot a running server (9)."""
        return await self._action(server_id, "reboot")

    async def _action(self, server_id: int, verb: str) -> ActionResult:
        path = f"{_path(server_id)}{verb}/"
        return _parse(ActionResult, await self._request("POST", path, server_id=server_id))

    # -- the boundary ----------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        server_id: int | None = None,
    ) -> httpx.Response:
        """Send one API request with the retry policy; return a 2xx response or raise VPSError."""
        for retry in range(self.retry.attempts):
            last = retry == self.retry.attempts - 1
            started = time.monotonic()
            try:
                response = await self._http.request(method, url, params=params, json=json)
            except httpx.TransportError as exc:
                failure = self._transport_error(exc, method)
                if last or not _may_retry_transport(exc, method):
                    raise failure from None
                await self._wait(retry, None, method, url, str(failure))
                continue
            elapsed = time.monotonic() - started
            logger.debug(
                "VPS.org %s %s -> %s in %.3fs", method, _show(url), response.status_code, elapsed
            )
            if response.is_success:
                return response
            error = _status_error(response, server_id)
            retry_after = error.retry_after if isinstance(error, errors.VPSRateLimited) else None
            if retry_after is None and response.status_code == 503:
                retry_after = _retry_after(response)
            if (
                last
                or not _may_retry_status(response.status_code, method)
                or (retry_after is not None and retry_after > self.retry.max_retry_after)
            ):
                raise error
            await self._wait(retry, retry_after, method, url, str(error))
        raise AssertionError("unreachable: the last attempt always returns or raises")

    async def _wait(
        self, retry: int, retry_after: float | None, method: str, url: str, why: str
    ) -> None:
        delay = self.retry.delay(retry, retry_after)
        logger.warning(
            "VPS.org %s %s failed (%s); retrying in %.1fs", method, _show(url), why, delay
        )
        await self._sleep(delay)

    def _transport_error(self, exc: httpx.TransportError, method: str) -> errors.VPSTransportError:
        where = f"VPS.org API at {self.base_url}"
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return errors.VPSConnectError(
                f"could not connect to the {where} within {self.timeout:g}s — check VPS_API_URL "
                "and the network, then try again"
            )
        if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
            return errors.VPSConnectError(
                f"could not connect to the {where} — check VPS_API_URL and the network, "
                "then try again"
            )
        if isinstance(exc, httpx.TimeoutException):
            text = f"the {where} did not answer within {self.timeout:g}s"
        else:
            text = f"the connection to the {where} broke before it answered"
        if method in _SAFE_METHODS:
            return errors.VPSTimeout(f"{text} — try again")
        return errors.VPSTimeout(
            f"{text}; the change may or may not have been made — check the server before "
            "trying again"
        )

    def _checked_next(self, next_url: str, seen: set[str]) -> str:
        """Refuse a `next` link that leaves the API's origin (the token must not go elsewhere)."""
        base, link = urlsplit(self.base_url), urlsplit(next_url)
        if link.scheme and (link.scheme, link.netloc) != (base.scheme, base.netloc):
            raise errors.VPSBadResponse(
                "VPS.org sent a next-page link to another host; refusing to send the token there",
                status=200,
            )
        if next_url in seen:
            raise errors.VPSBadResponse("VPS.org sent the same next-page link twice", status=200)
        seen.add(next_url)
        return next_url


def _path(server_id: int) -> str:
    return f"servers/{int(server_id)}/"


def _show(url: str) -> str:
    """A URL for logs: path and query only."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _may_retry_transport(exc: httpx.TransportError, method: str) -> bool:
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return not_sent or method in _SAFE_METHODS


def _may_retry_status(status: int, method: str) -> bool:
    if status in _NOT_PROCESSED_STATUSES:
        return True
    return method in _SAFE_METHODS and status >= 500


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _status_error(response: httpx.Response, server_id: int | None) -> errors.VPSAPIError:
    """Map a non-2xx response to the error a person can act on."""
    status = response.status_code
    body = _body(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    detail = str(detail) if detail is not None else None
    match status:
        case 400:
            fields = _field_errors(body)
            said = detail or "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
            return errors.VPSBadRequest(
                f"VPS.org refused the request: {said or 'invalid parameters'}",
                detail=detail,
                body=body,
                field_errors=fields,
            )
        case 401:
            return errors.VPSUnauthorized(
                "VPS.org refused the API token (401) — check VPS_API_TOKEN",
                status=status,
                detail=detail,
                body=body,
            )
        case 402:
            return errors.VPSPaymentRequired(
                "insufficient credits on the VPS.org account (402) — add credits, then try again",
                status=status,
                detail=detail,
                body=body,
            )
        case 404 if server_id is not None:
            return errors.VPSNotFound(
                f"server {server_id} not found", status=status, detail=detail, body=body
            )
        case 404:
            return errors.VPSNotFound(
                "VPS.org answered 404 for the server list — check VPS_API_URL (it should end in "
                "/api/v1)",
                status=status,
                detail=detail,
                body=body,
            )
        case 429:
            wait = _retry_after(response)
            hint = f"try again in {wait:g}s" if wait is not None else "try again shortly"
            return errors.VPSRateLimited(
                f"VPS.org rate limit reached (429) — {hint}",
                detail=detail,
                body=body,
                retry_after=wait,
            )
    if status >= 500:
        return errors.VPSServerError(
            f"VPS.org API unavailable ({status}) — try again in a minute",
            status=status,
            detail=detail,
            body=body,
        )
    said = f": {detail}" if detail else ""
    return errors.VPSAPIError(
        f"VPS.org answered {status}{said}", status=status, detail=detail, body=body
    )


def _field_errors(body: object) -> dict[str, list[str]]:
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


def _parse(model: type[_M], response: httpx.Response) -> _M:
    """Read a success body as `model`, or raise VPSBadResponse saying what arrived instead."""
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        if _body(response) is None:
            what = f"a body that is not JSON ({kind})"
        else:
            what = f"JSON the bot does not understand ({exc.error_count()} problems)"
        raise errors.VPSBadResponse(
            f"VPS.org answered {response.status_code} with {what} — check that VPS_API_URL "
            "points at the VPS.org API",
            status=response.status_code,
        ) from None
