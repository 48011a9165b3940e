"""The `approve:` and `limits:` sections, durations, and the settings a guardrail needs.

Durations are `90s`, `10m`, `2h`, `1d` (or combined, `1h30m`), or a number of seconds; zero,
negative and anything longer than a year are refused. `approve:` maps a write action (or "*")
to `by:` (rules, exactly as under `rules:`), optional `servers:` globs and `ttl:`.
"""

import math
import re
from typing import Final

import yaml

from bot.policy.model import DEFAULT_APPROVAL_TTL, ApprovalRule, Policy, WriteLimit
from bot.policy.nodes import NULL_TAG, STR_TAG, NodeReader, is_null, line_of, quote

_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smhd])")
_LONGEST: Final = 366 * 86400.0
_DURATION_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float"))
_INT_TAG = "tag:yaml.org,2002:int"
_DIGITS = re.compile(r"[0-9]+")
_EXAMPLE = "like 90s, 10m, 2h, 1d, or a number of seconds"


def parse_duration(text: str) -> float:
    """Return a duration's seconds; raise ValueError (saying what is allowed) when it is wrong."""
    value = text.strip()
    if _NUMBER.fullmatch(value):
        seconds = float(value)
    elif value and _PART.sub("", value) == "":
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value))
    elif value.startswith("-"):
        raise ValueError("must be more than zero")
    else:
        raise ValueError(f"is not a duration ({_EXAMPLE})")
    if not seconds > 0:
        raise ValueError("must be more than zero")
    if not math.isfinite(seconds) or seconds > _LONGEST:
        raise ValueError("is longer than a year")
    return seconds


def duration(reader: NodeReader, node: yaml.Node, key: str) -> float:
    """Return the seconds of the duration under `key`, or fail at its line."""
    # The text as written, whatever YAML made of it: it reads `1:30` as 90 (base 60).
    text = reader.string(node, key, _DURATION_TAGS, f"a duration ({_EXAMPLE})")
    try:
        return parse_duration(text)
    except ValueError as e:
        reader.fail(node, f"{key} {quote(text)} {e}")


def parse_approve(reader: NodeReader, node: yaml.Node) -> tuple[ApprovalRule, ...]:
    """Return the entries under `approve:`, one per action (or "*")."""
    if is_null(node):
        return ()
    entries = []
    for action, key_node, value in reader.mapping(node, '"approve"'):
        with reader.gather():
            reader.write_action(key_node, "approve", "never needs approval")
            entries.append(_approval(reader, action, key_node, value))
    return tuple(entries)


def _approval(
    reader: NodeReader, action: str, key_node: yaml.Node, node: yaml.Node
) -> ApprovalRule:
    what = f'approve "{action}"'
    problem = f"{what} must be a mapping (by, servers, ttl)"
    found = reader.keys(node, what, ("by", "servers", "ttl"), problem)
    if "by" not in found:
        reader.fail(
            node, f"{what} needs by: (who may approve), like by: [{{usergroups: [S0ONCALL1]}}]"
        )
    servers = found.get("servers")
    ttl = found.get("ttl")
    return ApprovalRule(
        action=action,
        by=reader.rules(f"approve {action}", found["by"][1], "by", "name who may approve"),
        servers=reader.values("servers", servers[1]) if servers else (),
        ttl=duration(reader, ttl[1], "ttl") if ttl else DEFAULT_APPROVAL_TTL,
        line=line_of(key_node),
    )


def parse_limits(reader: NodeReader, node: yaml.Node) -> WriteLimit | None:
    """Return the write limit under `limits:` (None when the section is empty)."""
    if is_null(node):
        return None
    found = reader.keys(node, '"limits"', ("writes",))
    if "writes" not in found:
        return None
    key_node, writes = found["writes"]
    problem = "writes must be a mapping, like writes: {per_user: 10, window: 10m}"
    fields = reader.keys(writes, '"writes"', ("per_user", "window"), problem)
    missing = [k for k in ("per_user", "window") if k not in fields]
    if missing:
        reader.fail(
            writes, f"writes needs {' and '.join(missing)}, like {{per_user: 10, window: 10m}}"
        )
    return WriteLimit(
        per_user=_count(reader, fields["per_user"][1]),
        window=duration(reader, fields["window"][1], "window"),
        line=line_of(key_node),
    )


def _count(reader: NodeReader, node: yaml.Node) -> int:
    if not isinstance(node, yaml.ScalarNode):
        reader.fail(node, "per_user must be a whole number more than zero, not a list or mapping")
    text = str(node.value)
    if node.tag != _INT_TAG or not _DIGITS.fullmatch(text) or int(text) < 1:
        shown = "nothing" if node.tag == NULL_TAG else quote(text) if node.tag == STR_TAG else text
        reader.fail(node, f"per_user must be a whole number more than zero, not {shown}")
    return int(text)


def settings_problems(policy: Policy, ops_channel: str | None) -> list[str]:
    """Return `file:line: problem` for each guardrail the settings can't support."""
    if policy.approvals and not ops_channel:
        first = policy.approvals[0]
        return [
            f"{policy.source}:{first.line}: approve: needs BOT_OPS_CHANNEL, the channel where "
            "approval requests are posted; set it, or remove approve: from the policy"
        ]
    return []
