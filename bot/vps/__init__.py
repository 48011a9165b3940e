"""The VPS.org servers API: typed client, models and errors. Nothing Slack; the simulator is
the sibling package `vpssim`."""

from bot.vps.client import RetryPolicy, VPSClient
from bot.vps.errors import (
    VPSBadRequest,
    VPSBadResponse,
    VPSBusy,
    VPSConnectError,
    VPSError,
    VPSNotFound,
    VPSPaymentRequired,
    VPSRateLimited,
    VPSServerError,
    VPSTimeout,
    VPSTooLarge,
    VPSUnauthorized,
)
from bot.vps.models import (
    ActionResult,
    Plan,
    Server,
    ServerCreate,
    ServerStatus,
    ServerUpdate,
)

__all__ = [
    "ActionResult",
    "Plan",
    "RetryPolicy",
    "Server",
    "ServerCreate",
    "ServerStatus",
    "ServerUpdate",
    "VPSBadRequest",
    "VPSBadResponse",
    "VPSBusy",
    "VPSClient",
    "VPSConnectError",
    "VPSError",
    "VPSNotFound",
    "VPSPaymentRequired",
    "VPSRateLimited",
    "VPSServerError",
    "VPSTimeout",
    "VPSTooLarge",
    "VPSUnauthorized",
]
