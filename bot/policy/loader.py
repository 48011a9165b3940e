"""Loading the policy file: YAML with line numbers, validated, failing closed and loud."""

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import yaml

from bot.policy.model import (
    ACTIONS,
    ANY_ACTION,
    CONDITIONS,
    DEFAULT_CONFIRM,
    KNOWN_ACTIONS,
    READ_ACTIONS,
    WRITE_ACTIONS,
    Policy,
    PolicyError,
    Rule,
)

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at `path`; raise PolicyError when it is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"{path}: cannot read the policy file: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise PolicyError(f"{path}: not UTF-8 text: {e.reason}") from e
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str) -> Policy:
    """Validate policy YAML; `source` names it in errors and in answers to users."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = ", ".join(filter(None, (e.context, e.problem)))
        if "alias" in (e.context or ""):
            problem = f'{problem} (write "*" in quotes)'
        raise PolicyError(f"{where}: not valid YAML: {problem}") from e
    except yaml.YAMLError as e:
        raise PolicyError(f"{source}: not valid YAML: {e}") from e
    return _Parser(source).policy(root)


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


class _Parser:
    """Turns the composed YAML tree into a Policy, failing at the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._rules: list[Rule] = []

    def policy(self, root: yaml.Node | None) -> Policy:
        """Return the Policy a whole file describes."""
        if root is None or root.tag == _NULL_TAG:
            return Policy(source=self.source)
        confirm = DEFAULT_CONFIRM
        for key, key_node, node in self._mapping(root, "the policy file"):
            if key == "rules":
                self._parse_rules(node)
            elif key == "confirm":
                confirm = self._confirm(node)
            else:
                self._fail(key_node, f"unknown key {_quote(key)} (known: rules, confirm)")
        return Policy(rules=tuple(self._rules), confirm=confirm, source=self.source)

    def _parse_rules(self, node: yaml.Node) -> None:
        """Collect the rules under `rules:`, action by action."""
        if node.tag == _NULL_TAG:
            return
        for action, key_node, rules in self._mapping(node, '"rules"'):
            if action not in ACTIONS and action != ANY_ACTION:
                self._fail(key_node, f"unknown action {_quote(action)} (known: {KNOWN_ACTIONS})")
            if rules.tag == _NULL_TAG:
                continue
            if not isinstance(rules, yaml.SequenceNode):
                self._fail(rules, f'the rules for "{action}" must be a list ("- channels: [...]")')
            for index, rule in enumerate(rules.value, start=1):
                self._rules.append(self._rule(action, index, rule))

    def _rule(self, action: str, index: int, node: yaml.Node) -> Rule:
        """Return one rule: a mapping of condition name to a list of values."""
        what = f'rule {index} for "{action}"'
        if not isinstance(node, yaml.MappingNode):
            self._fail(node, f"{what} must be a mapping of conditions ({', '.join(CONDITIONS)})")
        conditions: dict[str, tuple[str, ...]] = {}
        for name, key_node, values in self._mapping(node, what):
            if name not in CONDITIONS:
                known = ", ".join(CONDITIONS)
                self._fail(key_node, f"unknown condition {_quote(name)} (known: {known})")
            conditions[name] = self._values(name, values)
        return Rule(
            action=action,
            index=index,
            line=_line(node),
            users=conditions.get("users", ()),
            usergroups=conditions.get("usergroups", ()),
            channels=conditions.get("channels", ()),
            servers=conditions.get("servers", ()),
        )

    def _values(self, name: str, node: yaml.Node) -> tuple[str, ...]:
        """Return a condition's values, each checked against its kind of ID or pattern."""
        if not isinstance(node, yaml.SequenceNode):
            self._fail(node, f'"{name}" must be a list, like {name}: [...]')
        if not node.value:
            self._fail(node, f'"{name}" is empty; leave it out to match everyone/everywhere')
        pattern, problem = _PATTERNS[name]
        values = []
        for item in node.value:
            value = self._string(item, f'"{name}" entries')
            if not pattern.fullmatch(value):
                hint = _HINTS.get(name) if value.startswith("@") else None
                self._fail(item, f"{_quote(value)} {problem}" + (f"; {hint}" if hint else ""))
            values.append(value)
        return tuple(values)

    def _confirm(self, node: yaml.Node) -> frozenset[str]:
        """Return the actions under `confirm:` ("*" = every action that changes something)."""
        if not isinstance(node, yaml.SequenceNode):
            self._fail(node, "confirm must be a list of actions, like confirm: [stop, delete]")
        actions: set[str] = set()
        for item in node.value:
            action = self._string(item, "confirm entries")
            if action in READ_ACTIONS:
                self._fail(item, f'"{action}" changes nothing and is never confirmed')
            if action not in ACTIONS and action != ANY_ACTION:
                known = ", ".join(WRITE_ACTIONS) + ', "*"'
                self._fail(item, f"unknown action {_quote(action)} in confirm (known: {known})")
            actions.update(WRITE_ACTIONS if action == ANY_ACTION else (action,))
        return frozenset(actions)

    def _mapping(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Yield a mapping's (key, key node, value node), refusing duplicate keys."""
        if not isinstance(node, yaml.MappingNode):
            self._fail(node, f"{what} must be a mapping (key: value)")
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self._string(key_node, "keys")
            if key in seen:
                self._fail(key_node, f"duplicate key {_quote(key)} (first at line {seen[key]})")
            seen[key] = _line(key_node)
            yield key, key_node, value_node

    def _string(self, node: yaml.Node, what: str) -> str:
        """Return a scalar's text, refusing numbers, booleans, nulls, lists and mappings."""
        if not isinstance(node, yaml.ScalarNode):
            self._fail(node, f"{what} must be text, not a list or mapping")
        if node.tag != _STR_TAG:
            shown = "nothing" if node.tag == _NULL_TAG else str(node.value)
            self._fail(node, f"{what} must be text, not {shown}")
        return str(node.value)

    def _fail(self, node: yaml.Node, problem: str) -> NoReturn:
        """Raise the PolicyError for `problem` at `node`'s line."""
        raise PolicyError(f"{self.source}:{_line(node)}: {problem}")


def _line(node: yaml.Node) -> int:
    """Return the 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def _quote(value: str) -> str:
    """Quote a value from the file for an error message, showing invisible characters."""
    return json.dumps(value)
