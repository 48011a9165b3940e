"""Counts are said the way people say them: "1 change", "2 changes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.slack.blocks.guardrails import build_limited
from bot.slack.blocks.notes import build_audit
from bot.state import AuditEntry, AuditOutcome
from bot.words import counted


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "change") == "1 change"
    assert [counted(n, "change") for n in (0, 2, 1500)] == [
        "0 changes",
        "2 changes",
        "1,500 changes",
    ]
    assert counted(1, "entry", "entries") == "1 entry"
    assert counted(3, "entry", "entries") == "3 entries"


def test_a_limit_of_one_write_says_one_change() -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    text = build_limited(1, 600, now + timedelta(minutes=5), now).text
    assert "You have made 1 change in the last 10 minutes" in text


def test_an_audit_of_one_entry_says_one_entry() -> None:
    entry = AuditEntry(
        time=0,
        user_id="U1",
        channel_id="C1",
        action="stop",
        server_id=1,
        server_name="web-01",
        outcome=AuditOutcome.EXECUTED,
    )
    assert build_audit([entry]).text.endswith("Audit log: 1 entry")
