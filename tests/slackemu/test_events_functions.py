"""Events (App Home) and workflow steps (functions) against a real Bolt app, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import ALICE, BOT_TOKEN, HOME

MODES = ["http_app", "socket_app"]


@pytest.fixture(params=MODES)
def app(request: pytest.FixtureRequest) -> SlackEmulator:
    emulator = request.getfixturevalue(request.param)
    assert isinstance(emulator, SlackEmulator)
    return emulator


async def test_opening_the_home_tab_sends_an_event_and_shows_what_is_published(
    app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    assert (await app.open_home(ALICE)).ok
    home = await app.wait_for(lambda: app.home(ALICE), what="the Home tab")
    assert "Hello from the Home tab" in home.all_text()
    assert seen[0]["type"] == "app_home_opened"
    assert seen[0]["tab"] == "home"

    assert (await app.click(home, text="Wave")).ok
    clicked = await app.wait_for(lambda: [b for b in seen if b.get("type") == "block_actions"])
    assert clicked[0]["view"]["type"] == "home"
    assert clicked[0]["user"]["id"] == ALICE

    await app.open_home(ALICE)  # published again: the same view, in place
    await app.wait_for(lambda: len(seen) >= 3)
    assert app.home(ALICE) is home


async def test_a_step_completes_with_outputs_or_fails_with_an_error(
    app: SlackEmulator, seen: list[dict[str, Any]]
) -> None:
    done = await app.run_step("echo", {"text": "hi"})
    await app.wait_for(lambda: done.state != "running", what="the step to complete")
    assert (done.state, done.outputs) == ("completed", {"echo": "hi"})

    failed = await app.run_step("echo", {"text": "fail"})
    await app.wait_for(lambda: failed.state != "running", what="the step to fail")
    assert (failed.state, failed.error) == ("failed", "asked to fail")
    assert [
        c.params.get("function_execution_id") for c in app.calls("functions.completeError")
    ] == [failed.id]


async def test_functions_need_the_executions_own_workflow_token(emu: SlackEmulator) -> None:
    first = await _execution(emu, "echo")
    second = await _execution(emu, "echo")
    for token in (BOT_TOKEN, second.token):
        client = AsyncWebClient(token=token, base_url=emu.api_url)
        with pytest.raises(SlackApiError, match="invalid_auth"):
            await client.functions_completeSuccess(function_execution_id=first.id, outputs={})
    client = AsyncWebClient(token=first.token, base_url=emu.api_url)
    await client.functions_completeSuccess(function_execution_id=first.id, outputs={"a": 1})
    with pytest.raises(SlackApiError, match="function_execution_not_running"):
        await client.functions_completeError(function_execution_id=first.id, error="late")
    assert first.outputs == {"a": 1}


async def test_views_publish_checks_the_home_view(emu: SlackEmulator) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=emu.api_url)
    await client.views_publish(user_id=ALICE, view=HOME)
    assert emu.home(ALICE) is not None
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await client.views_publish(user_id=ALICE, view={**HOME, "type": "modal"})
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.views_publish(user_id="U0NOBODY1", view=HOME)


async def _execution(emu: SlackEmulator, callback_id: str) -> Any:
    """An execution as if its event had been sent (no app behind this emulator)."""
    from slackemu.records import FunctionExecution

    execution = FunctionExecution.new(emu.world.next_id("Fx"), callback_id, {})
    emu.world.function_executions[execution.id] = execution
    return execution
