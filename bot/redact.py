"""Credentials never leave in a URL we show: `redact_url` hides the userinfo part."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]

_HIDDEN = "***"


def redact_url(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`; other parts are kept as they are."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _without_userinfo(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{_HIDDEN}@{host}"))


def _without_userinfo(text: str) -> str:
    """For text urlsplit refuses: drop everything between '//' and the last '@' before a '/'."""
    scheme, sep, rest = text.partition("//")
    if not sep:
        return text
    authority, slash, tail = rest.partition("/")
    if "@" not in authority:
        return text
    return f"{scheme}//{_HIDDEN}@{authority.rpartition('@')[2]}{slash}{tail}"
