"""How `/vps audit` makes a page of entries: like with like, and no member fills it."""

from __future__ import annotations

from bot.flow.audit_log import audit_page
from bot.slack.blocks.notes import AuditSummary, build_audit
from bot.state import AuditEntry, AuditOutcome

T0 = 1_800_000_000.0


def entry(
    i: int,
    user: str = "U0BOB0001",
    outcome: AuditOutcome = AuditOutcome.DENIED,
    server: str | None = "web-01",
    action: str = "reboot",
) -> AuditEntry:
    return AuditEntry(
        time=T0 - i,
        user_id=user,
        channel_id="C0OPS0001",
        action=action,
        server_id=None,
        server_name=server,
        outcome=outcome,
        id=1000 - i,
    )


def test_only_like_folds_with_like() -> None:
    entries = [
        entry(0, outcome=AuditOutcome.FROZEN),
        entry(1),
        entry(2),
        entry(3, server="web-02"),
        entry(4, action="stop"),
        entry(5, user="U0ALICE01"),
    ]
    lines, more = audit_page(entries)
    assert more is None
    assert all(isinstance(line, AuditEntry) for line in lines)
    shown = [(e.outcome, e.server_name, e.count) for e in lines if isinstance(e, AuditEntry)]
    assert shown == [
        (AuditOutcome.FROZEN, "web-01", 1),
        (AuditOutcome.DENIED, "web-01", 2),
        (AuditOutcome.DENIED, "web-02", 1),
        (AuditOutcome.DENIED, "web-01", 1),
        (AuditOutcome.DENIED, "web-01", 1),
    ]


def test_a_member_past_five_lines_is_summed_up_in_one() -> None:
    storm = [entry(i, server=f"junk-{i}", outcome=AuditOutcome.ASKED) for i in range(30)]
    admin = entry(30, user="U0ADMIN01", outcome=AuditOutcome.EXECUTED)
    lines, more = audit_page([*storm, admin])
    assert more is None
    assert len(lines) == 7
    summary = lines[5]
    assert isinstance(summary, AuditSummary)
    assert summary.count == 25
    assert lines[6] == admin
    shown = build_audit(lines).to_dict()["text"]
    assert "31 entries" in shown  # 30 of the storm (5 lines and a summary) and the admin's


def test_a_full_page_says_where_the_next_one_starts() -> None:
    people = [entry(i, user=f"U0CROWD{i:03d}") for i in range(25)]
    lines, more = audit_page(people, shown=20)
    assert len(lines) == 20
    assert more == people[19]  # the next page starts after the last entry shown
