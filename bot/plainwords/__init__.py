"""Requests in plain words: a direct message or a mention, in English or Italian, read as the
one `/vps` command it says (`read`), which then takes the command's own path."""

from bot.plainwords.names import FleetNames
from bot.plainwords.reader import Reading, read

__all__ = ["FleetNames", "Reading", "read"]
