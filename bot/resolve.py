"""Which server a `<server>` reference means: an id (`12345`, `#12345`), a name, or a hostname.

The bot lists the fleet once and asks `resolve_server`. A reference is matched against ids
(only ids when it starts with `#`), names (exact case first; any case when none matches that
way) and hostnames (any case, trailing dot ignored). One server matched is the answer; several
are `Ambiguous`; none is `NotFound`. Messages are mrkdwn; what people typed and what servers are
called go through `bot.slack.text.code`.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from bot.slack.text import code, plain
from bot.vps.models import Server

__all__ = ["Ambiguous", "NotFound", "Resolution", "filter_servers", "resolve_server"]

_ID: Final = re.compile(r"[0-9]+")
_SHOWN_CANDIDATES: Final = 10
_SHOWN_CHARS: Final = 80


@dataclass(frozen=True)
class NotFound:
    """No server goes by the reference; `suggestions` are names close to it."""

    reference: str
    suggestions: tuple[str, ...] = ()
    slash_command: str = "/vps"

    @property
    def message(self) -> str:
        """Say so, suggest a search and the close names (mrkdwn)."""
        ref = _show(self.reference)
        if not self.reference:
            return "Which server? Give its id (like `#12345`), name or hostname."
        if _is_id(self.reference):
            text = f"No server has the id {ref} — try `{self.slash_command} list`."
        else:
            search = _show(f"{self.slash_command} list {self.reference.lstrip('#')}")
            text = f"No server {ref} — try {search}."
        if self.suggestions:
            *others, last = [code(name) for name in self.suggestions]
            names = f"{', '.join(others)} or {last}" if others else last
            text += f" Did you mean {names}?"
        return text


@dataclass(frozen=True)
class Ambiguous:
    """Several servers go by the reference: pick one by its `#id`."""

    reference: str
    candidates: tuple[Server, ...]

    @property
    def message(self) -> str:
        """List the candidates with id, name and hostname (mrkdwn), to re-run with `#id`."""
        lines = [
            f"{_show(self.reference)} could mean {len(self.candidates)} servers; "
            f"use the id instead, like `#{self.candidates[0].id}`:"
        ]
        for server in self.candidates[:_SHOWN_CANDIDATES]:
            host = _show(server.hostname) if server.hostname else "no hostname"
            lines.append(f"• `#{server.id}` {_show(server.name)} ({host})")
        if len(self.candidates) > _SHOWN_CANDIDATES:
            lines.append(f"…and {len(self.candidates) - _SHOWN_CANDIDATES} more.")
        return "\n".join(lines)


Resolution: TypeAlias = Server | NotFound | Ambiguous


def resolve_server(
    reference: str, servers: Sequence[Server], *, slash_command: str = "/vps"
) -> Resolution:
    """Return the one server `reference` means, or why there isn't one."""
    ref = _clean(reference)
    if ref.startswith("#") and _ID.fullmatch(ref[1:]):
        wanted = int(ref[1:])
        matches = [s for s in servers if s.id == wanted]
    else:
        by_id = [s for s in servers if _ID.fullmatch(ref) and s.id == int(ref)]
        matches = _unique(by_id + _by_name(ref, servers) + _by_hostname(ref, servers))
    if len(matches) == 1:
        return matches[0]
    if matches:
        return Ambiguous(reference=ref, candidates=tuple(sorted(matches, key=lambda s: s.id)))
    return NotFound(
        reference=ref, suggestions=_close_names(ref, servers), slash_command=slash_command
    )


def filter_servers(servers: Iterable[Server], text: str) -> list[Server]:
    """Return the servers whose name or hostname contains `text`, in any case."""
    needle = _clean(text).casefold()
    return [
        s for s in servers if needle in s.name.casefold() or needle in (s.hostname or "").casefold()
    ]


def _clean(text: str) -> str:
    """Drop invisible characters (our own messages put word joiners in names) and spaces."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _is_id(ref: str) -> bool:
    return _ID.fullmatch(ref.removeprefix("#")) is not None


def _by_name(ref: str, servers: Sequence[Server]) -> list[Server]:
    exact = [s for s in servers if s.name == ref]
    return exact or [s for s in servers if s.name.casefold() == ref.casefold()]


def _by_hostname(ref: str, servers: Sequence[Server]) -> list[Server]:
    host = ref.removesuffix(".").casefold()
    if not host:
        return []
    return [s for s in servers if (s.hostname or "").removesuffix(".").casefold() == host]


def _unique(servers: list[Server]) -> list[Server]:
    return list({s.id: s for s in servers}.values())


def _close_names(ref: str, servers: Sequence[Server]) -> tuple[str, ...]:
    if not ref or _is_id(ref):
        return ()
    folded: dict[str, set[str]] = {}
    for s in servers:
        folded.setdefault(s.name.casefold(), set()).add(s.name)
    close = difflib.get_close_matches(ref.casefold(), list(folded), n=3, cutoff=0.6)
    return tuple(sorted(name for key in close for name in folded[key]))


def _show(text: str) -> str:
    return code(plain(text, _SHOWN_CHARS)) or "(blank)"
