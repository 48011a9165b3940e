"""Logging: LOG_LEVEL and LOG_FORMAT, one request id per request, and lines nobody can forge.

Every record carries the request it belongs to (`bind_request`, set by the Slack edge and the
flow; asyncio tasks inherit it): the text format shows `[request_id]`, the JSON format has the
keys `time, level, logger, message, request_id, user, action, server_id` (+ `exception`).
Outside text (API errors, server names) goes into log records as it is; the formatters make sure
it never starts a line of its own, and the configured secrets never appear at all.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

__all__ = [
    "JSONFormatter",
    "TextFormatter",
    "bind_request",
    "configure_logging",
    "current_request_id",
    "escape_text",
    "new_request_id",
    "settings_secrets",
]

_request_id: ContextVar[str] = ContextVar("vpsbot_request_id", default="")
_user: ContextVar[str | None] = ContextVar("vpsbot_user", default=None)
_action: ContextVar[str | None] = ContextVar("vpsbot_action", default=None)
_server_id: ContextVar[int | None] = ContextVar("vpsbot_server_id", default=None)


def new_request_id() -> str:
    """A fresh request id: 12 hex characters (48 random bits)."""
    return secrets.token_hex(6)


def bind_request(
    *,
    request_id: str,
    user: str | None = None,
    action: str | None = None,
    server_id: int | None = None,
) -> None:
    """Tie the current task's log lines (and those of tasks it starts) to a request.

    Binding the same id again adds what is now known (action, server) and keeps the rest;
    binding a new id forgets everything the previous request had bound.
    """
    if request_id != _request_id.get():
        _request_id.set(request_id)
        _user.set(user)
        _action.set(action)
        _server_id.set(server_id)
        return
    if user is not None:
        _user.set(user)
    if action is not None:
        _action.set(action)
    if server_id is not None:
        _server_id.set(server_id)


def current_request_id() -> str:
    """The request the current task works for ("" when none)."""
    return _request_id.get()


# Characters that could end a line or disguise one: C0/C1 controls (\n, \r, \v, \f, NEL...),
# Unicode line/paragraph separators, bidi overrides, and lone surrogates (undecodable bytes).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def escape_text(text: str) -> str:
    """`text` on one line: line breaks and other control characters written as escapes."""
    return _UNSAFE.sub(_escape_char, text) if _UNSAFE.search(text) else text


class _RequestContext(logging.Filter):
    """Adds the bound request (id, user, action, server) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
            record.user = _user.get()
            record.action = _action.get()
            record.server_id = _server_id.get()
        return True


class _Redacting(logging.Formatter):
    """Removes configured secret values from whatever the formatter wrote."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would blank out ordinary words; real tokens are long.
        self._secrets = sorted({s for s in secret_values if len(s) >= 8}, key=len, reverse=True)

    def redact(self, line: str) -> str:
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, "[secret]")
        return line


class TextFormatter(_Redacting):
    """`time LEVEL logger [request_id]: message`; tracebacks indented under their record."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", "")
        where = f"{record.name} [{request_id}]" if request_id else record.name
        head = f"{self.formatTime(record)} {record.levelname:<7} {where}: "
        lines = [head + escape_text(record.getMessage())]
        extra = self._exception_text(record)
        if extra:
            # Every continuation line starts with spaces: none can pass for a record.
            lines.extend("    " + escape_text(part) for part in extra.splitlines())
        return self.redact("\n".join(lines))

    def _exception_text(self, record: logging.LogRecord) -> str:
        parts = []
        if record.exc_info:
            parts.append(self.formatException(record.exc_info))
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return "\n".join(parts)


# JSON escapes every C0 control; these would still split a line for some readers
# (str.splitlines, JavaScript), and a lone surrogate cannot be written as UTF-8.
_JSON_UNSAFE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


class JSONFormatter(_Redacting):
    """One JSON object per line with the conventional keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "user": getattr(record, "user", None),
            "action": getattr(record, "action", None),
            "server_id": getattr(record, "server_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        line = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
        return self.redact(line)


def settings_secrets(settings: BaseModel) -> list[str]:
    """Every secret a settings object holds: SecretStr values and passwords inside URLs."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, str) and "@" in value:
            try:
                parts = urlsplit(value)
            except ValueError:
                continue
            if parts.password:
                found.append(parts.password)
    return found


def configure_logging(
    level: str, fmt: str, *, hide: Iterable[str] = (), stream: IO[str] | None = None
) -> None:
    """Send the bot's logs to stderr (or `stream`) at `level`; libraries stay at WARNING.

    `hide` are values that must never be written (`settings_secrets(settings)` gives them).
    """
    handler = logging.StreamHandler(stream)
    handler.addFilter(_RequestContext())
    handler.setFormatter(JSONFormatter(hide) if fmt == "json" else TextFormatter(hide))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(level)
