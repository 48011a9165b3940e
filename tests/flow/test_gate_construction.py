"""Authorization holds by construction: only the gate asks the policy, only the gate makes an
Access, and the one way to change a server wants an Access granted for exactly that change."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from bot.flow.caller import Caller
from bot.flow.context import Effects
from bot.flow.gate import Access, Gate
from bot.operations.change import Change
from bot.policy import parse_policy
from bot.vps import Server

BOT = Path(__file__).resolve().parents[2] / "bot"
DECIDERS = {
    "decide",
    "decide_any",
    "first_match",
    "allowed_actions",
    "active_freezes",
    "freeze_ends",
    "upcoming_freezes",
}
"""The functions that answer "may this person do this (now)": the gate's alone."""
WRITES = {
    "create_server",
    "replace_server",
    "update_server",
    "delete_server",
    "start_server",
    "stop_server",
    "reboot_server",
}
"""The VPS client's methods that change a server."""

POLICY = """
rules:
  reboot:
    - channels: [C0OPS0001]
"""
ALICE = Caller(user_id="U0ALICE01", channel_id="C0OPS0001")
WEB = Server(id=12345, name="web-server-01", status="active")
DB = Server(id=12346, name="db-server-01", status="active")


class NoGroups:
    async def members(self, usergroup_id: str) -> frozenset[str]:
        return frozenset()


class Unreachable:
    """VPS.org, the ops channel and the follow-ups: nothing may reach them in these tests."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"reached {name}: the change was not refused first")


def names_used(path: Path) -> set[str]:
    """Every module imported, every name imported from one, and every attribute read on an
    imported module, as dotted names: `from bot.policy import decide`, `import
    bot.policy.decide` and `policy.decide(...)` all give "bot.policy.decide"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    used: set[str] = set()
    modules: dict[str, str] = {}  # the local name of an imported module → its full name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                used.add(f"{node.module}.{alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                used.add(alias.name)
                modules[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            used.add(f"{modules[node.value.id]}.{node.attr}")
    return used


def files_using(names: set[str], *, outside: tuple[str, ...] = ()) -> set[str]:
    return {
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if not any(path.is_relative_to(BOT / place) for place in outside)
        and any(used.startswith(name) for used in names_used(path) for name in names)
    }


def test_no_module_but_the_gate_asks_the_policy() -> None:
    asking = {f"bot.policy.{name}" for name in DECIDERS} | {
        "bot.policy.decide",
        "bot.policy.windows",
    }
    assert files_using(asking, outside=("policy",)) == {"flow/gate.py"}


def test_the_checks_see_every_way_of_naming_a_decider(tmp_path: Path) -> None:
    for line in (
        "from bot.policy import decide",
        "import bot.policy.decide",
        "from bot import policy\npolicy.first_match(1, 2, 3)",
        "import bot.policy as p\np.decide_any(1, 2, 3)",
    ):
        (tmp_path / "m.py").write_text(line + "\n")
        assert any(u.startswith("bot.policy.") for u in names_used(tmp_path / "m.py")), line
        assert names_used(tmp_path / "m.py") & (
            {f"bot.policy.{name}" for name in DECIDERS} | {"bot.policy.decide"}
        ), line


def test_no_module_but_effects_calls_the_api_for_a_change() -> None:
    assert files_using({"bot.flow.operations.execute"}) == {"flow/context.py"}


def test_the_client_s_write_methods_are_called_by_the_declarations_only() -> None:
    """Outside the VPS.org side itself (client, simulator), its emulated Slack and console."""
    callers = set()
    for path in BOT.rglob("*.py"):
        if any(path.is_relative_to(BOT / place) for place in ("vps", "console")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Attribute) and n.attr in WRITES for n in ast.walk(tree)):
            callers.add(str(path.relative_to(BOT)))
    assert callers == {"operations/builtin.py"}


def test_an_access_is_made_by_the_gate_only() -> None:
    with pytest.raises(TypeError, match="by the gate only"):
        Access(caller=ALICE, action="reboot", server=WEB, after=WEB)


async def test_a_change_needs_an_access_granted_for_exactly_it() -> None:
    gate = Gate(parse_policy(POLICY, "policy.yml"), NoGroups())
    access = await gate.authorize(ALICE, "reboot", WEB, WEB)
    assert isinstance(access, Access)
    effects = Effects(Unreachable(), Unreachable(), Unreachable(), Unreachable())  # type: ignore[arg-type]
    on_db = Change(operation="reboot", server=DB)
    with pytest.raises(PermissionError):  # granted for web-server-01, not db-server-01
        await effects.execute(access, on_db)
    stop = Change(operation="stop", server=WEB)
    with pytest.raises(PermissionError):  # granted for a reboot, not a stop
        await effects.execute(access, stop)
    copied = dataclasses.replace(access, server=DB, after=DB)  # the seal copied, not granted
    with pytest.raises(PermissionError):
        await effects.execute(copied, on_db)
