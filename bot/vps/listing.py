"""One pass over the server list: pages in API order, fetched concurrently when it is safe.

For a full listing (`ahead`), the first page says how many servers there are (`count`) and how
many a page holds. When its `next` link numbers pages (`page=2`, or `offset=` the first page's
length), the remaining pages are fetched `list_concurrency` at a time and handed on in order; any
other `next` link is followed one page at a time, as is whatever comes after the pages `count`
announced. Without `ahead`, a page is fetched only when the one before it has been taken, so a
reader that stops early costs no request more than it read. Every link stays on the
API's origin. A server seen on an earlier page (the fleet shifted while it was listed) is dropped.
A listing stops with VPSTooLarge past its caps (servers, bytes, pages), and with VPSBadResponse
when it brings far more servers than `count` said (an API whose `next` links never end).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import aclosing
from itertools import islice
from urllib.parse import SplitResult, urlsplit

import httpx

from bot.vps import errors
from bot.vps.limits import ClientLimits, MiB
from bot.vps.models import ServerPage
from bot.words import counted

Fetch = Callable[[str, "dict[str, str] | None", int, str], Awaitable[tuple[ServerPage, int]]]
"""(url, params, byte limit, what to say past it) -> (the page, the bytes it took)."""


class Listing:
    """Pages of one listing, checked against the caps as they arrive."""

    def __init__(
        self,
        fetch: Fetch,
        base_url: str,
        limits: ClientLimits,
        params: dict[str, str],
        *,
        ahead: bool,
    ) -> None:
        self._fetch, self._limits = fetch, limits
        self._origin = _origin(urlsplit(base_url))
        self._params = params
        self._ahead = ahead
        self._links: set[str] = set()
        self._ids: set[int] = set()
        self._servers = self._bytes = self._pages = 0
        self._allowed = limits.list_servers
        self._counted = 0

    async def pages(self) -> AsyncGenerator[ServerPage, None]:
        """Every page, in the API's order, without servers already listed."""
        first = await self._get("servers/", self._params)
        self._expect(first)
        yield self._accept(first)
        link = self._follow(first.next)
        plan = self._plan(first, link) if link and self._ahead else None
        if plan:
            last = first
            # Closed with this generator: pages still being fetched are cancelled at once.
            async with aclosing(self._concurrently(plan)) as ahead:
                async for page in ahead:
                    yield self._accept(page)
                    last = page
            link = self._follow(last.next)
        while link:
            page = await self._get(link, None)
            yield self._accept(page)
            link = self._follow(page.next)

    def _expect(self, first: ServerPage) -> None:
        """Refuse at once a listing `count` says is beyond the cap; allow a little growth."""
        if first.count > self._limits.list_servers:
            raise self._too_large()
        self._counted = first.count
        slack = max(len(first.results), first.count // 10)
        self._allowed = min(self._limits.list_servers, first.count + slack)

    def _plan(self, first: ServerPage, link: str) -> list[str] | None:
        """The links of pages 2…N when the first page's `next` numbers them; else None."""
        size = len(first.results)
        if size == 0 or first.count <= size:
            return None
        url = httpx.URL(link)
        pages = min(math.ceil(first.count / size), self._limits.list_pages)
        if url.params.get_list("page") == ["2"]:
            plan = [url.copy_set_param("page", n) for n in range(3, pages + 1)]
        elif url.params.get_list("offset") == [str(size)]:
            plan = [url.copy_set_param("offset", size * (n - 1)) for n in range(3, pages + 1)]
        else:
            return None
        later = [str(page) for page in plan]
        self._links.update(later)
        return [link, *later]

    async def _concurrently(self, links: list[str]) -> AsyncGenerator[ServerPage, None]:
        """Fetch `links` a few at a time; hand the pages on in order."""
        waiting: Iterator[str] = iter(links)
        running: deque[asyncio.Task[ServerPage]] = deque()

        def start(count: int) -> None:
            for link in islice(waiting, count):
                running.append(asyncio.create_task(self._get(link, None)))

        start(self._limits.list_concurrency)
        try:
            while running:
                page = await running.popleft()
                start(1)
                yield page
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _get(self, url: str, params: dict[str, str] | None) -> ServerPage:
        left = self._limits.list_bytes - self._bytes
        limit = min(self._limits.answer_bytes, left)
        page, size = await self._fetch(url, params, limit, self._too_large().message)
        self._bytes += size
        if self._bytes > self._limits.list_bytes:
            raise self._too_large()
        return page

    def _accept(self, page: ServerPage) -> ServerPage:
        """Count the page against the caps; drop servers already listed."""
        self._pages += 1
        self._servers += len(page.results)
        if self._servers > self._limits.list_servers or self._pages > self._limits.list_pages:
            raise self._too_large()
        if self._servers > self._allowed:
            raise errors.VPSBadResponse(
                f"VPS.org kept linking to more pages, well past the "
                f"{counted(self._counted, 'server')} it counted; stopped reading the list",
                status=200,
            )
        fresh = []
        for server in page.results:
            if server.id not in self._ids:
                self._ids.add(server.id)
                fresh.append(server)
        if len(fresh) == len(page.results):
            return page
        return page.model_copy(update={"results": fresh})

    def _follow(self, link: str | None) -> str | None:
        """`link`, once it is known to stay on the API's origin and to be new."""
        if link is None:
            return None
        target = urlsplit(link)
        if target.scheme and _origin(target) != self._origin:  # the token must not go elsewhere
            raise errors.VPSBadResponse(
                "VPS.org sent a next-page link to another host; refusing to send the token there",
                status=200,
            )
        if link in self._links:
            raise errors.VPSBadResponse("VPS.org sent the same next-page link twice", status=200)
        self._links.add(link)
        return link

    def _too_large(self) -> errors.VPSTooLarge:
        limits = self._limits
        return errors.VPSTooLarge(
            f"the VPS.org server list is longer than the bot reads ({limits.list_servers:,} "
            f"servers, {limits.list_bytes // MiB} MiB or {limits.list_pages:,} pages); "
            "stopped reading it — narrow it with status: or location:",
            status=200,
        )


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    """Scheme, host and port, the default port spelled out (credentials are not part of it)."""
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # a port that is not a number: no origin to match
        port = -1
    return parts.scheme.lower(), parts.hostname, port
