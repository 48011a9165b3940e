"""What runs in the background once the state store answers, and who hears of a change.

The composition root's other half (`bot.startup` builds the rest): the fleet monitor,
housekeeping, the sweepers, the settler, the plans' driver and the schedules' runs, each an
`Every` job of one `Periodic`; and the listeners of `OperationDone`, subscribed in their order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.periodic import Every, Periodic

if TYPE_CHECKING:  # loaded once the probes answer
    from bot.config import Settings
    from bot.flow.events import Events
    from bot.flow.services import Services
    from bot.metrics import Metrics
    from bot.monitor import FleetMonitor
    from bot.notify import Notifier
    from bot.plans.drive import PlanDriver
    from bot.watch import Watcher
    from bot.web import SocketHealth


def periodic_work(
    settings: Settings,
    services: Services,
    watcher: Watcher,
    notifier: Notifier,
    replica: str,
    socket: SocketHealth | None,
) -> Periodic:
    """The work that needs the state store, to start once it answers (and the socket is up,
    so the metrics' first refresh already reads both): the fleet monitor, housekeeping, the
    approval sweeper, the watch claimer, the settler of changes left in flight, the schedules'
    runs and the metrics refresher. Who hears of a change is subscribed here."""
    from bot.flow.approval_notices import ApprovalSweeper
    from bot.housekeeping import Housekeeper
    from bot.metrics import MetricsRefresher
    from bot.monitor import FleetMonitor
    from bot.schedules.runs import ScheduleRunner
    from bot.settler import Settler

    store, metrics = services.store, services.metrics

    async def reported_by_the_bot(server_id: int) -> bool:
        """A server followed to its end, alone or in a plan: the bot reports its change."""
        return await watcher.is_following(server_id) or server_id in await store.servers_in_flight()

    monitor = FleetMonitor(
        lister=services.directory.fleet,  # its listing also refreshes the fleet index
        store=store,
        notifier=notifier,
        interval=settings.bot_monitor_interval_seconds,
        is_followed=reported_by_the_bot,
        owner=replica,
    )
    subscribe(services.events, watcher, notifier, monitor, metrics)
    services.events.subscribe(services.steps.operation_done)  # workflow steps waiting for it
    services.events.subscribe(services.home.touched)  # the Home tabs, refreshed last
    metrics.track_watches(lambda: watcher.active)
    metrics.track_monitor(lambda: monitor.last_success)
    # Always, not only while the policy has `approve:`: requests left pending when the policy
    # changed still expire, and their requesters are told.
    sweeper = ApprovalSweeper(
        store=store,
        notifier=notifier,
        slack=services.slack,
        interval=settings.bot_watch_interval_seconds,
        clock=services.clock,
        expired=services.home.touch,
    )
    settler = Settler(  # what a replica that died mid-call left, told from the server's status
        store=store,
        vps=services.vps,
        slack=services.slack,
        events=services.events,
        owner=replica,
        lease=services.effects.lease,
        interval=settings.bot_watch_interval_seconds,
        clock=services.clock,
    )
    jobs = [
        monitor.job(),
        Housekeeper(
            store,
            audit_days=settings.bot_audit_retention_days,
            preview_ttl=settings.bot_confirm_ttl_seconds,
        ).job(),
        sweeper.job(),
        watcher.job(),
        settler.job(),
        plan_driver(settings, services, notifier, replica).job(),
        Every(settings.bot_schedule_interval_seconds, ScheduleRunner(services).round, "schedules"),
    ]
    if settings.bot_metrics_port != 0:
        connected = socket.connected if socket else None
        refresher = MetricsRefresher(metrics, store=store, socket_connected=connected)
        jobs.append(refresher.job())
    return Periodic(*jobs)


def plan_driver(
    settings: Settings, services: Services, notifier: Notifier, replica: str
) -> PlanDriver:
    """The driver of running plans: it polls as often as a follow-up does."""
    from bot.plans.drive import Drive, PlanDriver
    from bot.plans.progress import Progress

    drive = Drive(
        store=services.store,
        gate=services.gate,
        effects=services.effects,
        directory=services.directory,
        progress=Progress(services.store, services.slack, notifier),
        metrics=services.metrics,
        clock=services.clock,
        touched=services.home.touch,
    )
    return PlanDriver(drive, owner=replica, interval=settings.bot_watch_interval_seconds)


def subscribe(
    events: Events, watcher: Watcher, notifier: Notifier, monitor: FleetMonitor, metrics: Metrics
) -> None:
    """Who hears of a change once it is done (`OperationDone`), in this order: the follow-up
    stores its watch and the metrics and the fleet monitor take it in (before anything is
    posted), the requester and the ops channel are told, and the follow-up starts from those
    messages."""
    from bot.flow.events import tell_requester

    events.subscribe(watcher.note)
    events.subscribe(metrics.operation_done)
    events.subscribe(monitor.operation_done)
    events.subscribe(tell_requester)
    events.subscribe(notifier.report)
    events.subscribe(watcher.follow_up)
