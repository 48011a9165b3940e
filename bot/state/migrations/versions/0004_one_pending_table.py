"""Schema version 4: pending confirmations and approvals share one table, `pending`, told apart
by `kind`; the rows of `confirmations` and `approvals` move into it and those tables go.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME: sa.Double[float] = sa.Double()
_CONFIRMATIONS = """
    INSERT INTO pending (kind, id, user_id, channel_id, channel_name, action, server_id,
        server_name, params, response_url, created_at, expires_at, state, closed_at)
    SELECT 'confirmation', id, user_id, channel_id, channel_name, action, server_id,
        server_name, params, response_url, created_at, expires_at, state, closed_at
    FROM confirmations
"""
_APPROVALS = """
    INSERT INTO pending (kind, id, user_id, channel_id, channel_name, action, word, server_id,
        server_name, params, response_url, created_at, expires_at, state, closed_by, closed_at,
        ops_channel, ops_ts, request_id)
    SELECT 'approval', id, requester_id, channel_id, channel_name, action, word, server_id,
        server_name, params, response_url, created_at, expires_at, state, decided_by, decided_at,
        ops_channel, ops_ts, request_id
    FROM approvals
"""


def upgrade() -> None:
    op.create_table(
        "pending",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("channel_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("word", sa.Text, nullable=False, server_default=""),
        sa.Column("server_id", sa.BigInteger),
        sa.Column("server_name", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("response_url", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", TIME),
        sa.Column("ops_channel", sa.Text),
        sa.Column("ops_ts", sa.Text),
        sa.Column("request_id", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("kind IN ('confirmation', 'approval')", name="pending_kind"),
        sa.CheckConstraint(
            "state IN ('pending', 'claimed', 'cancelled', 'approved', 'rejected', 'expired')",
            name="pending_state",
        ),
    )
    op.create_index("pending_by_state", "pending", ["kind", "state", "expires_at"])
    op.create_index("pending_by_user", "pending", ["user_id", "state"])
    op.execute(_CONFIRMATIONS)
    op.execute(_APPROVALS)
    op.drop_table("confirmations")
    op.drop_table("approvals")


def downgrade() -> None:
    raise NotImplementedError("vpsbot's migrations go forward only: restore a backup to go back")
