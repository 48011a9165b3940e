"""`RoundTrip`: a value the bot hands Slack that comes back from outside — a button's value, a
modal's private_metadata. Each is a pydantic model with one JSON format, validated on the way
back in; nothing is parsed by hand."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["RoundTrip"]


class RoundTrip(BaseModel):
    """The base of every round-trip value: frozen, and refusing fields it does not have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> str:
        """The JSON that goes into Slack (fields left out when empty)."""
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, text: str) -> Self | None:
        """Read it back; None when it is not one of ours."""
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            return None
