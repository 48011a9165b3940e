"""The VPS.org servers API: typed client, models and errors. Nothing Slack; the simulator is
the sibling package `vpssim`."""

from bot.vps.client import RetryPolicy, VPSClient
from bot.vps.errors import (
    VPSAPIError,
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
    VPSTransportError,
    VPSUnauthorized,
)
from bot.vps.models import (
    ActionResult,
    OperatingSystem,
    Plan,
    ResourceUsage,
    Server,
    ServerCreate,
    ServerPage,
    ServerStatus,
    ServerUpdate,
)

__all__ = [
    "ActionResult",
    "OperatingSystem",
    "Plan",
    "ResourceUsage",
    "RetryPolicy",
    "Server",
    "ServerCreate",
    "ServerPage",
    "ServerStatus",
    "ServerUpdate",
    "VPSAPIError",
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
    "VPSTransportError",
    "VPSUnauthorized",
]
