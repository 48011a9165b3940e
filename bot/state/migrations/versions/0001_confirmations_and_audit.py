"""Schema version 1: pending confirmations and the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME: sa.Double[float] = sa.Double()
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("channel_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("server_id", sa.BigInteger),
        sa.Column("server_name", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("response_url", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
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


def downgrade() -> None:
    raise NotImplementedError("vpsbot's migrations go forward only: restore a backup to go back")
