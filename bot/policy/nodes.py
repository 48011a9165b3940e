"""Reading the composed YAML tree of a policy file: values, rules and actions, with their lines.

Every section of the file (rules, confirm, approve, freeze, limits) reads its nodes through
one `NodeReader`, so a mistake anywhere is reported the same way: `file:line: problem`. A
mistake ends the part of the file it is in (`gather`), not the reading: every problem of a
file is listed at once. Warnings (a glob that can never match) do not stop it.
"""

import json
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import NoReturn

import yaml

from bot.policy.globs import glob_problem
from bot.policy.model import (
    ANY_ACTION,
    CONDITIONS,
    READ_ACTIONS,
    PolicyError,
    Rule,
    actions,
    write_actions,
)

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"


_PATTERNS: Mapping[str, tuple[re.Pattern[str], str]] = {
    "users": (re.compile(r"[UW][A-Z0-9]{2,}"), "is not a Slack user ID (like U0ADMIN01)"),
    "usergroups": (re.compile(r"S[A-Z0-9]{2,}"), "is not a Slack user-group ID (like S0ONCALL1)"),
    "channels": (
        re.compile(r"[CGD][A-Z0-9]{2,}|#[a-z0-9_-]{1,80}"),
        "is not a channel ID (like C0OPS0001) or a #channel-name (lowercase)",
    ),
    "servers": (re.compile(r".*\S.*", re.DOTALL), "is not a server-name pattern (like web-*)"),
}
_HINTS = {
    "users": "use the member ID from their profile (⋮ → Copy member ID), not the @name",
    "usergroups": "use the group's ID, not its @handle",
}


class NodeReader:
    """Reads YAML nodes into policy values; each problem is recorded with its line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.warnings: list[str] = []

    @contextmanager
    def gather(self) -> Iterator[None]:
        """Record the problem the block fails with and go on after it, with the next part."""
        try:
            yield
        except PolicyError as e:
            self.problems.extend(e.problems)

    def rules(self, action: str, node: yaml.Node, key: str, empty: str) -> tuple[Rule, ...]:
        """Return the non-empty list of rules under `key`, labelled `action` ("approve delete")."""
        example = f"{key}: [{{usergroups: [S0ONCALL1]}}]"
        items = self.sequence(
            node, f'"{key}" must be a list of rules, as under rules:, like {example}'
        )
        if not items:
            self.fail(node, f'"{key}" is empty; {empty}')
        found = []
        for i, rule in enumerate(items, start=1):
            with self.gather():
                found.append(self.rule(action, i, rule))
        return tuple(found)

    def rule(self, action: str, index: int, node: yaml.Node) -> Rule:
        """Return one rule: a mapping of condition name to a list of values."""
        what = f'rule {index} for "{action}"'
        problem = f"{what} must be a mapping of conditions ({', '.join(CONDITIONS)})"
        conditions: dict[str, tuple[str, ...]] = {}
        for name, key_node, values in self.mapping(node, what, problem):
            with self.gather():
                if name not in CONDITIONS:
                    known = ", ".join(CONDITIONS)
                    self.fail(key_node, f"unknown condition {quote(name)} (known: {known})")
                conditions[name] = self.values(name, values)
        return Rule(action=action, index=index, line=line_of(node), **conditions)

    def values(self, name: str, node: yaml.Node) -> tuple[str, ...]:
        """Return a condition's values, each checked against its kind of ID or pattern."""
        items = self.sequence(node, f'"{name}" must be a list, like {name}: [...]')
        if not items:
            self.fail(node, f'"{name}" is empty; leave it out to match everyone/everywhere')
        pattern, problem = _PATTERNS[name]
        values = []
        for item in items:
            with self.gather():
                value = self.string(item, f'"{name}" entries')
                if not pattern.fullmatch(value):
                    hint = _HINTS.get(name) if value.startswith("@") else None
                    self.fail(item, f"{quote(value)} {problem}" + (f"; {hint}" if hint else ""))
                if name == "servers" and (why := glob_problem(value)):
                    self.warn(item, f"servers glob {quote(value)} can never match: {why}")
                values.append(value)
        return tuple(values)

    def write_actions(
        self, node: yaml.Node, key: str, never: str, where: str | None = None
    ) -> frozenset[str]:
        """Return the list of write actions under `key` ("*" = every write)."""
        problem = f"{key} must be a list of actions, like {key}: [stop, delete]"
        actions = set()
        for item in self.sequence(node, problem):
            with self.gather():
                actions.add(self.write_action(item, where or key, never))
        return frozenset(write_actions() if ANY_ACTION in actions else actions)

    def write_action(self, node: yaml.Node, where: str, never: str) -> str:
        """Return one write action or "*"; `never` ends the sentence refusing a read."""
        action = self.string(node, f"{where} entries")
        if action in READ_ACTIONS:
            self.fail(node, f'"{action}" changes nothing and {never}')
        if action not in actions() and action != ANY_ACTION:
            known = ", ".join((*write_actions(), '"*"'))
            self.fail(node, f"unknown action {quote(action)} in {where} (known: {known})")
        return action

    def sequence(self, node: yaml.Node, problem: str) -> list[yaml.Node]:
        """Return a list's items; anything else (null included) fails with `problem`."""
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, problem)
        return list(node.value)

    def mapping(
        self, node: yaml.Node, what: str, problem: str = ""
    ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Yield a mapping's (key, key node, value node), refusing duplicate keys; anything but
        a mapping fails with `problem`."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, problem or f"{what} must be a mapping (key: value)")
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            with self.gather():
                key = self.string(key_node, "keys")
                if key in seen:
                    self.fail(key_node, f"duplicate key {quote(key)} (first at line {seen[key]})")
                seen[key] = line_of(key_node)
                yield key, key_node, value_node

    def keys(
        self, node: yaml.Node, what: str, known: tuple[str, ...], problem: str = ""
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Return a mapping's {key: (key node, value node)}, refusing keys not in `known`."""
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, key_node, value in self.mapping(node, what, problem):
            with self.gather():
                if key not in known:
                    known_keys = ", ".join(known)
                    self.fail(key_node, f"unknown key {quote(key)} in {what} (known: {known_keys})")
                found[key] = (key_node, value)
        return found

    def string(
        self, node: yaml.Node, what: str, tags: Collection[str] = (STR_TAG,), kind: str = "text"
    ) -> str:
        """Return a scalar's text as written, refusing lists, mappings and (by default)
        numbers, booleans and nulls: any tag not in `tags`."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be {kind}, not a list or mapping")
        if node.tag not in tags:
            shown = "nothing" if node.tag == NULL_TAG else str(node.value)
            self.fail(node, f"{what} must be {kind}, not {shown}")
        return str(node.value)

    def fail(self, node: yaml.Node, problem: str) -> NoReturn:
        """Raise the PolicyError for `problem` at `node`'s line."""
        raise PolicyError(f"{self.source}:{line_of(node)}: {problem}")

    def warn(self, node: yaml.Node, problem: str) -> None:
        """Record `problem` at `node`'s line as a warning: the file still loads."""
        self.warnings.append(f"{self.source}:{line_of(node)}: {problem}")


def is_null(node: yaml.Node) -> bool:
    """Return whether a node is an empty value (`key:` with nothing after it, or `null`)."""
    return node.tag == NULL_TAG


def line_of(node: yaml.Node) -> int:
    """Return the 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def quote(value: str) -> str:
    """Quote a value from the file for an error message, showing invisible characters."""
    return json.dumps(value)
