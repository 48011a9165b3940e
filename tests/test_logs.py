"""Log lines: one per record whatever outside text they carry, tied to a request, never a secret."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import (
    bind_request,
    configure_logging,
    current_request_id,
    escape_text,
    new_request_id,
    settings_secrets,
)

FORGED = "upstream said no\n2030-01-01 00:00:00,000 CRITICAL bot.flow: admin password reset"
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ +bot\.")


@pytest.fixture
def capture() -> Iterator[tuple[io.StringIO, list[str]]]:
    """Configure logging into a buffer (text format by default); restore the root logger after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("bot").level
    stream = io.StringIO()
    hide: list[str] = []
    yield stream, hide
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("bot").setLevel(saved[2])


def fail(error: Exception) -> None:
    raise error


def configure(capture: tuple[io.StringIO, list[str]], fmt: str) -> io.StringIO:
    stream, hide = capture
    configure_logging("DEBUG", fmt, hide=hide, stream=stream)
    return stream


def test_outside_text_in_args_never_starts_a_text_line(
    capture: tuple[io.StringIO, list[str]],
) -> None:
    stream = configure(capture, "text")
    log = logging.getLogger("bot.vps")
    log.warning("the API refused: %s", FORGED)
    log.warning("bare message: " + FORGED)  # noqa: G003 - the point: outside text in the message
    log.warning("unicode separators: %s", "a\u2028b\u2029c\x85d\re\x1b[31mred")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert all(RECORD_START.match(line) for line in lines), lines
    assert "upstream said no\\n2030-01-01" in lines[0]
    for escaped in ("\\u2028", "\\x1b", "\\r", "\\x85"):
        assert escaped in lines[2]


def test_a_traceback_stays_under_its_record(capture: tuple[io.StringIO, list[str]]) -> None:
    stream = configure(capture, "text")
    try:
        fail(RuntimeError(FORGED))
    except RuntimeError:
        logging.getLogger("bot.flow").exception("the call failed")
    lines = stream.getvalue().splitlines()
    assert RECORD_START.match(lines[0])
    assert len(lines) > 2
    # Continuation lines are indented: a reader that splits records on a timestamp at the
    # start of a line sees one record, and the forged CRITICAL is inside it.
    assert all(line.startswith("    ") for line in lines[1:]), lines
    assert any("CRITICAL" in line for line in lines[1:])


def test_json_is_one_object_per_line_with_the_conventional_keys(
    capture: tuple[io.StringIO, list[str]],
) -> None:
    contextvars.copy_context().run(json_lines, configure(capture, "json"))


def json_lines(stream: io.StringIO) -> None:
    bind_request(request_id="abc123def456", user="U0ALICE01")
    bind_request(request_id="abc123def456", action="reboot", server_id=12345)
    logging.getLogger("bot.vps").error("refused: %s", FORGED + "\u2028x\udcff")
    try:
        fail(ValueError("boom\nCRITICAL"))
    except ValueError:
        logging.getLogger("bot.flow").exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    first, second = (json.loads(line) for line in lines)
    assert list(first) == [
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "user",
        "action",
        "server_id",
    ]
    assert first["message"] == "refused: " + FORGED + "\u2028x\udcff"  # exact, once decoded
    assert (first["request_id"], first["user"], first["action"], first["server_id"]) == (
        "abc123def456",
        "U0ALICE01",
        "reboot",
        12345,
    )
    assert (first["level"], first["logger"]) == ("ERROR", "bot.vps")
    assert "ValueError: boom\nCRITICAL" in second["exception"]


def test_text_lines_show_the_request_id(capture: tuple[io.StringIO, list[str]]) -> None:
    contextvars.copy_context().run(text_line, configure(capture, "text"))


def text_line(stream: io.StringIO) -> None:
    request_id = new_request_id()
    bind_request(request_id=request_id, user="U0BOB0001")
    logging.getLogger("bot.flow").info("working")
    assert f"bot.flow [{request_id}]: working" in stream.getvalue()


async def test_tasks_inherit_the_request_and_a_new_request_forgets_the_old(
    capture: tuple[io.StringIO, list[str]],
) -> None:
    stream = configure(capture, "json")
    bind_request(request_id="first0000000", user="U1", action="stop", server_id=1)

    async def child() -> str:
        logging.getLogger("bot.watch").info("in a task")
        return current_request_id()

    assert await asyncio.create_task(child()) == "first0000000"
    bind_request(request_id="second000000")
    logging.getLogger("bot").info("next request")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["request_id"], first["user"], first["action"], first["server_id"]) == (
        "first0000000",
        "U1",
        "stop",
        1,
    )
    assert (second["request_id"], second["user"], second["action"], second["server_id"]) == (
        "second000000",
        None,
        None,
        None,
    )


def test_request_ids_are_short_and_distinct() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_configured_secrets_never_reach_the_log(
    capture: tuple[io.StringIO, list[str]], fmt: str
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-very-secret-bot-token",
        slack_signing_secret="signing-secret-value",
        vps_api_token="vps-api-token-value",
        vps_api_url="http://proxyuser:proxy-password-1@proxy.example/api",
    )
    capture[1].extend(settings_secrets(settings))
    stream = configure(capture, fmt)
    logging.getLogger("bot").warning(
        "leak? %s %s %s %s",
        "xoxb-very-secret-bot-token",
        "signing-secret-value",
        "vps-api-token-value",
        "proxy-password-1",
    )
    out = stream.getvalue()
    for secret in ("very-secret", "signing-secret-value", "vps-api-token", "proxy-password-1"):
        assert secret not in out
    assert out.count("[secret]") == 4


def test_escape_text_keeps_ordinary_text_exact() -> None:
    ordinary = "web-server-01 (#12345) 203.0.113.12 ünïcödé → ok \\n stays"
    assert escape_text(ordinary) == ordinary
    assert escape_text("a\nb\tc\x00") == "a\\nb\\tc\\x00"
