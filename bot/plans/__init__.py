"""Several servers at once: a plan is a frozen list of servers acted on in batches.

`PlanOptions` is what `batch:`, `max-fail:`, `pause:` and `wait:` said, as a plan keeps it (the
`options` of a stored plan are its JSON). The parts: choosing and previewing the servers
(`bot.plans` front: selectors, preview, confirmation, approval) and driving a running plan
(batches, the failure budget, progress, Pause/Resume/Abort) meet only in the state store: a plan
in state `running` is one a replica must drive.

Driving: `drive` (the periodic job: claim, settle, start the next batch, end), `calls` (a
batch's calls and what each step records), `settle` (where a server stands, by its status),
`progress` (the plan's two messages, throttled) and `control` (Pause, Resume, Abort, Retry).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlanOptions(BaseModel):
    """How a plan runs. A count or a percentage (of the plan's servers) for the batch and the
    failures tolerated; seconds for the pause between batches and the wait for each server."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch: int = Field(default=1, ge=1)
    batch_percent: bool = False
    max_fail: int = Field(default=0, ge=0)
    max_fail_percent: bool = False
    pause: float = Field(default=0.0, ge=0)
    wait: float = Field(default=600.0, gt=0)

    def batch_size(self, servers: int) -> int:
        """Servers acted on together in a plan of `servers` (a percentage rounds up, at
        least 1)."""
        if not self.batch_percent:
            return self.batch
        return max(1, math.ceil(servers * min(self.batch, 100) / 100))

    def failures_allowed(self, servers: int) -> int:
        """Failures tolerated across a plan of `servers`; one more stops it (a percentage
        rounds down)."""
        if not self.max_fail_percent:
            return self.max_fail
        return servers * min(self.max_fail, 100) // 100

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
