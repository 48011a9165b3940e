"""The tables every query is written against, as the latest migration leaves them.

One definition for both backends: times are UNIX seconds in DOUBLE PRECISION (REAL on SQLite),
server ids 64-bit, JSON kept as text. The migrations in `migrations/versions/` create these; they
never import this module, since a shipped migration must not change when the tables do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()

Time = sa.Double
# SQLite makes a column an auto-incremented alias of its rowid only when typed exactly INTEGER.
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class JsonText(sa.TypeDecorator[Mapping[str, Any]]):
    """A JSON object kept as text (as the first SQLite schema did)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Mapping[str, Any] | None, dialect: Dialect) -> str:
        return json.dumps(dict(value or {}))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Mapping[str, Any]:
        return dict(json.loads(value)) if value else {}


def _text(name: str, **kw: Any) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, **kw)


pending = sa.Table(
    "pending",  # confirmations and approvals: requests waiting for a person (`kind`)
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    _text("kind"),  # confirmation | approval
    _text("user_id"),  # who asked
    _text("channel_id"),
    _text("channel_name"),
    _text("action"),
    _text("word"),  # approvals: the operation's verb ("" for a confirmation)
    sa.Column("server_id", sa.BigInteger),
    _text("server_name"),
    sa.Column("params", JsonText, nullable=False),
    sa.Column("response_url", sa.Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    _text("state"),
    sa.Column("closed_by", sa.Text),  # who claimed, cancelled or decided it
    sa.Column("closed_at", Time),
    sa.Column("ops_channel", sa.Text),  # approvals: where the request was posted
    sa.Column("ops_ts", sa.Text),
    _text("request_id"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", AutoId, primary_key=True),
    sa.Column("time", Time, nullable=False),
    _text("user_id"),
    _text("channel_id"),
    _text("action"),
    sa.Column("server_id", sa.BigInteger),
    sa.Column("server_name", sa.Text),
    _text("outcome"),
    _text("detail"),
    _text("request_id"),
    sa.Column("count", sa.Integer, nullable=False),
    sqlite_autoincrement=True,
)

watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("server_id", sa.BigInteger, nullable=False),
    _text("server_name"),
    _text("action"),
    _text("requested_by"),
    _text("channel_id"),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("deadline", Time, nullable=False),
    sa.Column("ops_channel", sa.Text),
    sa.Column("ops_ts", sa.Text),
    sa.Column("result_channel", sa.Text),
    sa.Column("result_ts", sa.Text),
    sa.Column("response_url", sa.Text),
    sa.Column("last_status", sa.Text),
    sa.Column("finished_at", Time),
    sa.Column("owner", sa.Text),
    sa.Column("lease_until", Time),
)

snapshot = sa.Table(
    "snapshot",
    metadata,
    sa.Column("server_id", sa.BigInteger, primary_key=True),
    _text("name"),
    _text("status"),
)

meta = sa.Table("meta", metadata, sa.Column("key", sa.Text, primary_key=True), _text("value"))

expected_changes = sa.Table(
    "expected_changes",
    metadata,
    sa.Column("server_id", sa.BigInteger, primary_key=True),
    sa.Column("status", sa.Text, primary_key=True),
    sa.Column("until", Time, nullable=False),
)

seen_requests = sa.Table(
    "seen_requests",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("expires_at", Time, nullable=False),
)

writes = sa.Table(
    "writes",
    metadata,
    sa.Column("id", AutoId, primary_key=True),
    _text("user_id"),
    sa.Column("time", Time, nullable=False),
    sa.Column("until", Time, nullable=False),  # when it stops counting (time + window)
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    _text("owner"),
    sa.Column("expires_at", Time, nullable=False),
)

inflight = sa.Table(
    "inflight",  # a confirmed or approved call recorded before it is sent, gone once answered
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    _text("user_id"),
    _text("channel_id"),
    _text("operation"),
    sa.Column("server_id", sa.BigInteger, nullable=False),
    _text("server_name"),
    sa.Column("change", JsonText, nullable=False),
    sa.Column("response_url", sa.Text),
    sa.Column("plan_id", sa.Text),
    sa.Column("before_status", sa.Text),
    sa.Column("started_at", Time, nullable=False),
    _text("owner"),
    sa.Column("lease_until", Time, nullable=False),
    _text("request_id"),
    sa.Column("approved_by", sa.Text),
    sa.Column("lost", sa.Text),
)

plans = sa.Table(
    "plans",  # several servers at once: the request, its options and where it stands
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    _text("user_id"),
    _text("channel_id"),
    _text("channel_name"),
    _text("operation"),
    sa.Column("request", JsonText, nullable=False),
    sa.Column("options", JsonText, nullable=False),
    _text("state"),
    _text("reason"),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("lease_until", Time),
    sa.Column("progress_channel", sa.Text),
    sa.Column("progress_ts", sa.Text),
    sa.Column("ops_channel", sa.Text),
    sa.Column("ops_ts", sa.Text),
    sa.Column("response_url", sa.Text),
    _text("request_id"),
)

plan_servers = sa.Table(
    "plan_servers",  # a plan's servers in the order they are acted on, each one's step
    metadata,
    sa.Column("plan_id", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("batch", sa.Integer, nullable=False),
    sa.Column("server_id", sa.BigInteger, nullable=False),
    _text("server_name"),
    _text("state"),
    _text("detail"),
    sa.Column("called_at", Time),
    sa.Column("settled_at", Time),
)

schedules = sa.Table(
    "schedules",  # a write command run later: the request, when, and each run claimed once
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    _text("user_id"),
    _text("channel_id"),
    _text("channel_name"),
    _text("operation"),
    _text("command"),
    sa.Column("request", JsonText, nullable=False),
    sa.Column("options", JsonText, nullable=False),
    sa.Column("timing", JsonText, nullable=False),
    _text("state"),
    sa.Column("next_run", Time),
    sa.Column("skip_run", Time),
    sa.Column("noticed_run", Time),
    sa.Column("last_run", Time),
    _text("last_result"),
    sa.Column("approval_id", sa.Text),
    sa.Column("response_url", sa.Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    _text("request_id"),
)
