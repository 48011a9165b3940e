"""Schema version 1: pending confirmations and the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import AUTO_ID, TIME, request_columns
from bot.state.migrations.shared import downgrade as downgrade

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Text, primary_key=True),
        *request_columns("user_id"),
        sa.Column("closed_at", TIME),
        sa.CheckConstraint(
            "state IN ('pending', 'claimed', 'cancelled', 'expired')", name="confirmation_state"
        ),
    )
    op.create_index("confirmations_by_expiry", "confirmations", ["expires_at"])
    # AUTOINCREMENT: ids are never reused after pruning, so they order entries of equal time.
    op.create_table(
        "audit",
        sa.Column("id", AUTO_ID, primary_key=True),
        sa.Column("time", TIME, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("server_id", sa.BigInteger),
        sa.Column("server_name", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("audit_by_time", "audit", ["time", "id"])
    op.create_index("audit_by_server_id", "audit", ["server_id", "time"])
    op.create_index("audit_by_server_name", "audit", [sa.text("lower(server_name)"), "time"])
