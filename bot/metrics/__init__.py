"""Prometheus metrics: `Metrics` (what is counted) and `/metrics`.

Served on `HOST:BOT_METRICS_PORT`, never on the Slack-facing port.
"""

from bot.metrics.registry import OTHER, Metrics
from bot.metrics.serve import METRICS_PATH, MetricsRefresher, make_metrics_app

__all__ = [
    "METRICS_PATH",
    "OTHER",
    "Metrics",
    "MetricsRefresher",
    "make_metrics_app",
]
