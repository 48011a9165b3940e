"""A replica restarted with the same identity takes back what its earlier run held, at once;
a live process with the same identity keeps what it holds."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.state import StateStore, Watch, new_replica_id
from bot.state.records import earlier_self
from tests.state.conftest import T0, FakeClock


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _watch(watch_id: str, owner: str) -> Watch:
    return Watch(
        id=watch_id, server_id=hash(watch_id) % 1000, server_name=watch_id, action="reboot",
        requested_by="U1", channel_id="C1", started_at=T0, deadline=T0 + 900,
        owner=owner, lease_until=T0 + 30,
    )  # fmt: skip


def test_an_earlier_run_is_one_with_the_same_identity_and_no_live_process() -> None:
    me = new_replica_id("replica-a")
    dead, alive = _dead_pid(), os.getppid()
    assert earlier_self(f"replica-a:{dead}:1234abcd", me)
    assert earlier_self(f"replica-a:{os.getpid()}:1234abcd", me)  # a container's pid 1 again
    assert not earlier_self(f"replica-a:{alive}:1234abcd", me)  # alive: never taken from
    assert not earlier_self(f"replica-b:{dead}:1234abcd", me)  # another replica's
    assert not earlier_self(me, me)
    assert not earlier_self(new_replica_id("replica-a"), me)  # another bot in this process
    assert not earlier_self("garbage", me)
    assert new_replica_id().startswith(f"{os.uname().nodename}:")  # the host name by default


async def test_a_restart_takes_back_its_watches_and_leases_at_once(
    store: StateStore, clock: FakeClock
) -> None:
    dead, alive = _dead_pid(), os.getppid()
    crashed, twin = f"replica-a:{dead}:1111aaaa", f"replica-a:{alive}:2222bbbb"
    other = f"replica-b:{dead}:3333cccc"
    for watch_id, owner in (("mine", crashed), ("twin", twin), ("other", other)):
        await store.add_watch(_watch(watch_id, owner))
    assert await store.acquire_lease("fleet-monitor", crashed, ttl=30, now=T0)
    me = new_replica_id("replica-a")

    assert await store.take_back(me) == 2  # its watch and the monitor's lease
    clock.now = T0 + 1  # long before any lease runs out
    resumed = await store.claim_watches(me, lease=30, own=True)
    assert [w.id for w in resumed] == ["mine"]
    assert await store.acquire_lease("fleet-monitor", me, ttl=30)
    assert await store.claim_watches("replica-c:1:x", lease=30) == []  # nothing free for others
    assert await store.take_back(me) == 0
