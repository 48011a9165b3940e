"""Prometheus metrics: `Metrics` (what is counted), the Slack client's observer, and `/metrics`.

Served on `HOST:BOT_METRICS_PORT`, never on the Slack-facing port.
"""

from bot.metrics.registry import OTHER, Metrics
from bot.metrics.serve import METRICS_PATH, MetricsRefresher, make_metrics_app
from bot.metrics.slack import SlackErrorObserver

__all__ = [
    "METRICS_PATH",
    "OTHER",
    "Metrics",
    "MetricsRefresher",
    "SlackErrorObserver",
    "make_metrics_app",
]
