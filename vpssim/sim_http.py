"""The simulator's HTTP pieces: error answers, request parsing, paging links, injected faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp import web
from yarl import URL

from vpssim.sim_fleet import Rule, accepted_fields, field_errors

Json = dict[str, object]

DEFAULT_DETAILS = {
    429: "Request was throttled.",
    500: "A server error occurred.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable.",
    504: "Gateway timeout.",
}


class Refusal(Exception):
    """An error answer, raised anywhere while handling a request; the middleware sends it."""

    def __init__(
        self, status: int, body: Mapping[str, object], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})


def not_found() -> Refusal:
    return Refusal(404, {"detail": "Not found."})


def validate_body(body: Json, rules: Mapping[str, Rule]) -> Json:
    """The accepted fields of `body`; a 400 naming every field that is wrong."""
    errors = field_errors(body, rules)
    if errors:
        raise Refusal(400, errors)
    return accepted_fields(body, rules)


async def read_json(request: web.Request) -> Json:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise Refusal(400, {"detail": f"JSON parse error - {exc}"}) from None
    if not isinstance(data, dict):
        kind = type(data).__name__
        message = f"Invalid data. Expected a dictionary, but got {kind}."
        raise Refusal(400, {"non_field_errors": [message]})
    return data


def page_number(raw: str | None) -> int:
    try:
        page = int(raw) if raw is not None else 1
    except ValueError:
        page = 0
    if page < 1:
        raise Refusal(404, {"detail": "Invalid page."})
    return page


def previous_url(url: URL, page: int) -> str | None:
    # As DRF does: the link to page 1 drops the page parameter.
    if page == 1:
        return None
    return str(url.without_query_params("page") if page == 2 else url.update_query(page=page - 1))


@dataclass
class Fault:
    """A failure waiting for the next `times` matching requests."""

    status: int
    method: str | None
    path_suffix: str | None
    times: int
    retry_after: float | None = None
    body: str | Mapping[str, object] | None = None
    content_type: str = "application/json"
    disconnect_after: float | None = None
    drip_rate: float | None = None
    """Bytes per second: the real answer is sent, its body trickling out at this rate."""
    hold: float | None = None
    """Seconds the request is held, then handled as usual: before it is acted on, or (with
    `hold_acted`) after, before it is answered. A caller that gives up meanwhile cancels a
    request held before acting: it is never acted on."""
    hold_acted: bool = False

    @property
    def fails(self) -> bool:
        """True when it answers in place of the request (an error, a dropped connection)."""
        return self.drip_rate is None and self.hold is None

    def matches(self, request: web.Request) -> bool:
        """True when `request` is one this fault is waiting for."""
        method_ok = self.method is None or self.method.upper() == request.method
        return method_ok and (self.path_suffix is None or request.path.endswith(self.path_suffix))

    async def answer(self, request: web.Request) -> web.StreamResponse:
        """The failed answer, or a dropped connection."""
        if self.disconnect_after is not None:
            await asyncio.sleep(self.disconnect_after)
            if request.transport is not None:
                request.transport.close()
            # Nothing is written to a closed transport: the client sees the connection drop.
            return web.Response()
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        if isinstance(self.body, str):
            text = self.body
        else:
            default = DEFAULT_DETAILS.get(self.status, f"{HTTPStatus(self.status).phrase}.")
            text = json.dumps(dict(self.body) if self.body is not None else {"detail": default})
        return web.Response(
            status=self.status, text=text, content_type=self.content_type, headers=headers
        )

    async def drip(self, request: web.Request, response: web.Response) -> web.StreamResponse:
        """Send `response` with its headers at once and its body a byte at a time."""
        body = response.body if isinstance(response.body, bytes) else b""
        slow = web.StreamResponse(status=response.status, headers=response.headers)
        slow.content_length = len(body)
        await slow.prepare(request)
        pause = 1 / (self.drip_rate or 1.0)
        for index in range(len(body)):
            await slow.write(body[index : index + 1])
            await asyncio.sleep(pause)
        await slow.write_eof()
        return slow


class Holds:
    """The requests a `Fault` with `hold` is holding now (`count`)."""

    def __init__(self) -> None:
        self.count = 0

    async def hold(self, fault: Fault | None, *, acted: bool) -> None:
        """Hold the request for `fault.hold` seconds if the fault holds it at this point:
        before it is acted on, or (`acted`) after."""
        if fault is None or fault.hold is None or fault.hold_acted is not acted:
            return
        self.count += 1
        try:
            await asyncio.sleep(fault.hold)
        finally:
            self.count -= 1
