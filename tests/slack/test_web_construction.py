"""One Slack boundary, by construction: no module of `bot/` but `bot/slack/web.py` calls a
`chat.*`, `views.*`, `usergroups.*`, `users.*`, `conversations.*` or `functions.*` method,
`api_call`, or a webhook client (response_url), however it names them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
FAMILIES = ("chat_", "views_", "usergroups_", "users_", "conversations_", "functions_")
OTHERS = {"api_call", "AsyncWebhookClient", "WebhookClient"}


def slack_calls(path: Path) -> set[str]:
    """The Web API methods and webhook clients `path` names: as an attribute, a name, an
    import, or a string (as `getattr(client, "chat_update")` does)."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute):
            named.add(node.attr)
        elif isinstance(node, ast.Name):
            named.add(node.id)
        elif isinstance(node, ast.alias):
            named.add(node.name.rpartition(".")[2])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named.add(node.value)
    return {name for name in named if name.startswith(FAMILIES) or name in OTHERS}


def test_only_the_boundary_calls_slack() -> None:
    callers = {str(p.relative_to(BOT)): slack_calls(p) for p in BOT.rglob("*.py")}
    assert {path for path, calls in callers.items() if calls} == {"slack/web.py"}


@pytest.mark.parametrize(
    "line",
    [
        "await client.chat_postMessage(channel='C1', text='hi')",
        "await self._client.views_open(trigger_id='t', view=v)",
        "await getattr(client, 'chat_update')(channel='C1', ts='1')",
        "await client.usergroups_users_list(usergroup='S1')",
        "await client.users_info(user='U1')",
        "await client.conversations_info(channel='C1')",
        "await client.views_publish(user_id='U1', view=v)",
        "await client.functions_completeSuccess(function_execution_id='Fx1', outputs={})",
        "await client.api_call('chat.postMessage', json={})",
        "from slack_sdk.webhook.async_client import AsyncWebhookClient",
        "from slack_sdk.webhook import async_client\nasync_client.AsyncWebhookClient('u')",
        "from slack_sdk.webhook import WebhookClient as Hook",
    ],
)
def test_the_check_sees_every_way_of_calling_slack(tmp_path: Path, line: str) -> None:
    (tmp_path / "m.py").write_text(line + "\n")
    assert slack_calls(tmp_path / "m.py"), line
