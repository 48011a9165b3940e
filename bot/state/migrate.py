"""Bringing a database's schema up to date at start: Alembic migrations, one replica at a time.

The migrations ship inside the package (`migrations/versions/`), and run from here with no
alembic.ini. Replicas starting together take turns: on PostgreSQL under an advisory lock held on
a dedicated connection, on SQLite inside one BEGIN IMMEDIATE transaction (the file's write lock).
State files made before Alembic carry their version in `PRAGMA user_version` (1 or 2) and no
version table: they are stamped with the matching revision, then upgraded. SQLite files keep
`user_version` equal to the schema version, so older vpsbots refuse newer files too. A database
from a newer vpsbot is refused untouched.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.state.backend import DRIVER_ERRORS, LOCK_SPACE, WRITE, Backend
from bot.state.errors import StateStoreError, StateStoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "vpsbot_schema_version"  # not alembic_version: the database may be shared
SCHEMA_VERSION = 6
"""The latest revision, as a number ("0003" → 3); revision ids are zero-padded numbers."""
HEAD = f"{SCHEMA_VERSION:04d}"
_LEGACY = {1: "0001", 2: "0002"}
"""`PRAGMA user_version` of files made before Alembic → the revision their schema matches."""
_LOCK = (LOCK_SPACE, 0)  # the migration lock
_ALEMBIC = threading.Lock()


async def migrate(backend: Backend, engine: AsyncEngine | None = None) -> None:
    """Upgrade the database to HEAD (creating it when empty); StateStoreError if it can't.

    `engine` is the store's own one for a memory database; others get a start-up engine that
    waits longer for a lock than a request may.
    """
    if backend.kind == "sqlite" and not backend.memory:
        await asyncio.to_thread(_check_directory, backend)
    own = engine is None
    engine = engine or backend.engine(migrating=True)
    try:
        if backend.kind == "sqlite":
            await _migrate_sqlite(backend, engine)
        else:
            await _migrate_postgres(backend, engine)
    except DRIVER_ERRORS as error:
        translated = backend.translate(error)
        reason = str(translated).removeprefix(f"{backend.what}: ")
        if isinstance(translated, StateStoreUnavailable):  # "cannot be reached (why)"
            reason = reason.removeprefix(f"the {backend.what} ").partition("; nothing was done")[0]
        raise type(translated)(f"cannot open {backend.what}: {reason}") from error
    finally:
        if own:
            await engine.dispose()


async def _migrate_sqlite(backend: Backend, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        if not backend.memory:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            if str(mode).lower() != "wal":
                raise StateStoreError(
                    f"cannot open {backend.what}: its file system does not support WAL mode"
                )
        if await conn.run_sync(_current, backend) == HEAD:
            return
    # Again under the file's write lock: another process may have migrated meanwhile.
    async with _alembic_turn(), engine.execution_options(**{WRITE: True}).begin() as conn:
        await conn.run_sync(_upgrade, backend)


async def _migrate_postgres(backend: Backend, engine: AsyncEngine) -> None:
    async with engine.connect() as lock_conn:
        await lock_conn.execution_options(isolation_level="AUTOCOMMIT")
        if await lock_conn.run_sync(_current, backend) == HEAD:
            return
        async with _alembic_turn():
            # A session lock on its own connection: held until the migration has committed.
            await lock_conn.execute(sa.select(sa.func.pg_advisory_lock(*_LOCK)))
            try:
                async with engine.begin() as conn:  # transactional DDL: all or nothing
                    await conn.run_sync(_upgrade, backend)
            finally:
                await lock_conn.execute(sa.select(sa.func.pg_advisory_unlock(*_LOCK)))


@asynccontextmanager
async def _alembic_turn() -> AsyncIterator[None]:
    """Alembic's `context` and `op` are process-wide: one migration at a time per process
    (across event loops and threads), taken before any database lock so none can deadlock."""
    # Polling: an asyncio.Event can't span loops and threads; this never blocks a loop, and a
    # cancelled waiter leaves no lock behind.
    while not _ALEMBIC.acquire(blocking=False):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        _ALEMBIC.release()


def _current(conn: sa.Connection, backend: Backend) -> str | None:
    """The revision the database is at (refusing one from a newer vpsbot).

    Read with a plain query, as Alembic writes it: a start with nothing to migrate (every start
    but the first of a version) does not load Alembic at all.
    """
    revision = None
    if sa.inspect(conn).has_table(VERSION_TABLE):
        table = sa.table(VERSION_TABLE, sa.column("version_num"))
        revision = conn.execute(sa.select(table.c.version_num)).scalar()
    legacy = _user_version(conn, backend)
    _refuse_newer(backend, revision, legacy)
    if revision is None and legacy:
        return _LEGACY.get(legacy)
    return revision


def _upgrade(conn: sa.Connection, backend: Backend) -> None:
    # Alembic is loaded only when there is something to migrate (some 90 ms at start).
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(conn)
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    revision = context.get_current_revision()
    legacy = _user_version(conn, backend)
    _refuse_newer(backend, revision, legacy)
    if revision is None and legacy in _LEGACY:
        command.stamp(config, _LEGACY[legacy])  # made by vpsbot before it used Alembic
    command.upgrade(config, "head")
    if backend.kind == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def alembic_config(conn: sa.Connection) -> Config:
    """Alembic's configuration for migrating through `conn` (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes.update(connection=conn, version_table=VERSION_TABLE)
    return config


def _user_version(conn: sa.Connection, backend: Backend) -> int:
    if backend.kind != "sqlite":
        return 0
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def _refuse_newer(backend: Backend, revision: str | None, legacy: int) -> None:
    if legacy > SCHEMA_VERSION:
        newer = str(legacy)
    elif revision is not None and revision not in _known_revisions():
        newer = str(int(revision)) if revision.isdigit() else repr(revision)
    else:
        return
    other = "file" if backend.kind == "sqlite" else "database"
    raise StateStoreError(
        f"cannot open {backend.what}: it has schema version {newer}, but this vpsbot knows only "
        f"up to version {SCHEMA_VERSION}; upgrade vpsbot or point BOT_STATE_URL at another {other}"
    )


def _known_revisions() -> set[str]:
    """The revisions this vpsbot ships: each file in versions/ is named after its id."""
    return {path.name.partition("_")[0] for path in (MIGRATIONS / "versions").glob("[0-9]*.py")}


def _check_directory(backend: Backend) -> None:
    parent = Path(backend.shown).parent
    if not parent.is_dir():
        raise StateStoreError(f"cannot open {backend.what}: directory {parent} does not exist")
