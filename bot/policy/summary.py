"""A loaded policy in one line, for `vpsbot check`: what it holds, section by section."""

from bot.policy.model import ANY_ACTION, Policy, actions
from bot.policy.windows import describe_window


def summarize(policy: Policy) -> str:
    """Return "3 rules (\"*\" 1, stop 2); confirm stop, delete; approval for delete; …"."""
    order = (ANY_ACTION, *actions())
    counts = {a: sum(r.action == a for r in policy.rules) for a in order}
    per_action = ", ".join(f"{_action(a)} {n}" for a, n in counts.items() if n)
    parts = [_count(len(policy.rules), "rule") + (f" ({per_action})" if per_action else "")]
    confirmed = [a for a in actions() if a in policy.confirm]
    parts.append("confirm " + ", ".join(confirmed) if confirmed else "nothing confirmed")
    if policy.approvals:
        needs = ", ".join(_action(a.action) for a in policy.approvals)
        parts.append(f"{_count(len(policy.approvals), 'approval')} ({needs})")
    else:
        parts.append("no approvals")
    if policy.freezes:
        windows = "; ".join(describe_window(w) for w in policy.freezes)
        parts.append(f"{_count(len(policy.freezes), 'freeze window')} ({windows})")
    else:
        parts.append("no freezes")
    limit = policy.write_limit
    if limit is not None:
        writes = _count(limit.per_user, "write")
        parts.append(f"at most {writes} per member in {_duration(limit.window)}")
    else:
        parts.append("no write limit")
    return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    """Return "1 rule", "2 rules"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _action(action: str) -> str:
    """Return an action as the file writes it ("*" quoted)."""
    return f'"{action}"' if action == ANY_ACTION else action


def _duration(seconds: float) -> str:
    """Return seconds the way the file writes durations: "90s" as "1m30s", "1h30m", "2d"."""
    left, text = round(seconds), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            text += f"{left // size}{unit}"
            left %= size
    return text or f"{seconds:g}s"
