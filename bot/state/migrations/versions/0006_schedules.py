"""Schema version 6: schedules (a write command run later, once or again and again: the
request, when it runs, its next run claimed by compare-and-set so each run happens once).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.state.migrations.shared import TIME
from bot.state.migrations.shared import downgrade as downgrade

revision = "0006"
down_revision = "0005"


def _text(name: str, *, default: str | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Text, primary_key=True),
        _text("user_id"),
        _text("channel_id"),
        _text("channel_name", default=""),
        _text("operation"),
        _text("command"),  # what was typed after `schedule`, as shown in lists
        _text("request"),  # the Request's JSON
        _text("options", default="{}"),  # a plan's batch, max-fail, pause, wait as JSON
        _text("timing"),  # when it runs, as JSON (once at a moment, or days, a time, a zone)
        _text("state"),  # approval | active | ended | cancelled | refused
        sa.Column("next_run", TIME),  # None once no run is left
        sa.Column("skip_run", TIME),  # the run "Skip this run" was clicked for
        sa.Column("noticed_run", TIME),  # the run whose 15-minute notice was posted
        sa.Column("last_run", TIME),
        _text("last_result", default=""),
        sa.Column("approval_id", sa.Text),
        sa.Column("response_url", sa.Text),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _text("request_id", default=""),
    )
    op.create_index("schedules_by_next_run", "schedules", ["state", "next_run"])
    op.create_index("schedules_by_user", "schedules", ["user_id", "created_at"])
