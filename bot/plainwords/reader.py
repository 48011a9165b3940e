"""`read`: plain words, in English or Italian, to the one `/vps` command they say.

Deterministic and offline: the same words, fleet and catalog always give the same reading. It
never guesses a write: a name that is not in the fleet is offered with the names it is close
to (a question, never a substitution), two readings are offered as two commands, and a delete
that names no one server is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.catalog import Catalog
from bot.commands.usage import READS
from bot.operations import find
from bot.plainwords.names import FleetNames
from bot.plainwords.options import PLAN_OPTIONS
from bot.plainwords.scan import Name, Parts, scan

__all__ = ["Outcome", "Reading", "read"]

Outcome = Literal["understood", "ambiguous", "refused", "not_understood"]
_READ_ORDER = ("whoami", "approvals", "audit", "help", "list", "show")


@dataclass(frozen=True)
class Reading:
    """What the words became: a command (the text after `/vps`), candidates, or neither."""

    outcome: Outcome
    command: str = ""
    candidates: tuple[str, ...] = ()
    why: str = ""  # "delete-one", "which-server", "several-readings", "unknown", …

    @property
    def word(self) -> str:
        """The command word of the command (or of the first candidate)."""
        text = self.command or (self.candidates[0] if self.candidates else "")
        return text.split(" ", 1)[0]

    @property
    def is_write(self) -> bool:
        """A change to servers: shown with Do it / Cancel, never run at once."""
        return bool(self.word) and self.word not in READS


def read(text: str, fleet: FleetNames, catalog: Catalog) -> Reading:
    """The reading of `text` for this fleet and catalog."""
    parts = scan(text, fleet, catalog)
    if parts.negated:
        return Reading("not_understood", why="negated")
    if len(parts.statuses) > 1:
        return Reading("ambiguous", why="several-readings")
    if parts.vague_time:
        return Reading("not_understood", why="when")
    verbs = _verbs(parts)
    if not verbs:
        return _no_verb(parts)
    readings = [_scheduled(_reading(verb, parts), parts.when) for verb in verbs]
    if len(readings) == 1:
        return readings[0]
    commands = _unique(c for r in readings for c in ((r.command,) if r.command else r.candidates))
    if any(r.outcome == "refused" for r in readings):
        return next(r for r in readings if r.outcome == "refused")
    return Reading("ambiguous", candidates=tuple(commands[:3]), why="several-readings")


def _scheduled(reading: Reading, when: str | None) -> Reading:
    """A write with a time becomes a schedule of it; a read or a question with one is unclear."""
    if when is None or reading.outcome == "refused":
        return reading
    if reading.outcome != "understood" or not reading.is_write:
        return Reading("not_understood", why="when")
    return Reading("understood", f"schedule {reading.command} {when}")


def _verbs(parts: Parts) -> list[str]:
    """The command words the words ask for, one reading each; reads fold into one."""
    said = _unique(parts.verbs)
    if parts.backups and (parts.switch or {"start", "stop"} & set(said)):
        said = [v for v in said if v not in ("start", "stop", "show", "list")] or ["set"]
        said = ["set" if v in ("start", "stop") else v for v in said]
        said = _unique(["set", *[v for v in said if v != "set"]])[:1] if len(said) == 1 else said
    reads = [v for v in _READ_ORDER if v in said]
    writes = [v for v in said if v not in _READ_ORDER]
    if writes and "help" in reads:
        return ["help:" + writes[0]]
    if reads:
        reads = reads[:1]
    return writes + reads if writes else reads


def _no_verb(parts: Parts) -> Reading:
    """No verb: a name alone is shown, filters or a group alone are listed."""
    if parts.unknown:
        return Reading("not_understood", why="unknown")  # "give web-01 a kick": no guess
    if len(parts.names) == 1 and not (parts.groups or parts.globs or parts.status):
        name = parts.names[0]
        if name.exact is None and not name.near:
            return Reading("not_understood", why="unknown")  # "upgrade to 1.31"
        return _reading("show", parts)
    if parts.status or parts.location or parts.groups or parts.globs:
        return _reading("list", parts)
    return Reading("not_understood", why="unknown")


def _reading(verb: str, parts: Parts) -> Reading:
    if verb.startswith("help:"):
        return Reading("understood", "help " + verb.removeprefix("help:"))
    if verb in ("whoami", "approvals"):
        return Reading("understood", verb)
    if verb == "help":
        return Reading("understood", "help")
    if verb == "audit":
        return _one_or_none("audit", parts)
    if verb in ("show", "list"):
        return _show_or_list(verb, parts)
    if verb == "create":
        return _create(parts)
    if verb == "rename":
        return _rename(parts)
    if verb == "delete":
        return _delete(parts)
    if find(verb) is None:
        return Reading("not_understood", why="unknown")
    tail = f" backups:{parts.switch[-1] if parts.switch else 'on'}" if verb == "set" else ""
    return _servers(verb, parts, tail)


def _servers(verb: str, parts: Parts, tail: str) -> Reading:
    """start / stop / reboot / set backups: one server, or several (a plan)."""
    options = "".join(f" {k}:{parts.options[k]}" for k in PLAN_OPTIONS if k in parts.options)
    filters = _filters(parts)
    asked = _ask(verb, parts, tail + filters + options)
    if asked is not None:
        return asked
    selectors = [n.exact or n.typed for n in parts.names] + parts.globs
    for word, members in parts.groups:
        if parts.plural or parts.every or (len(members) > 1 and filters):
            selectors.append(word + "-*")
        elif len(members) == 1:
            selectors.append(members[0])
        else:
            candidates = [f"{verb} {m}{tail}" for m in members[:2]]
            return Reading(
                "ambiguous", candidates=(*candidates, f"{verb} {word}-*{tail}"), why="which-server"
            )
    if not selectors and not filters:
        return Reading("ambiguous", why="which-server")
    return Reading("understood", " ".join([verb, *selectors]) + tail + filters + options)


def _ask(verb: str, parts: Parts, tail: str) -> Reading | None:
    """A name not in the fleet with names close to it: those names offered, nothing chosen."""
    for name in parts.names:
        if name.exact is None and name.near:
            return Reading(
                "ambiguous",
                candidates=tuple(f"{verb} {near}{tail}" for near in name.near[:3]),
                why="near-miss",
            )
    return None


def _filters(parts: Parts) -> str:
    status = f" status:{parts.status}" if parts.status else ""
    return status + (f" location:{parts.location}" if parts.location else "")


def _show_or_list(verb: str, parts: Parts) -> Reading:
    many = parts.plural or parts.every or parts.status or parts.location or parts.globs
    if len(parts.names) == 1 and not many and not parts.groups:
        return _ask("show", parts, "") or Reading("understood", "show " + _ref(parts.names[0]))
    if verb == "show" and not many and len(parts.groups) == 1:
        members = parts.groups[0][1]
        if len(members) == 1:
            return Reading("understood", "show " + members[0])
    text = ""
    if parts.groups:
        text = " " + parts.groups[0][0]
    elif parts.globs:
        text = " " + parts.globs[0].split("*", 1)[0].split("?", 1)[0]
    return Reading("understood", f"list{_filters(parts)}{text}".rstrip())


def _one_or_none(verb: str, parts: Parts) -> Reading:
    if not parts.names:
        return Reading("understood", verb)
    return _ask(verb, parts, "") or Reading("understood", f"{verb} {_ref(parts.names[0])}")


def _delete(parts: Parts) -> Reading:
    """A delete names one server, always."""
    wide = parts.globs or parts.groups or parts.every or parts.plural or parts.status
    if wide or parts.location or len(parts.names) != 1:
        return Reading("refused", why="delete-one")
    return _ask("delete", parts, "") or Reading("understood", "delete " + _ref(parts.names[0]))


def _rename(parts: Parts) -> Reading:
    names = parts.names
    if len(names) < 2:
        return Reading("ambiguous", why="rename-needs-two")
    to = parts.rename_to if parts.rename_to is not None and parts.rename_to < len(names) else -1
    server, new = names[0], names[to]
    asked = _ask("rename", Parts(names=[server]), " " + new.typed)
    return asked or Reading("understood", f"rename {_ref(server)} {new.typed}")


def _create(parts: Parts) -> Reading:
    new = next((n.typed for n in parts.names if n.exact is None), None)
    if new is None or parts.plan is None or parts.os is None or parts.location is None:
        return Reading("understood", "create")  # the form, with every field to fill
    text = f"create {new} plan:{parts.plan} os:{parts.os} location:{parts.location}"
    if parts.hostname:
        text += f" hostname:{parts.hostname}"
    if parts.backups:
        text += f" backups:{parts.switch[-1] if parts.switch else 'on'}"
    return Reading("understood", text)


def _ref(name: Name) -> str:
    return name.exact or name.typed


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
