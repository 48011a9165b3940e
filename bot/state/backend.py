"""What differs between SQLite and PostgreSQL, in one place: URLs, engines, upserts, locks, errors.

Every query elsewhere is shared. The differences:
- the URL (`sqlite:///file.db`, `postgresql://…` → the aiosqlite and asyncpg drivers);
- how long a caller may wait: SQLite's busy timeout on a locked file, PostgreSQL's connect and
  command timeouts; past them the call fails with StateStoreUnavailable (Slack wants an answer
  within 3 s, so waits are about 2 s);
- transactions: SQLite takes the file's write lock up front (BEGIN IMMEDIATE) for a write, which
  serializes writers across processes; PostgreSQL serializes the few read-then-write
  transactions with an advisory lock on their key (`serialize`);
- `INSERT … ON CONFLICT`, which each dialect module builds for itself.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool
from sqlalchemy.util import await_only

from bot.state.errors import StateStoreError, StateStoreUnavailable
from bot.state.url import POSTGRES_FORM, Kind, check_state_url

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

WAIT_SECONDS = 2.0
"""How long a call waits for a locked SQLite file, a pooled connection or a new PostgreSQL one."""
SQLITE_QUEUE_SECONDS = 15.0
"""How long a call waits its turn for the process's one SQLite connection. Callers queue in
order, so a long queue (a burst of 200 clicks, each recording its audit entry) is work being
done, not a stuck store: giving up at 2 s would drop audit entries. Nothing before an ack
touches the store, so the wait never delays an ack."""
COMMAND_SECONDS = 5.0
"""How long one PostgreSQL statement may take before the call gives up (a stalled network)."""
_SQLITE_BUSY_SECONDS = 0.05
"""SQLite's own wait inside the driver's thread, kept short: longer waits are `_begin`'s."""
MIGRATION_WAIT_SECONDS = 60.0
"""How long start-up waits for another replica's migration (it holds the lock meanwhile)."""
STARTUP_CONNECT_SECONDS = 10.0
"""How long start-up waits for PostgreSQL to accept a connection before giving up."""

WRITE = "vpsbot_write"
"""Execution option of the writer engine: on SQLite its transactions BEGIN IMMEDIATE."""

DRIVER_ERRORS = (exc.DBAPIError, exc.TimeoutError, OSError, TimeoutError)
"""What the drivers and the pool raise; the store turns them into StateStoreErrors."""
LOCK_SPACE = 0x76707362  # "vpsb": the first key of every advisory lock vpsbot takes
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "55000", "55P03", "57014", "40001", "40P01")
"""Connection lost, out of resources, shutting down or starting up, not accepting connections
(`ALTER DATABASE … ALLOW_CONNECTIONS false`, 55000), lock/statement timeout, conflicts."""


@dataclass(frozen=True)
class Backend:
    """One BOT_STATE_URL, parsed: how to connect to it and how its dialect differs."""

    kind: Kind
    url: sa.URL
    shown: str  # the file path, or the URL without its password: safe to print
    memory: bool = False

    @property
    def what(self) -> str:
        """The store as messages name it."""
        return f"state file {self.shown}" if self.kind == "sqlite" else f"database {self.shown}"

    def insert(self, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
        """An INSERT that offers `on_conflict_do_nothing` / `on_conflict_do_update`."""
        if self.kind == "sqlite":
            return sqlite.insert(table)
        from sqlalchemy.dialects import postgresql  # loaded only for PostgreSQL (45 ms at start)

        return postgresql.insert(table)

    async def serialize(self, conn: AsyncConnection, key: str) -> None:
        """Make transactions on `key` take turns until this one ends (read-then-write made safe).

        SQLite: nothing to do, BEGIN IMMEDIATE holds the whole file. PostgreSQL: an advisory lock
        released at commit, so two replicas can't both count "4 writes" and both write a 5th.
        """
        if self.kind == "postgresql":
            key_hash = sa.func.hashtext(key, type_=sa.Integer)
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_SPACE, key_hash)))

    def engine(self, *, migrating: bool = False) -> AsyncEngine:
        """A new engine; `migrating` waits longer and keeps no pool (start-up only)."""
        if self.kind == "sqlite":
            if migrating:
                return _sqlite_engine(self, MIGRATION_WAIT_SECONDS, MIGRATION_WAIT_SECONDS)
            return _sqlite_engine(self, WAIT_SECONDS, SQLITE_QUEUE_SECONDS)
        return _postgres_engine(self, migrating=migrating)

    def translate(self, error: BaseException) -> StateStoreError:
        """The StateStoreError to raise for a driver error (Unavailable when worth a retry)."""
        if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
            return StateStoreUnavailable(f"the {self.what} is busy; nothing was done, try again")
        if self.kind == "sqlite":
            text = str(getattr(error, "orig", None) or error)
            if _busy(error):
                return StateStoreUnavailable(
                    f"the {self.what} stayed locked by another process for more than "
                    f"{WAIT_SECONDS:g}s; nothing was done, try again"
                )
            return StateStoreError(f"{self.what}: {text}")
        if _unreachable(error):
            return StateStoreUnavailable(
                f"the {self.what} cannot be reached ({_reason(error)}); nothing was done, try again"
            )
        return StateStoreError(f"{self.what}: {_reason(error)}")


def parse_state_url(url: str) -> Backend:
    """The backend a BOT_STATE_URL names; ValueError (never echoing the URL) if it names none."""
    checked = check_state_url(url)
    if checked.kind == "sqlite":
        engine_url = sa.make_url(f"sqlite+aiosqlite:///{checked.rest}")
        return Backend("sqlite", engine_url, checked.shown, checked.memory)
    try:
        parsed = sa.make_url("postgresql://" + checked.rest)
    except (exc.ArgumentError, ValueError):
        parsed = None
    if parsed is None or not parsed.host or not parsed.database:
        raise ValueError(
            f"state store URL must look like {POSTGRES_FORM} (with a host and a database)"
        )
    if "sslmode" in parsed.query:  # libpq's name for what asyncpg calls ssl
        ssl = parsed.query["sslmode"]
        parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": ssl})
    return Backend("postgresql", parsed.set(drivername="postgresql+asyncpg"), checked.shown)


def _sqlite_engine(backend: Backend, wait: float, queue: float) -> AsyncEngine:
    # One connection per process, handed out in turn by the pool: in-process callers queue
    # without polling (for up to `queue` seconds), and other processes wait (below, for up to
    # `wait` seconds) for the file's write lock.
    engine = create_async_engine(
        backend.url,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=queue,
        connect_args={"timeout": _SQLITE_BUSY_SECONDS},
    )
    locked = _LockedStreak()

    def when_free(run: Callable[[], object]) -> None:
        """Run `run`, trying again while another process holds the file's lock (up to `wait`
        seconds of it). The waiting happens here, on the event loop, rather than in SQLite's
        busy handler inside the driver's thread: a caller that gives up (a timeout, a
        cancelled request) is free at once, and the one connection with it."""
        pause = 0.002
        while True:
            try:
                run()
            except (exc.OperationalError, sqlite3.OperationalError) as error:
                if not _busy(error) or locked.for_seconds() >= wait:
                    raise
            else:
                locked.since = None
                return
            await_only(asyncio.sleep(pause))
            pause = min(pause * 2, 0.05)

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is off: BEGIN is ours (below), so reads are
        # consistent and writes take the lock before they read.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(_SQLITE_BUSY_SECONDS * 1000)}")
        if not backend.memory:
            # WAL: readers never block the writer, and other processes see each commit at once.
            # Turning a new file to WAL takes its lock, which processes starting together
            # (another one's migration, its own switch to WAL) may hold a while.
            when_free(lambda: cursor.execute("PRAGMA journal_mode = WAL"))
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if not conn.get_execution_options().get(WRITE, False):
            conn.exec_driver_sql("BEGIN")
            return
        when_free(lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"))

    return engine


class _LockedStreak:
    """How long another process has held the file's write lock, as this process saw it.

    The callers queued behind one that gave up after `wait` seconds do not each wait `wait`
    seconds more: the streak they find is the same one, so a file locked for good makes every
    caller give up about `wait` seconds after the first one started waiting.
    """

    _GAP = 0.25  # no "busy" seen for this long: the lock was free meanwhile, a new streak

    def __init__(self) -> None:
        self.since: float | None = None
        self._seen = 0.0

    def for_seconds(self) -> float:
        """Note the lock is held now; how long it has been, as far as this process knows."""
        now = time.monotonic()
        if self.since is None or now - self._seen > self._GAP:
            self.since = now
        self._seen = now
        return now - self.since


def _postgres_engine(backend: Backend, *, migrating: bool) -> AsyncEngine:
    settings = {"application_name": "vpsbot"}
    if not migrating:
        # An advisory lock waited for longer than this is a stuck replica, not a queue.
        settings["lock_timeout"] = f"{int(WAIT_SECONDS * 1000)}ms"
    connect_args: dict[str, Any] = {
        "timeout": WAIT_SECONDS if not migrating else STARTUP_CONNECT_SECONDS,
        # A migration may wait for another replica's (the lock) and rebuild an index.
        "command_timeout": COMMAND_SECONDS if not migrating else MIGRATION_WAIT_SECONDS * 5,
        "server_settings": settings,
    }
    if migrating:
        return create_async_engine(backend.url, poolclass=NullPool, connect_args=connect_args)
    # pool_pre_ping: a connection the server dropped (restart, failover) is replaced before use,
    # so the store recovers by itself when the database comes back.
    return create_async_engine(
        backend.url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=WAIT_SECONDS,
        connect_args=connect_args,
    )


def _busy(error: BaseException) -> bool:
    text = str(getattr(error, "orig", None) or error)
    return "locked" in text or "busy" in text


def _unreachable(error: BaseException) -> bool:
    if isinstance(error, OSError | TimeoutError | exc.InterfaceError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        state = getattr(error.orig, "sqlstate", None) or ""
        return isinstance(error.orig, OSError | TimeoutError) or state.startswith(
            _UNAVAILABLE_SQLSTATES
        )
    return False


def _reason(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {text}" if text else type(orig).__name__
