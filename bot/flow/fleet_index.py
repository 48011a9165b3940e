"""The bot's fleet index: name and hostname → server id, and a compact row per server.

Filled by every full listing the bot makes (the fleet monitor's included) and by its own
changes; a `<server>` by name is looked up here and then verified with one request. A row is a
small tuple, not a `Server`: 100,000 of them fit in a few tens of MB.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from bot.resolve import ServerRef
from bot.vps import Server
from bot.vps.models import Plan

__all__ = ["FleetIndex", "FleetRow"]


class FleetRow(NamedTuple):
    """What the index keeps of a server: enough to find it and to show it in a list."""

    id: int
    name: str
    hostname: str | None
    status: str
    ip_address: str | None
    location: str | None
    plan: Plan | None  # shared: a listing makes one Plan per distinct plan

    @classmethod
    def of(cls, server: Server) -> FleetRow:
        """The row of a server as the API showed it (the few distinct values shared)."""
        return cls(
            server.id,
            server.name,
            server.hostname,
            sys.intern(server.status),
            server.ip_address,
            sys.intern(server.location) if server.location else None,
            server.plan,
        )

    def server(self) -> Server:
        """The row as a (list-row) `Server`, for the builders."""
        return Server.model_validate(self._asdict())


class FleetIndex:
    """Rows by id, and ids by folded name and hostname."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._rows: dict[int, FleetRow] = {}
        # Folded name or hostname → the id of the one server that has it (the common case: an
        # int, not a tuple, costs nothing more), or the ids of several.
        self._keys: dict[str, int | tuple[int, ...]] = {}
        self.complete_at: float | None = None
        """When the index last saw the whole fleet (a full listing); None: never."""

    def __len__(self) -> int:
        return len(self._rows)

    def replace_all(self, servers: Iterable[Server | FleetRow]) -> None:
        """Everything a full listing showed (servers it did not show are gone)."""
        made = (s if isinstance(s, FleetRow) else FleetRow.of(s) for s in servers)
        rows = {row.id: row for row in made}
        if rows.keys() != self._rows.keys() or any(
            row is not self._rows[i] and _keys(row) != _keys(self._rows[i])
            for i, row in rows.items()
        ):  # names changed: the keys are made anew (else the old ones still hold)
            keys: dict[str, int | tuple[int, ...]] = {}
            for row in rows.values():
                for key in _keys(row):
                    keys[key] = _with(keys.get(key), row.id)
            self._keys = keys
        self._rows = rows
        self.complete_at = self._clock()

    def learn(self, server: Server) -> None:
        """One server as the API showed it just now."""
        self.forget(server.id)
        row = FleetRow.of(server)
        self._rows[server.id] = row
        for key in _keys(row):
            self._keys[key] = _with(self._keys.get(key), row.id)

    def forget(self, server_id: int) -> None:
        """A server that no longer exists (or is about to be learned again)."""
        row = self._rows.pop(server_id, None)
        if row is None:
            return
        for key in _keys(row):
            left = tuple(i for i in _ids(self._keys.get(key)) if i != server_id)
            if left:
                self._keys[key] = left[0] if len(left) == 1 else left
            else:
                self._keys.pop(key, None)

    def candidates(self, ref: ServerRef) -> list[int]:
        """Ids the reference may mean, by id, name (any case) or hostname."""
        found = set(_ids(self._keys.get(_fold(ref.text))))
        found.update(_ids(self._keys.get(_fold(ref.text.removesuffix(".")))))
        if ref.id is not None and ref.id in self._rows:
            found.add(ref.id)
        return sorted(found)

    def row(self, server_id: int) -> FleetRow | None:
        """The row of one server, if the index knows it."""
        return self._rows.get(server_id)

    def rows(self) -> list[FleetRow]:
        """Every row, in id order."""
        return [self._rows[i] for i in sorted(self._rows)]

    def servers(self) -> list[Server]:
        """Every server the index knows, as list rows, in id order."""
        return [row.server() for row in self.rows()]


def _fold(text: str) -> str:
    folded = text.casefold()
    return text if folded == text else folded  # most names are folded already: no copy


def _keys(row: FleetRow) -> set[str]:
    keys = {_fold(row.name)}
    if row.hostname:
        keys.add(_fold(row.hostname.removesuffix(".")))
    return keys


def _ids(entry: int | tuple[int, ...] | None) -> tuple[int, ...]:
    if entry is None:
        return ()
    return (entry,) if isinstance(entry, int) else entry


def _with(entry: int | tuple[int, ...] | None, server_id: int) -> int | tuple[int, ...]:
    ids = _ids(entry)
    return server_id if not ids else (*ids, server_id)
