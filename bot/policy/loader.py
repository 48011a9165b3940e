"""Loading the policy file: YAML with line numbers, validated, failing closed and loud."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.policy.freezes import parse_freeze
from bot.policy.guardrails import parse_approve, parse_limits
from bot.policy.model import ANY_ACTION, Policy, PolicyError, Rule, actions
from bot.policy.nodes import NodeReader, is_null, quote


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
    parser = _Parser(source)
    policy = parser.policy(root)
    if parser.problems:
        raise PolicyError(*parser.problems)
    return policy


# The Policy field each section fills, where it is not named as the section.
_FIELDS = {"approve": "approvals", "freeze": "freezes", "limits": "write_limit"}


class _Parser(NodeReader):
    """Turns the composed YAML tree into a Policy, recording every problem on the way."""

    def policy(self, root: yaml.Node | None) -> Policy:
        if root is None or is_null(root):
            return Policy(source=self.source)
        sections: dict[str, Callable[[yaml.Node], object]] = {
            "rules": self._rules,
            "confirm": lambda node: self.write_actions(node, "confirm", "is never confirmed"),
            "approve": lambda node: parse_approve(self, node),
            "freeze": lambda node: parse_freeze(self, node),
            "limits": lambda node: parse_limits(self, node),
        }
        found: dict[str, Any] = {}
        for key, key_node, node in self.mapping(root, "the policy file"):
            with self.gather():
                if key not in sections:
                    known = ", ".join(sections)
                    self.fail(key_node, f"unknown key {quote(key)} (known: {known})")
                found[_FIELDS.get(key, key)] = sections[key](node)
        return Policy(source=self.source, warnings=tuple(self.warnings), **found)

    def _rules(self, node: yaml.Node) -> tuple[Rule, ...]:
        if is_null(node):
            return ()
        found: list[Rule] = []
        for action, key_node, rules in self.mapping(node, '"rules"'):
            with self.gather():
                if action not in actions() and action != ANY_ACTION:
                    known = ", ".join((*actions(), '"*"'))
                    self.fail(key_node, f"unknown action {quote(action)} (known: {known})")
                if is_null(rules):
                    continue
                example = '("- channels: [...]")'
                problem = f'the rules for "{action}" must be a list {example}'
                for i, rule in enumerate(self.sequence(rules, problem), start=1):
                    with self.gather():
                        found.append(self.rule(action, i, rule))
        return tuple(found)
