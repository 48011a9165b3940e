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
from bot.flow.operations import Operation
from bot.policy import parse_policy
from bot.vps import Server

BOT = Path(__file__).resolve().parents[2] / "bot"
DECIDERS = {"decide", "decide_any", "first_match", "allowed_actions"}
"""The functions that answer "may this person do this": the gate's alone."""

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


def imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from module import name` in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


def test_no_module_but_the_gate_asks_the_policy() -> None:
    askers = {
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if not path.is_relative_to(BOT / "policy")
        for module, name in imports(path)
        if module.startswith("bot.policy") and (name in DECIDERS or module == "bot.policy.decide")
    }
    assert askers == {"flow/gate.py"}


def test_no_module_but_effects_calls_the_api_for_a_change() -> None:
    callers = {
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        for module, name in imports(path)
        if module == "bot.flow.operations" and name == "execute"
    }
    assert callers == {"flow/context.py"}


def test_an_access_is_made_by_the_gate_only() -> None:
    with pytest.raises(TypeError, match="by the gate only"):
        Access(caller=ALICE, action="reboot", server=WEB, after=WEB, reason="forged")


async def test_a_change_needs_an_access_granted_for_exactly_it() -> None:
    gate = Gate(parse_policy(POLICY, "policy.yml"), NoGroups())
    access = await gate.authorize(ALICE, "reboot", WEB, WEB)
    assert isinstance(access, Access)
    effects = Effects(Unreachable(), Unreachable(), Unreachable(), Unreachable())  # type: ignore[arg-type]
    on_db = Operation(kind="reboot", word="reboot", server=DB)
    with pytest.raises(PermissionError):  # granted for web-server-01, not db-server-01
        await effects.execute(access, on_db)
    stop = Operation(kind="stop", word="stop", server=WEB)
    with pytest.raises(PermissionError):  # granted for a reboot, not a stop
        await effects.execute(access, stop)
    copied = dataclasses.replace(access, server=DB, after=DB)  # the seal copied, not granted
    with pytest.raises(PermissionError):
        await effects.execute(copied, on_db)
