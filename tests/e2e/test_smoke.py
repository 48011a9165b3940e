"""First contact: the bot answers /vps list through the emulator."""

from __future__ import annotations

from tests.e2e.harness import ALICE, Harness, dump


async def test_list_answers_with_a_page_of_servers(harness: Harness) -> None:
    message = await harness.answer("/vps list")
    assert message.ephemeral_to == ALICE
    assert "web-server-01" in dump(message)
