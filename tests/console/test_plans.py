"""Plans in the console: the preview, the typed count, the progress message redrawn as it is
edited, Pause and Resume clicked on it, and a script that waits for a plan to end."""

from __future__ import annotations

from pathlib import Path

from tests.console.conftest import Console

SUMMARY = "Reboot of 5 servers, asked by @you in #general — finished"


def after(out: str, first: str, then: str) -> bool:
    """Whether `then` is printed after `first` (both printed)."""
    return first in out and out.find(then, out.index(first)) != -1


async def test_a_script_waits_for_its_plan_and_sees_the_summary(console: Console) -> None:
    out = await console(
        "/vps reboot worker-0* batch:2", ":click Reboot 5 servers", ":wait", "/vps plans"
    )
    assert "Batch 3: worker-06" in out
    assert "— batch 1 of 3" in out  # the message as it was posted
    # Edited in place to its summary, where it was asked and in the ops channel, before the
    # next line ran.
    assert "vpsbot · #general (updated)" in out
    assert out.count(SUMMARY) == 2
    assert "5 done · 0 failed · 0 skipped · 0 not started" in out
    assert after(out, SUMMARY, "reboot — finished — @you — 5 done")


async def test_a_script_that_ends_waits_for_the_plan_too(console: Console) -> None:
    out = await console("/vps reboot worker-0* batch:1", ":click Reboot 5 servers")
    assert out.count(SUMMARY) == 2


async def test_pause_and_resume_on_the_progress_message(console: Console) -> None:
    out = await console(
        "/vps reboot worker-0* batch:1",
        ":click Reboot 5 servers",
        ":click Pause",
        ":wait",  # the server under way finishes; the plan stays paused: not waited for
        "/vps plans",
        ":click Resume",
        ":wait",
        "/vps plans",
    )
    assert "Paused: no new server starts" in out
    assert "⏸️ Reboot of 5 servers, asked by @you in #general — paused" in out
    assert after(out, "— paused", "[1] Resume  [2] Abort (danger)")
    assert after(out, "Paused: no new server starts", "reboot — paused — @you")
    assert after(out, "Resumed: the next batch starts", SUMMARY)
    assert after(out, SUMMARY, "reboot — finished — @you — 5 done")


CONFIRM_REBOOT = 'rules:\n  "*": [{users: [U0YOU0001]}]\nconfirm: [reboot]\n'


async def test_a_large_plan_asks_for_the_typed_count(console: Console, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(CONFIRM_REBOOT)
    out = await console("/vps reboot * batch:9", ":click Reboot", "17", servers=20)
    assert "Next you type the number of servers, to be sure." in out
    assert "Type the number of servers to confirm" in out
    assert "Reboot of 17 servers, asked by @you in #general — finished" in out
    wrong = await console("/vps reboot * batch:9", ":click Reboot", "12", servers=20, expect=1)
    assert "Type 17, the number of servers, to confirm." in wrong
    assert "asked by @you" not in wrong  # nothing started
