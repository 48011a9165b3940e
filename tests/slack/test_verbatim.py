"""Every mrkdwn object the bot sends is verbatim, and every notification text is unlinked:
Slack auto-links nothing the bot shows, so values need no invisible characters to stay inert."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

import bot
import bot.slack.blocks
from bot.catalog import Catalog, Location, load_catalog
from bot.plans import PlanOptions
from bot.plans.left_out import LeftOut, Named
from bot.schedules.when import WhenError
from bot.slack import ids
from bot.slack.blocks import ListFilters, Message
from bot.slack.blocks.approvals import (
    ApprovalView,
    build_already_waiting,
    build_approval_outcome,
    build_approval_request,
    build_approvals,
    build_approved_result,
    build_reject_modal,
    build_sent_for_approval,
    build_too_many_waiting,
)
from bot.slack.blocks.card import build_server_card
from bot.slack.blocks.confirm import build_confirm_prompt, build_delete_modal, build_prompt_outcome
from bot.slack.blocks.create import build_create_modal
from bot.slack.blocks.guardrails import build_frozen, build_limited
from bot.slack.blocks.home import FleetGlance, HomeData, PlanLine, build_home
from bot.slack.blocks.lifecycle import build_api_down, build_fleet_change, build_lifecycle
from bot.slack.blocks.messages import (
    build_denial,
    build_error,
    build_help,
    build_result,
    build_whoami,
)
from bot.slack.blocks.notes import (
    AuditSummary,
    build_audit,
    build_name_taken,
    build_note,
    build_pointless,
)
from bot.slack.blocks.plain import (
    build_candidates,
    build_not_understood,
    build_not_yours,
    build_read_as,
    build_refused,
    build_taken,
    build_to_do,
)
from bot.slack.blocks.plan_preview import (
    PlanRow,
    PlanView,
    build_count_modal,
    build_no_match,
    build_plan_limited,
    build_plan_preview,
    build_plans,
)
from bot.slack.blocks.plan_progress import (
    PlanShown,
    build_plan_note,
    build_plan_progress,
    build_plan_summary,
)
from bot.slack.blocks.schedules import (
    ScheduleView,
    build_schedule_list,
    build_schedule_notice,
    build_schedule_preview,
    build_schedule_report,
    build_schedule_typed_modal,
    build_scheduled,
    build_when_error,
)
from bot.slack.blocks.servers import build_server_list
from bot.slack.blocks.settle import build_answer_lost, build_settled
from bot.state import AuditEntry, AuditOutcome
from bot.vps.models import OperatingSystem, Plan, Server

# Outside text full of what Slack links or pings where it auto-parses.
NOW = datetime(2027, 1, 15, 8, tzinfo=UTC)


def approval_view() -> ApprovalView:
    return ApprovalView(
        approval_id="ap-1",
        requester_id="U0ALICE01",
        channel_id="C0OPS0001",
        word=TEXT,
        server_name=TEXT,
        server_id=7,
        changes=[("Name", TEXT)],
        approvers="by members of <!subteam^S0ONCALL1>",
        expires_at=NOW,
    )


TEXT = "evil.com @here #general https://evil.example/x web-01.example.com 203.0.113.10 *b*"
PINGS = ("@here", "@channel", "@everyone")
LINKABLE = re.compile(r"[\w-]\.[\w-]|://|\w:\w|#(?!\d+\b)\w")
CODE_SPAN = re.compile(r"`[^`]*`")


def schedule_view(*, several: bool = False) -> ScheduleView:
    return ScheduleView(
        schedule_id="s1",
        operation="reboot",
        command=TEXT,
        recurs=TEXT,
        user_id="U0ALICE01",
        servers=[(7, TEXT), (8, TEXT)] if several else [(7, TEXT)],
        next_run=NOW.timestamp() + 3600,
        several=several,
        last_result=TEXT,
        state="approval",
    )


def server(name: str = TEXT) -> Server:
    return Server(
        id=12345,
        name=name,
        hostname=TEXT,
        status="stopping",
        ip_address=TEXT,
        ipv6_address=TEXT,
        location=TEXT,
        plan=Plan(id=1, name=TEXT, vcpus=2, memory=4096, storage=80, bandwidth=2048),
        os=OperatingSystem(id=5, name=TEXT),
        message=TEXT,
    )


def entry(outcome: AuditOutcome) -> AuditEntry:
    return AuditEntry(
        time=1.8e9,
        user_id="U0ALICE01",
        channel_id="C0OPS0001",
        action="stop",
        server_id=12345,
        server_name=TEXT,
        outcome=outcome,
        detail=TEXT,
    )


Built = Message | View


def _lifecycles() -> list[Built]:
    return [
        build_lifecycle(
            action=action,
            server_name=TEXT,
            server_id=12345,
            status=status,
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            seconds=161,
            ip_address="203.0.113.10",
            outcome=outcome,
        )
        for action, status, outcome in (
            ("reboot", "rebooting", "progress"),
            ("start", "active", "steady"),
            ("stop", "stopping", "stuck"),
            ("create", TEXT, "gone"),
        )
    ]


def plan_shown(state: str) -> PlanShown:
    return PlanShown(
        plan_id="p1", operation="reboot", user_id="U0ALICE01", channel_id="C0OPS0001",
        state=state, reason=TEXT, done=1, running=1, failed=1, skipped=1, waiting=1, batch=2,
        batches=3, last_failure=(TEXT, 7, TEXT), failed_servers=((TEXT, 7),),
    )  # fmt: skip


SAMPLES: dict[str, Callable[[], list[Built]]] = {
    "build_read_as": lambda: [build_read_as("/vps show " + TEXT)],
    "build_to_do": lambda: [build_to_do("/vps reboot " + TEXT, "{}")],
    "build_candidates": lambda: [build_candidates([("/vps reboot " + TEXT, "{}")] * 3)],
    "build_not_understood": lambda: [build_not_understood("/vps", why=w) for w in ("", "negated")],
    "build_refused": lambda: [build_refused("/vps")],
    "build_taken": lambda: [build_taken("/vps reboot " + TEXT, "going ahead.")],
    "build_not_yours": lambda: [build_not_yours("/vps reboot " + TEXT)],
    "build_plan_progress": lambda: [
        build_plan_progress(plan_shown("running")),
        build_plan_progress(plan_shown("paused")),
    ],
    "build_plan_summary": lambda: [
        build_plan_summary(plan_shown("finished")),
        build_plan_summary(plan_shown("aborted")),
    ],
    "build_plan_note": lambda: [build_plan_note("Paused: no new server starts.")],
    "build_server_card": lambda: [
        build_server_card(server(), actions=["start", "stop", "reboot", "delete"]),
        build_server_card(server(), actions=[]),
    ],
    "build_server_list": lambda: [
        build_server_list(
            [server()] * 3,
            page=2,
            page_size=3,
            total=9,
            filters=ListFilters(status=TEXT, location=TEXT, text=TEXT),
        ),
        build_server_list([], page=1, page_size=3, total=0, filters=ListFilters(text=TEXT)),
        build_server_list([], page=1, page_size=3, total=0, filters=ListFilters()),
        build_server_list([], page=5, page_size=3, total=6, filters=ListFilters()),
    ],
    "build_confirm_prompt": lambda: [
        build_confirm_prompt(
            action=action,
            server=server(),
            confirmation_id="cf-1",
            expires_in=300,
            changes=[("Name", TEXT)],
        )
        for action in ("stop", "delete", "update", "create", TEXT)
    ],
    "build_delete_modal": lambda: [build_delete_modal(server=server(), confirmation_id="cf-1")],
    "build_prompt_outcome": lambda: [build_prompt_outcome(TEXT, emoji=":x:")],
    "build_create_modal": lambda: [
        build_create_modal(load_catalog(), private_metadata="{}"),
        build_create_modal(
            Catalog(plans=(), operating_systems=(), locations=(Location(code="eu", name=TEXT),)),
            private_metadata="{}",
            values={ids.CREATE_NAME: TEXT},
        ),
    ],
    "build_lifecycle": _lifecycles,
    "build_fleet_change": lambda: [
        build_fleet_change(12345, TEXT, None, "active"),
        build_fleet_change(12345, TEXT, "active", None),
        build_fleet_change(12345, TEXT, "active", TEXT),
    ],
    "build_api_down": lambda: [build_api_down(3, TEXT)],
    "build_result": lambda: [
        build_result(
            ok=True, action="stop", server=server(), user_id="U0ALICE01", channel_id="C0OPS0001"
        ),
        build_result(ok=False, action=TEXT, server_name=TEXT, server_id=7, detail=TEXT),
        build_result(ok=True, action="delete", server_id=7),
    ],
    "build_error": lambda: [build_error(TEXT, hint="Try `/vps list`.")],
    "build_denial": lambda: [build_denial("You may not *stop* `evil.com` here; ask <@U0ADMIN01>.")],
    "build_help": lambda: [
        build_help("/vps", [("/vps list", "A page of servers")]),
        build_help(TEXT, []),
    ],
    "build_whoami": lambda: [
        build_whoami("U0ALICE01", "C0OPS0001", [("stop", True, "in <#C0OPS0001>")]),
        build_whoami("U0ALICE01", "C0OPS0001", [("stop", False, "no")]),
    ],
    "build_note": lambda: [build_note("No server `evil.com`.", hint="Try `/vps list`.")],
    "build_pointless": lambda: [
        build_pointless(action, TEXT, 7, status)
        for action, status in (("start", "active"), ("stop", "suspended"), ("reboot", TEXT))
    ],
    "build_name_taken": lambda: [build_name_taken(TEXT, TEXT, 7)],
    "build_answer_lost": lambda: [build_answer_lost("stop", TEXT, 7)],
    "build_home": lambda: [
        build_home(
            HomeData(
                user_id="U0CAROL01",
                decidable=[approval_view()],
                own=[approval_view()],
                plans=[PlanLine("p1", "U0ALICE01", "reboot", "running", 1, 3)],
                fleet=FleetGlance(2, [(TEXT, 1)], [(TEXT, 1)], [(TEXT, 12345, TEXT)]),
                changes=[entry(AuditOutcome.EXECUTED)],
                notes=[TEXT],
            ),
            datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        )
    ],
    "build_settled": lambda: [
        build_settled(
            done=done,
            operation=operation,
            server_name=TEXT,
            server_id=7,
            server=server() if done else None,
            user_id="U0ALICE01",
            channel_id="C0OPS0001",
            restarted=restarted,
        )
        for done, operation, restarted in (
            (True, "stop", True),
            (False, "delete", False),
            (True, "rename", False),
        )
    ],
    "build_frozen": lambda: [
        build_frozen("stop", TEXT, TEXT, TEXT, NOW, NOW),
        build_frozen(TEXT, None, TEXT, "", None, NOW),
    ],
    "build_limited": lambda: [build_limited(3, 600, NOW, NOW)],
    "build_plan_preview": lambda: [
        build_plan_preview(
            PlanView(
                plan_id="p1",
                operation="reboot",
                servers=[(1 + i // 2, Named(TEXT, i)) for i in range(25)],
                left_out=[LeftOut(Named(TEXT, None), "missing"), LeftOut(Named(TEXT, 3), TEXT)],
                options=PlanOptions(batch=2),
                expires_in=600,
                typed_count=True,
                approval=True,
            )
        )
    ],
    "build_no_match": lambda: [
        build_no_match(TEXT, []),
        build_no_match(TEXT, [LeftOut(Named(TEXT, 7), "status", TEXT)]),
    ],
    "build_plan_limited": lambda: [build_plan_limited(12, 3, 5, 3600)],
    "build_count_modal": lambda: [build_count_modal("reboot", 12, "{}")],
    "build_schedule_preview": lambda: [
        build_schedule_preview(
            schedule_view(several=several), NOW, zone, approval=True, expires_in=300
        )
        for several in (False, True)
        for zone in ("UTC", "Europe/Rome")
    ],
    "build_scheduled": lambda: [
        build_scheduled(schedule_view(), NOW, "Europe/Rome", approval=approval)
        for approval in (False, True)
    ],
    "build_schedule_list": lambda: [
        build_schedule_list([schedule_view()], NOW, "UTC", cancellable={"s1"}),
        build_schedule_list([], NOW, "UTC", cancellable=set()),
    ],
    "build_schedule_notice": lambda: [
        build_schedule_notice(schedule_view(), NOW.timestamp() + 600, NOW, "Europe/Rome"),
        build_schedule_notice(schedule_view(), NOW.timestamp(), NOW, "UTC", skipped_by="U0BOB0001"),
    ],
    "build_schedule_report": lambda: [
        build_schedule_report(schedule_view(), outcome, TEXT)
        for outcome in ("ran", "frozen", "skipped", "missed")
    ],
    "build_when_error": lambda: [
        build_when_error(WhenError("cannot read {typed} as a time", TEXT, (TEXT,))),
        build_when_error(WhenError("a duration must be more than 0")),
    ],
    "build_schedule_typed_modal": lambda: [
        build_schedule_typed_modal(schedule_view(), TEXT, counting=False, private_metadata="{}")
    ],
    "build_plans": lambda: [
        build_plans([PlanRow("p1", "reboot", "U0ALICE01", TEXT, [(TEXT, 2)])]),
        build_plans([]),
    ],
    "build_approval_request": lambda: [build_approval_request(approval_view(), NOW)],
    "build_approval_outcome": lambda: [
        build_approval_outcome(approval_view(), outcome, who="U0BOB0001", why=TEXT, reason=TEXT)
        for outcome in ("approved", "rejected", "withdrawn", "expired", "void")
    ],
    "build_sent_for_approval": lambda: [build_sent_for_approval(approval_view())],
    "build_approvals": lambda: [
        build_approvals([(approval_view(), True), (approval_view(), False)], NOW),
        build_approvals([], NOW),
    ],
    "build_audit": lambda: [
        build_audit([entry(outcome) for outcome in AuditOutcome], about=TEXT),
        build_audit([], about=TEXT),
        build_audit(
            [AuditSummary.of(entry(AuditOutcome.DENIED)), entry(AuditOutcome.ASKED)],
            older='{"before_time":1.0,"before_id":2}',
            newest="{}",
        ),
    ],
    "build_already_waiting": lambda: [
        build_already_waiting(approval_view(), NOW, where="C0OPS0001"),
        build_already_waiting(approval_view(), NOW, where=None, command=TEXT),
    ],
    "build_too_many_waiting": lambda: [
        build_too_many_waiting(2, 1, per_user=3, window=600, max_pending=10),
        build_too_many_waiting(10, 0, per_user=None, window=None, max_pending=10),
    ],
    "build_reject_modal": lambda: [build_reject_modal(approval_view(), private_metadata="{}")],
    "build_approved_result": lambda: [
        build_approved_result(
            build_result(ok=True, action="stop", server=server(), user_id="U0ALICE01"),
            "U0BOB0001",
        )
    ],
}


def every_builder() -> Iterator[str]:
    """The name of every public `build_*` function in `bot.slack.blocks`."""
    for module_info in pkgutil.iter_modules(bot.slack.blocks.__path__):
        module = importlib.import_module(f"bot.slack.blocks.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("build_") and function.__module__ == module.__name__:
                yield name


def mrkdwn_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for value in node.values():
            yield from mrkdwn_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_objects(item)


def test_every_builder_is_walked() -> None:
    missing = sorted(set(every_builder()) - set(SAMPLES))
    assert not missing, f"add samples of {missing} to SAMPLES in tests/slack/test_verbatim.py"


@pytest.mark.parametrize("builder", sorted(SAMPLES))
def test_every_mrkdwn_object_is_verbatim(builder: str) -> None:
    outputs = SAMPLES[builder]()
    assert outputs
    for built in outputs:
        payload = built.to_dict()
        objects = list(mrkdwn_objects(payload))
        not_verbatim = [o["text"] for o in objects if o.get("verbatim") is not True]
        assert not not_verbatim, f"{builder}: mrkdwn without verbatim: true: {not_verbatim}"


@pytest.mark.parametrize("builder", sorted(SAMPLES))
def test_every_notification_text_leaves_nothing_to_link_or_ping(builder: str) -> None:
    for built in SAMPLES[builder]():
        if not isinstance(built, Message):
            continue
        outside = CODE_SPAN.sub("", built.text)
        assert built.text.count("`") % 2 == 0, built.text
        assert not LINKABLE.search(outside), built.text
        assert not any(ping in outside for ping in PINGS), built.text
        assert "<!" not in built.text


def test_no_mrkdwn_object_is_made_outside_md() -> None:
    """Builders and flows make mrkdwn only through `core.md`, which sets verbatim."""
    made_here = re.compile(
        r"MarkdownTextObject\(|[\"']type[\"']\s*:\s*[\"']mrkdwn|type=[\"']mrkdwn"
    )
    root = Path(bot.__file__).parent
    readers = {root / "console"}  # it reads what the bot sends
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if any(reader in path.parents for reader in readers):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if made_here.search(line):
                offenders.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    core = "bot/slack/blocks/core.py"
    assert [o for o in offenders if not o.startswith(core)] == []
    assert len(offenders) == 1, offenders  # the one in md()
