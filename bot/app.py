"""create_app(services) -> AsyncApp: wiring only. Middleware puts the services in every context."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.flow.services import Services
from bot.slack.listeners import register_listeners

logger = logging.getLogger(__name__)


class _NoTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins: it is the same
    token, so the warning would only puzzle whoever reads the start-up log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(services: Services, *, signing_secret: str | None) -> AsyncApp:
    """The Bolt app with every listener; `signing_secret` None only for Socket Mode."""
    bolt_logger = logging.getLogger("bot.bolt")
    bolt_logger.addFilter(_NoTokenSkippedWarning())
    app = AsyncApp(
        client=services.slack,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        logger=bolt_logger,
    )

    async def inject_services(
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt passes it by this name
    ) -> None:
        context["services"] = services
        await next()

    app.middleware(inject_services)

    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        logger.error("unhandled error in a listener (%s)", type(error).__name__, exc_info=error)

    app.error(on_error)
    register_listeners(app, command=services.command)
    return app
