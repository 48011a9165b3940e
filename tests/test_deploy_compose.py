"""deploy/compose/: PostgreSQL and two bot replicas, in step with the code's settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings
from bot.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "compose"
SETTINGS = {name.upper() for name in Settings.model_fields}
INTERPOLATED = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def bots(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if name.startswith("vpsbot")}


def test_two_bot_replicas_share_one_postgres(compose: dict[str, Any]) -> None:
    replicas = bots(compose)
    assert len(replicas) == 2
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    for name, service in replicas.items():
        url = service["environment"]["BOT_STATE_URL"]
        assert url.startswith("postgresql://"), name
        assert "@postgres:5432/" in url, f"{name} does not use the postgres service"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert (COMPOSE / service["build"]["context"] / "Dockerfile").is_file()


def test_bot_variables_are_settings_and_ports_match(compose: dict[str, Any]) -> None:
    for name, service in bots(compose).items():
        env = service["environment"]
        assert set(env) <= SETTINGS, f"{name}: not settings: {sorted(set(env) - SETTINGS)}"
        inside = {int(p.rsplit(":", 1)[1]) for p in service["ports"]}
        assert inside == {int(env["PORT"]), int(env["BOT_METRICS_PORT"])}, name
        assert service["read_only"] is True
        assert service["user"].split(":")[0] not in {"0", "root"}


def test_the_policy_file_it_mounts_loads(compose: dict[str, Any]) -> None:
    for service in bots(compose).values():
        source, target, _ = service["volumes"][0].split(":")
        assert target == service["environment"]["BOT_POLICY_FILE"]
        load_policy(COMPOSE / source)


def test_the_example_env_file_names_every_variable_compose_needs() -> None:
    text = (COMPOSE / "docker-compose.yml").read_text()
    needed = set(INTERPOLATED.findall(text))
    example = {
        line.split("=", 1)[0]
        for line in (COMPOSE / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert needed == example, f"compose reads {sorted(needed)}, env.example has {sorted(example)}"
