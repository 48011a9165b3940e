"""Schema version 4: pending confirmations and approvals share one table, `pending`, told apart
by `kind`; the rows of `confirmations` and `approvals` move into it and those tables go.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import decision_columns, request_columns
from bot.state.migrations.shared import downgrade as downgrade

revision = "0004"
down_revision = "0003"

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
        *request_columns("user_id", sa.Column("word", sa.Text, nullable=False, server_default="")),
        *decision_columns("closed_by", "closed_at"),
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
