"""The Slack-facing HTTP surface: the events URL (HTTP mode) and the probes (both modes).

`server.py` serves and judges requests, `signing.py` checks Slack's signature, `payload.py` the
body's shape, `replay.py` remembers what was already acted on, `probes.py` answers /healthz and
/readyz. `/metrics` is not here: it has its own port (`bot/metrics/`), as this one may face the
internet.
"""

from bot.web.probes import Probe, Readiness, SocketHealth, http_health
from bot.web.replay import ReplayGuard
from bot.web.server import (
    EVENTS_PATH,
    HEALTH_PATH,
    READY_PATH,
    SlackEvents,
    make_web_app,
    not_accepting,
    start_web,
)

__all__ = [
    "EVENTS_PATH",
    "HEALTH_PATH",
    "READY_PATH",
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
