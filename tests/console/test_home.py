"""`:home`: the bot's Home tab in the console, with its buttons clickable."""

from __future__ import annotations

from tests.console.conftest import Console


async def test_home_shows_the_tab_and_a_missing_button_is_a_mistake(console: Console) -> None:
    out = await console(":home", ":home 99", expect=1)
    assert "Home tab" in out
    assert "Approvals you may decide" in out
    assert "The fleet at a glance" in out  # the demo policy lets its user list
    assert "No button [99] on your Home tab" in out


async def test_home_shows_a_change_in_the_latest_changes(console: Console) -> None:
    out = await console("/vps reboot web-server-01", ":home")
    assert "Latest changes" in out
    assert out.rindex("web-server-01") > out.index("Home tab")
