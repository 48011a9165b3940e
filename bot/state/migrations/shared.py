"""What the shipped revisions share. Frozen as they are: a shipped revision must always do the
same, so nothing here changes once a revision uses it (a new need gets a new name)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

TIME: sa.Double[float] = sa.Double()
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: a rowid alias


def request_columns(user: str, *after_action: sa.Column[Any]) -> list[sa.Column[Any]]:
    """A pending request's columns from who asked (`user`) to its state, with `after_action`
    after the action: version 1's confirmations, version 3's approvals and version 4's `pending`
    each have them."""
    return [
        sa.Column(user, sa.Text, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=False),
        sa.Column("channel_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        *after_action,
        sa.Column("server_id", sa.BigInteger),
        sa.Column("server_name", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("response_url", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
    ]


def decision_columns(by: str, at: str) -> list[sa.Column[Any]]:
    """An approval's columns after its state: who decided it and when (`by`, `at`), where its
    request was posted and the request id: version 3's approvals and version 4's `pending`."""
    return [
        sa.Column(by, sa.Text),
        sa.Column(at, TIME),
        sa.Column("ops_channel", sa.Text),
        sa.Column("ops_ts", sa.Text),
        sa.Column("request_id", sa.Text, nullable=False, server_default=""),
    ]


def downgrade() -> None:
    """Every revision's downgrade."""
    raise NotImplementedError("vpsbot's migrations go forward only: restore a backup to go back")
