"""The VPS.org servers API: typed client, models, errors and the simulator. Nothing Slack."""

from bot.vps.client import RetryPolicy, VPSClient
from bot.vps.errors import (
    VPSAPIError,
    VPSBadRequest,
    VPSBadResponse,
    VPSConnectError,
    VPSError,
    VPSNotFound,
    VPSPaymentRequired,
    VPSRateLimited,
    VPSServerError,
    VPSTimeout,
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
    "VPSClient",
    "VPSConnectError",
    "VPSError",
    "VPSNotFound",
    "VPSPaymentRequired",
    "VPSRateLimited",
    "VPSServerError",
    "VPSTimeout",
    "VPSTransportError",
    "VPSUnauthorized",
]
