"""Several servers at once, as typed: selectors, a plan's options, and what stays one server's."""

from __future__ import annotations

import pytest

from bot.catalog import load_catalog
from bot.commands.parser import parse
from bot.commands.selector import Selector
from bot.commands.values import ParseError, PlanWrite, Write
from bot.operations import operations
from bot.plans import PlanOptions
from bot.slack.command_wording import parse_error

CATALOG = load_catalog()


def plan(text: str) -> PlanWrite:
    command = parse(text, CATALOG)
    assert isinstance(command, PlanWrite), command
    return command


def refused(text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse(text, CATALOG)
    return parse_error(caught.value)


def test_one_plain_reference_keeps_the_one_server_path() -> None:
    assert parse("reboot web-01", CATALOG) == Write("reboot", "web-01")
    assert parse("set #12345 backups:on", CATALOG) == Write(
        "set", "#12345", {"backups_enabled": True}
    )


def test_a_glob_several_references_or_filters_make_a_plan() -> None:
    assert plan("reboot web-*").selector == Selector(("web-*",))
    assert plan("stop web-01 web-02 #12347").selector.references == ("web-01", "web-02", "#12347")
    filtered = plan("start location:us-west status:stopped").selector
    assert (filtered.words, filtered.location, filtered.status) == ((), "us-west", "stopped")
    both = plan("reboot worker-* location:us-east")
    assert both.selector.globs == ("worker-*",)
    assert both.selector.location == "us-east"
    assert plan("set web-* backups:on").values == {"backups_enabled": True}


def test_plan_options_and_their_defaults() -> None:
    assert plan("reboot web-*").options == PlanOptions()
    options = plan("reboot web-* batch:25% max-fail:2 pause:30s wait:1h30m").options
    assert options == PlanOptions(batch=25, batch_percent=True, max_fail=2, pause=30.0, wait=5400.0)
    assert plan("reboot web-01 batch:2").options.batch == 2  # options alone make a plan


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("reboot web-* batch:0", "Invalid `batch`"),
        ("reboot web-* batch:150%", "Invalid `batch`"),
        ("reboot web-* max-fail:x", "Invalid `max-fail`"),
        ("reboot web-* pause:soon", "Invalid `pause`"),
        ("reboot web-* wait:0", "Invalid `wait`"),
        ("reboot web-* status:sleeping", "Invalid `status`"),
    ],
)
def test_bad_plan_options_are_named(text: str, said: str) -> None:
    assert said in refused(text)


def test_delete_and_name_changes_stay_one_server() -> None:
    assert "one server at a time" in refused("delete web-*")
    assert "one server at a time" in refused("rename web-* web-02")
    assert "one server at a time" in refused("set web-* name:web-02")
    assert "has no option" in refused("delete location:us-west")
    assert "Too many words" in refused("delete web-01 web-02")


def test_which_operations_take_several_servers_comes_from_the_declarations() -> None:
    several = {op.name for op in operations() if op.several}
    assert several == {"start", "stop", "reboot", "set"}
    for name in several:
        assert isinstance(
            parse(f"{name} a-* b-* backups:on" if name == "set" else f"{name} a-*", CATALOG),
            PlanWrite,
        )


def test_nothing_named_still_asks_for_a_server() -> None:
    assert "needs a server" in refused("reboot")
    assert "needs a server" in refused("reboot batch:2")
