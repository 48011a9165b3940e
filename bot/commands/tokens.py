"""From the text Slack sends after `/vps` to words and `key:value` options.

Slack escapes `&`, `<` and `>` in slash-command text and may send a typed domain as a link
(`<http://web.example.com|web.example.com>`); both are undone first. Invisible characters go
(the bot's own messages put word joiners into hostnames, and people copy them back), then the
words are split like a POSIX shell splits them, quotes and all.
"""

import re
import shlex
import unicodedata
from typing import Final

from bot.commands.usage import commands
from bot.commands.values import ParseError

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")
_OPTION = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)[:=](.*)", re.DOTALL)
_CURLY_DOUBLE = str.maketrans(dict.fromkeys("“”„‟", '"'))
# Other spellings people reach for; the key on the right is the one messages use.
_ALIASES: Final = {
    "ssh": "ssh-key",
    "sshkey": "ssh-key",
    "ssh-key-id": "ssh-key",
    "plan-id": "plan",
    "os-id": "os",
    "backup": "backups",
    "backups-enabled": "backups",
}


def clean(text: str) -> str:
    """Undo Slack's escaping and links; drop invisible characters; one kind of space."""
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_CURLY_DOUBLE).strip()


def tokenise(text: str) -> list[str]:
    """Split cleaned text into words as a POSIX shell does; an unclosed quote is a ParseError."""
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        pass
    words = text.split(maxsplit=1)
    first = words[0].casefold() if words and words[0].casefold() in commands() else None
    start = _unclosed_quote(text)
    if start is None:  # shlex's other complaint: a backslash at the very end
        raise ParseError("backslash", first) from None
    word = text[text.rfind(" ", 0, start) + 1 :]
    raise ParseError("unclosed-quote", first, typed=word, detail=text[start]) from None


def split_option(word: str) -> tuple[str, str, str] | None:
    """Return the option a `key:value` or `key=value` word holds, None for a plain word: the
    key as typed, its canonical form, and the value."""
    match = _OPTION.fullmatch(word)
    if not match:
        return None
    typed, value = match.groups()
    return typed, canonical_key(typed), value


def canonical_key(key: str) -> str:
    """Return the key messages use: lowercase, hyphens for underscores, aliases resolved."""
    key = key.strip().casefold().replace("_", "-")
    return _ALIASES.get(key, key)


def _unclosed_quote(text: str) -> int | None:
    """Return where the quote that is never closed starts, as shlex (posix) reads quotes."""
    quote: str | None = None
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'":
            i += 2
            continue
        if quote is None and ch in "'\"":
            quote, start = ch, i
        elif ch == quote:
            quote = None
        i += 1
    return start if quote else None
