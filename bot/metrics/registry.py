"""`Metrics`: every Prometheus metric of one running bot, in its own registry.

Labels come only from the fixed sets below, the command words and the declared operations'
names (`bot.operations`); anything else is counted as "other", so no user id,
server name or API text can ever become a label (or a new time series).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot import __version__
from bot.commands.usage import commands
from bot.operations import names

if TYPE_CHECKING:
    from bot.flow.events import OperationDone

OTHER = "other"

ACTION_OUTCOMES = frozenset(
    {"executed", "denied", "cancelled", "expired", "failed", "frozen", "limited", "rejected"}
)
PLAN_OUTCOMES = frozenset(
    {"previewed", "confirmed", "approved", "refused", "cancelled", "expired", "limited"}
    | {"finished", "stopped", "aborted"}
)
"""What became of a plan of several servers: up to the moment it runs, then how it ended."""
PLAN_SERVER_OUTCOMES = frozenset({"done", "failed", "skipped"})
SCHEDULE_OUTCOMES = frozenset(
    {"scheduled", "ran", "frozen", "skipped", "missed", "unapproved", "denied", "failed"}
)
"""A schedule confirmed, and what became of each of its runs."""
COMMAND_OUTCOMES = ACTION_OUTCOMES | {
    "ok",  # answered (a read, help, whoami)
    "prompted",  # a confirmation or a form was shown
    "requested",  # an approval was requested
    "invalid",  # the input was refused before any call
    "not_found",  # no such server
    "unavailable",  # the state store could not be reached
    "busy",  # the member had too many reads in flight
    "error",  # a bug: the listener caught something unexpected
}
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
VPS_ENDPOINT = re.compile(r"/servers/(\{id\}/([a-z][a-z0-9-]*/)?)?")
"""The shapes of the client's endpoints (its own words, never a user's): the list, one server,
and one server's actions (`/servers/{id}/reboot/`)."""
WORDS_OUTCOMES = frozenset({"understood", "ambiguous", "refused", "not_understood"})
"""What became of a request in plain words (`bot.plainwords.Reading.outcome`)."""
VPS_OUTCOMES = frozenset({"2xx", "3xx", "4xx", "5xx", "timeout", "connect_error", "busy", "error"})
SLACK_METHODS = frozenset(
    {
        "apps.connections.open",
        "auth.test",
        "chat.delete",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.update",
        "conversations.info",
        "usergroups.users.list",
        "users.info",
        "views.open",
        "views.push",
        "views.update",
    }
)
SLACK_ERRORS = frozenset(
    {
        "ratelimited",
        "connection_error",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_arguments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "user_not_found",
        "expired_trigger_id",
        "exchanged_trigger_id",
        "view_too_large",
        "no_permission",
        "not_found",
        "request_timeout",
        "service_unavailable",
        "fatal_error",
        "internal_error",
    }
)

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0)
VPS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _one_of(value: str, allowed: Iterable[str]) -> str:
    return value if value in allowed else OTHER


class Metrics:
    """The bot's metrics; the flow and the edges call the recording methods."""

    def __init__(self, *, version: str = __version__, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self._commands = Counter(
            "vpsbot_commands_total", "Slash commands, by subcommand and outcome.",
            ["command", "outcome"], registry=r,
        )  # fmt: skip
        self._actions = Counter(
            "vpsbot_actions_total", "Changes to servers, by action and outcome.",
            ["action", "outcome"], registry=r,
        )  # fmt: skip
        self._plans = Counter(
            "vpsbot_plans_total", "Plans of several servers, by operation and outcome.",
            ["operation", "outcome"], registry=r,
        )  # fmt: skip
        self._plan_servers = Counter(
            "vpsbot_plan_servers_total", "Servers of plans at their end, by outcome.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self._words = Counter(
            "vpsbot_plain_words_total", "Requests in plain words, by what they became.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self._schedules = Counter(
            "vpsbot_schedule_runs_total", "Schedules confirmed, and their runs, by outcome.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self._ack = Histogram(
            "vpsbot_ack_duration_seconds", "From a request's arrival to its ack (Slack waits 3 s).",
            buckets=ACK_BUCKETS, registry=r,
        )  # fmt: skip
        self._vps_requests = Counter(
            "vpsbot_vps_api_requests_total", "HTTP attempts to the VPS.org API.",
            ["method", "endpoint", "outcome"], registry=r,
        )  # fmt: skip
        self._vps_duration = Histogram(
            "vpsbot_vps_api_request_duration_seconds", "Duration of one VPS.org API attempt.",
            ["method", "endpoint"], buckets=VPS_BUCKETS, registry=r,
        )  # fmt: skip
        self._slack_errors = Counter(
            "vpsbot_slack_api_errors_total", "Slack Web API errors, rate limits included.",
            ["method", "error"], registry=r,
        )  # fmt: skip
        self._confirmations = Gauge(
            "vpsbot_confirmations_pending", "Confirmations waiting for a click.", registry=r
        )
        self._approvals = Gauge(
            "vpsbot_approvals_pending", "Approval requests waiting for a decision.", registry=r
        )
        self._watches = Gauge(
            "vpsbot_watches_active", "Servers this replica follows to a steady state.", registry=r
        )
        self._monitor = Gauge(
            "vpsbot_monitor_last_success_timestamp_seconds",
            "When the fleet monitor last listed the fleet (UNIX time; 0: never).",
            registry=r,
        )
        self._socket: Gauge | None = None  # Socket Mode only: absent in HTTP mode
        build = Gauge("vpsbot_build_info", "The running version.", ["version"], registry=r)
        build.labels(version=version).set(1)

    # -- recorded by the flow and the clients --------------------------------------------------
    def command(self, command: str, outcome: str) -> None:
        """One slash command handled."""
        known = _one_of(command, commands())
        self._commands.labels(known, _one_of(outcome, COMMAND_OUTCOMES)).inc()

    def action(self, action: str, outcome: str) -> None:
        """One change to a server reached an outcome."""
        self._actions.labels(_one_of(action, names()), _one_of(outcome, ACTION_OUTCOMES)).inc()

    def plan(self, operation: str, outcome: str) -> None:
        """A plan of several servers was previewed, confirmed, approved, refused, …, or ended
        (finished, stopped, aborted)."""
        self._plans.labels(_one_of(operation, names()), _one_of(outcome, PLAN_OUTCOMES)).inc()

    def schedule(self, outcome: str) -> None:
        """A schedule was confirmed, or one of its runs ran, was skipped, frozen, missed, …"""
        self._schedules.labels(_one_of(outcome, SCHEDULE_OUTCOMES)).inc()

    async def operation_done(self, event: OperationDone) -> None:
        """Subscribed to `OperationDone`: a change executed, or failed at the API."""
        self.action(event.change.operation, "executed" if event.outcome.ok else "failed")

    def plain_words(self, outcome: str) -> None:
        """One request in plain words read: understood, ambiguous, refused or not understood."""
        self._words.labels(_one_of(outcome, WORDS_OUTCOMES)).inc()

    def plan_server(self, outcome: str) -> None:
        """One server of a plan reached its end (done, failed, skipped)."""
        self._plan_servers.labels(_one_of(outcome, PLAN_SERVER_OUTCOMES)).inc()

    def ack(self, seconds: float) -> None:
        """How long a request waited for its ack."""
        self._ack.observe(seconds)

    def vps_request(self, method: str, endpoint: str, outcome: str, seconds: float) -> None:
        """One HTTP attempt to the VPS.org API (the client's `on_request` hook)."""
        method = _one_of(method.upper(), HTTP_METHODS)
        endpoint = endpoint.replace("{server_id}", "{id}")
        endpoint = endpoint if VPS_ENDPOINT.fullmatch(endpoint) else OTHER
        self._vps_requests.labels(method, endpoint, _one_of(outcome, VPS_OUTCOMES)).inc()
        self._vps_duration.labels(method, endpoint).observe(seconds)

    def slack_error(self, method: str, error: str) -> None:
        """One Slack Web API call answered with an error (or not answered)."""
        method, error = _one_of(method, SLACK_METHODS), _one_of(error, SLACK_ERRORS)
        self._slack_errors.labels(method, error).inc()

    # -- state, refreshed in the background or read at scrape time ----------------------------
    def pending(self, *, confirmations: int, approvals: int) -> None:
        """What the state store holds pending now."""
        self._confirmations.set(confirmations)
        self._approvals.set(approvals)

    def socket_connected(self, connected: bool) -> None:
        """Whether the Socket Mode connection is up (the gauge exists once this is called)."""
        if self._socket is None:
            self._socket = Gauge(
                "vpsbot_socket_connected",
                "1 while the Socket Mode connection is up (Socket Mode only).",
                registry=self.registry,
            )
        self._socket.set(1 if connected else 0)

    def track_watches(self, active: Callable[[], float]) -> None:
        """Read the number of followed servers at each scrape (a cheap, local number)."""
        self._watches.set_function(active)

    def track_monitor(self, last_success: Callable[[], float | None]) -> None:
        """Read the fleet monitor's last success at each scrape."""
        self._monitor.set_function(lambda: last_success() or 0.0)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
