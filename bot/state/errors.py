"""The state store's errors: a message in plain words, never a password.

StateStoreError            the store can't be opened or used (which database, and why)
 └── StateStoreUnavailable the database can't be reached, or stayed locked past the bounded
                           wait: nothing was done, the same call may succeed in a moment
"""

from __future__ import annotations


class StateStoreError(Exception):
    """The store can't be opened or used; the message says which database and why."""


class StateStoreUnavailable(StateStoreError):
    """The database is down, unreachable or busy beyond the bounded wait; nothing was done."""
