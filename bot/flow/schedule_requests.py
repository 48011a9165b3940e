"""The buttons of schedules, each taken down its path under the pipeline's net: the preview's
Schedule and Cancel, Cancel the schedule (the list, the Home tab, the notice) and Skip this
run (the notice)."""

from __future__ import annotations

from bot.flow.caller import Caller
from bot.flow.pipeline import guarded
from bot.flow.services import Services
from bot.schedules.controls import cancel_schedule, skip_run
from bot.schedules.front import confirm_schedule, discard_schedule


async def schedule_confirm_clicked(
    services: Services, caller: Caller, schedule_id: str, *, typed: str | None = None
) -> None:
    """The preview's danger button ("Schedule reboot"), or its form with what was `typed`."""
    ctx, zone = services.context(caller), services.settings.bot_timezone
    step = confirm_schedule(ctx, services.gate, schedule_id, zone, typed=typed)
    await guarded(ctx, "confirm schedule", "write", step)
    services.home.touch()


async def schedule_discard_clicked(services: Services, caller: Caller, schedule_id: str) -> None:
    """The preview's Cancel button."""
    ctx = services.context(caller)
    await guarded(ctx, "discard schedule", "other", discard_schedule(ctx, schedule_id))


async def schedule_cancel_clicked(services: Services, caller: Caller, schedule_id: str) -> None:
    """Cancel the schedule (on `/vps schedules`, the Home tab or a notice)."""
    ctx = services.context(caller)
    step = cancel_schedule(ctx, services.gate, schedule_id)
    await guarded(ctx, "cancel schedule", "write", step)
    services.home.touch()


async def schedule_skip_clicked(services: Services, caller: Caller, value: str) -> None:
    """Skip this run (on a notice); `value` names the schedule and the run."""
    ctx = services.context(caller)
    step = skip_run(ctx, services.gate, value, services.settings.bot_timezone)
    await guarded(ctx, "skip run", "write", step)
