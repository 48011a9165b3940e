"""The one boundary to Slack's Web API and to response_urls: every message the bot posts, edits
or answers with, every modal it opens and every user group it reads goes through `SlackWeb` (a
test holds it so). Its client is Bolt's own; only start-up's token checks (`auth.test`,
`apps.connections.open` in `bot.clients`) ask the client directly, before there is a bot to run.

Delivery rides on the retry handlers (429 with Retry-After, connection errors); what still fails
is logged here and comes back as None or False, never as an exception — except from
`open_view`, whose caller tells the person to click again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

if TYPE_CHECKING:
    from aiohttp import ClientSession
    from slack_sdk.models.views import View

    from bot.config import Settings
    from bot.metrics.registry import Metrics
    from bot.slack.blocks import Message

logger = logging.getLogger(__name__)


def _retries() -> list[AsyncRetryHandler]:
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),  # honouring Retry-After
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
    ]


class SlackErrorObserver(AsyncRetryHandler):
    """A retry handler that never retries: placed first, it sees every attempt's outcome.

    A 429 the next handler retries successfully never reaches the caller as an error, so only
    here can it be counted.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Record what this attempt ended with; leave the decision to the other handlers."""
        method = request.url.rstrip("/").rpartition("/")[2].partition("?")[0]
        body = response.body if response is not None else None
        if error is not None:
            self._metrics.slack_error(method, "connection_error")
        elif response is not None and response.status_code == 429:
            self._metrics.slack_error(method, "ratelimited")
        elif isinstance(body, dict) and body.get("ok") is False:
            self._metrics.slack_error(method, str(body.get("error")))
        return False


def slack_client(settings: Settings, metrics: Metrics | None = None) -> AsyncWebClient:
    """The Web API client (Bolt's too); with `metrics`, every error and rate limit it meets is
    counted."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    observer = [SlackErrorObserver(metrics)] if metrics is not None else []
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=[*observer, *_retries()]
    )


class SlackWeb:
    """The bot's calls on Slack. `what` says, for the log, what a failed call was doing."""

    def __init__(self, client: AsyncWebClient, *, session: ClientSession | None = None) -> None:
        self.client = client
        self._session = session  # one HTTP session for every answer: no set-up per message

    async def post_message(
        self,
        channel: str,
        message: Message,
        *,
        what: str,
        thread_ts: str | None = None,
        level: int = logging.WARNING,
    ) -> str | None:
        """Post in `channel` (a user ID: the person's direct messages with the bot), in a thread
        when `thread_ts`; its ts, or None if it could not."""
        response = await self._call(
            what,
            self.client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                thread_ts=thread_ts,
                **message.to_dict(),
            ),
            level,
        )
        ts = response.get("ts") if response is not None else None
        return str(ts) if ts else None

    async def post_ephemeral(
        self, channel: str, user: str, message: Message, *, what: str, thread_ts: str | None = None
    ) -> bool:
        """Show `message` to `user` only, in `channel` (in a thread when `thread_ts`)."""
        call = self.client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, **message.to_dict()
        )
        return await self._call(what, call) is not None

    async def update_message(self, channel: str, ts: str, message: Message, *, what: str) -> bool:
        """Edit an earlier message in place."""
        call = self.client.chat_update(channel=channel, ts=ts, **message.to_dict())
        return await self._call(what, call) is not None

    async def open_view(self, trigger_id: str | None, view: View) -> None:
        """Open a modal; SlackApiError when Slack would not (e.g. the trigger expired)."""
        await self.client.views_open(trigger_id=trigger_id or "", view=view)

    async def publish_home(self, user_id: str, view: View) -> bool:
        """Show `view` as `user_id`'s Home tab (views.publish)."""
        call = self.client.views_publish(user_id=user_id, view=view)
        return await self._call("publish the Home tab", call) is not None

    async def complete_step(self, execution_id: str, token: str, outputs: dict[str, Any]) -> bool:
        """A workflow step succeeded (functions.completeSuccess, with its workflow token)."""
        call = self._as_workflow(token).functions_completeSuccess(
            function_execution_id=execution_id, outputs=outputs
        )
        return await self._call("complete a workflow step", call) is not None

    async def fail_step(self, execution_id: str, token: str, error: str) -> bool:
        """A workflow step failed, saying why (functions.completeError)."""
        call = self._as_workflow(token).functions_completeError(
            function_execution_id=execution_id, error=error[:2000]
        )
        return await self._call("fail a workflow step", call) is not None

    def _as_workflow(self, token: str) -> AsyncWebClient:
        """The client with a workflow's token (each function execution has its own)."""
        return AsyncWebClient(
            token=token,
            base_url=self.client.base_url,
            session=self.client.session,
            retry_handlers=self.client.retry_handlers,
        )

    async def usergroup_members(self, usergroup_id: str) -> frozenset[str] | None:
        """The user IDs in a user group; None when Slack can't say."""
        try:
            response = await self.client.usergroups_users_list(usergroup=usergroup_id)
        except SlackApiError as exc:
            why = str(exc.response.get("error"))
        except Exception as exc:  # timeouts, aiohttp's errors, anything: no traceback
            why = f"Slack cannot be reached: {type(exc).__name__}"
        else:
            return frozenset(str(u) for u in response.get("users") or [])
        logger.warning(
            "cannot read members of user group %s (%s); its rules match nobody for now",
            usergroup_id,
            why,
        )
        return None

    async def respond(self, response_url: str, body: dict[str, Any]) -> bool:
        """Answer through an interaction's response_url."""
        client = AsyncWebhookClient(
            response_url, timeout=10, session=self._session, retry_handlers=_retries()
        )
        try:
            response = await client.send_dict(body)
        except Exception:
            logger.exception("could not answer through response_url")
            return False
        if response.status_code != 200:
            logger.warning(
                "Slack refused our answer (%s): %s", response.status_code, response.body[:200]
            )
            return False
        return True

    @staticmethod
    async def _call(
        what: str, call: Awaitable[AsyncSlackResponse], level: int = logging.WARNING
    ) -> AsyncSlackResponse | None:
        try:
            return await call
        except SlackApiError as exc:
            logger.log(level, "could not %s: %s", what, exc.response.get("error"))
        except Exception:
            logger.exception("could not %s", what)
        return None
