"""Alembic's entry point: runs the migrations on the connection vpsbot hands over.

vpsbot runs them itself at start (`bot/state/migrate.py`), inside its own transaction and lock;
there is no alembic.ini. To add a revision, copy the newest file in `versions/`, number it one
higher (the number is the schema version) and set `down_revision` to the one before.
"""

from __future__ import annotations

from alembic import context

config = context.config
context.configure(
    connection=config.attributes["connection"],
    version_table=config.attributes["version_table"],
)
with context.begin_transaction():
    context.run_migrations()
