"""The policy, the command line, the plain-words reader and the resolver return data; only
the Slack layer words it (`bot.slack.wording`). By construction: they import nothing of Slack's
or of the request path, and no text of theirs is mrkdwn."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
DATA_ONLY = sorted(
    [
        *(BOT / "policy").glob("*.py"),
        *(BOT / "commands").glob("*.py"),
        *(BOT / "plainwords").glob("*.py"),  # the reader of plain words: commands as data
        BOT / "resolve.py",
        BOT / "schedules" / "when.py",  # a schedule's time: data, worded by its builder
    ]
)
FORBIDDEN = ("bot.slack", "bot.console", "bot.flow", "slack_sdk", "slack_bolt")
MRKDWN = re.compile(r"<[@#!]|`[^`\s][^`]*`")
"""A mention (user, channel, group or special) or backtick-quoted text."""


def _name(path: Path) -> str:
    return str(path.relative_to(BOT.parent))


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _texts(tree: ast.Module) -> Iterator[str]:
    """Every string the code builds, an f-string's holes as `x`; not the documentation (a
    string standing alone as a statement: a docstring, or one under a constant)."""
    documentation = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr)
    }
    parts_of_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if id(node) in documentation or id(node) in parts_of_fstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            yield "".join(p.value if isinstance(p, ast.Constant) else "x" for p in node.values)


@pytest.mark.parametrize("path", DATA_ONLY, ids=_name)
def test_policy_commands_and_resolve_import_nothing_of_slack_or_the_request_path(
    path: Path,
) -> None:
    imported = [
        name
        for name in _imports(ast.parse(path.read_text()))
        if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)
    ]
    assert imported == [], f"{_name(path)} imports {imported}"


@pytest.mark.parametrize("path", DATA_ONLY, ids=_name)
def test_policy_commands_and_resolve_hold_no_mrkdwn(path: Path) -> None:
    marked = [text for text in _texts(ast.parse(path.read_text())) if MRKDWN.search(text)]
    assert marked == [], f"{_name(path)} words things in mrkdwn: {marked}"


def test_the_check_finds_mrkdwn_and_passes_documentation() -> None:
    tree = ast.parse(
        '"""Docs may say `code`."""\n'
        'A = 1\n"""Nor `here`."""\n'
        'def f(u):\n    """Or `here`."""\n    return f"by <@{u}>", "use `set`", f"<#{u}>"\n'
    )
    assert [t for t in _texts(tree) if MRKDWN.search(t)] == ["by <@x>", "use `set`", "<#x>"]
