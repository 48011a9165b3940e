"""Which server a `<server>` reference means: an id (`12345`, `#12345`), a name, or a hostname.

`parse_reference` is the one reader of a typed (or clicked) reference in the whole bot: it says
whether the text is an id, a name/hostname, or no server reference at all (`BadReference`, e.g.
`#²`, Arabic-Indic digits, an id beyond 64 bits). The bot lists the fleet once and asks
`resolve_server`. A reference is matched against ids
(only ids when it starts with `#`), names (exact case first; any case when none matches that
way) and hostnames (any case, trailing dot ignored). One server matched is the answer; several
are `Ambiguous`; none is `NotFound`: data, which `bot.slack.wording` puts in words.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypeVar

__all__ = [
    "MAX_REFERENCE",
    "MAX_SERVER_ID",
    "Ambiguous",
    "BadReference",
    "NotFound",
    "ServerRef",
    "filter_servers",
    "is_id",
    "parse_reference",
    "resolve_server",
]


class Named(Protocol):
    """What resolving needs of a server: a full `Server`, or a row of the bot's fleet index."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def hostname(self) -> str | None: ...


S = TypeVar("S", bound=Named)

_ID: Final = re.compile(r"[0-9]+", re.ASCII)
MAX_SERVER_ID: Final = 2**63 - 1
"""The largest id a reference may carry (a signed 64-bit integer, as databases store them)."""
MAX_REFERENCE: Final = 255


@dataclass(frozen=True)
class NotFound:
    """No server goes by the reference; `suggestions` are names close to it."""

    reference: str
    suggestions: tuple[str, ...] = ()
    slash_command: str = "/vps"


@dataclass(frozen=True)
class Ambiguous:
    """Several servers go by the reference: pick one by its `#id`."""

    reference: str
    candidates: tuple[Named, ...]


@dataclass(frozen=True)
class ServerRef:
    """A well-formed reference: `id` when it names an id; `only_id` for `#12345` (never a name)."""

    text: str
    id: int | None = None
    only_id: bool = False

    @classmethod
    def of_id(cls, server_id: int) -> ServerRef:
        """The reference `#<id>` (a button or a stored confirmation names a server this way)."""
        return cls(text=f"#{server_id}", id=server_id, only_id=True)


@dataclass(frozen=True)
class BadReference:
    """Text that cannot name any server, and why not."""

    reference: str
    problem: Literal["empty", "long", "digits", "large", "spaces"]


def parse_reference(text: str) -> ServerRef | BadReference:
    """Read a `<server>` reference: an id (`12345`, `#12345`), or a name or hostname."""
    ref = _clean(text)
    if not ref:
        return BadReference(reference=ref, problem="empty")
    if len(ref) > MAX_REFERENCE:
        return BadReference(reference=ref, problem="long")
    digits = ref.removeprefix("#")
    if digits and all(unicodedata.category(c)[0] == "N" for c in digits):
        if not _ID.fullmatch(digits):
            return BadReference(reference=ref, problem="digits")
        if int(digits) > MAX_SERVER_ID:
            return BadReference(reference=ref, problem="large")
        return ServerRef(text=ref, id=int(digits), only_id=ref.startswith("#"))
    if any(unicodedata.category(c)[0] in "CZ" for c in ref):
        return BadReference(reference=ref, problem="spaces")
    return ServerRef(text=ref)


def resolve_server(
    reference: str | ServerRef, servers: Sequence[S], *, slash_command: str = "/vps"
) -> S | NotFound | Ambiguous:
    """Return the one server `reference` means, or why there isn't one."""
    parsed = parse_reference(reference) if isinstance(reference, str) else reference
    if isinstance(parsed, BadReference):
        return NotFound(reference=parsed.reference, slash_command=slash_command)
    ref = parsed.text
    if parsed.only_id:
        matches = [s for s in servers if s.id == parsed.id]
    else:
        by_id = [s for s in servers if parsed.id is not None and s.id == parsed.id]
        matches = _unique(by_id + _by_name(ref, servers) + _by_hostname(ref, servers))
    if len(matches) == 1:
        return matches[0]
    if matches:
        return Ambiguous(reference=ref, candidates=tuple(sorted(matches, key=lambda s: s.id)))
    return NotFound(
        reference=ref, suggestions=_close_names(ref, servers), slash_command=slash_command
    )


def filter_servers(servers: Iterable[S], text: str) -> list[S]:
    """Return the servers whose name or hostname contains `text`, in any case."""
    needle = _clean(text).casefold()
    return [
        s for s in servers if needle in s.name.casefold() or needle in (s.hostname or "").casefold()
    ]


def _clean(text: str) -> str:
    """Drop invisible characters and surrounding spaces: a name copied out of an old message
    (ours used to carry invisible characters) or another tool still finds its server."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def is_id(ref: str) -> bool:
    """Whether a reference is an id (`12345`, `#12345`)."""
    return _ID.fullmatch(ref.removeprefix("#")) is not None


def _by_name(ref: str, servers: Sequence[S]) -> list[S]:
    exact = [s for s in servers if s.name == ref]
    return exact or [s for s in servers if s.name.casefold() == ref.casefold()]


def _by_hostname(ref: str, servers: Sequence[S]) -> list[S]:
    host = ref.removesuffix(".").casefold()
    if not host:
        return []
    return [s for s in servers if (s.hostname or "").removesuffix(".").casefold() == host]


def _unique(servers: list[S]) -> list[S]:
    return list({s.id: s for s in servers}.values())


def _close_names(ref: str, servers: Sequence[Named]) -> tuple[str, ...]:
    if not ref or is_id(ref):
        return ()
    folded: dict[str, set[str]] = {}
    for s in servers:
        folded.setdefault(s.name.casefold(), set()).add(s.name)
    close = difflib.get_close_matches(ref.casefold(), list(folded), n=3, cutoff=0.6)
    return tuple(sorted(name for key in close for name in folded[key]))
