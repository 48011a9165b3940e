"""Schema version 3: several replicas (leases, the replay guard) and guardrails (approvals,
write limits); audit entries gain a request id and a count (repeated denials collapse).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import AUTO_ID, TIME, decision_columns, request_columns
from bot.state.migrations.shared import downgrade as downgrade

revision = "0003"
down_revision = "0002"


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
        *request_columns("requester_id", sa.Column("word", sa.Text, nullable=False)),
        *decision_columns("decided_by", "decided_at"),
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
