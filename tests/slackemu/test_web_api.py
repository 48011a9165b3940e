"""The Web API through slack_sdk's own AsyncWebClient: Slack's answers and refusals."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from slackemu import SlackEmulator
from tests.slackemu.tiny_app import ALICE, BOB, BOT_TOKEN, CARD, DELETE_MODAL, OPS


async def _refused(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        await call
    data: dict[str, Any] = refused.value.response.data
    return data


async def test_post_message_answers_like_slack_with_increasing_ts(
    emu: SlackEmulator, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel=OPS, text="one", blocks=CARD)
    second = await client.chat_postMessage(channel="#ops", text="two", thread_ts=first["ts"])

    assert first["channel"] == OPS
    assert first["message"]["bot_id"] == emu.world.workspace.bot_id
    assert first["message"]["blocks"][0]["block_id"], "Slack gives every block an id"
    assert float(second["ts"]) > float(first["ts"])
    posted = emu.messages(OPS)
    assert [m.text for m in posted] == ["one", "two"]
    assert posted[1].thread_ts == first["ts"]
    assert [c.method for c in emu.calls()] == ["chat.postMessage", "chat.postMessage"]
    assert emu.calls()[0].params["channel"] == OPS


async def test_invalid_blocks_are_refused_with_pointers(client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]

    data = await _refused(client.chat_postMessage(channel=OPS, text="too long", blocks=blocks))

    assert data["error"] == "invalid_blocks"
    assert data["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert data["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C0NOPE0001", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0SECRET01", "text": "hi"}, "channel_not_found"),
        ({"channel": OPS, "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": OPS, "text": "at 203.\u20600.113.10"}, "invisible_characters"),
    ],
    ids=["unknown channel", "private without the bot", "too long", "invisible characters"],
)
async def test_post_message_refusals(
    emu: SlackEmulator, client: AsyncWebClient, kwargs: dict[str, Any], error: str
) -> None:
    emu.add_channel("C0SECRET01", "secret", is_private=True, bot_is_member=False)

    assert (await _refused(client.chat_postMessage(**kwargs)))["error"] == error


async def test_a_message_needs_text_or_blocks(client: AsyncWebClient) -> None:
    refused = await _refused(client.api_call("chat.postMessage", json={"channel": OPS}))

    assert refused == {"ok": False, "error": "no_text"}


async def test_tokens_are_checked(emu: SlackEmulator) -> None:
    wrong = AsyncWebClient(token="xoxb-someone-else", base_url=emu.api_url)
    nobody = AsyncWebClient(base_url=emu.api_url)

    assert (await _refused(wrong.auth_test()))["error"] == "invalid_auth"
    assert (await _refused(nobody.auth_test()))["error"] == "not_authed"


async def test_update_keeps_blocks_and_delete_marks_the_message(
    emu: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=OPS, text="web-01 stopping", blocks=CARD)

    await client.chat_update(channel=OPS, ts=posted["ts"], text="web-01 stopped")
    message = emu.messages(OPS)[0]
    assert (message.text, message.edited, message.history[0].text) == (
        "web-01 stopped",
        True,
        "web-01 stopping",
    )
    assert len(message.blocks) == len(CARD), "chat.update keeps blocks it was not given"
    await client.chat_delete(channel=OPS, ts=posted["ts"])

    assert message.deleted
    assert emu.messages(OPS) == []
    missing = client.chat_update(channel=OPS, ts=posted["ts"], text="again")
    assert (await _refused(missing))["error"] == "message_not_found"


async def test_ephemeral_messages_go_to_members_only(
    emu: SlackEmulator, client: AsyncWebClient
) -> None:
    emu.add_channel("C0SMALL001", "small", members=[ALICE])

    sent = await client.chat_postEphemeral(channel="C0SMALL001", user=ALICE, text="psst")
    refused = await _refused(client.chat_postEphemeral(channel="C0SMALL001", user=BOB, text="psst"))

    assert refused["error"] == "user_not_in_channel"
    assert emu.messages("C0SMALL001", visible_to=ALICE)[0].ts == sent["message_ts"]
    assert emu.messages("C0SMALL001", visible_to=BOB) == []
    not_editable = client.chat_update(channel="C0SMALL001", ts=sent["message_ts"], text="x")
    assert (await _refused(not_editable))["error"] == "message_not_found"


async def test_a_rate_limit_is_retried_by_slack_sdk(emu: SlackEmulator) -> None:
    emu.inject_rate_limit("chat.postMessage", times=1, retry_after=1)
    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=emu.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    started = time.monotonic()

    answer = await retrying.chat_postMessage(channel=OPS, text="eventually")

    assert answer["ok"]
    assert time.monotonic() - started >= 1, "the retry waited for Retry-After"
    assert [c.status for c in emu.calls("chat.postMessage")] == [429, 200]
    assert [m.text for m in emu.messages(OPS)] == ["eventually"]


async def test_a_rate_limit_without_retries_says_ratelimited(
    emu: SlackEmulator, client: AsyncWebClient
) -> None:
    emu.inject_rate_limit("users.info", retry_after=7)

    with pytest.raises(SlackApiError) as limited:
        await client.users_info(user=ALICE)

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"


async def test_directory_lookups(emu: SlackEmulator, client: AsyncWebClient) -> None:
    emu.set_usergroup("S0ONCALL1", [ALICE, BOB])

    members = await client.usergroups_users_list(usergroup="S0ONCALL1")
    channel = await client.conversations_info(channel=OPS)
    person = await client.users_info(user=ALICE)

    assert members["users"] == [ALICE, BOB]
    assert (channel["channel"]["name"], channel["channel"]["is_private"]) == ("ops", False)
    assert person["user"]["name"] == "alice"
    assert (await _refused(client.usergroups_users_list(usergroup="S0NOPE001")))[
        "error"
    ] == "no_such_subteam"
    assert (await _refused(client.users_info(user="U0NOBODY1")))["error"] == "user_not_found"


async def test_views_push_update_and_their_limits(
    http_app: SlackEmulator, client: AsyncWebClient
) -> None:
    emu = http_app
    acks = [await emu.slash_command("/vps noop", user=ALICE, channel=OPS) for _ in range(4)]
    ids = [ack.interaction.trigger_id for ack in acks if ack.interaction is not None]
    opened = await client.views_open(trigger_id=ids[0], view=DELETE_MODAL)
    await client.views_push(trigger_id=ids[1], view=DELETE_MODAL)
    await client.views_push(trigger_id=ids[2], view=DELETE_MODAL)

    assert (await _refused(client.views_push(trigger_id=ids[3], view=DELETE_MODAL)))[
        "error"
    ] == "push_limit_reached"
    assert len(emu.world.stack(ALICE)) == 3
    view_id, old_hash = opened["view"]["id"], opened["view"]["hash"]
    renamed = dict(DELETE_MODAL, title={"type": "plain_text", "text": "Renamed"})
    await client.views_update(view_id=view_id, hash=old_hash, view=renamed)
    assert emu.world.stack(ALICE)[0].title == "Renamed"
    stale = client.views_update(view_id=view_id, hash=old_hash, view=renamed)
    assert (await _refused(stale))["error"] == "hash_conflict"
    too_long = dict(DELETE_MODAL, title={"type": "plain_text", "text": "x" * 25})
    refused = await _refused(client.views_update(view_id=view_id, view=too_long))
    assert refused["error"] == "invalid_arguments"
    assert refused["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


async def test_posting_to_a_user_id_lands_in_their_dm(
    emu: SlackEmulator, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel=ALICE, text="just for you")

    info = await client.conversations_info(channel=posted["channel"])
    assert (info["channel"]["is_im"], info["channel"]["user"]) == (True, ALICE)
    assert [m.text for m in emu.messages(posted["channel"])] == ["just for you"]
