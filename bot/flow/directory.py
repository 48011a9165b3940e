"""Reading servers for requests: one API round trip where one will do, shared when identical.

- `FleetIndex` remembers name/hostname → id (and what a list row shows) from every listing the
  bot makes, the fleet monitor's included, and from its own changes. A `<server>` by name is a
  lookup there, verified with one `GET /servers/{id}/`; only a miss (or a stale hit) scans the
  fleet, and the scan refreshes the index.
- `SingleFlight` lets identical reads running at the same time share one API call.
- `ServerDirectory` is what handlers read servers through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, NamedTuple, TypeVar

from bot.resolve import (
    Ambiguous,
    BadReference,
    NotFound,
    ServerRef,
    filter_servers,
    resolve_server,
)
from bot.vps import Server, ServerPage, VPSClient, VPSNotFound

__all__ = ["FleetIndex", "ListPage", "ReadSlots", "ServerDirectory", "SingleFlight"]

_T = TypeVar("_T")

READS_IN_FLIGHT = 4
"""Reads (list, show, audit) one member may have running at once."""
SEARCH_INDEX_MAX_AGE = 600.0
"""A text search answers from the index when it saw the whole fleet this recently (seconds)."""


class _Row(NamedTuple):
    """What the index keeps of a server: enough to find it and to show it in a list."""

    id: int
    name: str
    hostname: str | None
    status: str
    ip_address: str | None
    location: str | None
    plan: tuple[int, str] | None

    def server(self) -> Server:
        plan = {"id": self.plan[0], "name": self.plan[1]} if self.plan else None
        return Server.model_validate({**self._asdict(), "plan": plan})


class FleetIndex:
    """Name and hostname → server ids, as last seen; cheap enough for 100,000 servers."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._rows: dict[int, _Row] = {}
        self._keys: dict[str, set[int]] = {}
        self.complete_at: float | None = None
        """When the index last saw the whole fleet (a full listing); None: never."""

    def __len__(self) -> int:
        return len(self._rows)

    def replace_all(self, servers: Iterable[Server]) -> None:
        """Everything a full listing showed (servers it did not show are gone)."""
        self._rows.clear()
        self._keys.clear()
        for server in servers:
            self.learn(server)
        self.complete_at = self._clock()

    def learn(self, server: Server) -> None:
        """One server as the API showed it just now."""
        self.forget(server.id)
        plan = (server.plan.id, server.plan.name) if server.plan else None
        row = _Row(
            server.id,
            server.name,
            server.hostname,
            server.status,
            server.ip_address,
            server.location,
            plan,
        )
        self._rows[server.id] = row
        for key in _keys(row):
            self._keys.setdefault(key, set()).add(server.id)

    def forget(self, server_id: int) -> None:
        """A server that no longer exists (or is about to be learned again)."""
        row = self._rows.pop(server_id, None)
        if row is None:
            return
        for key in _keys(row):
            ids = self._keys.get(key)
            if ids is not None:
                ids.discard(server_id)
                if not ids:
                    del self._keys[key]

    def candidates(self, ref: ServerRef) -> list[int]:
        """Ids the reference may mean, by id, name (any case) or hostname."""
        found = set(self._keys.get(_fold(ref.text), ()))
        found |= self._keys.get(_fold(ref.text.removesuffix(".")), set())
        if ref.id is not None and ref.id in self._rows:
            found.add(ref.id)
        return sorted(found)

    def servers(self) -> list[Server]:
        """Every server the index knows, as list rows, in id order."""
        return [self._rows[i].server() for i in sorted(self._rows)]


def _fold(text: str) -> str:
    return text.casefold()


def _keys(row: _Row) -> set[str]:
    keys = {_fold(row.name)}
    if row.hostname:
        keys.add(_fold(row.hostname.removesuffix(".")))
    return keys


class SingleFlight:
    """Identical calls in flight at the same time share one result (or one error)."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[_T]]) -> _T:
        """`call()`'s result; a caller that finds the same key in flight waits for that one."""
        flight = self._flights.get(key)
        if flight is not None:
            result: _T = await asyncio.shield(flight)
            return result
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            value = await call()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure nobody else waited for is not "lost"
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._flights[key]


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

    async def everything(self) -> list[Server]:
        """The whole fleet (every page), which also refreshes the index."""
        servers = await self._flight.run(("all",), self._vps.list_servers)
        self.index.replace_all(servers)
        return servers

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
            self._observe_page(api_page)
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
            servers = await self.everything()
        else:
            servers = self.index.servers()
            index_age = max(0.0, self._clock() - complete_at)
        found = [
            s
            for s in filter_servers(servers, text)
            if (status is None or s.status == status)
            and (location is None or s.location == location)
        ]
        return ListPage(found[start : start + size], len(found), index_age)

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
        fleet = _seen(await self.everything(), visible)
        found = resolve_server(ref, fleet, slash_command=self._command)
        # A listing has no details (usage, backups): the one server found is read in full.
        return await self._details(found.id, ref) if isinstance(found, Server) else found

    def _missing(self, ref: ServerRef) -> NotFound:
        return NotFound(reference=ref.text, slash_command=self._command)

    async def named(self, name: str) -> list[Server]:
        """The servers called `name` (any case) now: index hits verified, or a scan."""
        ref = ServerRef(text=name)
        if self.index.complete_at is None:
            await self.everything()
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

    def _observe_page(self, page: ServerPage) -> None:
        for server in page.results:
            self.index.learn(server)


def _seen(servers: list[Server], visible: Sequence[str]) -> list[Server]:
    """The servers a caller limited to `visible` globs may know of (all without globs)."""
    if not visible:
        return servers
    return [s for s in servers if any(fnmatchcase(s.name, glob) for glob in visible)]


def _shown(found: Server | NotFound, visible: Sequence[str]) -> bool:
    return not isinstance(found, Server) or bool(_seen([found], visible))
