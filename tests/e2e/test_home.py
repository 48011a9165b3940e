"""The App Home tab, end to end: opened through the emulator's app_home_opened event, published
with views.publish, clicked like any message."""

from __future__ import annotations

import json

from slackemu import View
from tests.e2e.harness import ADMIN, ALICE, BOB, CAROL, Harness, eventually
from tests.e2e.test_guardrails import APPROVALS, use_policy

HIDDEN = f"""
rules:
  "*":
    - users: [{ADMIN}]
  list:
    - users: [{ADMIN}]
    - users: [{CAROL}]
      servers: ["web-*"]
  show:
    - users: [{ADMIN}]
  audit:
    - users: [{ADMIN}]
    - users: [{CAROL}]
      servers: ["web-*"]
  reboot:
    - users: [{ALICE}]
"""


def text_of(view: View) -> str:
    return json.dumps(view.blocks, ensure_ascii=False)


async def home_of(harness: Harness, user: str, *, where: str = "") -> View:
    """Open `user`'s Home tab and wait until it is published (showing `where`, if given)."""
    assert (await harness.emu.open_home(user)).ok
    return await harness.emu.wait_for(
        lambda: (home := harness.emu.home(user)) is not None and where in text_of(home) and home,
        what=f"the Home tab of {user}",
    )


async def test_an_approver_approves_from_the_home_tab_and_it_runs_once(harness: Harness) -> None:
    await use_policy(harness, APPROVALS)
    assert harness.bot is not None
    harness.bot.services.home.every = 0.2  # refreshes as soon as they may
    await harness.answer("/vps reboot db-server-01")  # needs Carol's approval
    home = await home_of(harness, CAROL, where="Approvals you may decide")
    assert "db-server-01" in text_of(home)
    assert [b.text for b in home.buttons()] == ["Approve", "Reject"]
    alice = await home_of(harness, ALICE, where="waiting for approval")
    assert "db-server-01" in text_of(alice)
    assert not alice.buttons()  # her own: no buttons

    assert (await harness.emu.click(home, text="Approve", user=CAROL)).ok
    await harness.emu.wait_for(lambda: harness.api_calls("POST", "/reboot/"), what="the reboot")
    # The tab is refreshed without the request; a second click (a stale tab) does nothing more.
    stale = View(home.id, home.user, None, home.history[-1] if home.history else home.payload)
    await harness.emu.wait_for(
        lambda: "Nothing waits for your decision" in text_of(home), what="the refreshed tab"
    )
    harness.emu.world.homes[CAROL] = stale
    assert (await harness.emu.click(stale, text="Approve", user=CAROL)).ok

    async def told_once() -> bool:
        dm = harness.emu.messages(f"D{CAROL[1:]}")
        return any("Already approved" in m.all_text() for m in dm)

    await eventually(told_once, "the second click to be told it was decided")
    assert len(harness.api_calls("POST", "/reboot/")) == 1


async def test_a_viewer_whose_read_rules_hide_servers_sees_none(harness: Harness) -> None:
    await use_policy(harness, HIDDEN)
    await harness.answer("/vps reboot web-server-01")  # something in the audit log
    await harness.answer("/vps reboot db-server-01")
    bob = text_of(await home_of(harness, BOB, where="Running plans"))
    for hidden in ("server-0", "fleet at a glance", "Latest changes", "12345"):
        assert hidden not in bob
    carol = text_of(await home_of(harness, CAROL, where="Latest changes"))
    assert "web-server-01" in carol
    assert "db-server" not in carol  # list and audit let her see web-* only
    admin = text_of(await home_of(harness, ADMIN, where="Latest changes"))
    assert "db-server-01" in admin
