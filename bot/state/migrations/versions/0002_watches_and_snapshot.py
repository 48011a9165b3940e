"""Schema version 2: lifecycle watches, the fleet snapshot and the bot's expected changes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import TIME
from bot.state.migrations.shared import downgrade as downgrade

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("server_id", sa.BigInteger, nullable=False),
        sa.Column("server_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("deadline", TIME, nullable=False),
        sa.Column("ops_channel", sa.Text),
        sa.Column("ops_ts", sa.Text),
        sa.Column("result_channel", sa.Text),
        sa.Column("result_ts", sa.Text),
        sa.Column("response_url", sa.Text),
        sa.Column("last_status", sa.Text),
        sa.Column("finished_at", TIME),
    )
    op.create_index("watches_unfinished", "watches", ["finished_at", "started_at"])
    op.create_table(
        "snapshot",
        sa.Column("server_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "expected_changes",
        sa.Column("server_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("status", sa.Text, primary_key=True),
        sa.Column("until", TIME, nullable=False),
    )
