"""The connections `vpsbot run` (and `vpsbot check`) open from the settings: VPS.org, Slack's
tokens and Socket Mode, /metrics. One that fails is a StartupError naming the setting to fix.

Light to import: what each connection needs is loaded when it is opened, after the probes answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.config import Settings, StartupError, listening
from bot.redact import redact_url
from bot.web import start_web

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.metrics import Metrics
    from bot.vps import VPSClient


def vps_client(settings: Settings) -> VPSClient:
    """The VPS.org client for VPS_API_URL and VPS_API_TOKEN."""
    from bot.vps import VPSClient

    if settings.vps_api_token is None:
        raise StartupError("VPS_API_TOKEN: required — a VPS.org API token")
    return VPSClient(
        settings.vps_api_url, settings.vps_api_token, timeout=settings.vps_api_timeout_seconds
    )


async def verify_slack(settings: Settings, client: AsyncWebClient) -> None:
    """Fail fast on a token Slack refuses or a Slack that cannot be reached."""
    await _ask_slack("SLACK_BOT_TOKEN", settings, client.auth_test())
    if settings.slack_app_token is not None:
        token = settings.slack_app_token.get_secret_value()
        await _ask_slack("SLACK_APP_TOKEN", settings, client.apps_connections_open(app_token=token))


async def _ask_slack(variable: str, settings: Settings, call: Awaitable[object]) -> None:
    try:
        await call
    except SlackApiError as exc:
        raise StartupError(f"{variable}: Slack refused it ({exc.response.get('error')})") from None
    except Exception as exc:  # connection errors of every kind
        where = f"cannot reach Slack at {redact_url(settings.slack_api_url)} ({type(exc).__name__})"
        if "slack_api_url" in settings.model_fields_set:  # the address set is the suspect
            raise StartupError(f"SLACK_API_URL: {where}") from None
        raise StartupError(
            f"Slack: {where}: `vpsbot run` (with --simulator too) needs network access to Slack "
            "and the app's SLACK_BOT_TOKEN; only `vpsbot console` runs fully offline"
        ) from None


async def connect_socket(handler: AsyncSocketModeHandler, settings: Settings) -> None:
    """Open the Socket Mode connection, or say why it could not be opened."""
    try:
        await asyncio.wait_for(handler.connect_async(), timeout=30)  # type: ignore[no-untyped-call]
    except TimeoutError:
        raise StartupError(
            "SLACK_APP_TOKEN: no Socket Mode connection within 30s "
            f"({redact_url(settings.slack_api_url)})"
        ) from None


async def serve_metrics(settings: Settings, metrics: Metrics, stack: AsyncExitStack) -> int | None:
    """Serve /metrics on HOST:BOT_METRICS_PORT (unless 0); its port."""
    if settings.bot_metrics_port == 0:
        return None
    from bot.metrics import make_metrics_app

    with listening("BOT_METRICS_PORT", settings.host, settings.bot_metrics_port):
        app = make_metrics_app(metrics)
        runner, port = await start_web(app, settings.host, settings.bot_metrics_port)
    stack.push_async_callback(runner.cleanup)
    return port
