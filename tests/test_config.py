"""Settings: every variable of the contract, its default, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

ALL_VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "VPS_API_URL",
    "VPS_API_TOKEN",
    "VPS_API_TIMEOUT_SECONDS",
    "BOT_POLICY_FILE",
    "BOT_OPS_CHANNEL",
    "BOT_CONFIRM_TTL_SECONDS",
    "BOT_WATCH_INTERVAL_SECONDS",
    "BOT_MONITOR_INTERVAL_SECONDS",
    "BOT_STATE_URL",
    "BOT_REPLICA_ID",
    "BOT_COMMAND",
    "BOT_CATALOG_FILE",
    "HOST",
    "PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the machine and no .env from the checkout leaks into a test."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_contracts() -> None:
    s = load_settings()
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.vps_api_url == "https://admin.vps.org/api/v1"
    assert s.bot_policy_file == Path("policy.yml")
    assert s.bot_ops_channel is None
    assert (s.bot_confirm_ttl_seconds, s.bot_watch_interval_seconds) == (300, 10)
    assert s.bot_monitor_interval_seconds == 60
    assert s.bot_request_deadline_seconds == 30
    assert s.bot_state_url == "sqlite:///vpsbot.db"
    assert s.bot_replica_id is None  # the host name
    assert s.bot_command == "/vps"
    assert s.bot_catalog_file is None
    assert (s.host, s.port, s.log_level, s.log_format) == ("0.0.0.0", 3000, "INFO", "text")
    assert not s.socket_mode


def test_environment_is_read_with_fractions_and_absolute_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_CONFIRM_TTL_SECONDS", "0.5")
    monkeypatch.setenv("BOT_REQUEST_DEADLINE_SECONDS", "2.5")
    monkeypatch.setenv("BOT_STATE_URL", "sqlite:////var/lib/vpsbot/state.db")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-abc")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("VPS_API_URL", "http://127.0.0.1:8080/api/v1/")
    s = load_settings()
    assert s.bot_confirm_ttl_seconds == 0.5
    assert s.bot_request_deadline_seconds == 2.5
    assert s.bot_state_url == "sqlite:////var/lib/vpsbot/state.db"
    assert s.socket_mode
    assert s.log_level == "DEBUG"
    assert s.vps_api_url == "http://127.0.0.1:8080/api/v1"


@pytest.mark.parametrize(
    "url", ["postgresql://vpsbot:pw@db.internal:5432/vpsbot", "postgres://vpsbot@db/vpsbot"]
)
def test_state_url_may_name_postgresql(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("BOT_STATE_URL", url)
    assert load_settings().bot_state_url == url


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VPS_API_TOKEN=from-dotenv\nBOT_OPS_CHANNEL=C0OPS0001\n")
    s = load_settings()
    assert s.vps_api_token is not None
    assert s.vps_api_token.get_secret_value() == "from-dotenv"
    assert s.bot_ops_channel == "C0OPS0001"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token-secret", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind-secret", "xapp-"),
        ("VPS_API_URL", "admin.vps.org", "http"),
        ("BOT_OPS_CHANNEL", "#ops", "channel ID"),
        ("BOT_CONFIRM_TTL_SECONDS", "0", "greater than 0"),
        ("BOT_MONITOR_INTERVAL_SECONDS", "-1", "greater than or equal to 0"),
        ("BOT_STATE_URL", "redis://:hunter2secret@cache/0", "sqlite:///"),
        ("BOT_STATE_URL", "postgres://u:hunter2secret@db", "postgresql://user:password@host"),
        ("BOT_COMMAND", "vps", "slash command"),
        ("BOT_REPLICA_ID", "web 1:2", "letters, digits"),
        ("PORT", "70000", "less than or equal to 65535"),
        ("LOG_FORMAT", "xml", "'text' or 'json'"),
    ],
)
def test_invalid_values_name_the_variable_never_the_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    [problem] = caught.value.problems
    assert problem.startswith(f"{variable}: ")
    assert says in problem
    assert value not in problem or not value.endswith("secret")


def test_several_bad_variables_give_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "http")
    monkeypatch.setenv("BOT_COMMAND", "/")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert [p.split(":")[0] for p in caught.value.problems] == ["BOT_COMMAND", "PORT"]


def test_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("VPS_API_TOKEN", "vps-very-secret")
    text = repr(load_settings()) + str(load_settings())
    assert "very-secret" not in text


def test_run_requirements_depend_on_mode() -> None:
    s = Settings()
    problems = s.problems_for_run(simulator=False)
    assert [p.split(":")[0] for p in problems] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "VPS_API_TOKEN",
    ]
    socket = Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")  # type: ignore[arg-type]
    assert socket.problems_for_run(simulator=True) == []


def test_a_secret_with_a_trailing_newline_is_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VPS_API_TOKEN", "abc123\n")
    token = load_settings().vps_api_token
    assert token is not None
    assert token.get_secret_value() == "abc123"


def test_a_secret_with_a_line_break_inside_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "abc\ndef")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.problems[0].startswith("SLACK_SIGNING_SECRET: contains")
    assert "abc" not in caught.value.problems[0]


@pytest.mark.parametrize(
    ("value", "zone"), [(None, "UTC"), ("Europe/Rome", "Europe/Rome"), (" UTC ", "UTC")]
)
def test_bot_timezone_is_an_iana_name_utc_by_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, zone: str
) -> None:
    monkeypatch.delenv("BOT_TIMEZONE", raising=False)
    if value is not None:
        monkeypatch.setenv("BOT_TIMEZONE", value)
    assert load_settings().bot_timezone == zone


@pytest.mark.parametrize(
    "value", ["Europe/Rom", "+01:00", "CET+1", "localtime", "/etc/localtime", ""]
)
def test_a_bot_timezone_that_is_no_iana_zone_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.problems == [
        "BOT_TIMEZONE: must be an IANA time zone name like Europe/Rome or UTC"
    ]


def test_a_replica_id_names_the_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_REPLICA_ID", "vpsbot-7d9f8-x2k4q")
    assert load_settings().bot_replica_id == "vpsbot-7d9f8-x2k4q"
