"""manifest.yml: valid for Slack, and asking for exactly what the bot needs."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# Slack's manifest schema, vendored with its MIT licence: a clone has nothing beside it.
SCHEMA = Path(__file__).resolve().parent / "data" / "slack" / "slack-manifest.schema.1.0.0.json"

SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "usergroups:read",
    "app_mentions:read",
    "im:history",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_schema_and_its_licence_are_inside_the_repository() -> None:
    assert SCHEMA.is_relative_to(REPO)
    assert SCHEMA.is_file()
    licence = SCHEMA.with_name("slack-manifest.schema.LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "Slack Technologies" in licence


def test_manifest_is_valid_for_slack(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator(schema).iter_errors(manifest)
    ]
    assert errors == []


def test_the_schema_check_sees_a_malformed_step(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    step = manifest["functions"]["reboot_server"]
    broken = {**step, "input_parameters": {"server": {"title": "no type"}}}
    bad = {**manifest, "functions": {**manifest["functions"], "reboot_server": broken}}
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(bad)


def test_bot_scopes_are_exactly_what_the_bot_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert sorted(scopes["bot"]) == sorted(SCOPES)
    assert set(scopes) == {"bot"}, "no user scopes"


def test_one_slash_command_vps_on_the_events_url(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/vps"]
    assert commands[0]["url"].endswith("/slack/events")
    assert commands[0]["should_escape"] is False


def test_interactivity_uses_the_same_url(manifest: dict[str, Any]) -> None:
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"] == manifest["features"]["slash_commands"][0]["url"]


def test_socket_mode_by_default_with_the_events_it_listens_to(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is True  # Workflow Builder lists org-ready apps' steps
    assert settings["token_rotation_enabled"] is False
    events = settings["event_subscriptions"]
    assert events["bot_events"] == [
        "app_home_opened",
        "function_executed",
        "app_mention",
        "message.im",
    ]
    assert events["request_url"] == settings["interactivity"]["request_url"]
    assert settings["function_runtime"] == "remote"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def _parameters(side: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    return {k: (v["type"], v["is_required"]) for k, v in side.items()}


@pytest.mark.parametrize("name", ["reboot_server", "start_server", "stop_server"])
def test_the_change_steps_take_a_server_for_a_person(manifest: dict[str, Any], name: str) -> None:
    step = manifest["functions"][name]
    assert _parameters(step["input_parameters"]) == {
        "server": ("string", True),
        "user_id": ("slack#/types/user_id", True),
        "channel_id": ("slack#/types/channel_id", False),
    }
    assert _parameters(step["output_parameters"]) == {
        "server_id": ("integer", True),
        "name": ("string", True),
        "status": ("string", True),
    }


def test_the_status_step(manifest: dict[str, Any]) -> None:
    step = manifest["functions"]["server_status"]
    assert _parameters(step["input_parameters"]) == {
        "server": ("string", True),
        "user_id": ("slack#/types/user_id", True),
    }
    assert _parameters(step["output_parameters"]) == {
        "server_id": ("integer", True),
        "name": ("string", True),
        "status": ("string", True),
        "ip": ("string", False),
    }


def test_words_arrive_as_mentions_and_direct_messages(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]
    assert {"app_mention", "message.im"} <= set(events["bot_events"])
    assert events["request_url"] == manifest["features"]["slash_commands"][0]["url"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_bot_user_is_vpsbot(manifest: dict[str, Any]) -> None:
    assert manifest["display_information"]["name"] == "vpsbot"
    assert manifest["features"]["bot_user"] == {"display_name": "vpsbot", "always_online": True}
