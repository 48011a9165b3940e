"""The simulator's server list: filtered views kept between requests, pages cut from them.

A 50,000-server fleet is listed page by page in benchmarks: each request must cost about one
page of work, not one pass over the fleet. The filtered lists are kept until the fleet changes
(a server added, removed, or changing status), so a page is a slice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from yarl import URL

from vpssim.sim_fleet import SimServer
from vpssim.sim_http import Refusal, page_number, previous_url

Json = dict[str, object]

GHOST_IDS = 900_000_000
"""Where made-up ids of endless pages start: far above any id the fleet will reach."""


class Listings:
    """The fleet's filtered server lists, rebuilt only after `invalidate()`."""

    def __init__(self, servers: Mapping[int, SimServer]) -> None:
        self._servers = servers  # kept in id order: ids only grow and dicts keep insertion order
        self._kept: dict[tuple[str, str], list[SimServer]] = {}

    def invalidate(self) -> None:
        """Forget every list: a server was added, removed or changed status."""
        self._kept.clear()

    def servers(self, status: str, location: str) -> list[SimServer]:
        """The servers with this status and location ("" matches any), in id order."""
        key = (status, location)
        kept = self._kept.get(key)
        if kept is None:
            kept = [
                server
                for server in self._servers.values()
                if (not status or server.status == status)
                and (not location or server.location == location)
            ]
            self._kept[key] = kept
        return kept


def paginate(url: URL, servers: list[SimServer], size: int, *, endless: bool = False) -> Json:
    """One page of `servers` as DRF answers it; `endless`: every page links to another."""
    page = page_number(url.query.get("page"))
    size = max(1, size)
    last = max(1, math.ceil(len(servers) / size))
    if page > last and not endless:
        raise Refusal(404, {"detail": "Invalid page."})
    if page <= last:
        results = [server.list_view() for server in servers[(page - 1) * size : page * size]]
    else:
        results = list(_ghosts(servers[:size], GHOST_IDS + (page - last - 1) * size))
    return {
        "count": len(servers),
        "next": str(url.update_query(page=page + 1)) if page < last or endless else None,
        "previous": previous_url(url, page),
        "results": results,
    }


def _ghosts(models: list[SimServer], first_id: int) -> Iterable[Json]:
    """Made-up servers shaped like `models`, with ids (and names) no page has shown yet."""
    for offset, server in enumerate(models):
        ghost_id = first_id + offset
        yield {**server.list_view(), "id": ghost_id, "name": f"ghost-{ghost_id}"}
