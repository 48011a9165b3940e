"""Counting Slack Web API errors as the client sees them, retried rate limits included."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics.registry import Metrics


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
