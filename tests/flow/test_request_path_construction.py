"""The request path knows nobody who hears of a change: by construction, nothing under
`bot/flow/` imports the follow-up, the fleet monitor or the ops channel's writer; they
subscribe to `OperationDone` in the composition root."""

from __future__ import annotations

from pathlib import Path

from tests.flow.test_gate_construction import files_using, names_used

LISTENERS = {"bot.watch", "bot.monitor", "bot.notify"}


def test_the_request_path_imports_no_listener_of_a_change() -> None:
    flow = {path for path in files_using(LISTENERS) if path.startswith("flow/")}
    assert flow == set()


def test_the_check_sees_a_listener_imported_in_any_form(tmp_path: Path) -> None:
    for line in (
        "from bot.watch import Watcher",
        "import bot.monitor",
        "from bot import notify",
        "from bot.notify import Notifier as N",
    ):
        (tmp_path / "m.py").write_text(line + "\n")
        used = names_used(tmp_path / "m.py")
        assert any(u.startswith(name) for u in used for name in LISTENERS), line


def test_the_listeners_are_subscribed_by_the_composition_root() -> None:
    assert files_using({"bot.flow.events.tell_requester"}) == {"background.py"}
    assert files_using({"bot.flow.events.Events"}) >= {"background.py", "flow/services.py"}
