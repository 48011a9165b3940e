"""Schema version 5: changes in flight (a confirmed or approved call recorded before it is sent,
cleared when its answer is known, settled by the server's status when the replica died between)
and plans (a frozen list of servers acted on in batches, each server's step kept).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import TIME
from bot.state.migrations.shared import downgrade as downgrade

revision = "0005"
down_revision = "0004"


def _text(name: str, *, default: str | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "inflight",
        sa.Column("id", sa.Text, primary_key=True),
        _text("user_id"),
        _text("channel_id"),
        _text("operation"),
        sa.Column("server_id", sa.BigInteger, nullable=False),
        _text("server_name"),
        _text("change"),  # the Change's JSON
        sa.Column("response_url", sa.Text),
        sa.Column("plan_id", sa.Text),
        sa.Column("before_status", sa.Text),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("lease_until", TIME, nullable=False),
        _text("request_id", default=""),
        sa.Column("approved_by", sa.Text),  # who approved it, when someone did
        sa.Column("lost", sa.Text),  # why its answer was lost (a timeout), None while awaited
    )
    op.create_index("inflight_by_lease", "inflight", ["lease_until"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Text, primary_key=True),
        _text("user_id"),
        _text("channel_id"),
        _text("channel_name", default=""),
        _text("operation"),
        _text("request"),  # the Request's JSON
        _text("options"),  # batch, max-fail, pause, wait as JSON
        _text("state"),
        _text("reason", default=""),  # why it is paused, stopped or refused
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("lease_until", TIME),
        sa.Column("progress_channel", sa.Text),
        sa.Column("progress_ts", sa.Text),
        sa.Column("ops_channel", sa.Text),
        sa.Column("ops_ts", sa.Text),
        sa.Column("response_url", sa.Text),
        _text("request_id", default=""),
    )
    op.create_index("plans_by_state", "plans", ["state", "lease_until"])
    op.create_index("plans_by_user", "plans", ["user_id", "created_at"])
    op.create_table(
        "plan_servers",
        sa.Column("plan_id", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("server_id", sa.BigInteger, nullable=False),
        _text("server_name"),
        _text("state", default="waiting"),  # waiting | calling | running | done | failed | skipped
        _text("detail", default=""),
        sa.Column("called_at", TIME),
        sa.Column("settled_at", TIME),
    )
    op.create_index("plan_servers_by_state", "plan_servers", ["plan_id", "state"])
