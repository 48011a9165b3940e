"""The Home tab's builder: its order, its buttons, Slack's limits and outside text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.slack import ids
from bot.slack.blocks.approvals import ApprovalView
from bot.slack.blocks.home import FleetGlance, HomeData, PlanLine, build_home
from bot.slack.blocks.schedules import ScheduleView
from bot.state import AuditEntry, AuditOutcome
from slackemu import validate_view

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def approval(n: int, name: str = "db-01") -> ApprovalView:
    return ApprovalView(
        approval_id=f"a{n}",
        requester_id="U0ALICE01",
        channel_id="C0OPS0001",
        word="reboot",
        server_name=name,
        server_id=n,
    )


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        time=1_800_000_000 + n,
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
        action="reboot",
        server_id=n,
        server_name=f"web-{n}",
        outcome=AuditOutcome.EXECUTED,
    )


def schedule(n: int) -> ScheduleView:
    return ScheduleView(
        schedule_id=f"s{n}",
        operation="reboot",
        command=f"reboot web-{n} every mon-fri 03:30",
        recurs="every mon-fri 03:30 Europe/Rome",
        user_id="U0CAROL01",
        servers=[(n, f"web-{n}")],
        next_run=1_800_000_000 + n,
    )


def full(many: int) -> HomeData:
    return HomeData(
        user_id="U0CAROL01",
        decidable=[approval(n) for n in range(many)],
        own=[approval(n) for n in range(many)],
        plans=[PlanLine(f"p{n}", "U0ALICE01", "reboot", "running", 1, 3) for n in range(many)],
        schedules=[schedule(n) for n in range(many)],
        fleet=FleetGlance(
            many,
            [("active", many - 1), ("stopped", 1)],
            [(f"loc-{n}", 1) for n in range(many)],
            [(f"web-{n}", n, "stopped") for n in range(many)],
        ),
        changes=[entry(n) for n in range(many)],
    )


def test_sections_come_in_the_contracts_order() -> None:
    text = str(build_home(full(2), NOW).to_dict())
    order = [
        "Approvals you may",
        "Your pending requests",
        "Running plans",
        "Your schedules",
        "fleet",
        "Latest",
    ]
    places = [text.index(heading) for heading in order]
    assert places == sorted(places)


def test_approvals_carry_the_same_buttons_as_the_ops_channel() -> None:
    view = build_home(full(1), NOW).to_dict()
    actions = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in actions][:2] == [
        (ids.APPROVE, "a0"),
        (ids.REJECT, "a0"),
    ]


def test_running_plans_carry_the_same_buttons_as_their_progress_message() -> None:
    plans = [
        PlanLine("p1", "U0ALICE01", "reboot", "running", 1, 3),
        PlanLine("p2", "U0ALICE01", "stop", "paused", 0, 2),
    ]
    view = build_home(HomeData(user_id="U0CAROL01", plans=plans), NOW).to_dict()
    actions = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in actions] == [
        (ids.PLAN_PAUSE, "p1"),
        (ids.PLAN_ABORT, "p1"),
        (ids.PLAN_RESUME, "p2"),
        (ids.PLAN_ABORT, "p2"),
    ]
    assert "paused, 0 of 2 done" in str(view)


def test_each_schedule_has_its_cancel_and_its_next_run_in_bot_timezone() -> None:
    data = HomeData(user_id="U0CAROL01", schedules=[schedule(1)], zone="Europe/Rome")
    view = build_home(data, NOW).to_dict()
    cancels = [
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert [(c["action_id"], c["value"]) for c in cancels] == [(ids.SCHEDULE_CANCEL, "s1")]
    assert "Europe/Rome" in str(view)
    assert "UTC" in str(view)
    empty = build_home(HomeData(user_id="U0CAROL01"), NOW).to_dict()
    assert "You have no schedules." in str(empty)


def test_a_crowded_tab_fits_slacks_limits_and_says_how_many_more() -> None:
    view = build_home(full(500), NOW).to_dict()
    assert validate_view(view, surface="home") == []
    assert len(view["blocks"]) <= 100
    assert "more" in str(view)
    assert "Latest changes" in str(view)  # every section still fits


def test_an_empty_tab_says_so_and_hides_what_the_viewer_may_not_read() -> None:
    view = build_home(HomeData(user_id="U0BOB0001"), NOW).to_dict()
    text = str(view)
    assert "Nothing waits for your decision" in text
    assert "fleet" not in text
    assert "Latest changes" not in text
    assert validate_view(view, surface="home") == []


def test_outside_text_never_pings() -> None:
    data = HomeData(user_id="U0CAROL01", decidable=[approval(1, "<!channel> *x*")])
    assert "<!channel>" not in str(build_home(data, NOW).to_dict())
