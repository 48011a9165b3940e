"""Untrusted text (server names, hostnames, API errors) made safe for Slack surfaces.

What an operator copies or searches for stays exact: an IP, hostname, id or name made of
ordinary hostname characters (letters, digits, ``-``, ``.``, ``:``, an underscore inside a
word) comes out byte for byte, and nothing we send holds an invisible character. Slack's own
switches keep such text from linking; escaping covers what they leave on:

- Auto-parsing (linking bare URLs and domains such as ``evil.example.com`` and ``#channel``
  names, turning ``@here``, ``@channel`` and ``@everyone`` into mentions) is off in every
  mrkdwn text object we send: they all have ``verbatim: true`` (`bot.slack.blocks.core.md`).
- ``&``, ``<`` and ``>`` open control sequences (``<!here>``, ``<@U…>``, ``<http://x|y>``),
  which Slack honours even in verbatim text: they become ``&amp;``, ``&lt;`` and ``&gt;``,
  as Slack's formatting guide requires.
- ``*bold*``, ``_italic_``, ``~strike~`` and ``code`` markers, honoured in verbatim text too,
  are swapped for look-alikes that mrkdwn ignores (asterisk operator, low macron, tilde
  operator, modifier grave); an underscore between two letters or digits stays, as Slack
  formats no italics inside a word (``VPS_API_TOKEN`` stays copyable).
- ``>`` at the start of a line makes a quote: a look-alike (modifier right arrowhead) takes
  its place there.
- Line breaks would let text open new lines (and quotes): they become spaces. Other control
  and format characters from outside are dropped: bidi overrides (they can make a name read
  backwards), zero-width spaces and joiners, so what people see is all there is.

The top-level ``text`` of a message (the notification, and the fallback where blocks cannot
be shown) has no verbatim switch: Slack parses it as mrkdwn and links what it recognises.
`unlinked` makes it safe, and `bot.slack.blocks.core.fallback` runs every fallback through it
so that no builder can forget: each word there that Slack could link or turn into a mention
(a domain, URL, IP, e-mail address, ``@word`` or ``#word``) goes into an inline code span of
its own, inside which Slack neither links nor formats. The word keeps its bytes; our own
``<@U…>``/``<#C…>`` mentions, code spans and ``#12345`` ids are left as they are.
"""

import re
import unicodedata

_ELLIPSIS = "…"

_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

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

_MRKDWN = str.maketrans({**_ENTITIES, **_MARKERS})
_CODE = str.maketrans({**_ENTITIES, **_BACKTICKS})
_NO_BACKTICKS = str.maketrans(_BACKTICKS)

_INTRAWORD_UNDERSCORE = re.compile(r"(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])")

_QUOTES = ("&gt;", "\uff1e")  # a quote, in ASCII or full width
_NOT_A_QUOTE = "\u02c3"  # modifier letter right arrowhead
_CUT_ENTITY = re.compile(r"&[#A-Za-z0-9]*\Z")
_CUT_SEQUENCE = re.compile(r"<[^<>]*\Z")

# What `unlinked` leaves alone: our code spans and control sequences (mentions, dates).
_KEPT = re.compile(r"`[^`]*`|<[^<>]*>")
_WORD = re.compile(r"\S+")
# A mention (@here, full-width too), a channel name, a domain or IP (full-width and
# ideographic dots are dots to IDNA), a URL scheme or an e-mail address. `#` and digits is
# how we write an id: Slack links a #name in a top-level text only for apps that ask
# (link_names, never set here), and then only to a channel of that name.
_LINKABLE = re.compile(r"[@\uff20]|[#\uff03](?!\d+\b)\w|[\w-][.\uff0e\u3002\uff61][\w-]|\w:[\w/]")
# Punctuation around a word that stays outside its code span: brackets, quotes, commas, and
# a full stop or colon after those (one right after the word may be part of a hostname).
# Never `;` or `&`: they end and start entities.
_LEADING = "([{\"'\u201c\u2018"
_TRAILING = re.compile("(?:[)\\]}\"',!?\u201d\u2019" + _ELLIPSIS + "][.:]?)*\\Z")


def escape(text: str) -> str:
    """Return untrusted text as inert single-line mrkdwn for a verbatim text object:
    no pings, sequences, formatting or quote; ordinary hostname characters unchanged."""
    pieces = _INTRAWORD_UNDERSCORE.split(_single_line(text))
    escaped = "_".join(piece.translate(_MRKDWN) for piece in pieces)
    body = escaped.lstrip(" ")
    for quote in _QUOTES:
        if body.startswith(quote):
            lead = escaped[: len(escaped) - len(body)]
            return lead + _NOT_A_QUOTE + body[len(quote) :]
    return escaped


def code(text: str) -> str:
    """Return untrusted text as an inline mrkdwn code span that nothing can break out of."""
    inner = _single_line(text).strip(" ").translate(_CODE)
    return f"`{inner}`" if inner else ""


def unlinked(mrkdwn: str) -> str:
    """Return safe mrkdwn fit for a top-level message text, which Slack auto-parses: every
    word it could link or ping goes into a code span of its own, byte for byte."""
    pieces = []
    last = 0
    for kept in _KEPT.finditer(mrkdwn):
        pieces.append(_WORD.sub(_span_if_linkable, mrkdwn[last : kept.start()]))
        pieces.append(kept.group())
        last = kept.end()
    pieces.append(_WORD.sub(_span_if_linkable, mrkdwn[last:]))
    return "".join(pieces)


def plain(text: str, limit: int) -> str:
    """Return untrusted text for a plain_text object: single-line, at most `limit` characters."""
    return _shorten(_single_line(text), limit)


def as_shown(text: str) -> str:
    """Text as a person sees it and would type it back: one line, no invisible characters,
    single spaces, NFC. What a prompt shows and what it compares against are both this."""
    return unicodedata.normalize("NFC", " ".join(_single_line(text).split()))


def truncate(text: str, limit: int) -> str:
    """Shorten mrkdwn to `limit` characters without cutting an entity, a <…> sequence or a
    code span."""
    return _shorten(text, limit, mrkdwn=True)


def _span_if_linkable(match: re.Match[str]) -> str:
    word = match.group()
    if not _LINKABLE.search(word):
        return word
    core = word.lstrip(_LEADING)
    lead = word[: len(word) - len(core)]
    tail = found.group() if (found := _TRAILING.search(core)) else ""
    inner = core[: len(core) - len(tail)]
    # A stray backtick (never in escaped text) must not close the span early.
    return f"{lead}`{inner.translate(_NO_BACKTICKS)}`{tail}"


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
        if head.count("`") % 2:  # a code span cut open would run on into the ellipsis
            head = head[: head.rindex("`")]
    return head.rstrip() + _ELLIPSIS
