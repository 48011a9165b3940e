"""Several processes claiming one confirmation in the same file: exactly one wins."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.state import ClaimOutcome, open_store

ROOT = Path(__file__).resolve().parents[2]

# Opens the store, says "ready", waits for "go" on stdin, claims, prints the outcome.
CLAIMER = """
import asyncio, sys
from bot.state import open_store

async def main() -> None:
    url, confirmation_id, user_id = sys.argv[1:4]
    store = await open_store(url)
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        result = await store.claim_confirmation(confirmation_id, user_id)
        print(result.outcome.value, flush=True)
    finally:
        await store.close()

asyncio.run(main())
"""

PROCESSES = 4


async def test_claims_from_several_processes_make_one_winner(url: str, tmp_path: Path) -> None:
    async with await open_store(url) as store:
        created = await store.create_confirmation(
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            channel_name="ops",
            action="delete",
            server_id=12345,
            server_name="web-server-01",
            ttl_seconds=60,
        )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CLAIMER,
            url,
            created.id,
            "U0ALICE01",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=tmp_path,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    try:
        # Every process has the file open before any of them claims: the claims truly race.
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
            assert line == b"ready\n", (await proc.communicate())[1].decode()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
        outputs = await asyncio.wait_for(
            asyncio.gather(*(proc.communicate() for proc in procs)), timeout=60
        )
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    assert [proc.returncode for proc in procs] == [0] * PROCESSES, [e for _, e in outputs]
    outcomes = [out.decode().strip() for out, _ in outputs]
    assert sorted(outcomes) == sorted(
        [ClaimOutcome.CLAIMED.value] + [ClaimOutcome.ALREADY_USED.value] * (PROCESSES - 1)
    )
    async with await open_store(url) as store:
        final = await store.get_confirmation(created.id)
    assert final is not None
    assert final.state == "claimed"
