"""The Slack-facing HTTP surface: the events URL (HTTP mode) and the probes (both modes).

`server.py` serves and judges requests, `signing.py` checks Slack's signature, `payload.py` the
body's shape, `replay.py` remembers what was already acted on, `probes.py` answers /healthz and
/readyz. `/metrics` is not here: it has its own port (`bot/metrics/`), as this one may face the
internet.
"""

from bot.web.probes import Health, Probe, Readiness, SocketHealth, http_health
from bot.web.replay import ReplayGuard
from bot.web.server import (
    BODY_TIMEOUT,
    EVENTS_PATH,
    HEADER_TIMEOUT,
    HEALTH_PATH,
    MAX_BODY,
    READY_PATH,
    SlackEvents,
    make_web_app,
    not_accepting,
    start_web,
)

__all__ = [
    "BODY_TIMEOUT",
    "EVENTS_PATH",
    "HEADER_TIMEOUT",
    "HEALTH_PATH",
    "MAX_BODY",
    "READY_PATH",
    "Health",
    "Probe",
    "Readiness",
    "ReplayGuard",
    "SlackEvents",
    "SocketHealth",
    "http_health",
    "make_web_app",
    "not_accepting",
    "start_web",
]
