"""Reading servers for requests: one API round trip where one will do, shared when identical.

- `FleetIndex` (`fleet_index.py`) remembers name/hostname → id (and what a list row shows) from
  every listing the bot makes, the fleet monitor's included, and from its own changes. A
  `<server>` by name is a lookup there, verified with one `GET /servers/{id}/`; only a miss (or
  a stale hit) scans the fleet, and the scan refreshes the index. A full listing is read page
  by page into compact rows: the bot never holds a whole fleet of `Server` objects.
- `SingleFlight` lets identical reads running at the same time share one API call.
- `ServerDirectory` is what handlers read servers through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import partial
from typing import Any, Generic, TypeVar

from bot.flow.deadline import bounded, unbounded
from bot.flow.fleet_index import FleetIndex, FleetRow
from bot.resolve import (
    Ambiguous,
    BadReference,
    Named,
    NotFound,
    ServerRef,
    filter_servers,
    resolve_server,
)
from bot.vps import Server, VPSClient, VPSNotFound

__all__ = ["FleetIndex", "FleetRow", "ListPage", "ReadSlots", "ServerDirectory", "SingleFlight"]

_T = TypeVar("_T")
S = TypeVar("S", bound=Named)

READS_IN_FLIGHT = 4
"""Reads (list, show, audit) one member may have running at once."""
SEARCH_INDEX_MAX_AGE = 600.0
"""A text search answers from the index when it saw the whole fleet this recently (seconds)."""


class SingleFlight:
    """Identical calls in flight at the same time share one result (or one error).

    The call runs in a task of its own: a caller that stops waiting (its request's deadline,
    `bot.flow.deadline`) leaves it to the others, and the last one to leave ends it.
    """

    def __init__(self) -> None:
        self._flights: dict[Hashable, _Flight[Any]] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[_T]]) -> _T:
        """`call()`'s result; a caller that finds the same key in flight waits for that one."""
        flight: _Flight[_T] | None = self._flights.get(key)
        if flight is None:
            flight = _Flight(asyncio.create_task(_run(call), context=unbounded()))
            self._flights[key] = flight
            flight.task.add_done_callback(partial(self._land, key, flight))
        flight.waiting += 1
        try:
            return await bounded(asyncio.shield(flight.task))
        finally:
            flight.waiting -= 1
            if flight.waiting == 0 and not flight.task.done():
                self._land(key, flight)  # nobody wants its answer any more
                flight.task.cancel()

    def _land(self, key: Hashable, flight: _Flight[Any], _: object = None) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if flight.task.done() and not flight.task.cancelled():
            flight.task.exception()  # retrieved: a failure nobody else waited for is not "lost"


@dataclass
class _Flight(Generic[_T]):
    task: asyncio.Task[_T]
    waiting: int = 0


async def _run(call: Callable[[], Awaitable[_T]]) -> _T:
    return await call()


class ReadSlots:
    """How many reads each member has in flight; over `limit`, the next is refused at once."""

    def __init__(self, limit: int = READS_IN_FLIGHT) -> None:
        self.limit = limit
        self._taken: dict[str, int] = {}

    @contextmanager
    def take(self, user_id: str) -> Iterator[bool]:
        """True (and a slot held until the block ends) when `user_id` is under the limit."""
        if self._taken.get(user_id, 0) >= self.limit:
            yield False
            return
        self._taken[user_id] = self._taken.get(user_id, 0) + 1
        try:
            yield True
        finally:
            self._taken[user_id] -= 1
            if not self._taken[user_id]:
                del self._taken[user_id]


@dataclass(frozen=True)
class ListPage:
    """One page of a listing: the servers on it, how many there are in all, and — for a
    text search answered from the index — how old that index is (seconds)."""

    servers: list[Server]
    total: int
    index_age: float | None = None


class ServerDirectory:
    """Read access to VPS.org for handlers: one server, a page of the list, a reference."""

    def __init__(
        self,
        vps: VPSClient,
        *,
        command: str,
        index: FleetIndex | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._vps = vps
        self._command = command
        self._clock = clock
        self.index = index or FleetIndex(clock)
        self._flight = SingleFlight()

    async def get(self, server_id: int) -> Server:
        """One server's details; VPSNotFound when it does not exist."""
        try:
            server = await self._flight.run(
                ("get", server_id), lambda: self._vps.get_server(server_id)
            )
        except VPSNotFound:
            self.index.forget(server_id)
            raise
        self.index.learn(server)
        return server

    async def fleet(self) -> list[FleetRow]:
        """The whole fleet as index rows, in the API's order (which also refreshes the index)."""
        return await self._flight.run(("all",), self._listing)

    async def _listing(self) -> list[FleetRow]:
        rows: dict[int, FleetRow] = {}
        async with aclosing(self._vps.iter_server_pages(ahead=True)) as pages:
            async for page in pages:
                for server in page.results:
                    row = FleetRow.of(server)
                    known = self.index.row(server.id)
                    # A server unchanged since the last listing keeps its row: a steady fleet
                    # reuses every row (and the index its name keys) instead of holding two.
                    rows.setdefault(server.id, known if known == row else row)
        self.index.replace_all(rows.values())
        return list(rows.values())

    async def page(
        self,
        *,
        start: int,
        size: int,
        status: str | None = None,
        location: str | None = None,
        text: str | None = None,
    ) -> ListPage:
        """`size` servers from position `start` (0-based) of the filtered list."""
        if text:
            return await self._search(text, start, size, status, location)
        key = ("page", start, size, status, location)
        return await self._flight.run(key, lambda: self._api_page(start, size, status, location))

    async def _api_page(
        self, start: int, size: int, status: str | None, location: str | None
    ) -> ListPage:
        """Read the API's pages only as far as the wanted rows go: page 1 is one request."""
        rows: list[Server] = []
        total, seen = 0, 0
        async for api_page in self._vps.iter_server_pages(status=status, location=location):
            total = max(api_page.count, seen + len(api_page.results))
            rows.extend(api_page.results[max(0, start - seen) : max(0, start + size - seen)])
            seen += len(api_page.results)
            if seen >= start + size:
                break
        return ListPage(rows[:size], total)

    async def _search(
        self, text: str, start: int, size: int, status: str | None, location: str | None
    ) -> ListPage:
        """A text search over the index (fresh enough) or over a full listing."""
        index_age = None
        complete_at = self.index.complete_at
        if complete_at is None or self._clock() - complete_at > SEARCH_INDEX_MAX_AGE:
            rows = await self.fleet()
        else:
            rows = self.index.rows()
            index_age = max(0.0, self._clock() - complete_at)
        found = [
            r
            for r in filter_servers(rows, text)
            if (status is None or r.status == status)
            and (location is None or r.location == location)
        ]
        shown = [row.server() for row in found[start : start + size]]
        return ListPage(shown, len(found), index_age)

    async def resolve(
        self, ref: ServerRef | BadReference, *, visible: Sequence[str] = ()
    ) -> Server | NotFound | Ambiguous | BadReference:
        """The one server a reference means (in full detail), or why there is none.

        With `visible` globs (a caller who may read only those servers), other servers are
        neither found nor suggested nor listed as candidates: to that caller they don't exist.
        """
        if isinstance(ref, BadReference):
            return ref
        if ref.only_id and ref.id is not None:  # an id, and only an id: one request
            one = await self._details(ref.id, ref)
            return one if _shown(one, visible) else self._missing(ref)
        hits = self.index.candidates(ref)
        if hits:
            verified = await self._verify(hits)
            found = resolve_server(ref, _seen(verified, visible), slash_command=self._command)
            if isinstance(found, Server | Ambiguous) and len(verified) == len(hits):
                return found  # every hit still exists and still goes by that reference
        # A miss or a stale hit: scan the fleet (which refreshes the index).
        fleet = _seen(await self.fleet(), visible)
        scanned = resolve_server(ref, fleet, slash_command=self._command)
        # A row has no details (usage, backups): the one server found is read in full.
        return await self._details(scanned.id, ref) if isinstance(scanned, FleetRow) else scanned

    def _missing(self, ref: ServerRef) -> NotFound:
        return NotFound(reference=ref.text, slash_command=self._command)

    async def named(self, name: str) -> list[Server]:
        """The servers called `name` (any case) now: index hits verified, or a scan."""
        ref = ServerRef(text=name)
        if self.index.complete_at is None:
            await self.fleet()
        hits = await self._verify(self.index.candidates(ref))
        return [s for s in hits if s.name.casefold() == name.casefold()]

    async def _verify(self, ids: list[int]) -> list[Server]:
        """The servers behind index hits as they are now (those that still exist)."""
        found = []
        for server_id in ids[:10]:  # more candidates than that: let the scan decide
            try:
                found.append(await self.get(server_id))
            except VPSNotFound:
                continue
        return found

    async def _details(self, server_id: int, ref: ServerRef) -> Server | NotFound:
        try:
            return await self.get(server_id)
        except VPSNotFound:
            return self._missing(ref)


def _seen(servers: list[S], visible: Sequence[str]) -> list[S]:
    """The servers a caller limited to `visible` globs may know of (all without globs)."""
    if not visible:
        return servers
    return [s for s in servers if any(fnmatchcase(s.name, glob) for glob in visible)]


def _shown(found: Server | NotFound, visible: Sequence[str]) -> bool:
    return not isinstance(found, Server) or bool(_seen([found], visible))
