"""Settings: the only reader of the environment (and of `.env`). Secrets stay SecretStr."""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.state.url import check_state_url

_COMMAND = re.compile(r"^/[a-z0-9_\-]{1,31}$")
# Files in the zone database that are not zones: the machine's own zone, a template.
_NOT_ZONES = frozenset({"", "localtime", "posixrules"})
_SHAPES = {  # a blank value is unset
    "bot_ops_channel": (
        re.compile(r"^[CG][A-Z0-9]{2,}$"),
        "must be a channel ID like C0123456789 (not a #name)",
    ),
    "bot_replica_id": (
        re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"),
        "must be letters, digits, '.', '_' or '-' (at most 63), like web-1",
    ),
}
_TOKEN_KINDS = {
    "slack_bot_token": ("a bot token", "xoxb-"),
    "slack_app_token": ("an app-level token", "xapp-"),
}


class SettingsError(Exception):
    """One or more settings are missing or invalid; `problems` holds one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StartupError(Exception):
    """A program cannot start (a file, token or port a setting names is wrong); one line per
    problem, each naming what to fix."""


@contextmanager
def listening(setting: str, host: str, port: int) -> Iterator[None]:
    """Open a port: one that cannot be opened (taken, not allowed) is a StartupError naming
    `setting`."""
    try:
        yield
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise StartupError(f"{setting}: cannot listen on {host}:{port} ({why})") from None


class Settings(BaseSettings):
    """Every variable of the contract's settings table, typed and validated."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", validate_default=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    vps_api_url: str = "https://admin.vps.org/api/v1"
    vps_api_token: SecretStr | None = None
    vps_api_timeout_seconds: float = Field(default=10.0, gt=0)
    bot_policy_file: Path = Path("policy.yml")
    bot_ops_channel: str | None = None
    bot_confirm_ttl_seconds: float = Field(default=300.0, gt=0)
    bot_request_deadline_seconds: float = Field(default=30.0, gt=0)
    bot_watch_interval_seconds: float = Field(default=10.0, gt=0)
    bot_monitor_interval_seconds: float = Field(default=60.0, ge=0)
    bot_schedule_interval_seconds: float = Field(
        default=15.0, gt=0
    )  # how often runs are looked for
    bot_state_url: str = "sqlite:///vpsbot.db"
    bot_replica_id: str | None = None  # None: the host name
    bot_audit_retention_days: float = Field(default=90.0, gt=0)
    bot_command: str = "/vps"
    bot_catalog_file: Path | None = None
    bot_timezone: str = "UTC"  # an IANA name: times shown to people, beside UTC
    host: str = "0.0.0.0"  # noqa: S104 - the contract's default: listen on every interface
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    bot_metrics_port: int = Field(default=9464, ge=0, le=65535)  # 0: no /metrics at all
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # The terminal's own conventions, read here too so the environment has one reader:
    # NO_COLOR (no-color.org: any value turns colour off) and TERM=dumb.
    no_color: str = ""
    term: str = ""

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "vps_api_token")
    @classmethod
    def _secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        # A secret file often ends in a newline: strip it; anything else inside is a mistake.
        secret = value.get_secret_value().strip()
        if not secret:
            return None
        if any(c.isspace() or not c.isprintable() for c in secret):
            raise ValueError("contains spaces, line breaks or control characters")
        kind, prefix = _TOKEN_KINDS.get(info.field_name or "", ("", ""))
        if not secret.startswith(prefix):
            raise ValueError(f"must be {kind} starting with {prefix}")
        return SecretStr(secret)

    @field_validator("slack_api_url", "vps_api_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        # Slack's client appends method names to its URL; the VPS.org client appends paths.
        return value.rstrip("/") + ("/" if info.field_name == "slack_api_url" else "")

    @field_validator("bot_ops_channel", "bot_replica_id")
    @classmethod
    def _blank_or_shaped(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        shape, problem = _SHAPES[info.field_name or ""]
        if not shape.match(value):
            raise ValueError(problem)
        return value

    @field_validator("bot_state_url")
    @classmethod
    def _state_url(cls, value: str) -> str:
        check_state_url(value)  # the store's own rules; its messages never echo the URL
        return value

    @field_validator("bot_command")
    @classmethod
    def _command(cls, value: str) -> str:
        if not _COMMAND.match(value):
            raise ValueError("must be a slash command like /vps (lowercase, at most 32 characters)")
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        name = value.strip()
        try:
            known = name not in _NOT_ZONES and zoneinfo.ZoneInfo(name) is not None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            known = False
        if not known:
            raise ValueError("must be an IANA time zone name like Europe/Rome or UTC")
        return name

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def colour_allowed(self) -> bool:
        """False when NO_COLOR is set or TERM is dumb (the console then prints plain text)."""
        return not self.no_color and self.term != "dumb"

    @property
    def socket_mode(self) -> bool:
        """True when SLACK_APP_TOKEN is set: connect over Socket Mode instead of HTTP."""
        return self.slack_app_token is not None

    def problems_for_run(self, *, simulator: bool) -> list[str]:
        """What `vpsbot run` still needs, one line per missing setting."""
        problems = []
        if self.slack_bot_token is None:
            problems.append("SLACK_BOT_TOKEN: required — the app's bot token (xoxb-…)")
        if not self.socket_mode and self.slack_signing_secret is None:
            problems.append(
                "SLACK_SIGNING_SECRET: required in HTTP mode — the app's signing secret "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )
        if not simulator and self.vps_api_token is None:
            problems.append(
                "VPS_API_TOKEN: required — a VPS.org API token (or use --simulator for a demo)"
            )
        return problems


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise SettingsError naming each bad variable (never its value)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError([_describe(err) for err in exc.errors()]) from None


def _describe(err: object) -> str:
    assert isinstance(err, dict)  # noqa: S101 - pydantic's ErrorDetails is a TypedDict
    variable = "_".join(str(part) for part in err["loc"][:1]).upper() or "SETTINGS"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{variable}: {message}"
