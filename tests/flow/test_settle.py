"""Whether a change whose answer was lost happened, decided from its declaration and the server
as it is now — the rule the settler and a plan's driver share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.flow.settle import decide
from bot.operations.change import Change
from bot.vps import Server

SENT = 1_800_000_000.0
BEFORE_CALL = datetime.fromtimestamp(SENT - 60, UTC)
AFTER_CALL = datetime.fromtimestamp(SENT + 2, UTC)


def _server(status: str, updated: datetime = BEFORE_CALL, **fields: Any) -> Server:
    return Server(**{"id": 7, "name": "web-01", "status": status, "updated_at": updated, **fields})


@pytest.mark.parametrize(
    ("operation", "before", "now", "done"),
    [
        ("stop", "active", _server("stopping"), True),
        ("stop", "active", _server("stopped"), True),
        ("stop", "active", _server("active"), False),
        ("stop", "active", _server("active", AFTER_CALL), False),  # touched, not stopped
        ("start", "stopped", _server("starting"), True),
        ("start", "stopped", _server("active"), True),
        ("start", "stopped", _server("stopped"), False),
        ("reboot", "active", _server("rebooting"), True),
        ("reboot", "active", _server("active", AFTER_CALL), True),  # rebooted already
        ("reboot", "active", _server("active"), False),  # untouched since before the call
        ("stop", "active", _server("suspended", AFTER_CALL), False),  # not where a stop leads
        ("delete", "active", None, True),  # gone
        ("delete", "active", _server("active", AFTER_CALL), False),
        ("stop", "active", None, False),  # gone, but a stop makes nothing go
    ],
)
def test_the_status_says_whether_a_change_happened(
    operation: str, before: str, now: Server | None, done: bool
) -> None:
    change = Change(operation=operation, server=_server(before))
    assert decide(change, now, SENT) is done


def test_a_change_of_fields_happened_when_the_server_has_them() -> None:
    change = Change(
        operation="set",
        server=_server("active"),
        values={"name": "web-02", "backups_enabled": True},
    )
    renamed = _server("active", name="web-02", backups_enabled=True)
    assert decide(change, renamed, SENT)
    assert not decide(change, _server("active", backups_enabled=True), SENT)
    assert not decide(change, None, SENT)
