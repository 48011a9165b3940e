"""Untrusted text (server names, hostnames, API errors) made safe for Slack surfaces.

Slack's mrkdwn has no backslash escapes, so each of its features is disarmed on its own:

- ``&``, ``<`` and ``>`` open control sequences (``<!here>``, ``<@U…>``, ``<http://x|y>``):
  they become ``&amp;``, ``&lt;`` and ``&gt;``, as Slack's formatting guide requires.
- ``*bold*``, ``_italic_``, ``~strike~`` and ``code`` markers are swapped for look-alikes
  that mrkdwn ignores (asterisk operator, low macron, tilde operator, modifier grave); an
  underscore between two letters or digits stays, as Slack formats no italics inside a word.
  Invisible spacers would not do: Slack treats a zero-width space as a word boundary and so
  *enables* formatting next to it.
- ``>`` at the start of a line makes a quote: a soft hyphen (invisible) goes in front.
- Auto-parsing (mrkdwn objects with ``verbatim: false``, the default) links bare URLs and
  domains such as ``evil.example.com``, links ``#channel`` names and turns ``@here``,
  ``@channel`` and ``@everyone`` into mentions. A word joiner (U+2060, invisible and never a
  line break) after every ``.``, ``:``, ``@`` and ``#`` leaves nothing for it to recognise.
- Line breaks would let text open new lines (and quotes): they become spaces. Other control
  and format characters from outside, bidi overrides among them (they can make a name read
  backwards), are dropped, so the only invisible characters in the output are ours.

The price: hostnames copied out of Slack carry the invisible word joiners with them.
"""

import re
import unicodedata

__all__ = ["WORD_JOINER", "as_shown", "code", "escape", "plain", "truncate"]

WORD_JOINER = "\u2060"
_SOFT_HYPHEN = "\u00ad"
_ELLIPSIS = "…"

_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

# Characters that start mentions (@here, and its full-width twin), channel links (#ops),
# URL schemes (https:) or domains (evil.com; full-width and ideographic dots are dots to IDNA).
_AUTOLINK_STARTERS = "@\uff20#.\uff0e\u3002\uff61:"
_UNLINK = {ch: ch + WORD_JOINER for ch in _AUTOLINK_STARTERS}

# Look-alikes Slack does not format; the full-width markers format in Slack too.
_BACKTICKS = {
    "`": "\u02cb",  # modifier letter grave accent
    "\uff40": "\u02cb",  # full-width grave accent -> the same
}
_MARKERS = {
    **_BACKTICKS,
    "*": "\u2217",  # asterisk operator
    "\uff0a": "\ufe61",  # full-width asterisk -> small asterisk
    "_": "\u02cd",  # modifier letter low macron
    "\uff3f": "\u2e0f",  # full-width low line -> paragraphos
    "~": "\u223c",  # tilde operator
    "\uff5e": "\u223c",  # full-width tilde -> the same
}

_MRKDWN = str.maketrans({**_ENTITIES, **_MARKERS, **_UNLINK})
_CODE = str.maketrans({**_ENTITIES, **_BACKTICKS, **_UNLINK})

_INTRAWORD_UNDERSCORE = re.compile(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])")

_QUOTES = ("&gt;", "\uff1e")  # a quote, in ASCII or full width
_CUT_ENTITY = re.compile(r"&[#A-Za-z0-9]*\Z")
_CUT_SEQUENCE = re.compile(r"<[^<>]*\Z")


def escape(text: str) -> str:
    """Return untrusted text as inert single-line mrkdwn: no pings, links or formatting."""
    # Slack never reads an underscore inside a word as italics: VPS_API_TOKEN stays copyable.
    pieces = _INTRAWORD_UNDERSCORE.split(_single_line(text))
    escaped = "_".join(piece.translate(_MRKDWN) for piece in pieces)
    body = escaped.lstrip(" ")
    if body.startswith(_QUOTES):
        return escaped[: len(escaped) - len(body)] + _SOFT_HYPHEN + body
    return escaped


def code(text: str) -> str:
    """Return untrusted text as an inline mrkdwn code span that nothing can break out of."""
    inner = _single_line(text).strip(" ").translate(_CODE)
    return f"`{inner}`" if inner else ""


def plain(text: str, limit: int) -> str:
    """Return untrusted text for a plain_text object: single-line, at most `limit` characters."""
    return _shorten(_single_line(text), limit)


def as_shown(text: str) -> str:
    """Text as a person sees it and would type it back: one line, no invisible characters,
    single spaces, NFC. What a prompt shows and what it compares against are both this."""
    return unicodedata.normalize("NFC", " ".join(_single_line(text).split()))


def truncate(text: str, limit: int) -> str:
    """Shorten mrkdwn to `limit` characters without cutting an entity or a <…> sequence."""
    return _shorten(text, limit, mrkdwn=True)


def _single_line(text: str) -> str:
    """Turn line breaks into spaces and drop the other control and format characters."""
    flat = _BREAKS.sub(" ", text)
    return "".join(ch for ch in flat if unicodedata.category(ch) not in ("Cc", "Cf"))


def _shorten(text: str, limit: int, *, mrkdwn: bool = False) -> str:
    """Cut text to `limit` characters, the last being an ellipsis when anything was cut."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if len(text) <= limit:
        return text
    head = text[: limit - len(_ELLIPSIS)]
    if mrkdwn:
        head = _CUT_SEQUENCE.sub("", _CUT_ENTITY.sub("", head))
    return head.rstrip() + _ELLIPSIS
