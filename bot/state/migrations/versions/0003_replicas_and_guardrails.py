"""Schema version 3: several replicas (leases, the replay guard) and guardrails (approvals,
write limits); audit entries gain a request id and a count (repeated denials collapse).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIME: sa.Double[float] = sa.Double()
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.add_column("audit", sa.Column("request_id", sa.Text, nullable=False, server_default=""))
    op.add_column("audit", sa.Column("count", sa.Integer, nullable=False, server_default="1"))
    # Files made before Alembic index names with COLLATE NOCASE: one expression for both.
    op.drop_index("audit_by_server_name", table_name="audit")
    op.create_index("audit_by_server_name", "audit", [sa.text("lower(server_name)"), "time"])
    op.create_index("audit_denials", "audit", ["user_id", "outcome", "time"])

    op.add_column("watches", sa.Column("owner", sa.Text))
    op.add_column("watches", sa.Column("lease_until", TIME))

    op.create_table(
        "seen_requests",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("expires_at", TIME, nullable=False),
    )
    op.create_index("seen_requests_by_expiry", "seen_requests", ["expires_at"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("requester_id", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("channel_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("word", sa.Text, nullable=False),
        sa.Column("server_id", sa.BigInteger),
        sa.Column("server_name", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("response_url", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", TIME),
        sa.Column("ops_channel", sa.Text),
        sa.Column("ops_ts", sa.Text),
        sa.Column("request_id", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'expired')", name="approval_state"
        ),
    )
    op.create_index("approvals_by_state", "approvals", ["state", "expires_at"])
    op.create_table(
        "writes",
        sa.Column("id", AUTO_ID, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("time", TIME, nullable=False),
        sa.Column("until", TIME, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("writes_by_user", "writes", ["user_id", "time"])
    op.create_table(
        "leases",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("vpsbot's migrations go forward only: restore a backup to go back")
