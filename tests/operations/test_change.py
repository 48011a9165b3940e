"""A change as pending confirmations and approvals hold it: one format, read back validated,
and what the previous version stored still read."""

from __future__ import annotations

import pytest

from bot.operations.change import Change
from bot.vps import Server

WEB = Server(id=12345, name="web-01", status="active", hostname="web-01.example.com")


@pytest.mark.parametrize(
    "change",
    [
        Change(operation="stop", server=WEB),
        Change(operation="rename", server=WEB, values={"name": "web-02"}),
        Change(
            operation="update",
            server=WEB,
            values={"name": "a", "hostname": "a.example.com", "backups_enabled": False},
        ),
    ],
)
def test_a_stored_change_reads_back_the_same(change: Change) -> None:
    assert Change.load(change.dump()) == change


@pytest.mark.parametrize(
    ("stored", "operation", "values"),
    [
        ({"kind": "stop", "word": "stop", "body": {}}, "stop", {}),
        ({"kind": "patch", "word": "rename", "body": {"name": "x"}}, "rename", {"name": "x"}),
        ({"kind": "patch", "word": "set", "body": {"backups_enabled": True}}, "set", None),
        ({"kind": "put", "word": "update", "body": {"name": "x"}}, "update", {"name": "x"}),
    ],
)
def test_what_the_previous_version_stored_is_read(
    stored: dict[str, object], operation: str, values: dict[str, object] | None
) -> None:
    change = Change.load({**stored, "server": WEB.model_dump(mode="json")})
    assert change.operation == operation
    assert change.server == WEB
    assert change.values == (values if values is not None else stored["body"])


@pytest.mark.parametrize(
    "stored",
    [
        {"operation": "format-disk", "server": WEB.model_dump(mode="json")},
        {"kind": "nuke", "word": "nuke", "server": WEB.model_dump(mode="json")},
        {"operation": "stop"},
        {"operation": "stop", "server": WEB.model_dump(mode="json"), "admin": True},
        "stop web-01",
    ],
)
def test_a_change_we_did_not_make_is_refused(stored: object) -> None:
    with pytest.raises(ValueError, match="bad stored change"):
        Change.load(stored)


def test_after_and_changes_follow_the_declaration() -> None:
    rename = Change(operation="rename", server=WEB, values={"name": "web-02"})
    assert rename.action == "update"
    assert rename.after().name == "web-02"
    assert rename.changes() == [("Name", "web-01 → web-02")]
    stop = Change(operation="stop", server=WEB)
    assert stop.after() == WEB
    assert stop.server_id == 12345
    planned = Change(operation="create", server=WEB, values={"name": "web-01", "plan_id": 1})
    assert planned.server_id is None
    assert planned.changes() == [("Name", "web-01")]
